"""The appointment step (预约): after taking the order and before setting off, the technician (or the
dispatcher) calls the customer and records the visit window they agreed, with a note.

No state of its own: the state table's ``appoint`` move (no target, stamps ``appointed_at``) records it,
with the window checked here first (not in the past, not inverted, not longer than ``MAX_WINDOW``, not
further ahead than ``MAX_AHEAD``). A window agreed again after one was agreed counts a change (改约).

The booking clock (``booking_clock``) runs from the order's assignment to its appointment, against the
tenant's appointment target (the SLA policy's ``appointment_minutes``, with its overrides): the standard
"预约及时率" of after-sales service. It is read by the technician's pages and the dispatcher's panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.exceptions import InvalidInput
from anxin.work_order import actions, service, sla
from anxin.work_order.models import WorkOrder

MAX_WINDOW = timedelta(hours=4)  # a window longer than half a day is no appointment
MAX_AHEAD = timedelta(days=30)
PAST_GRACE = timedelta(minutes=30)  # agreeing "14:00–16:00" on a call at 14:10 is fine
NOTE_MAX = 200


def check_window(start: datetime, end: datetime, *, now: datetime) -> None:
    """Refuse a window that ends before it starts, is in the past, too long or too far ahead (422,
    naming the field)."""
    start, end = clock.as_utc(start), clock.as_utc(end)
    if end <= start:
        raise InvalidInput("end_at", "结束时间须晚于开始时间", "the window ends before it starts")
    if start < now - PAST_GRACE or end <= now:
        raise InvalidInput("start_at", "预约时间已经过去", "the window is in the past")
    if end - start > MAX_WINDOW:
        raise InvalidInput("end_at", "预约时段最长 4 小时", "a window is at most 4 hours long")
    if start > now + MAX_AHEAD:
        raise InvalidInput("start_at", "预约时间最多在 30 天之内", "a window is at most 30 days ahead")


def book(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    ctx: actions.Context,
    start: datetime,
    end: datetime,
    note: str | None = None,
) -> WorkOrder:
    """Record the window agreed with the customer (the ``appoint`` move), its note, and a change when a
    window had been agreed before."""
    actions.check_allowed(order, "appoint", actor)
    check_window(start, end, now=clock.now())
    note = (note or "").strip()[:NOTE_MAX] or None
    changed = order.appointed_at is not None and order.appointment_start_at is not None
    payload = {
        "start_at": clock.as_utc(start).isoformat(),
        "end_at": clock.as_utc(end).isoformat(),
        "step": "call",
    }
    if changed:
        payload["changed"] = True
    changes = {
        "appointment_start_at": clock.as_utc(start),
        "appointment_end_at": clock.as_utc(end),
        "appointment_note": note,
        "appointment_changes": (order.appointment_changes or 0) + (1 if changed else 0),
    }
    ctx.note = note  # the event's note: for staff and the technician (not in the customer's timeline)
    return actions.perform(
        db, order=order, action="appoint", actor=actor, ctx=ctx, payload=payload, changes=changes
    )


@dataclass(frozen=True)
class BookingClock:
    """Time from assignment to the agreed appointment against the target: ``state`` is ``running``
    (not booked yet, in time), ``late`` (not booked, past the target), ``met`` or ``met_late``."""

    started_at: datetime
    due_at: datetime
    target_minutes: int
    booked_at: datetime | None
    state: str

    @property
    def minutes_taken(self) -> int | None:
        if self.booked_at is None:
            return None
        return max(0, int((self.booked_at - self.started_at).total_seconds() // 60))


def booking_clock(db: Session, order: WorkOrder, *, now: datetime | None = None) -> BookingClock | None:
    """The order's booking clock, or None before it is assigned (or when it was never assigned)."""
    if order.assigned_at is None:
        return None
    now = now or clock.now()
    policy = service.get_policy(db, tenant_id=order.tenant_id)
    limits = sla.limits_for(
        policy,
        channel=order.channel,
        service_type=order.service_type,
        area_type=order.area_type,
        timezone=tenant_clock.zone_name(db, order.tenant_id),
    )
    target = limits.minutes["appointment"]
    started = clock.as_utc(order.assigned_at)
    due = started + timedelta(minutes=target)
    booked = clock.as_utc(order.appointed_at) if order.appointed_at is not None else None
    if booked is not None and booked < started:
        booked = None  # agreed before this assignment (the customer's own booking): the call is still due
    states = {
        (False, False): "running",
        (False, True): "late",
        (True, False): "met",
        (True, True): "met_late",
    }
    state = states[(booked is not None, (booked or now) > due)]
    return BookingClock(started_at=started, due_at=due, target_minutes=target, booked_at=booked, state=state)
