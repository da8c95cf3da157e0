"""Technician scorecards: the rolling rating dispatch ranks by, and the consequences quality has asked for.

``refresh`` is called after every answered survey, every closed complaint and the order moves that change
penalty points (``on_order_event``). It is idempotent: run twice, it changes nothing the second time.

Rules (thresholds from the tenant's ``QualityPolicy``; a tenant without a row gets the column defaults):

- **Rating**: the mean ``overall`` of the last ``rating_window`` answered surveys → ``Technician.rating``;
  ``rating_count`` is the number of answered ratings ever (dispatch trusts a rating from 5 on).
- **Retraining**: with at least ``RETRAINING_MIN_RATINGS`` ratings in the window and the rolling rating below
  ``retraining_below`` (or penalty points at ``retraining_points``) the technician is flagged and one open
  quality ``ServiceTask(kind="training")`` opens when the flag turns on and none is open (one per episode,
  numbered in its dedupe key). The flag clears when neither cause holds; the task stays for quality to close.
- **Suspension**: the last ``low_rating_run`` ratings answered after the last reinstatement all at or below
  ``low_rating_max``, or penalty points since the last reinstatement at ``suspension_points`` → automatic
  dispatch off (``auto_dispatch = False``), ``suspended_at`` and ``suspension_reason`` stamped, a
  ``technician_quality_event`` row and an inbox message to every quality user and to the technician, in
  words. Only quality lifts it (``reinstate``, the technician told; or an overturned appeal, ``appeals``);
  a dispatcher can still assign by hand, overruling ``auto_dispatch_paused`` visibly.
- **Penalty points** over the last ``POINTS_DAYS`` days (``scorecard_stats.penalties``). Crossing ``warning_points``
  upward sends a warning to the technician and quality; the level reached is kept in ``penalty_level`` so a
  warning is sent once per episode (the level falls back when points fall).
- **Grade** by completed orders in the last 90 days and the rolling rating: gold ≥ 60 orders and ≥ 4.8;
  silver ≥ 20 orders and ≥ 4.6; bronze ≥ 5 orders; otherwise none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.exceptions import AnxinError, NotFound
from anxin.feedback.models import QualityPolicy, ServiceTask, Survey
from anxin.feedback.scorecards import penalties as penalty_list
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.notify.outbox import Recipient, enqueue
from anxin.technician.models import Technician, TechnicianQualityEvent
from anxin.work_order.models import WorkOrder, WorkOrderEvent

POINTS_DAYS = 90
GRADE_DAYS = 90
RETRAINING_MIN_RATINGS = 5
# (grade, minimum completed orders in GRADE_DAYS, minimum rolling rating or None)
GRADES = (("gold", 60, 4.8), ("silver", 20, 4.6), ("bronze", 5, None))
LEVEL_WARNING, LEVEL_RETRAINING, LEVEL_SUSPENSION = 1, 2, 3


class NotSuspended(AnxinError):
    status_code = 409
    code = "technician_not_suspended"
    message_zh = "该工程师未被停派，无需恢复"
    message_en = "The technician is not suspended; there is nothing to reinstate"


@dataclass
class Scorecard:
    technician_id: int
    rating: float | None
    rating_count: int
    window: list[int]
    penalties: scorecard_stats.Penalties
    points_since_reinstatement: int
    grade: str | None
    retraining: bool
    suspended: bool
    done: list[str] = field(default_factory=list)  # consequences applied by this refresh


def policy_for(db: Session, *, tenant_id: int) -> QualityPolicy:
    """The tenant's row, or an unsaved one holding the column defaults."""
    policy = db.scalar(select(QualityPolicy).where(QualityPolicy.tenant_id == tenant_id))
    if policy is not None:
        return policy
    defaults = {c.name: c.default.arg for c in QualityPolicy.__table__.columns if c.default is not None}
    return QualityPolicy(**{k: v for k, v in defaults.items() if not callable(v)}, tenant_id=tenant_id)


def _ratings(db: Session, technician: Technician, *, limit: int, after: datetime | None = None) -> list[int]:
    """The latest answered overall ratings, newest first."""
    query = select(Survey.overall).where(
        Survey.tenant_id == technician.tenant_id,
        Survey.technician_id == technician.id,
        Survey.status == "answered",
        Survey.overall.is_not(None),
    )
    if after is not None:
        query = query.where(Survey.answered_at > after)
    return list(db.scalars(query.order_by(Survey.answered_at.desc(), Survey.id.desc()).limit(limit)))


def grade_for(completed: int, rating: float | None) -> str | None:
    for grade, orders, stars in GRADES:
        if completed >= orders and (stars is None or (rating is not None and rating >= stars)):
            return grade
    return None


def refresh(db: Session, *, technician_id: int, now: datetime) -> Scorecard:
    """Recompute the technician's card and apply its consequences (module docstring); idempotent."""
    technician = db.get(Technician, technician_id)
    if technician is None:
        raise NotFound("technician", "工程师")
    policy = policy_for(db, tenant_id=technician.tenant_id)
    window = _ratings(db, technician, limit=policy.rating_window)
    technician.rating = round(sum(window) / len(window), 2) if window else None
    technician.rating_count = (
        db.scalar(
            select(func.count(Survey.id)).where(
                Survey.technician_id == technician.id,
                Survey.status == "answered",
                Survey.overall.is_not(None),
            )
        )
        or 0
    )
    since = now - timedelta(days=POINTS_DAYS)
    found = scorecard_stats.penalties(db, technician=technician, policy=policy, since=since, now=now)
    technician.penalty_points = found.points
    reinstated = technician.reinstated_at
    recent = found
    if reinstated is not None and reinstated > since:
        recent = scorecard_stats.penalties(
            db, technician=technician, policy=policy, since=reinstated, now=now
        )
    completed = db.scalar(
        select(func.count(WorkOrder.id)).where(
            WorkOrder.technician_id == technician.id,
            WorkOrder.completed_at >= now - timedelta(days=GRADE_DAYS),
            WorkOrder.completed_at <= now,
        )
    )
    card = Scorecard(
        technician_id=technician.id,
        rating=technician.rating,
        rating_count=technician.rating_count,
        window=window,
        penalties=found,
        points_since_reinstatement=recent.points,
        grade=grade_for(completed or 0, technician.rating),
        retraining=False,
        suspended=technician.suspended_at is not None,
    )
    if card.grade != technician.grade:
        _record(db, technician, "grade", now, payload={"from": technician.grade, "to": card.grade})
        technician.grade = card.grade
    _apply_points(db, technician, policy, found.points, now, card)
    low_rating = (
        len(window) >= RETRAINING_MIN_RATINGS
        and technician.rating is not None
        and technician.rating < policy.retraining_below
    )
    card.retraining = low_rating or found.points >= policy.retraining_points
    if card.retraining and not technician.retraining:  # a new episode
        _open_training(db, technician, now, card, reason="low_rating" if low_rating else "penalty_points")
    technician.retraining = card.retraining
    run = _ratings(db, technician, limit=policy.low_rating_run, after=reinstated)
    if len(run) == policy.low_rating_run and all(r <= policy.low_rating_max for r in run):
        _suspend(db, technician, now, card, reason="low_rating_run", detail={"ratings": run})
    elif recent.points >= policy.suspension_points:
        _suspend(db, technician, now, card, reason="penalty_points", detail={"points": recent.points})
    db.flush()
    return card


def _apply_points(
    db: Session, technician: Technician, policy: QualityPolicy, points: int, now: datetime, card: Scorecard
) -> None:
    level = 0
    for threshold, value in (
        (policy.warning_points, LEVEL_WARNING),
        (policy.retraining_points, LEVEL_RETRAINING),
        (policy.suspension_points, LEVEL_SUSPENSION),
    ):
        if points >= threshold:
            level = value
    if level >= LEVEL_WARNING and technician.penalty_level < LEVEL_WARNING:
        key = f"scorecard-warning:{technician.id}:{now.isoformat()}"
        to = _quality_inboxes(db, technician.tenant_id) + _technician_inboxes(db, technician)
        context = {"technician_id": technician.id, "name": technician.name, "points": points}
        enqueue(
            db,
            tenant_id=technician.tenant_id,
            event="technician.warning",
            to=to,
            context=context,
            dedupe_key=key,
        )
        _record(db, technician, "warning", now, payload={"points": points})
        card.done.append("warning")
    technician.penalty_level = level


def _open_training(
    db: Session, technician: Technician, now: datetime, card: Scorecard, *, reason: str
) -> None:
    """A training task for a new retraining episode, unless one is still open."""
    tasks = select(ServiceTask).where(
        ServiceTask.tenant_id == technician.tenant_id,
        ServiceTask.kind == "training",
        ServiceTask.technician_id == technician.id,
    )
    if db.scalar(tasks.where(ServiceTask.status == "open").limit(1)) is not None:
        return
    episode = (db.scalar(select(func.count()).select_from(tasks.subquery())) or 0) + 1
    db.add(
        ServiceTask(
            tenant_id=technician.tenant_id,
            kind="training",
            status="open",
            role="quality",
            technician_id=technician.id,
            title=f"{technician.name} 复训 / retraining",
            detail={"reason": reason, "rating": technician.rating, "points": technician.penalty_points},
            dedupe_key=f"training:technician:{technician.id}:{episode}",
            created_at=now,
            due_at=now + timedelta(days=7),
        )
    )
    _record(db, technician, "retraining", now, payload={"reason": reason, "episode": episode})
    card.done.append("retraining")


def _suspend(
    db: Session, technician: Technician, now: datetime, card: Scorecard, *, reason: str, detail: dict
) -> None:
    if technician.suspended_at is not None:
        return
    technician.auto_dispatch = False
    technician.suspended_at = now
    technician.suspension_reason = reason
    _record(db, technician, "suspended", now, note=reason, payload=detail)
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="technician.suspended",
        to=_quality_inboxes(db, technician.tenant_id),
        context={"technician_id": technician.id, "name": technician.name, "reason": reason, **detail},
        dedupe_key=f"scorecard-suspended:{technician.id}:{now.isoformat()}",
    )
    penalty_list.tell_suspended(db, technician=technician, reason=reason, detail=detail, now=now)
    card.suspended = True
    card.done.append("suspended")


def reinstate(db: Session, *, technician: Technician, actor: User, note: str, now: datetime) -> Technician:
    """Quality lifts a suspension: automatic dispatch back on, and only ratings and penalties after now
    count towards the next suspension."""
    if technician.suspended_at is None:
        raise NotSuspended()
    _record(
        db,
        technician,
        "reinstated",
        now,
        actor=actor,
        note=note,
        payload={"suspended_at": technician.suspended_at.isoformat(), "reason": technician.suspension_reason},
    )
    fields = ("auto_dispatch", "suspended_at", "suspension_reason", "reinstated_at")
    before = trail.snapshot(technician, fields)
    technician.auto_dispatch = True
    technician.suspended_at = None
    technician.suspension_reason = None
    technician.reinstated_at = now
    technician.reinstated_by_id = actor.id
    db.flush()
    trail.record(
        db,
        tenant_id=technician.tenant_id,
        actor=actor,
        action="technician.reinstate",
        object_type="technician",
        object_id=technician.id,
        changes=trail.changes(before, trail.snapshot(technician, fields)),
        note=note,
    )
    penalty_list.tell_reinstated(db, technician=technician, note=note, now=now)
    return technician


def history(db: Session, *, technician: Technician) -> list[TechnicianQualityEvent]:
    return list(
        db.scalars(
            select(TechnicianQualityEvent)
            .where(TechnicianQualityEvent.technician_id == technician.id)
            .order_by(TechnicianQualityEvent.id)
        )
    )


def on_order_event(db: Session, *, order: WorkOrder, event: WorkOrderEvent) -> None:
    """Order moves that change a technician's points: a late arrival, an arrival or completion recorded
    far from the address, and taking a technician off an order after its window. (Volume and grade move
    with every answered survey, which refreshes the card too.)"""
    affected: set[int] = set()
    far = "far_from_address_m" in (event.payload or {})
    late = (
        event.action == "arrive"
        and order.appointment_end_at is not None
        and event.occurred_at > order.appointment_end_at
    )
    if event.action in ("arrive", "complete") and order.technician_id is not None:
        if far or late:
            affected.add(order.technician_id)
    elif (
        event.action in scorecard_stats.TAKEN_OFF
        and order.appointment_end_at is not None
        and event.occurred_at > order.appointment_end_at
    ):
        payload = event.payload or {}
        for key in ("technician_id", "previous_technician_id"):
            if isinstance(payload.get(key), int):
                affected.add(payload[key])
        if event.action == "cancel" and order.technician_id is not None:
            affected.add(order.technician_id)
    for technician_id in sorted(affected):
        refresh(db, technician_id=technician_id, now=event.occurred_at)
        if event.action in ("arrive", "complete"):  # the technician hears of the penalty at once
            technician = db.get(Technician, technician_id)
            policy = policy_for(db, tenant_id=technician.tenant_id)
            penalty_list.tell_of_order_event(
                db, technician=technician, policy=policy, order=order, event=event
            )


def _record(
    db: Session,
    technician: Technician,
    action: str,
    now: datetime,
    *,
    actor: User | None = None,
    note: str | None = None,
    payload: dict | None = None,
) -> None:
    db.add(
        TechnicianQualityEvent(
            tenant_id=technician.tenant_id,
            technician_id=technician.id,
            action=action,
            occurred_at=now,
            actor_id=actor.id if actor else None,
            note=note,
            payload=payload or {},
        )
    )


def _quality_inboxes(db: Session, tenant_id: int) -> list[Recipient]:
    users = auth_service.active_staff(db, tenant_id=tenant_id, roles=["quality"])
    return [Recipient("inbox", f"user:{u.id}") for u in users]


def _technician_inboxes(db: Session, technician: Technician) -> list[Recipient]:
    return [Recipient("inbox", f"technician:{technician.id}")]
