"""The quality loop's reactions to order events, registered in ``anxin.wiring``.

- ``complete`` and ``resolve-remote``: the order gets its follow-up survey (``followup.create_for``).
- ``arrive``, ``complete`` and the moves that take a technician off an order (``assign``, ``unassign``,
  ``cancel``): the technicians whose penalty points may have changed get their scorecard refreshed (a
  late arrival, evidence recorded far from the address, an order taken away after its window)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin import clock
from anxin.feedback.followup import surveys as followup
from anxin.feedback.scorecards import consequences as scorecards
from anxin.feedback.scorecards.stats import TAKEN_OFF
from anxin.work_order.events import Recorded

SURVEYED = followup.TRIGGERS
SCORED = ("arrive", "complete", *TAKEN_OFF)


def open_survey(db: Session, happened: Recorded) -> None:
    followup.create_for(db, order=happened.order, now=clock.as_utc(happened.event.occurred_at))


def refresh_scorecards(db: Session, happened: Recorded) -> None:
    scorecards.on_order_event(db, order=happened.order, event=happened.event)
