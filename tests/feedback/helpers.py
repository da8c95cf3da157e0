"""Steps the follow-up and complaint tests share."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.feedback.followup import surveys as followup
from anxin.feedback.models import Survey
from tests.conftest import TenantWorld
from tests.helpers import report, walk

GOOD = {"attitude": 5, "skill": 5, "punctuality": 4, "promises": 5, "overall": 5, "nps": 9, "comment": "很好"}
LOW = {
    "attitude": 2,
    "skill": 4,
    "punctuality": 3,
    "promises": 4,
    "overall": 2,
    "nps": 3,
    "comment": "态度差",
}


def completed_order(client: TestClient, world: TenantWorld) -> int:
    """An order walked through the happy path until the technician completed it."""
    order_id = report(client, world).json()["id"]
    walk(client, world, order_id, until="complete")
    return order_id


def fresh(db: Session) -> None:
    """End the test session's transaction and forget what it loaded: see what the requests committed."""
    db.commit()
    db.expire_all()


def survey_of(db: Session, order_id: int) -> Survey:
    fresh(db)
    return db.scalar(select(Survey).where(Survey.work_order_id == order_id))


def token_of(db: Session, order_id: int) -> str:
    return followup.make_token(survey_of(db, order_id))


def answer(client: TestClient, order_id: int, token: str, scores: dict[str, Any] = GOOD) -> Any:
    return client.post(f"/api/v1/work-orders/{order_id}/survey", json={"token": token, **scores})
