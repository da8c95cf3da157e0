"""Errors of closure review and settlement, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class NotFinished(AnxinError):
    """Only a finished order (completed, followed up or closed) is submitted for closure review."""

    status_code = 409
    code = "order_not_finished"
    message_zh = "工单尚未完工（当前：{current}），不能提交封单审核"
    message_en = "The order is not finished (it is {current_code}); it cannot be submitted for closure"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current_code"])}


class NoOutlet(AnxinError):
    status_code = 409
    code = "order_without_outlet"
    message_zh = "工单不属于任何网点，不能提交封单审核"
    message_en = "The order belongs to no outlet; it cannot be submitted for closure"


class ReviewState(AnxinError):
    """The review is not in a state that allows this: approving twice, resubmitting a pending one."""

    status_code = 409
    code = "closure_review_state"
    message_zh = "封单审核当前为“{current}”，不能{what}"
    message_en = "The closure review is {current_code}; it cannot be {what_en}"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current_code"])}


class StatementFrozen(AnxinError):
    """A confirmed statement is frozen; a disputed one waits for an admin."""

    status_code = 409
    code = "statement_state"
    message_zh = "结算单当前为“{current}”，不能{what}"
    message_en = "The statement is {current_code}; it cannot be {what_en}"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current_code"])}


class MonthNotOver(AnxinError):
    status_code = 422
    code = "month_not_over"
    message_zh = "month: {month} 尚未结束，不能生成结算单"
    message_en = "month: {month} is not over yet; its statement cannot be generated"

    def details(self) -> dict[str, Any]:
        return {"field": "month"}
