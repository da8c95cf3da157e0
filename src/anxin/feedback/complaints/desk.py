"""The complaint desk (投诉): register (numbered CP202611-0001 per tenant and month), name an owner,
investigate, resolve, let the customer confirm or reopen (a new round), close with the responsibility and
any compensation paid first, which an admin approves. Every move is checked against
``complaint_states.MOVES`` and leaves a ``complaint_event`` row. ``sweep`` reminds and escalates overdue
complaints. No HTTP and no commit here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import service as customer_service
from anxin.exceptions import InvalidInput, NotFound
from anxin.feedback import policy
from anxin.feedback.complaints.states import (
    CATEGORIES,
    CHANNELS,
    OPEN,
    RESPONSIBILITIES,
    SEVERITIES,
    Status,
    move_for,
)
from anxin.feedback.exceptions import CompensationNotPending
from anxin.feedback.models import Complaint, ComplaintEvent, ComplaintSequence, Survey
from anxin.masking import redact_phones
from anxin.technician.models import Technician
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder

LOW_SCORE_TEXT = "回访低分：{lowest} {score} 分。{comment}"
DIMENSION_NAMES = {
    "attitude": "服务态度",
    "skill": "技术与质量",
    "punctuality": "准时上门",
    "promises": "承诺兑现",
}


# -- reads -----------------------------------------------------------------------------------------------


def visible_to(user: User):
    """Staff see the tenant's complaints; a customer only their own."""
    condition = Complaint.tenant_id == user.tenant_id
    if user.role == Role.CUSTOMER:
        return and_(condition, Complaint.customer_id == (user.customer_id or -1))
    return condition


def get_for(db: Session, *, user: User, id: int, lock: bool = False) -> Complaint:
    """The complaint if ``user`` may see it; anything else, another tenant's included, is 404."""
    query = select(Complaint).where(Complaint.id == id, visible_to(user))
    if lock:
        query = query.with_for_update()
    complaint = db.scalar(query)
    if complaint is None:
        raise NotFound("complaint", "投诉")
    return complaint


def overdue_condition(now: datetime):
    late_owner = and_(Complaint.owner_id.is_(None), Complaint.owner_due_at < now)
    return and_(
        Complaint.status.in_([s.value for s in OPEN]), or_(late_owner, Complaint.resolve_due_at < now)
    )


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    if complaint.status not in OPEN:
        return False
    owner_due = (
        complaint.owner_due_at and complaint.owner_id is None and clock.as_utc(complaint.owner_due_at) < now
    )
    return bool(owner_due or (complaint.resolve_due_at and clock.as_utc(complaint.resolve_due_at) < now))


def list_for(
    db: Session,
    *,
    user: User,
    now: datetime,
    status: str | None = None,
    severity: str | None = None,
    overdue: bool | None = None,
    limit: int = 200,
) -> Sequence[Complaint]:
    query = select(Complaint).where(visible_to(user))
    if status:
        query = query.where(Complaint.status == status)
    if severity:
        query = query.where(Complaint.severity == severity)
    if overdue is True:
        query = query.where(overdue_condition(now))
    elif overdue is False:
        query = query.where(~overdue_condition(now))
    return db.scalars(query.order_by(Complaint.id.desc()).limit(limit)).all()


def events(db: Session, *, complaint: Complaint) -> Sequence[ComplaintEvent]:
    return db.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id).order_by(ComplaintEvent.id)
    ).all()


# -- numbering and deadlines -----------------------------------------------------------------------------


def next_number(db: Session, *, tenant_id: int, at: datetime) -> str:
    """``CP202611-0001``: the tenant's local month and a counter bumped under a row lock on
    ``complaint_sequence``, so two desks registering at once never share a number."""
    zone = tenant_clock.zone(db, tenant_id)
    month = clock.as_utc(at).astimezone(zone).strftime("%Y%m")
    query = (
        select(ComplaintSequence)
        .where(ComplaintSequence.tenant_id == tenant_id, ComplaintSequence.month == month)
        .with_for_update()
    )
    row = db.scalar(query)
    if row is None:
        try:
            with db.begin_nested():
                db.add(ComplaintSequence(tenant_id=tenant_id, month=month, last=0))
        except IntegrityError:  # another desk opened the month first: take its row, locked
            pass
        row = db.scalar(query.execution_options(populate_existing=True))
    row.last += 1
    db.flush()
    return f"CP{month}-{row.last:04d}"


def _renew_deadlines(db: Session, complaint: Complaint, now: datetime) -> None:
    rules = policy.for_tenant(db, tenant_id=complaint.tenant_id)
    if complaint.severity == "major":
        if complaint.owner_id is None:
            complaint.owner_due_at = now + timedelta(hours=rules.major_owner_hours)
        complaint.resolve_due_at = now + timedelta(hours=rules.major_resolve_hours)
    else:
        complaint.resolve_due_at = now + timedelta(hours=rules.general_resolve_hours)
    complaint.reminded_at = None
    complaint.escalated_at = None


# -- creation --------------------------------------------------------------------------------------------


def _check_choice(field: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise InvalidInput(field, f"须为 {', '.join(choices)} 之一", f"must be one of {', '.join(choices)}")


def _outlet_of(db: Session, order: WorkOrder | None) -> int | None:
    if order is None:
        return None
    if order.outlet_id is not None:
        return order.outlet_id
    technician = db.get(Technician, order.technician_id) if order.technician_id else None
    return technician.outlet_id if technician else None


def create(
    db: Session,
    *,
    actor: User,
    channel: str,
    category: str,
    description: str,
    severity: str = "general",
    work_order_id: int | None = None,
    customer_id: int | None = None,
) -> Complaint:
    """Register a complaint. A customer complains about their own orders only; the desk about any order
    of the tenant. It is numbered and its deadlines start at once."""
    _check_choice("channel", channel, CHANNELS)
    _check_choice("category", category, CATEGORIES)
    _check_choice("severity", severity, SEVERITIES)
    if not description.strip():
        raise InvalidInput("description", "请描述投诉内容", "describe the complaint")
    order = work_order_service.get_for(db, user=actor, id=work_order_id) if work_order_id else None
    if actor.role == Role.CUSTOMER:
        customer_id = actor.customer_id
    elif order is not None:
        customer_id = order.customer_id
    elif customer_id is not None:
        customer_id = customer_service.get(db, tenant_id=actor.tenant_id, id=customer_id).id
    now = clock.now()
    complaint = Complaint(
        tenant_id=actor.tenant_id,
        status=Status.REGISTERED.value,
        channel=channel,
        category=category,
        severity=severity,
        description=description.strip(),
        customer_id=customer_id,
        work_order_id=order.id if order else None,
        technician_id=order.technician_id if order else None,
        outlet_id=_outlet_of(db, order),
        created_by_id=actor.id,
        round=1,
        created_at=now,
        registered_at=now,
        number=next_number(db, tenant_id=actor.tenant_id, at=now),
    )
    _renew_deadlines(db, complaint, now)
    db.add(complaint)
    db.flush()
    record(db, complaint, action="create", from_status=None, actor=actor, now=now)
    return complaint


def id_for_survey(db: Session, *, survey_id: int) -> int | None:
    """The complaint a low-scored survey opened, if any."""
    return db.scalar(select(Complaint.id).where(Complaint.survey_id == survey_id))


def draft_from_survey(
    db: Session, *, survey: Survey, order: WorkOrder, category: str, actor: User | None
) -> Complaint:
    """A low follow-up score opens a draft for quality to register or discard (one per survey)."""
    existing = db.scalar(select(Complaint).where(Complaint.survey_id == survey.id))
    if existing is not None:
        return existing
    now = clock.now()
    scores = {name: getattr(survey, name) for name in ("attitude", "skill", "punctuality", "promises")}
    lowest = min(scores, key=scores.get)
    complaint = Complaint(
        tenant_id=survey.tenant_id,
        status=Status.DRAFT.value,
        channel="survey",
        category=category,
        severity="general",
        description=LOW_SCORE_TEXT.format(
            lowest=DIMENSION_NAMES[lowest], score=scores[lowest], comment=survey.comment or ""
        ),
        customer_id=survey.customer_id,
        work_order_id=order.id,
        technician_id=survey.technician_id,
        outlet_id=_outlet_of(db, order),
        survey_id=survey.id,
        created_by_id=actor.id if actor else None,
        round=1,
        created_at=now,
    )
    db.add(complaint)
    db.flush()
    record(
        db,
        complaint,
        action="create",
        from_status=None,
        actor=actor,
        now=now,
        payload={"survey_id": survey.id},
    )
    return complaint


# -- moves -----------------------------------------------------------------------------------------------


def record(
    db: Session,
    complaint: Complaint,
    *,
    action: str,
    from_status: str | None,
    actor: User | None,
    now: datetime,
    note: str | None = None,
    payload: dict | None = None,
) -> ComplaintEvent:
    event = ComplaintEvent(
        tenant_id=complaint.tenant_id,
        complaint_id=complaint.id,
        action=action,
        from_status=from_status,
        to_status=complaint.status,
        round=complaint.round,
        actor_id=actor.id if actor else None,
        actor_role=str(actor.role) if actor else "system",
        occurred_at=now,
        note=note,
        payload=payload or {},
    )
    db.add(event)
    db.flush()
    return event


def perform(
    db: Session,
    *,
    complaint: Complaint,
    action: str,
    actor: User,
    note: str | None = None,
    owner_id: int | None = None,
    resolution: str | None = None,
    responsibility: str | None = None,
    compensation_fen: int | None = None,
) -> Complaint:
    """Take one move of the complaint table as ``actor`` with what the move needs."""
    move = move_for(action, complaint.status, actor.role)
    if actor.role == Role.CUSTOMER and complaint.customer_id != actor.customer_id:
        raise NotFound("complaint", "投诉")
    now = clock.now()
    from_status = complaint.status
    payload: dict = {}
    before = trail.snapshot(complaint, DECIDED)
    with db.no_autoflush:  # one UPDATE per move, so the version moves by exactly one
        if action == "register":
            complaint.number = next_number(db, tenant_id=complaint.tenant_id, at=now)
            _renew_deadlines(db, complaint, now)
        elif action == "assign":
            owner = db.get(User, owner_id) if owner_id else None
            if (
                owner is None
                or owner.tenant_id != complaint.tenant_id
                or owner.role not in (Role.QUALITY, Role.ADMIN)
            ):
                raise InvalidInput(
                    "owner_id", "负责人须为本机构的质检或管理员", "the owner is a quality or admin user"
                )
            complaint.owner_id = owner.id
            complaint.reminded_at = None  # a new deadline phase: resolution
            payload["owner_id"] = owner.id
        elif action == "resolve":
            if not (resolution and resolution.strip()):
                raise InvalidInput("resolution", "请填写处理结果", "say how it was resolved")
            complaint.resolution = resolution.strip()
            payload["resolution"] = complaint.resolution
        elif action == "reopen":
            complaint.round += 1
            _renew_deadlines(db, complaint, now)
            payload["previous_resolution"] = complaint.resolution
        elif action == "close":
            if responsibility not in RESPONSIBILITIES:
                raise InvalidInput(
                    "responsibility", "关闭投诉须判定责任方", "closing needs the responsibility"
                )
            if compensation_fen is not None and compensation_fen < 0:
                raise InvalidInput("compensation_fen", "赔付金额不能为负", "compensation cannot be negative")
            complaint.responsibility = responsibility
            complaint.compensation_fen = compensation_fen or None
            payload.update(responsibility=responsibility, compensation_fen=compensation_fen)
        elif action == "approve-compensation":
            if not complaint.compensation_fen or complaint.compensation_approved_at is not None:
                raise CompensationNotPending()
            complaint.compensation_approved_by_id = actor.id
            payload["compensation_fen"] = complaint.compensation_fen
        if move.target is not None:
            complaint.status = move.target.value
        if move.stamp:
            setattr(complaint, move.stamp, now)
    db.flush()
    record(
        db,
        complaint,
        action=action,
        from_status=from_status,
        actor=actor,
        now=now,
        note=note,
        payload=payload,
    )
    if action in DECISIONS:
        trail.record(
            db,
            tenant_id=complaint.tenant_id,
            actor=actor,
            action=f"complaint.{action}",
            object_type="complaint",
            object_id=complaint.id,
            changes=trail.changes(
                before, trail.snapshot(complaint, DECIDED), personal={"resolution": redact_phones}
            ),
            note=redact_phones(note),
        )
    return complaint


# The desk's decisions, which the audit log records besides the complaint's own history: what it became,
# whose it is, how it was resolved, who was responsible, what was paid and who approved it.
DECISIONS = frozenset({"register", "discard", "assign", "resolve", "close", "approve-compensation"})
DECIDED = (
    "status",
    "owner_id",
    "resolution",
    "responsibility",
    "compensation_fen",
    "compensation_approved_by_id",
)
