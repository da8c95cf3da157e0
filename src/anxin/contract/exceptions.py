"""Errors of plans and contracts, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class PlanCategoryMismatch(AnxinError):
    status_code = 422
    code = "plan_category_mismatch"
    message_zh = "该服务套餐只适用于{category_zh}，不适用于这台家电"
    message_en = "This plan is for {category_en} only, not for this appliance"

    def details(self) -> dict[str, Any]:
        return {"field": "plan_id"}


class ApplianceTooOld(AnxinError):
    status_code = 422
    code = "appliance_too_old"
    message_zh = "家电已使用超过 {months} 个月，不能购买该套餐"
    message_en = "The appliance is more than {months} months old and cannot take this plan"

    def details(self) -> dict[str, Any]:
        return {"field": "appliance_id"}


class AlreadyCovered(AnxinError):
    status_code = 422
    code = "already_covered"
    message_zh = "这台家电已有同类合同（{number}），有效期至 {until}"
    message_en = "The appliance already has a contract of this kind ({number}) until {until}"

    def details(self) -> dict[str, Any]:
        return {"field": "appliance_id"}


class PlanRetired(AnxinError):
    status_code = 422
    code = "plan_retired"
    message_zh = "该服务套餐已停售"
    message_en = "This plan is no longer sold"

    def details(self) -> dict[str, Any]:
        return {"field": "plan_id"}


class ContractState(AnxinError):
    status_code = 409
    code = "illegal_transition"
    message_zh = "合同当前状态为{current_zh}，不能{action_zh}"
    message_en = "Cannot {action} a contract that is {current}"

    def details(self) -> dict[str, Any]:
        return {"current": self.params["current"], "action": self.params["action"]}


class AlreadyRenewed(AnxinError):
    status_code = 409
    code = "already_renewed"
    message_zh = "该合同已续约（{number}）"
    message_en = "This contract was renewed already ({number})"


class NotRenewableYet(AnxinError):
    status_code = 409
    code = "not_renewable_yet"
    message_zh = "合同到期前 {days} 天内才能续约（{from_day} 起）"
    message_en = "A contract can be renewed in its last {days} days (from {from_day})"


class PlanCodeTaken(AnxinError):
    status_code = 409
    code = "code_taken"
    message_zh = "编码 {code} 已被使用"
    message_en = "The code {code} is already in use"

    def details(self) -> dict[str, Any]:
        return {"field": "code"}
