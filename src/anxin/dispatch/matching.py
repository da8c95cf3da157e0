"""Real-time matching from the database: read an order and the technicians who might take it into the pure
snapshots of ``scoring``, then rank.

Reading 10,000 technicians' queues for every order would be slow, so the database narrows first: the tenant's
technicians who are not suspended, have a skill row for the category (this service type or any), and are
nearest to the job by their fresh position or home base (``PREFILTER`` of them). Only those are loaded with
their certificates, shifts, day's bookings and queues (``snapshots``) and go through every hard rule in
``scoring``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from anxin.appliance.models import Appliance
from anxin.catalog.models import Brand, ProductModel
from anxin.customer.models import Address
from anxin.dispatch import rules
from anxin.dispatch.day import FRESH_LOCATION as FRESH_LOCATION
from anxin.dispatch.day import QUEUED as QUEUED
from anxin.dispatch.day import STARTED as STARTED
from anxin.dispatch.day import travel
from anxin.dispatch.models import PlanStop
from anxin.dispatch.scoring import Job, Ranking, Tech, rank
from anxin.dispatch.snapshots import shift_on as shift_on
from anxin.dispatch.snapshots import techs_for
from anxin.dispatch.travel import Point
from anxin.technician.models import Outlet, Technician, TechnicianSkill
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder

PREFILTER = 30


def order_point(order: WorkOrder, db: Session) -> Point:
    address = db.get(Address, order.address_id) if order.address_id else None
    if address is None:
        return Point(0.0, 0.0, order.area_type or "urban")
    return Point(address.lat, address.lng, address.area_type or order.area_type or "urban")


def job_for(db: Session, order: WorkOrder) -> Job:
    """The order as dispatch sees it: place, needs, limits, and who did the last visit on the appliance."""
    row = db.execute(
        select(Brand.code, ProductModel.crew_size)
        .join(ProductModel, ProductModel.brand_id == Brand.id)
        .join(Appliance, Appliance.product_model_id == ProductModel.id)
        .where(Appliance.id == order.appliance_id)
    ).one_or_none()
    brand, crew_size = (row.code, row.crew_size) if row else (None, 1)
    last = db.scalar(
        select(WorkOrder.technician_id)
        .where(
            WorkOrder.appliance_id == order.appliance_id,
            WorkOrder.id != order.id,
            WorkOrder.technician_id.is_not(None),
            WorkOrder.on_site_at.is_not(None),
        )
        .order_by(WorkOrder.on_site_at.desc())
        .limit(1)
    )
    window = None
    if order.appointment_start_at and order.appointment_end_at:
        window = (order.appointment_start_at, order.appointment_end_at)
    policy = work_order_service.get_policy(db, tenant_id=order.tenant_id)
    zone = work_order_service.tenant_timezone(db, order.tenant_id)
    report = work_order_service.sla_report(order, policy, timezone=zone, now=order.created_at)
    arrive_by = next((c.due_at for c in report.clocks if c.name == "arrive"), None)
    return Job(
        order_id=order.id,
        category=order.category_code,
        service_type=order.service_type,
        point=order_point(order, db),
        requirement=rules.requirement_for(order.category_code, order.service_type, crew_size=crew_size),
        brand=brand,
        district=order.district,
        priority=order.priority,
        vulnerable=bool(order.elderly_household or order.infant_household),
        created_at=order.created_at,
        arrive_by=arrive_by,
        window=window,
        service_minutes=rules.service_minutes(order.category_code, order.service_type),
        last_technician_id=last,
        rework=bool(order.is_rework),
    )


def nearest_ids(db: Session, *, tenant_id: int, job: Job, limit: int, auto: bool) -> list[int]:
    lat = func.coalesce(Technician.last_lat, Technician.home_lat, Outlet.lat)
    lng = func.coalesce(Technician.last_lng, Technician.home_lng, Outlet.lng)
    squeeze = 0.87  # cos(30°): a degree of longitude is shorter than one of latitude at Chinese latitudes
    distance = (lat - job.point.lat) * (lat - job.point.lat) + (lng - job.point.lng) * (
        lng - job.point.lng
    ) * (squeeze * squeeze)
    skilled = select(TechnicianSkill.technician_id).where(
        TechnicianSkill.tenant_id == tenant_id,
        TechnicianSkill.category == job.category,
        TechnicianSkill.service_type.in_([job.service_type, "*"]),
    )
    # Coverage is a hard rule: only technicians of outlets that serve the district (or of none) can pass,
    # so the database looks at those alone (a city's outlets are few; their coverage is read in Python).
    covering = [
        row.id
        for row in db.execute(select(Outlet.id, Outlet.coverage).where(Outlet.tenant_id == tenant_id))
        if not row.coverage or job.district in row.coverage
    ]
    query = (
        select(Technician.id)
        .outerjoin(Outlet, Outlet.id == Technician.outlet_id)
        .where(
            Technician.tenant_id == tenant_id,
            Technician.status.not_in(["suspended", "off"]),
            Technician.id.in_(skilled),
            or_(Technician.outlet_id.in_(covering), Technician.outlet_id.is_(None)),
        )
        .order_by(distance, Technician.id)
        .limit(limit)
    )
    if auto:
        query = query.where(Technician.auto_dispatch.is_(True))
    return list(db.scalars(query))


def visit_day(db: Session, order: WorkOrder, now: datetime) -> date:
    zone = ZoneInfo(work_order_service.tenant_timezone(db, order.tenant_id))
    moment = order.appointment_start_at or now
    return moment.astimezone(zone).date()


def candidates(
    db: Session,
    *,
    order: WorkOrder,
    now: datetime,
    limit: int = 10,
    auto: bool = False,
    exclude: Iterable[int] = (),
) -> tuple[Job, Ranking]:
    """The ranked candidates for ``order`` and why the nearest others were refused."""
    job = job_for(db, order)
    ids = nearest_ids(db, tenant_id=order.tenant_id, job=job, limit=PREFILTER, auto=auto)
    excluded = set(exclude)
    ids = [i for i in ids if i not in excluded]
    day = visit_day(db, order, now)
    techs = techs_for(
        db, tenant_id=order.tenant_id, ids=ids, day=day, now=now, job=job, exclude_order_id=order.id
    )
    _add_history(db, techs, job=job, now=now)
    return job, rank(job, techs, travel=travel(), now=now, limit=limit, auto=auto, on=day)


def _add_history(db: Session, techs: list[Tech], *, job: Job, now: datetime) -> None:
    """First-time-fix rate on the job's category over 180 days (completed orders that no rework order
    points to) and orders assigned in the last 7 days, in one grouped query with filtered counts; written
    into the (frozen) snapshots in place of their defaults."""
    ids = [t.id for t in techs]
    if not ids:
        return
    rework = aliased(WorkOrder)
    in_category = and_(
        WorkOrder.category_code == job.category, WorkOrder.completed_at >= now - timedelta(days=180)
    )
    reworked = select(rework.id).where(rework.rework_of_id == WorkOrder.id).exists()
    rows = db.execute(
        select(
            WorkOrder.technician_id,
            func.count().filter(in_category),
            func.count().filter(and_(in_category, reworked)),
            func.count().filter(WorkOrder.assigned_at >= now - timedelta(days=7)),
        )
        .where(WorkOrder.technician_id.in_(ids))
        .group_by(WorkOrder.technician_id)
    ).all()
    history = {row[0]: row[1:] for row in rows}
    for index, tech in enumerate(techs):
        total, bad, recent = history.get(tech.id, (0, 0, 0))
        techs[index] = replace(
            tech, first_time_fix=((total - bad) / total) if total >= 3 else None, recent_orders=recent
        )


def plan_eta(db: Session, order: WorkOrder) -> datetime | None:
    """The arrival time the current day plan gives the order, if it is on one."""
    from anxin.dispatch.models import DispatchPlan

    return db.scalar(
        select(PlanStop.arrive_at)
        .join(DispatchPlan, DispatchPlan.id == PlanStop.plan_id)
        .where(PlanStop.work_order_id == order.id, DispatchPlan.status == "current")
        .order_by(DispatchPlan.created_at.desc())
        .limit(1)
    )
