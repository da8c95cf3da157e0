"""What the rest of the platform does when an order moves: called by ``actions.perform`` (and by
intake) for every recorded event, in the same transaction, wherever the move came from (the API, the
pages, the auto-dispatcher, a periodic job). Each reaction is an explicit call listed here, in order;
reactions write rows (outbox messages, surveys, tasks), they never send anything themselves.

Dispatch's own reactions (closing offers, moving to the next candidate) need what the caller knew
before the move and stay with the callers (``dispatch.auto.after_*``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.feedback import followup, scorecards
from anxin.notify import orders as notify_orders
from anxin.work_order import evidence
from anxin.work_order.models import WorkOrder, WorkOrderEvent


def moved(db: Session, *, order: WorkOrder, event: WorkOrderEvent, actor: User) -> None:
    """React to ``event`` (already added and flushed) on ``order``."""
    evidence.check(db, order=order, event=event)  # first: later reactions see the far-from-address flag
    followup.order_moved(db, order=order, event=event, actor=actor)  # a completed order gets its survey
    scorecards.on_order_event(db, order=order, event=event)  # lateness, far evidence, grade
    notify_orders.on_moved(db, order=order, event=event)  # customer, technician, dispatchers hear of it
