"""Complaint deadlines at work: overdue complaints are reminded once, then escalated to the managers.
Run periodically; idempotent (stamps and dedupe keys) and safe on two workers (skipped row locks)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.feedback import policy, tasks
from anxin.feedback.complaints.desk import overdue_condition, record
from anxin.feedback.models import Complaint
from anxin.notify.outbox import Recipient, enqueue


def _late(complaint: Complaint, rules, now: datetime) -> tuple[str, datetime, int] | None:
    """Which deadline is missed (owner first), when it was due and how many hours it allowed."""
    if complaint.owner_id is None and complaint.owner_due_at and clock.as_utc(complaint.owner_due_at) < now:
        return "owner", clock.as_utc(complaint.owner_due_at), rules.major_owner_hours
    if complaint.resolve_due_at and clock.as_utc(complaint.resolve_due_at) < now:
        hours = rules.major_resolve_hours if complaint.severity == "major" else rules.general_resolve_hours
        return "resolve", clock.as_utc(complaint.resolve_due_at), hours
    return None


def _users(db: Session, tenant_id: int, role: Role) -> Sequence[User]:
    return auth_service.active_staff(db, tenant_id=tenant_id, roles=[role.value])


def sweep(db: Session, *, now: datetime) -> dict:
    """Overdue complaints: a reminder (to the owner, or to quality when there is none, and a task) the
    first time; still overdue half the allowed time later (at most 12 hours) an escalation to the
    managers. Idempotent: stamps and dedupe keys; skipped row locks keep two workers apart."""
    result = {"reminded": 0, "escalated": 0}
    late = db.scalars(
        select(Complaint)
        .where(overdue_condition(now))
        .order_by(Complaint.id)
        .with_for_update(skip_locked=True)
    ).all()
    for complaint in late:
        rules = policy.for_tenant(db, tenant_id=complaint.tenant_id)
        missed = _late(complaint, rules, now)
        if missed is None:
            continue
        kind, due_at, hours = missed
        context = {"number": complaint.number, "deadline": kind, "due_at": due_at.isoformat()}
        if complaint.reminded_at is None:
            _remind(db, complaint, kind=kind, context=context, now=now)
            result["reminded"] += 1
        elif complaint.escalated_at is None and now >= clock.as_utc(complaint.reminded_at) + timedelta(
            hours=min(hours / 2, 12)
        ):
            admins = _users(db, complaint.tenant_id, Role.ADMIN)
            enqueue(
                db,
                tenant_id=complaint.tenant_id,
                event="complaint.escalated",
                to=[Recipient("inbox", f"user:{u.id}") for u in admins],
                context=context,
                dedupe_key=f"complaint.escalated:{complaint.id}:{complaint.round}",
                work_order_id=complaint.work_order_id,
            )
            complaint.escalated_at = now
            db.flush()
            record(
                db,
                complaint,
                action="escalate",
                from_status=complaint.status,
                actor=None,
                now=now,
                payload={"deadline": kind},
            )
            result["escalated"] += 1
    return result


def _remind(db: Session, complaint: Complaint, *, kind: str, context: dict, now: datetime) -> None:
    key = f"complaint.reminder:{complaint.id}:{complaint.round}:{kind}"
    people = (
        [complaint.owner_id]
        if complaint.owner_id
        else [u.id for u in _users(db, complaint.tenant_id, Role.QUALITY)]
    )
    enqueue(
        db,
        tenant_id=complaint.tenant_id,
        event="complaint.reminder",
        to=[Recipient("inbox", f"user:{i}") for i in people],
        context=context,
        dedupe_key=key,
        work_order_id=complaint.work_order_id,
    )
    tasks.open_task(
        db,
        tenant_id=complaint.tenant_id,
        kind="complaint_reminder",
        role=Role.QUALITY.value,
        title=f"投诉超时 {complaint.number}",
        dedupe_key=key,
        due_at=now + timedelta(hours=4),
        work_order_id=complaint.work_order_id,
        complaint_id=complaint.id,
        technician_id=complaint.technician_id,
        assignee_id=complaint.owner_id,
        detail={"deadline": kind},
    )
    complaint.reminded_at = now
    db.flush()
    record(
        db,
        complaint,
        action="remind",
        from_status=complaint.status,
        actor=None,
        now=now,
        payload={"deadline": kind},
    )
