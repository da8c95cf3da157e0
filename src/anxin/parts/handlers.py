"""Parts' reactions to order events, registered in ``anxin.wiring``: a completed order takes what is still
reserved for it out of stock (``consume_on_completion``), a cancelled one gives it all back
(``release_on_cancellation``). Both run in the transaction of the move, so the order and its stock change
together or not at all. (An order waiting for parts resumes when its transfer arrives: that is a move
``transfers.receive`` takes, not a reaction.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.parts import reservations
from anxin.work_order.events import Recorded

CONSUMED_ON = ("complete",)
RELEASED_ON = ("cancel",)


def consume_on_completion(db: Session, happened: Recorded) -> None:
    reservations.consume_open(db, order=happened.order, actor=happened.actor)


def release_on_cancellation(db: Session, happened: Recorded) -> None:
    reason = (happened.event.payload or {}).get("reason")
    text = f"工单取消：{reason}" if isinstance(reason, str) and reason else "工单取消"
    reservations.release_open(db, order=happened.order, actor=happened.actor, reason=text)
