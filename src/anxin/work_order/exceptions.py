from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError
from anxin.notify.templates import ACTION_NAMES, STATUS_NAMES


class UnknownAction(AnxinError):
    status_code = 404
    code = "unknown_action"
    message_zh = "没有名为 {action} 的工单操作"
    message_en = "There is no work-order action called {action}"


class IllegalMove(AnxinError):
    """The order's status does not allow the action; the message names both in words (a page shows it),
    the details keep the codes."""

    status_code = 409
    code = "illegal_transition"
    message_zh = "工单当前为「{current}」，现在不能{action}"
    message_en = "“{action}” is not possible while the order is “{current}”"

    def message(self, language: str) -> str:
        index = 1 if language == "en" else 0
        current = str(getattr(self.params["current"], "value", self.params["current"]))
        action = self.params["action"]
        words = {
            "current": STATUS_NAMES.get(current, (current, current))[index],
            "action": ACTION_NAMES.get(action, (action, action))[index],
        }
        return (self.message_en if language == "en" else self.message_zh).format(**words)

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current"]), "action": self.params["action"]}


class ActionForbidden(AnxinError):
    status_code = 403
    code = "action_forbidden"
    message_zh = "角色 {role} 不能执行 {action}"
    message_en = "The {role} role may not {action} a work order"


class NotYourOrder(AnxinError):
    status_code = 403
    code = "not_your_order"
    message_zh = "该工单没有分派给你"
    message_en = "This work order is not assigned to you"


class ReasonRequired(AnxinError):
    status_code = 422
    code = "reason_required"
    message_zh = "reason: 执行 {action} 必须填写原因"
    message_en = "reason: {action} needs a reason"

    def details(self) -> dict[str, Any]:
        return {"field": "reason"}


class VersionConflict(AnxinError):
    status_code = 409
    code = "version_conflict"
    message_zh = "工单已被他人修改（当前版本 {current}，请求版本 {expected}），请刷新后重试"
    message_en = "The work order was changed by someone else (now version {current}, you had {expected})"


class IdempotencyKeyReused(AnxinError):
    status_code = 422
    code = "idempotency_key_reused"
    message_zh = "Idempotency-Key 已用于另一个不同的请求"
    message_en = "This Idempotency-Key was already used for a different request"


class TooLateForRole(AnxinError):
    status_code = 409
    code = "too_late"
    message_zh = "工单已进行到 {current}，{role} 不能再执行 {action}，请联系客服"
    message_en = "The work order is {current}: too late for the {role} role to {action}; ask an agent"


class BadPhoto(AnxinError):
    status_code = 422
    code = "bad_photo"
    message_zh = "file: 照片须为完整可读的 JPEG、PNG 或 WebP 图片，且不超过 {limit_mb} MB"
    message_en = "file: a photo must be a whole, readable JPEG, PNG or WebP image of at most {limit_mb} MB"


class PhotoTooManyPixels(AnxinError):
    """A picture declaring more pixels than ``photos.MAX_PIXELS`` (a decompression bomb: a few kilobytes
    that would decode to gigabytes), refused before its pixels are read."""

    status_code = 422
    code = "photo_too_many_pixels"
    message_zh = "file: 照片像素过多，最多 {limit_mp} 百万像素"
    message_en = "file: the photo has too many pixels; at most {limit_mp} megapixels"
