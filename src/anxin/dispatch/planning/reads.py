"""Reading day plans (``plans``): one plan (``get``), a tenant's plans (``search``), a technician's stops of
the day (``route_for``) and when the technician should be at an order's door (``eta_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.customer.models import Address
from anxin.dispatch.core.rules import service_minutes
from anxin.dispatch.day import fresh_point, places
from anxin.dispatch.exceptions import PlanNotFound
from anxin.dispatch.matching import live
from anxin.dispatch.models import DispatchPlan, PlanStop
from anxin.dispatch.planning.inputs import PLANNABLE
from anxin.geo import Point
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status


def get(db: Session, *, tenant_id: int, id: int, outlet_id: int | None = None) -> DispatchPlan:
    """The plan, if it is the tenant's (and the outlet's, when given); else ``PlanNotFound`` (404)."""
    plan = db.get(DispatchPlan, id)
    if plan is None or plan.tenant_id != tenant_id or (outlet_id is not None and plan.outlet_id != outlet_id):
        raise PlanNotFound()
    return plan


def search(
    db: Session,
    *,
    tenant_id: int,
    day: date | None = None,
    area: str | None = None,
    outlet_id: int | None = None,
    status: str | None = None,
) -> list[DispatchPlan]:
    """The tenant's plans, newest first, filtered by day, area, outlet and status."""
    query = select(DispatchPlan).where(DispatchPlan.tenant_id == tenant_id)
    if day is not None:
        query = query.where(DispatchPlan.plan_date == day)
    if area is not None:
        query = query.where(DispatchPlan.area == area)
    if outlet_id is not None:
        query = query.where(DispatchPlan.outlet_id == outlet_id)
    if status is not None:
        query = query.where(DispatchPlan.status == status)
    return list(db.scalars(query.order_by(DispatchPlan.plan_date.desc(), DispatchPlan.id.desc()).limit(200)))


@dataclass(frozen=True)
class RouteStop:
    stop: PlanStop
    order: WorkOrder
    address: str
    service_minutes: int


def stops_with_places(db: Session, *, tenant_id: int, plan_id: int) -> list[tuple]:
    """A plan's stops, each with its order's number and the address's coordinates, per technician in
    sequence (what the dispatcher's map draws)."""
    return list(
        db.execute(
            select(PlanStop, WorkOrder.number, Address.lat, Address.lng)
            .join(WorkOrder, WorkOrder.id == PlanStop.work_order_id)
            .join(Address, Address.id == WorkOrder.address_id)
            .where(PlanStop.plan_id == plan_id, WorkOrder.tenant_id == tenant_id)
            .order_by(PlanStop.technician_id, PlanStop.sequence)
        ).all()
    )


def route_for(
    db: Session, *, tenant_id: int, technician_id: int, day: date
) -> tuple[DispatchPlan | None, list[RouteStop]]:
    """The technician's stops, in order, from the newest current plan of the day that routes them."""
    plan = db.scalar(
        select(DispatchPlan)
        .join(PlanStop, PlanStop.plan_id == DispatchPlan.id)
        .where(
            DispatchPlan.tenant_id == tenant_id,
            DispatchPlan.plan_date == day,
            DispatchPlan.status == "current",
            PlanStop.technician_id == technician_id,
        )
        .order_by(DispatchPlan.created_at.desc(), DispatchPlan.id.desc())
        .limit(1)
    )
    if plan is None:
        return None, []
    rows = db.execute(
        select(PlanStop, WorkOrder, Address)
        .join(WorkOrder, WorkOrder.id == PlanStop.work_order_id)
        .outerjoin(Address, Address.id == WorkOrder.address_id)
        .where(
            PlanStop.plan_id == plan.id,
            PlanStop.technician_id == technician_id,
            WorkOrder.tenant_id == tenant_id,
        )
        .order_by(PlanStop.sequence)
    ).all()
    out = []
    for stop, order, address in rows:
        text = f"{address.city}{address.district}{address.detail}" if address else ""
        out.append(RouteStop(stop, order, text, service_minutes(order.category_code, order.service_type)))
    return plan, out


@dataclass(frozen=True)
class Eta:
    eta: datetime | None
    source: str  # arrived | live | plan | appointment | none
    technician_id: int | None
    planned_at: datetime | None
    # en route: the technician's last reported position and when (fresh or not), and for ``live`` the
    # travel model's road metres from there to the door (``dispatch.tracking`` words them for customers)
    located_at: datetime | None = None
    here: Point | None = None
    metres: int | None = None


def eta_for(db: Session, *, order: WorkOrder, now: datetime) -> Eta:
    """When the technician should be at the door: on site already (``arrived``); en route with a fresh
    position, from there by the travel model (``live``); the current day plan's arrival (``plan``); else the
    start of the appointment (``appointment``)."""
    planned = db.execute(
        select(PlanStop.arrive_at, PlanStop.technician_id)
        .join(DispatchPlan, DispatchPlan.id == PlanStop.plan_id)
        .where(
            PlanStop.work_order_id == order.id,
            DispatchPlan.status == "current",
            DispatchPlan.tenant_id == order.tenant_id,
        )
        .order_by(DispatchPlan.created_at.desc(), DispatchPlan.id.desc())
        .limit(1)
    ).first()
    technician_id = order.technician_id or (planned.technician_id if planned else None)
    planned_at = planned.arrive_at if planned else None
    if order.on_site_at is not None and order.status not in PLANNABLE:
        return Eta(order.on_site_at, "arrived", technician_id, planned_at)
    located_at = None
    if order.status == Status.EN_ROUTE.value and technician_id is not None:
        row = places(db, [technician_id]).get(technician_id)
        located_at = row.last_located_at if row is not None else None
        here = fresh_point(row, now)
        if here is not None:
            leg = live.travel().leg(here, live.order_point(order, db), now)
            arrive = now + timedelta(seconds=leg.seconds)
            return Eta(arrive, "live", technician_id, planned_at, located_at, here, leg.metres)
    # on the way, a plan's arrival already past says nothing of when they will be there
    passed = (
        order.status == Status.EN_ROUTE.value and planned_at is not None and clock.as_utc(planned_at) < now
    )
    if planned_at is not None and not passed:
        return Eta(planned_at, "plan", technician_id, planned_at, located_at)
    if order.appointment_start_at is not None:
        return Eta(order.appointment_start_at, "appointment", technician_id, None, located_at)
    return Eta(None, "none", technician_id, None, located_at)
