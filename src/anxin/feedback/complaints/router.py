"""The complaint API: file a complaint, list and read them with their history, one endpoint per move of
the complaint table, and the month's figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import visibility
from anxin.dependencies import DbSession, allowed
from anxin.feedback.complaints import desk as complaints
from anxin.feedback.complaints import stats as complaint_stats
from anxin.feedback.complaints.schemas import (
    ComplaintActionBody,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintEventRead,
    ComplaintRead,
    ComplaintStatsRead,
)
from anxin.feedback.complaints.states import actions_from
from anxin.feedback.models import Complaint
from anxin.fields import Id
from anxin.masking import redact, redact_phones

router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])

Complainer = Annotated[User, Depends(allowed(Action.COMPLAINTS_FILE))]
Desk = Annotated[User, Depends(allowed(Action.COMPLAINTS_STATS))]


def read(complaint: Complaint, user: User, cls=ComplaintRead, **extra):
    result = cls.model_validate(complaint)
    result.overdue = complaints.is_overdue(complaint, clock.now())
    result.actions = actions_from(complaint.status, user.role)
    for key, value in extra.items():
        setattr(result, key, value)
    if not visibility.sees_phone(user, customer_id=complaint.customer_id):  # phones written in the texts
        result.description = redact_phones(result.description)
        result.resolution = redact_phones(result.resolution)
        for event in getattr(result, "events", []):
            event.note, event.payload = redact_phones(event.note), redact(event.payload)
    return result


def detail(db: DbSession, complaint: Complaint, user: User) -> ComplaintDetail:
    history = [ComplaintEventRead.model_validate(e) for e in complaints.events(db, complaint=complaint)]
    return read(complaint, user, cls=ComplaintDetail, events=history)


@router.post("", response_model=ComplaintDetail, status_code=201)
def create_complaint(body: ComplaintCreate, db: DbSession, user: Complainer) -> ComplaintDetail:
    """Register a complaint: a customer about their own order, the desk about any order of the tenant."""
    complaint = complaints.create(db, actor=user, **body.model_dump())
    return detail(db, complaint, user)


@router.get("", response_model=list[ComplaintRead])
def list_complaints(
    db: DbSession,
    user: Complainer,
    status: Annotated[str | None, Query(max_length=20)] = None,
    severity: Annotated[str | None, Query(max_length=10)] = None,
    overdue: bool | None = None,
) -> list[ComplaintRead]:
    found = complaints.list_for(
        db, user=user, now=clock.now(), status=status, severity=severity, overdue=overdue
    )
    return [read(c, user) for c in found]


@router.get("/stats", response_model=ComplaintStatsRead)
def stats(db: DbSession, user: Desk, month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$")]):
    """Counts by category and responsibility, mean hours to close, share closed on time."""
    return complaint_stats.month(db, tenant_id=user.tenant_id, month=month)


@router.get("/{complaint_id}", response_model=ComplaintDetail)
def get_complaint(complaint_id: Id, db: DbSession, user: Complainer) -> ComplaintDetail:
    return detail(db, complaints.get_for(db, user=user, id=complaint_id), user)


@router.post("/{complaint_id}/{action}", response_model=ComplaintDetail)
def act(
    complaint_id: Id,
    action: str,
    db: DbSession,
    user: Complainer,
    body: ComplaintActionBody | None = None,
) -> ComplaintDetail:
    """One move of the complaint table (register, discard, assign, investigate, resolve, confirm, reopen,
    close, approve-compensation); an illegal move is 409."""
    complaint = complaints.get_for(db, user=user, id=complaint_id, lock=True)
    fields = (body or ComplaintActionBody()).model_dump()
    complaints.perform(db, complaint=complaint, action=action, actor=user, **fields)
    return detail(db, complaint, user)
