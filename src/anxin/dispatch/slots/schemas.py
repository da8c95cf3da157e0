"""Request and response shapes of appointment slots."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel

from anxin.fields import Version


class SlotRead(BaseModel):
    start: datetime
    end: datetime
    available: bool
    technicians: int  # how many technicians could take it (no names)
    booked: bool = False  # the order's own booking is this window


class BookedSlotRead(BaseModel):
    start: datetime
    end: datetime
    status: str  # held | at_risk
    at_risk: bool


class SlotsRead(BaseModel):
    order_id: int
    timezone: str
    bookable: bool  # the order is in a state where an appointment can be made
    booked: BookedSlotRead | None
    slots: list[SlotRead]


class BookSlotBody(BaseModel):
    start: AwareDatetime
    version: Version | None = None


class BookingRead(BaseModel):
    order_id: int
    version: int
    start: datetime
    end: datetime
    status: str
    technician_id: int | None = None  # staff only
