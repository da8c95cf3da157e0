"""Contracts' reactions to order events, registered in ``anxin.wiring``: a new order for an appliance under
contract is billed to it (category B) and its claim recorded (``claim_on_create``); a cancelled order
gives its claim back (``release_on_cancellation``). Both run in the transaction of the event, so the
order's billing and its claim are written together or not at all (``claims`` holds the rules)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.contract import claims
from anxin.work_order.events import Recorded

CLAIMED_ON = ("create",)
RELEASED_ON = ("cancel",)


def claim_on_create(db: Session, happened: Recorded) -> None:
    claims.claim(db, happened.order)


def release_on_cancellation(db: Session, happened: Recorded) -> None:
    claims.give_back(db, happened.order)
