"""Trade-in's reaction to order events, registered in ``anxin.wiring``: a cancelled installation order
gives its trade-in credit back (the valuation may go on another installation order until it expires); a
cancelled recycling order makes its valuation void and takes its credit off the installation order it was
on. Runs in the transaction of the cancellation, so both change together or not at all."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.tradein import records
from anxin.work_order.events import Recorded

RELEASED_ON = ("cancel",)


def release_on_cancellation(db: Session, happened: Recorded) -> None:
    records.release_for_cancelled(db, order=happened.order, actor=happened.actor)
