"""Offers: an accepted order dispatched by its policy's mode (``policies``), automatic offers with
acknowledgement deadlines, and the sweep that turns missed deadlines and unclaimed pools (``pool``) into
the next offer or an escalation.

- ``accept`` accepts the order and dispatches it by the tenant's mode. In ``auto`` mode the best candidate
  is assigned at once (``offer_next``); in ``pool`` mode the order waits in the pool until ``pool_until``;
  in ``suggest`` mode the dispatcher picks.
- Every offer is a ``DispatchAttempt`` with a deadline. An acknowledgement closes it; a rejection or a missed
  deadline (found by ``sweep``) records why and offers the order to the next candidate, never to one who
  already had it. After ``max_attempts`` misses the order is taken back and escalated to the dispatcher.
- Urgent orders and elderly/infant households are offered first when the sweep has several to place.
- Two sweeps or two dispatchers never place one order twice: the sweep takes its orders with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, and every assignment locks the technician row before counting
  the day's bookings (``assignment.lock_technician``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.dispatch.core.scoring import queue_key
from anxin.dispatch.exceptions import TechnicianFull, TechnicianNotEligible
from anxin.dispatch.matching import assignment, live, policies
from anxin.dispatch.models import DispatchAttempt, DispatchPolicy
from anxin.technician import service as technician_service
from anxin.work_order import actions, events
from anxin.work_order.actions import Context
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

log = structlog.get_logger(__name__)


def attempts_of(db: Session, *, order: WorkOrder) -> list[DispatchAttempt]:
    """Every offer of the order, oldest first."""
    return list(
        db.scalars(
            select(DispatchAttempt)
            .where(DispatchAttempt.work_order_id == order.id)
            .order_by(DispatchAttempt.id)
        )
    )


def note(
    db: Session, *, order: WorkOrder, actor: User, action: str, payload: dict, text: str | None = None
) -> None:
    """An event for a dispatch step that does not move the order's state; the platform reacts to it like
    to any other event (an escalation reaches the dispatchers)."""
    events.record(
        db, order=order, action=action, actor=actor, from_status=order.status, payload=payload, note=text
    )


def accept(db: Session, *, order: WorkOrder, actor: User, ctx: Context) -> WorkOrder:
    """Accept the report and dispatch it by the tenant's mode: ``auto`` assigns the best candidate at once,
    ``pool`` opens the order pool until ``pool_until``, ``suggest`` leaves the choice to the dispatcher."""
    policy = policies.policy_for(
        db, tenant_id=order.tenant_id, outlet_id=order.outlet_id, service_type=order.service_type
    )
    now = clock.now()
    changes: dict = {"dispatch_mode": policy.mode}
    if policy.mode == "pool":
        changes["pool_until"] = now + timedelta(minutes=policy.pool_minutes)
    actions.perform(db, order=order, action="accept", actor=actor, ctx=ctx, changes=changes)
    if policy.mode == "auto":
        offer_next(db, order, now=now, policy=policy)
    elif policy.mode == "pool":
        system = auth_service.system_user(db, tenant_id=order.tenant_id)
        note(
            db, order=order, actor=system, action="pool-open", payload={"until": order.pool_until.isoformat()}
        )
    db.flush()
    return order


def misses(db: Session, order: WorkOrder) -> int:
    """Offers of the order that were rejected or timed out."""
    return db.scalar(
        select(func.count())
        .select_from(DispatchAttempt)
        .where(
            DispatchAttempt.work_order_id == order.id, DispatchAttempt.outcome.in_(["rejected", "timeout"])
        )
    )


@dataclass
class Offer:
    technician_id: int | None
    escalated: bool = False
    skipped: list[dict] = field(default_factory=list)


def offer_next(
    db: Session,
    order: WorkOrder,
    *,
    now: datetime,
    policy: DispatchPolicy | None = None,
    changes: dict | None = None,
) -> Offer:
    """Assign the order to the best candidate who has not had it yet; escalate when the attempts are used
    up or nobody qualifies."""
    policy = policy or policies.policy_for(
        db, tenant_id=order.tenant_id, outlet_id=order.outlet_id, service_type=order.service_type
    )
    system = auth_service.system_user(db, tenant_id=order.tenant_id)
    tried = set(
        db.scalars(select(DispatchAttempt.technician_id).where(DispatchAttempt.work_order_id == order.id))
    )
    if misses(db, order) >= policy.max_attempts:
        return _escalate(db, order, system, reason="attempts_used", now=now)
    _, ranking = live.candidates(db, order=order, now=now, limit=5, auto=True, exclude=tried)
    skipped = []
    for candidate in ranking.candidates:
        technician = technician_service.get(db, tenant_id=order.tenant_id, id=candidate.technician_id)
        try:
            with db.begin_nested():
                assignment.assign(
                    db,
                    order=order,
                    technician=technician,
                    actor=system,
                    ctx=Context(note=f"自动派单，得分 {candidate.score}"),
                    payload={"mode": "auto", "score": candidate.score, "eta_minutes": candidate.eta_minutes},
                    changes=changes,
                )
        except (TechnicianFull, TechnicianNotEligible) as error:  # booked by someone else meanwhile
            skipped.append({"technician_id": technician.id, "code": error.code})
            continue
        db.add(
            DispatchAttempt(
                tenant_id=order.tenant_id,
                work_order_id=order.id,
                technician_id=technician.id,
                mode="auto",
                score=candidate.score,
                sent_at=now,
                deadline_at=now + timedelta(minutes=policy.ack_timeout_minutes),
            )
        )
        db.flush()
        return Offer(technician.id, skipped=skipped)
    return _escalate(db, order, system, reason="no_candidate", now=now, skipped=skipped)


def _escalate(
    db: Session, order: WorkOrder, system: User, *, reason: str, now: datetime, skipped=()
) -> Offer:
    if order.status in (Status.ASSIGNED, Status.ACKNOWLEDGED):
        assignment.unassign(db, order=order, actor=system, ctx=Context(reason="自动派单未获确认，转人工"))
    order.escalated_at = now
    note(
        db,
        order=order,
        actor=system,
        action="escalate",
        payload={"reason": reason, "misses": misses(db, order)},
    )
    db.flush()
    log.info("dispatch.escalated", order_id=order.id, reason=reason)
    return Offer(None, escalated=True, skipped=list(skipped))


def close_attempt(
    db: Session, order: WorkOrder, technician_id: int | None, outcome: str, reason: str | None
) -> bool:
    """End the technician's pending offer of the order with ``outcome``; False when none is pending."""
    attempt = db.scalar(
        select(DispatchAttempt)
        .where(
            DispatchAttempt.work_order_id == order.id,
            DispatchAttempt.technician_id == technician_id,
            DispatchAttempt.outcome == "pending",
        )
        .order_by(DispatchAttempt.id.desc())
        .limit(1)
    )
    if attempt is None:
        return False
    attempt.outcome, attempt.outcome_at, attempt.reason = outcome, clock.now(), reason
    return True


@dataclass
class SweepReport:
    timeouts: int = 0
    pool_fallbacks: int = 0
    reoffered: int = 0
    escalated: int = 0
    slots_at_risk: int = 0
    replanned: int = 0


def sweep(
    db: Session, *, now: datetime | None = None, tenant_id: int | None = None, limit: int = 200
) -> SweepReport:
    """One pass: missed acknowledgement deadlines and expired pools, most urgent first. Idempotent and safe
    on two workers at once (rows another worker holds are skipped)."""
    now = now or clock.now()
    report = SweepReport()
    overdue = (
        select(WorkOrder)
        .join(DispatchAttempt, DispatchAttempt.work_order_id == WorkOrder.id)
        .where(
            DispatchAttempt.outcome == "pending",
            DispatchAttempt.deadline_at < now,
            WorkOrder.status == Status.ASSIGNED,
            WorkOrder.technician_id == DispatchAttempt.technician_id,
        )
        .limit(limit)
    )
    pooled = (
        select(WorkOrder)
        .where(
            WorkOrder.dispatch_mode == "pool",
            WorkOrder.status == Status.ACCEPTED,
            WorkOrder.technician_id.is_(None),
            WorkOrder.pool_until < now,
            WorkOrder.escalated_at.is_(None),
        )
        .limit(limit)
    )
    if tenant_id is not None:
        overdue = overdue.where(WorkOrder.tenant_id == tenant_id)
        pooled = pooled.where(WorkOrder.tenant_id == tenant_id)
    if db.get_bind().dialect.name == "postgresql":
        overdue = overdue.with_for_update(of=WorkOrder, skip_locked=True)
        pooled = pooled.with_for_update(skip_locked=True)
    timed_out = list(db.scalars(overdue).unique())
    expired = list(db.scalars(pooled))
    jobs = {o.id: o for o in (*timed_out, *expired)}
    ordered = sorted(jobs.values(), key=lambda o: queue_key(live.job_for(db, o)))
    timed_ids = {o.id for o in timed_out}
    for order in ordered:
        changes = None
        if order.id in timed_ids:
            close_attempt(db, order, order.technician_id, "timeout", "未在时限内确认")
            report.timeouts += 1
        else:
            changes = {"dispatch_mode": "auto"}  # nobody claimed it: fall back to auto-assign
            report.pool_fallbacks += 1
        offer = offer_next(db, order, now=now, changes=changes)
        report.escalated += offer.escalated
        report.reoffered += offer.technician_id is not None
    db.flush()
    return report
