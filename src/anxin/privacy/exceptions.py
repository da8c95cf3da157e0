"""Refusals of the privacy domain, mapped to HTTP once in ``main.py``."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class AlreadyErased(AnxinError):
    status_code = 409
    code = "already_erased"
    message_zh = "该客户的个人信息已于 {erased_at} 删除，无法再次删除或恢复"
    message_en = (
        "This customer's personal data was erased at {erased_at}; it cannot be erased again or restored"
    )

    def details(self) -> dict[str, Any]:
        return {"erased_at": self.params["erased_at"]}


class StillInService(AnxinError):
    status_code = 409
    code = "still_in_service"
    message_zh = "客户仍有未完结的工单或投诉（{numbers}），请先完结或取消后再删除个人信息"
    message_en = (
        "The customer still has open orders or complaints ({numbers}); finish or cancel them before erasing"
    )

    def details(self) -> dict[str, Any]:
        return {"open": self.params["open"]}

    def __init__(self, open: list[str]) -> None:
        super().__init__(open=open, numbers=", ".join(open))


class ReasonMissing(AnxinError):
    status_code = 422
    code = "reason_required"
    message_zh = "请写明依据，例如：客户 12 月 5 日来电申请"
    message_en = "Say on what grounds, e.g. the customer's call of 5 December"


class ReasonTooLong(AnxinError):
    status_code = 422
    code = "reason_too_long"
    message_zh = "依据最多 {limit} 个字"
    message_en = "At most {limit} characters"

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit)
