"""The relay number's reactions to order events (registered in ``anxin.wiring``): an assignment binds a
number or points the order's number at the new technician, an order taken back from its technician
releases it at once, a finished or cancelled order keeps it for the grace period (``relay.GRACE``)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.telephony import relay
from anxin.work_order.events import Recorded

FOLLOWED_ON = ("assign",)
RELEASED_ON = ("unassign", "reject")
WOUND_DOWN_ON = ("complete", "cancel", "resolve-remote")


def follow_assignment(db: Session, happened: Recorded) -> None:
    relay.follow_assignment(db, order=happened.order, actor=happened.actor)


def release_on_unassignment(db: Session, happened: Recorded) -> None:
    binding = relay.live_for(db, order=happened.order, lock=True)
    if binding is not None:
        relay.release(db, binding=binding, reason=happened.action, actor=happened.actor)


def wind_down(db: Session, happened: Recorded) -> None:
    relay.wind_down(db, order=happened.order, actor=happened.actor, at=happened.event.occurred_at)
