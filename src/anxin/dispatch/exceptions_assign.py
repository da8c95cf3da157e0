"""Errors of assignment and matching (the slot and plan errors live in ``exceptions``)."""

from __future__ import annotations

from collections.abc import Sequence

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
