"""Refusals of the notify domain, mapped to HTTP once in ``main.py``."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class NotDead(AnxinError):
    status_code = 409
    code = "outbox_not_dead"
    message_zh = "只有投递失败（dead）的消息可以重新投递，当前状态为 {status}"
    message_en = "Only a dead message can be redelivered; this one is {status}"

    def details(self) -> dict[str, Any]:
        return {"status": self.params["status"]}


class BadWebhookUrl(AnxinError):
    status_code = 422
    code = "invalid_webhook_url"
    message_zh = "Webhook 地址必须以 http:// 或 https:// 开头"
    message_en = "A webhook URL must start with http:// or https://"
