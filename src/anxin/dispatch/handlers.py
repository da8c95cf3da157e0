"""Dispatch's reactions to order events, registered in ``anxin.wiring``: the offers of automatic dispatch
and the held appointment slot follow the order whoever moved it (the API, a page, a plan, a job).

- ``acknowledge``: the technician's pending offer is closed as acknowledged.
- ``reject``: the pending offer is closed as rejected; in ``auto`` mode the next candidate gets the order.
- ``assign`` and ``unassign``: the previous technician's pending offer is withdrawn (someone took over).
- ``cancel`` and ``resolve-remote``: the order ended before the visit, so its held slot is released and
  any pending offer withdrawn.

What a handler needs to know about the time before the event is in the event's payload (the technician
who had the order)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.service import is_system_user
from anxin.dispatch.matching import offers
from anxin.dispatch.slots import booking
from anxin.work_order.events import Recorded


def offer_acknowledged(db: Session, happened: Recorded) -> None:
    offers.close_attempt(db, happened.order, happened.order.technician_id, "acknowledged", None)
    db.flush()


def offer_rejected(db: Session, happened: Recorded) -> None:
    """A rejection ends the pending offer; in auto mode the next candidate gets the order."""
    payload = happened.event.payload or {}
    offers.close_attempt(db, happened.order, payload.get("technician_id"), "rejected", payload.get("reason"))
    if happened.order.dispatch_mode == "auto":
        offers.offer_next(db, happened.order, now=clock.now())
    db.flush()


# why a pending offer was withdrawn when its order ended before the visit, as the order's panel shows it
# (an attempt's reason is read by staff, in the words the timeout's "未在时限内确认" uses)
ENDED_WORDS = {"cancelled": "工单已取消", "resolved_remote": "已远程解决"}


def offer_taken_over(db: Session, happened: Recorded) -> None:
    """Someone else now decides who has the order: the previous technician's pending offer is withdrawn."""
    payload = happened.event.payload or {}
    key = "previous_technician_id" if happened.action == "assign" else "technician_id"
    previous = payload.get(key)
    if previous is None:
        return
    by = "平台改派" if is_system_user(happened.actor) else "调度改派"
    offers.close_attempt(db, happened.order, previous, "withdrawn", by)
    db.flush()


def order_ended(db: Session, happened: Recorded) -> None:
    """The order ended before the visit (cancelled, solved remotely): its held slot is released and any
    pending offer withdrawn."""
    order = happened.order
    booking.release_for_order(db, order)
    ended = ENDED_WORDS.get(order.status, "工单已结束")
    offers.close_attempt(db, order, order.technician_id, "withdrawn", ended)
    db.flush()
