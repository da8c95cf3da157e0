"""Errors of the follow-up desk and the complaint desk, mapped to HTTP once in ``main.py``."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class SurveyTokenInvalid(AnxinError):
    status_code = 403
    code = "survey_token_invalid"
    message_zh = "回访链接无效或已被篡改"
    message_en = "This survey link is not valid"


class SurveyExpired(AnxinError):
    status_code = 410
    code = "survey_expired"
    message_zh = "回访链接已过期，感谢您的关注"
    message_en = "This survey link has expired"


class SurveyAnswered(AnxinError):
    status_code = 409
    code = "survey_answered"
    message_zh = "该回访已提交，感谢您的评价"
    message_en = "This survey has already been answered"


class TaskTaken(AnxinError):
    status_code = 409
    code = "task_taken"
    message_zh = "该任务已由他人处理或已结束"
    message_en = "This task is taken by someone else or already finished"


class UnknownComplaintAction(AnxinError):
    status_code = 404
    code = "unknown_action"
    message_zh = "没有名为 {action} 的投诉操作"
    message_en = "There is no complaint action called {action}"


class ComplaintActionForbidden(AnxinError):
    status_code = 403
    code = "action_forbidden"
    message_zh = "角色 {role} 不能对投诉执行 {action}"
    message_en = "The {role} role may not {action} a complaint"


class ComplaintIllegalMove(AnxinError):
    status_code = 409
    code = "illegal_transition"
    message_zh = "投诉当前状态为 {current}，不能执行 {action}"
    message_en = "Cannot {action} a complaint that is {current}"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current"]), "action": self.params["action"]}


class CompensationNotPending(AnxinError):
    status_code = 409
    code = "compensation_not_pending"
    message_zh = "该投诉没有待审批的先行赔付"
    message_en = "This complaint has no compensation waiting for approval"
