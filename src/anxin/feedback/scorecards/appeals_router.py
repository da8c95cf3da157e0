"""The appeals API: a technician's own penalties (with the suspension) and their appeal, quality's list of
appeals and decision. The same calls as the pages (``web/appeal_pages.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.scorecards import appeals
from anxin.feedback.scorecards import penalties as penalty_list
from anxin.feedback.scorecards.appeal_schemas import (
    MyPenaltiesRead,
    PenaltyAppealBody,
    PenaltyAppealDecisionBody,
    PenaltyAppealRead,
    PenaltyItemRead,
    SuspensionRead,
)
from anxin.fields import Id

router = APIRouter(prefix="/api/v1", tags=["scorecards"])

Technician = Annotated[User, Depends(allowed(Action.PENALTIES_APPEAL))]
Quality = Annotated[User, Depends(allowed(Action.PENALTY_APPEALS_DECIDE))]
PenaltyKey = Annotated[str, Path(pattern=penalty_list.KEY_PATTERN, max_length=40)]


def appeal_read(appeal: PenaltyAppeal) -> PenaltyAppealRead:
    return PenaltyAppealRead.model_validate(
        {
            **{c: getattr(appeal, c) for c in PenaltyAppealRead.model_fields if hasattr(appeal, c)},
            "penalty_id": f"{appeal.kind}-{appeal.source_id}",
        }
    )


@router.get("/technicians/me/penalties", response_model=MyPenaltiesRead)
def my_penalties(db: DbSession, user: Technician):
    """The caller's penalty points over the last 90 days, each penalty with its reason and appeal, and
    their suspension (its reason in words, and when it was lifted)."""
    found = appeals.standing(db, user=user, now=clock.now())
    technician = found.technician
    return MyPenaltiesRead(
        technician_id=technician.id,
        points=found.points,
        appeal_days=penalty_list.APPEAL_DAYS,
        suspension=SuspensionRead(
            suspended=technician.suspended_at is not None,
            suspended_at=technician.suspended_at,
            reason=penalty_list.suspension_words(technician.suspension_reason)[0]
            if technician.suspended_at
            else None,
            reinstated_at=technician.reinstated_at,
        ),
        penalties=[
            PenaltyItemRead(
                id=p.key,
                kind=p.kind,
                occurred_at=p.occurred_at,
                points=p.points,
                counted=p.counted,
                reason=p.reason_zh,
                reason_en=p.reason_en,
                work_order_id=p.work_order_id,
                number=p.number,
                appealable=found.appealable(p),
                appeal=appeal_read(p.appeal) if p.appeal else None,
            )
            for p in found.penalties
        ],
    )


@router.post(
    "/technicians/me/penalties/{penalty_id}/appeal", response_model=PenaltyAppealRead, status_code=201
)
def appeal(penalty_id: PenaltyKey, body: PenaltyAppealBody, db: DbSession, user: Technician):
    """Appeal one of the caller's own penalties with a reason: once per penalty (409 ``appeal_exists``),
    within the appeal window (409 ``appeal_window_closed``); another's penalty is 404."""
    filed = appeals.file(db, user=user, key=penalty_id, reason=body.reason, now=clock.now())
    return appeal_read(filed)


@router.get("/penalty-appeals", response_model=list[PenaltyAppealRead])
def list_appeals(db: DbSession, user: Quality, status: Literal["open", "upheld", "overturned"] | None = None):
    """The tenant's appeals, open ones first (oldest first), then the decided (newest first)."""
    return [appeal_read(a) for a in appeals.listed(db, user=user, status=status)]


@router.post("/penalty-appeals/{appeal_id}/decide", response_model=PenaltyAppealRead)
def decide(appeal_id: Id, body: PenaltyAppealDecisionBody, db: DbSession, user: Quality):
    """Uphold or overturn an open appeal with a note (409 ``appeal_decided`` once decided). Overturned:
    the points stop counting and a suspension they caused is lifted when the points fall under the line."""
    decided = appeals.decide(
        db, user=user, appeal_id=appeal_id, decision=body.decision, note=body.note, now=clock.now()
    )
    return appeal_read(decided)
