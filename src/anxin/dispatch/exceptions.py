"""Dispatch's errors: assignment and matching, appointment slots, day plans."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anxin.exceptions import AnxinError


def _joined(reasons: Sequence, language: str) -> str:
    return ("；" if language == "zh" else "; ").join(r.text(language) for r in reasons)


class TechnicianNotEligible(AnxinError):
    status_code = 422
    code = "technician_not_qualified"
    message_zh = "technician_id: 该工程师不能接此单：{zh}"
    message_en = "technician_id: the technician cannot take this order: {en}"

    def __init__(self, reasons: Sequence, overridable: bool = False) -> None:
        super().__init__(zh=_joined(reasons, "zh"), en=_joined(reasons, "en"))
        self.codes, self.overridable = [r.code for r in reasons], overridable

    def details(self) -> dict:
        return {"reasons": self.codes, "overridable": self.overridable}


class TechnicianFull(AnxinError):
    status_code = 409
    code = "technician_full"
    message_zh = "该工程师当天已约满：{zh}（确需加派请传 override=true）"
    message_en = "The technician is fully booked that day: {en} (send override=true to add it anyway)"

    def __init__(self, reasons: Sequence) -> None:
        super().__init__(zh=_joined(reasons, "zh"), en=_joined(reasons, "en"))
        self.codes = [r.code for r in reasons]

    def details(self) -> dict:
        return {"reasons": self.codes, "overridable": True}


class NotASlot(AnxinError):
    status_code = 422
    code = "not_a_slot"
    message_zh = "start: {start} 不是可预约时段的开始时间（每天 {first}–{last}，每段 {hours} 小时，最多提前 {days} 天）"
    message_en = (
        "start: {start} is not the start of a bookable window"
        " ({first}–{last} daily, {hours} h each, up to {days} days ahead)"
    )

    def details(self) -> dict[str, Any]:
        return {"field": "start"}


class SlotUnavailable(AnxinError):
    status_code = 409
    code = "slot_unavailable"
    message_zh = "该时段已无师傅可上门（{why_zh}），请选择其他时段"
    message_en = "No technician can take this window any more ({why_en}); choose another"

    def details(self) -> dict[str, Any]:
        return {"reason": self.params.get("reason", "full")}


class PlanNotFound(AnxinError):
    status_code = 404
    code = "not_found"
    message_zh = "派工计划不存在"
    message_en = "Dispatch plan not found"


class PlanSuperseded(AnxinError):
    status_code = 409
    code = "plan_superseded"
    message_zh = "该计划已被第 {revision} 版取代，请对当前计划重新规划"
    message_en = "This plan was superseded by revision {revision}; re-plan the current one"


class NotYourOutlet(AnxinError):
    status_code = 403
    code = "not_your_outlet"
    message_zh = "网点经理只能规划本网点"
    message_en = "An outlet manager plans their own outlet only"


class NoTechnicians(AnxinError):
    status_code = 409
    code = "no_technicians"
    message_zh = "{day} 该范围内没有在岗的工程师"
    message_en = "No technician is on shift in this scope on {day}"


class NotATechnician(AnxinError):
    status_code = 403
    code = "not_a_technician"
    message_zh = "当前账号没有关联工程师"
    message_en = "This account is not linked to a technician"
