"""The order pool (抢单): qualified technicians near a pooled order see it and may claim it; exactly one
claim wins, because the claim locks the order row and re-checks its state before assigning."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.dispatch.core.scoring import refusals
from anxin.dispatch.matching import assignment, live
from anxin.dispatch.matching.offers import note
from anxin.dispatch.matching.policies import policy_for
from anxin.dispatch.models import DispatchAttempt
from anxin.exceptions import AnxinError, NotFound
from anxin.geo import straight_line_metres
from anxin.technician import service as technician_service
from anxin.work_order import actions
from anxin.work_order.actions import Context
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

SHOWN = 50


class NotInPool(AnxinError):
    status_code = 409
    code = "not_in_pool"
    message_zh = "该工单已不在抢单池中（可能已被他人抢到或已转自动派单）"
    message_en = "The order is no longer in the pool (someone claimed it, or it went to auto-dispatch)"


def _pooled(tenant_id: int, now: datetime):
    return select(WorkOrder).where(
        WorkOrder.tenant_id == tenant_id,
        WorkOrder.dispatch_mode == "pool",
        WorkOrder.status == Status.ACCEPTED,
        WorkOrder.technician_id.is_(None),
        WorkOrder.pool_until >= now,
    )


def visible(db: Session, *, user: User, now: datetime) -> list[tuple[WorkOrder, float]]:
    """Pooled orders this technician qualifies for within the policy's radius, nearest first."""
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=user.technician_id)
    out = []
    for order in db.scalars(_pooled(user.tenant_id, now).order_by(WorkOrder.created_at).limit(500)):
        job = live.job_for(db, order)
        day = live.visit_day(db, order, now)
        tech = live.techs_for(db, tenant_id=order.tenant_id, ids=[technician.id], day=day, now=now)[0]
        if refusals(job, tech, on=day):
            continue
        here = tech.position or job.point
        km = straight_line_metres(here, job.point) / 1000
        policy = policy_for(
            db, tenant_id=order.tenant_id, outlet_id=order.outlet_id, service_type=order.service_type
        )
        if km <= policy.pool_radius_km:
            out.append((order, km))
    out.sort(key=lambda pair: pair[1])
    return out[:SHOWN]


def claim(db: Session, *, order_id: int, user: User, now: datetime) -> WorkOrder:
    """The technician takes a pooled order: it is assigned to them and acknowledged in one step."""
    query = _pooled(user.tenant_id, now).where(WorkOrder.id == order_id)
    if db.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    order = db.scalar(query)
    if order is None:  # claimed meanwhile or expired: say so; any other order stays invisible
        was_pooled = select(WorkOrder.id).where(
            WorkOrder.id == order_id, WorkOrder.tenant_id == user.tenant_id, WorkOrder.pool_until.is_not(None)
        )
        if db.scalar(was_pooled):
            raise NotInPool()
        raise NotFound("work order", "工单")
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=user.technician_id)
    system = auth_service.system_user(db, tenant_id=user.tenant_id)
    assignment.assign(
        db,
        order=order,
        technician=technician,
        actor=system,
        ctx=Context(note="抢单"),
        payload={"mode": "pool", "claimed_by": technician.id},
    )
    db.add(
        DispatchAttempt(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            technician_id=technician.id,
            mode="pool",
            sent_at=now,
            outcome="acknowledged",
            outcome_at=now,
        )
    )
    actions.perform(db, order=order, action="acknowledge", actor=user, ctx=Context(note="抢单成功"))
    note(db, order=order, actor=user, action="claim", payload={"technician_id": technician.id})
    db.flush()
    return order
