"""Rolling re-planning: the sweep notices when today's current plan no longer fits the day and re-plans the
rest of it (visits under way stay fixed; ``plans.replan``).

A plan is stale when, since it was made:

- ``cancelled``: an order on it was cancelled or solved remotely;
- ``urgent``: an urgent order in its scope was accepted and is not on it;
- ``technician_off``: a technician on it is now off or suspended, or has a day off today;
- ``overrun``: a visit on it is still under way more than ``OVERRUN`` after its planned end.

Each stale plan is re-planned once per pass with the first reason found as its trigger.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth import tenant_clock
from anxin.dispatch.day import STARTED
from anxin.dispatch.models import DispatchPlan
from anxin.dispatch.planning import plans
from anxin.technician.models import Technician, TechnicianDayOff
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

log = structlog.get_logger(__name__)
OVERRUN = timedelta(minutes=20)
REPLAN_SECONDS = 3.0


def stale_reason(db: Session, plan: DispatchPlan, now: datetime) -> str | None:
    """Why the plan no longer fits the day, or None."""
    order_ids = [s.work_order_id for s in plan.stops]
    orders = (
        {o.id: o for o in db.scalars(select(WorkOrder).where(WorkOrder.id.in_(order_ids)))}
        if order_ids
        else {}
    )
    if any(o.status in (Status.CANCELLED, Status.RESOLVED_REMOTE) for o in orders.values()):
        return "cancelled"
    urgent = select(WorkOrder.id).where(
        WorkOrder.tenant_id == plan.tenant_id,
        WorkOrder.priority == "urgent",
        WorkOrder.status == Status.ACCEPTED,
        WorkOrder.accepted_at > plan.created_at,
        WorkOrder.id.not_in(order_ids or [-1]),
    )
    if plan.area:
        urgent = urgent.where(WorkOrder.district == plan.area)
    if plan.outlet_id:
        urgent = urgent.where(WorkOrder.outlet_id == plan.outlet_id)
    if db.scalar(urgent.limit(1)) is not None:
        return "urgent"
    technician_ids = {s.technician_id for s in plan.stops}
    if technician_ids:
        away = db.scalar(
            select(Technician.id)
            .where(Technician.id.in_(technician_ids), Technician.status.in_(["off", "suspended"]))
            .limit(1)
        )
        day_off = db.scalar(
            select(TechnicianDayOff.id)
            .where(TechnicianDayOff.technician_id.in_(technician_ids), TechnicianDayOff.day == plan.plan_date)
            .limit(1)
        )
        if away is not None or day_off is not None:
            return "technician_off"
    started = {s.value for s in STARTED}
    for stop in plan.stops:
        order = orders.get(stop.work_order_id)
        if order is not None and order.status in started and stop.end_at + OVERRUN < now:
            return "overrun"
    return None


def replan_stale(db: Session, *, now: datetime, tenant_id: int | None = None) -> list[tuple[int, str]]:
    """Re-plan every current plan of today (in each tenant's zone) that has gone stale; returns the old
    plan ids with the reason."""
    query = select(DispatchPlan).where(DispatchPlan.status == "current")
    if tenant_id is not None:
        query = query.where(DispatchPlan.tenant_id == tenant_id)
    done = []
    for plan in db.scalars(query).all():
        zone = tenant_clock.zone(db, plan.tenant_id)
        if plan.plan_date != now.astimezone(zone).date():
            continue
        reason = stale_reason(db, plan, now)
        if reason is None:
            continue
        plans.replan(db, plan=plan, now=now, trigger=f"auto:{reason}", seconds=REPLAN_SECONDS)
        log.info("dispatch.replanned", plan_id=plan.id, reason=reason)
        done.append((plan.id, reason))
    return done
