"""The scorecard API: one technician's card (the technician their own, staff any of the tenant's), the
month's cards with its service stars, and quality's reinstatement of a suspended technician."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import STAFF, Role
from anxin.dependencies import CurrentUser, DbSession, allowed
from anxin.exceptions import Forbidden, InvalidInput, NotFound
from anxin.feedback.scorecards import consequences as scorecards
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.feedback.scorecards.schemas import (
    MonthRead,
    PenaltiesRead,
    QualityEventRead,
    ReinstateBody,
    ReinstatedRead,
    ScorecardRead,
    StarRead,
)
from anxin.fields import Id, Instant
from anxin.technician import service as technician_service
from anxin.technician.models import Technician

router = APIRouter(prefix="/api/v1", tags=["scorecards"])

Staff = Annotated[User, Depends(allowed(Action.SCORECARDS_READ))]
Quality = Annotated[User, Depends(allowed(Action.SCORECARDS_REINSTATE))]


def technician_for(db, *, user: User, technician_id: int) -> Technician:
    """The technician if ``user`` may see their card: a technician their own, an outlet manager their
    outlet's, other staff the tenant's; anything else (another tenant's included) is 404."""
    if user.role == Role.TECHNICIAN:
        if user.technician_id != technician_id:
            raise NotFound("technician", "工程师")
    elif user.role not in STAFF:
        raise Forbidden()
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=technician_id)
    if user.role == Role.OUTLET_MANAGER and technician.outlet_id != user.outlet_id:
        raise NotFound("technician", "工程师")
    return technician


@router.get("/technicians/{technician_id}/scorecard", response_model=ScorecardRead)
def get_scorecard(
    technician_id: Id,
    db: DbSession,
    user: CurrentUser,
    start: Annotated[Instant | None, Query(alias="from")] = None,
    end: Annotated[Instant | None, Query(alias="to")] = None,
):
    """The card for ``[from, to)`` (default: this month so far, tenant time); rating, points, grade and
    flags are the rolling ones."""
    technician = technician_for(db, user=user, technician_id=technician_id)
    now = clock.now()
    if start is None:
        start = scorecard_stats.month_range(
            db, user.tenant_id, scorecard_stats.this_month(db, user.tenant_id, now)
        )[0]
    end = clock.as_utc(end) if end is not None else now
    start = clock.as_utc(start)
    if end <= start:
        raise InvalidInput("to", "结束时间须晚于开始时间", "to must be after from")
    (card,), _, _ = scorecard_stats.cards(
        db, tenant_id=user.tenant_id, start=start, end=end, ids=[technician.id]
    )
    policy = scorecards.policy_for(db, tenant_id=user.tenant_id)
    found = scorecard_stats.penalties(
        db, technician=technician, policy=policy, since=now - timedelta(days=scorecards.POINTS_DAYS), now=now
    )
    card.penalties = PenaltiesRead.model_validate(found)
    return card


@router.get("/scorecards", response_model=MonthRead)
def list_scorecards(db: DbSession, user: Staff, month: str | None = None):
    """Every technician's card for the month (an outlet manager: their outlet's) and its service stars."""
    found = scorecard_stats.month_for(db, user=user, month=month, now=clock.now())
    return MonthRead(
        month=found.month,
        start=found.start,
        end=found.end,
        scorecards=found.cards,
        stars=[StarRead.model_validate(s) for s in found.stars],
    )


@router.post("/technicians/{technician_id}/reinstate", response_model=ReinstatedRead)
def reinstate(technician_id: Id, body: ReinstateBody, db: DbSession, user: Quality):
    """Quality lifts a suspension (a note is required): automatic dispatch is back on and only ratings
    after now count towards the next run of low ratings."""
    note = body.note.strip()
    if not note:
        raise InvalidInput("note", "请填写恢复派单的理由", "give the reason for the reinstatement")
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=technician_id)
    scorecards.reinstate(db, technician=technician, actor=user, note=note, now=clock.now())
    return ReinstatedRead(
        technician_id=technician.id,
        auto_dispatch=technician.auto_dispatch,
        reinstated_at=technician.reinstated_at,
        history=[QualityEventRead.model_validate(e) for e in scorecards.history(db, technician=technician)],
    )
