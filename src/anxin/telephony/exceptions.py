"""Refusals about relay numbers; each an ``AnxinError``, which ``main.py`` turns into the one error shape."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class NoTelephonyProvider(AnxinError):
    """No telephony provider is configured (``ANXIN_TELEPHONY_PROVIDER``): no relay numbers."""

    status_code = 409
    code = "no_telephony_provider"
    message_zh = "尚未开通隐私号通话"
    message_en = "Relay numbers are not set up here"


class NoRelay(AnxinError):
    """The order has no relay number to give: no technician is assigned, or the order is finished and its
    number was released. ``reason``: ``no_technician`` or ``order_closed``."""

    status_code = 409
    code = "relay_unavailable"
    message_zh = "{why_zh}，暂无隐私号"
    message_en = "No relay number: {why_en}"
    WHY = {
        "no_technician": ("尚未派工", "no technician is assigned yet"),
        "order_closed": ("工单已结束", "the order is finished"),
    }

    def __init__(self, reason: str) -> None:
        zh, en = self.WHY[reason]
        super().__init__(reason=reason, why_zh=zh, why_en=en)

    def details(self) -> dict[str, Any]:
        return {"reason": self.params["reason"]}


class TelephonyUnavailable(AnxinError):
    """The provider refused or could not be reached: nothing was bound; try again later."""

    status_code = 503
    code = "telephony_unavailable"
    message_zh = "隐私号服务暂时不可用，请稍后再试"
    message_en = "The relay number service is unavailable; try again shortly"
