"""Real-time matching from the database: read an order and the technicians who might take it into the pure
snapshots of ``scoring``, then rank.

Reading 10,000 technicians' queues for every order would be slow, so the database narrows first: the tenant's
technicians who are not suspended, have a skill row for the category (this service type or any), and are
nearest to the job by their fresh position or home base (``PREFILTER`` of them). Only those are loaded with
their certificates, shifts, day's bookings and queues and go through every hard rule in ``scoring``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from anxin.appliance.models import Appliance
from anxin.catalog.models import Brand, ProductModel
from anxin.config import get_settings
from anxin.dispatch import rules
from anxin.dispatch.models import PlanStop, SlotReservation
from anxin.dispatch.scoring import Job, Ranking, Shift, Tech, project_route, rank
from anxin.dispatch.travel import Point, TravelModel, travel_model
from anxin.technician.models import (
    Crew,
    Outlet,
    Technician,
    TechnicianCertificate,
    TechnicianDayOff,
    TechnicianSkill,
)
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

PREFILTER = 60
FRESH_LOCATION = timedelta(minutes=15)
# States in which an order sits on its technician's day.
QUEUED = (
    Status.ASSIGNED,
    Status.ACKNOWLEDGED,
    Status.EN_ROUTE,
    Status.ON_SITE,
    Status.QUOTED,
    Status.QUOTE_APPROVED,
    Status.IN_PROGRESS,
)
STARTED = (Status.EN_ROUTE, Status.ON_SITE, Status.QUOTED, Status.QUOTE_APPROVED, Status.IN_PROGRESS)


def travel() -> TravelModel:
    settings = get_settings()
    return travel_model(settings.osrm_url, settings.timezone)


def _local_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def shift_on(technician: Any, day: date, zone: ZoneInfo, days_off: set[date] = frozenset()) -> Shift | None:
    """The technician's shift on ``day`` (aware UTC datetimes), or None on a rest day or a day off."""
    if day.isoweekday() not in (technician.work_days or []) or day in days_off:
        return None

    def at(text: str) -> datetime:
        return datetime.combine(day, _local_time(text), zone).astimezone(ZoneInfo("UTC"))

    breaks = ()
    if technician.break_start and technician.break_end:
        breaks = ((at(technician.break_start), at(technician.break_end)),)
    return Shift(at(technician.shift_start), at(technician.shift_end), breaks)


def order_point(order: WorkOrder, db: Session) -> Point:
    from anxin.customer.models import Address

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


def techs_for(
    db: Session,
    *,
    tenant_id: int,
    ids: Iterable[int],
    day: date,
    now: datetime,
    travel_model_: TravelModel | None = None,
    job: Job | None = None,
    exclude_order_id: int | None = None,
) -> list[Tech]:
    """Snapshots of the given technicians (and, for a crew job, of the crews they lead) on ``day``: shift,
    certificates, bookings that day, and when and where their current queue ends."""
    ids = list(ids)
    if not ids:
        return []
    model = travel_model_ or travel()
    zone = ZoneInfo(work_order_service.tenant_timezone(db, tenant_id))
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    # Plain rows, not ORM objects: this runs for every order ranked and loads dozens of technicians.
    technicians = db.execute(
        select(*(c for c in Technician.__table__.columns)).where(
            Technician.id.in_(ids), Technician.tenant_id == tenant_id
        )
    ).all()
    skills: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
    for row in db.execute(
        select(
            TechnicianSkill.technician_id,
            TechnicianSkill.category,
            TechnicianSkill.service_type,
            TechnicianSkill.level,
        ).where(TechnicianSkill.technician_id.in_(ids))
    ):
        skills[row.technician_id][(row.category, row.service_type)] = row.level
    certificates: dict[int, dict[str, date]] = defaultdict(dict)
    for row in db.execute(
        select(
            TechnicianCertificate.technician_id, TechnicianCertificate.kind, TechnicianCertificate.expires_on
        ).where(TechnicianCertificate.technician_id.in_(ids))
    ):
        held = certificates[row.technician_id]
        held[row.kind] = max(row.expires_on, held.get(row.kind, row.expires_on))
    outlets = {
        row.id: row
        for row in db.execute(
            select(Outlet.id, Outlet.lat, Outlet.lng, Outlet.coverage).where(Outlet.tenant_id == tenant_id)
        )
    }
    days_off: dict[int, set[date]] = defaultdict(set)
    for row in db.execute(
        select(TechnicianDayOff.technician_id, TechnicianDayOff.day).where(
            TechnicianDayOff.technician_id.in_(ids), TechnicianDayOff.day == day
        )
    ):
        days_off[row.technician_id].add(row.day)
    queue = _queues(db, ids=ids, start=start, end=end)
    booked = _booked(db, ids=ids, start=start, end=end, exclude_order_id=exclude_order_id)
    snapshots = {}
    for technician in technicians:
        snapshots[technician.id] = _snapshot(
            technician,
            skills=skills[technician.id],
            certificates=certificates[technician.id],
            outlet=outlets.get(technician.outlet_id) if technician.outlet_id else None,
            shift=shift_on(technician, day, zone, days_off[technician.id]),
            queue=queue.get(technician.id, []),
            booked=booked.get(technician.id, 0),
            now=now,
            travel=model,
        )
    result = list(snapshots.values())
    if job is not None and job.requirement.crew_size > 1:
        result = _crews(
            db, tenant_id=tenant_id, snapshots=snapshots, day=day, now=now, travel=model, zone=zone
        )
    return result


def _queues(db: Session, *, ids: list[int], start: datetime, end: datetime) -> dict[int, list[tuple]]:
    """Each technician's open orders for the day, started ones first, then by window or assignment."""
    from anxin.customer.models import Address

    rows = db.execute(
        select(
            WorkOrder.technician_id,
            WorkOrder.status,
            WorkOrder.category_code,
            WorkOrder.service_type,
            WorkOrder.appointment_start_at,
            WorkOrder.assigned_at,
            Address.lat,
            Address.lng,
            Address.area_type,
        )
        .join(Address, Address.id == WorkOrder.address_id)
        .where(
            WorkOrder.technician_id.in_(ids),
            WorkOrder.status.in_([s.value for s in QUEUED]),
            or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < end),
        )
    ).all()
    queues: dict[int, list[tuple]] = defaultdict(list)
    for row in sorted(
        rows,
        key=lambda r: (r.status not in STARTED, r.appointment_start_at or r.assigned_at or start),
    ):
        minutes = rules.service_minutes(row.category_code, row.service_type)
        queues[row.technician_id].append(
            (Point(row.lat, row.lng, row.area_type), minutes, row.appointment_start_at, row.status)
        )
    return queues


def _booked(
    db: Session, *, ids: list[int], start: datetime, end: datetime, exclude_order_id: int | None = None
) -> dict[int, int]:
    """Orders on each technician's day: queued orders due that day plus slots held for them; the order
    being placed (``exclude_order_id``) does not compete with itself."""
    day_of = and_(
        or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < end),
        or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at >= start),
    )
    counts: dict[int, int] = defaultdict(int)
    for row in db.execute(
        select(WorkOrder.technician_id, func.count())
        .where(WorkOrder.technician_id.in_(ids), WorkOrder.status.in_([s.value for s in QUEUED]), day_of)
        .where(WorkOrder.id != (exclude_order_id or -1))
        .group_by(WorkOrder.technician_id)
    ):
        counts[row[0]] += row[1]
    for row in db.execute(
        select(SlotReservation.technician_id, func.count())
        .join(WorkOrder, WorkOrder.id == SlotReservation.work_order_id)
        .where(
            SlotReservation.technician_id.in_(ids),
            SlotReservation.status != "released",
            SlotReservation.window_start_at >= start,
            SlotReservation.window_start_at < end,
            or_(WorkOrder.technician_id.is_(None), WorkOrder.technician_id != SlotReservation.technician_id),
            SlotReservation.work_order_id != (exclude_order_id or -1),
        )
        .group_by(SlotReservation.technician_id)
    ):
        counts[row[0]] += row[1]
    return counts


def _snapshot(
    technician: Any,
    *,
    skills: dict[tuple[str, str], str],
    certificates: dict[str, date],
    outlet: Outlet | None,
    shift: Shift | None,
    queue: list[tuple],
    booked: int,
    now: datetime,
    travel: TravelModel,
) -> Tech:
    base = None
    if technician.home_lat is not None and technician.home_lng is not None:
        base = Point(technician.home_lat, technician.home_lng, technician.home_area)
    elif outlet is not None:
        base = Point(outlet.lat, outlet.lng, "urban")
    source = "base"
    position = base
    if technician.last_lat is not None and technician.last_located_at is not None:
        if now - technician.last_located_at <= FRESH_LOCATION:
            position, source = Point(technician.last_lat, technician.last_lng, technician.home_area), "gps"
        else:
            source = "stale_gps"
    free_at = now if shift is None or now >= shift.start else shift.start
    if queue and position is not None:
        free_at, position = project_route(
            position,
            free_at,
            [(point, minutes, earliest) for point, minutes, earliest, _ in queue],
            travel=travel,
        )
        source = "route" if source != "stale_gps" else source
    coverage = None
    if outlet is not None and outlet.coverage:
        coverage = frozenset(outlet.coverage)
    return Tech(
        id=technician.id,
        name=technician.name,
        status=technician.status,
        outlet_id=technician.outlet_id,
        coverage=coverage,
        skills=skills,
        brands=frozenset(technician.brands) if technician.brands is not None else None,
        certificates=certificates,
        shift=shift,
        capacity=technician.daily_capacity,
        booked=booked,
        free_at=free_at,
        position=position,
        position_source=source,
        rating=technician.rating,
        ratings=technician.rating_count,
        recent_orders=0,
        auto_dispatch=technician.auto_dispatch,
    )


def _crews(
    db: Session, *, tenant_id: int, snapshots: dict[int, Tech], day: date, now: datetime, travel, zone
) -> list[Tech]:
    """Crews as one candidate: the lead's skills and place, everyone's certificates, the tightest shift."""
    crews = list(db.scalars(select(Crew).where(Crew.tenant_id == tenant_id, Crew.active.is_(True))))
    member_ids = {m.technician_id for crew in crews for m in crew.members} | {c.lead_id for c in crews}
    missing = member_ids - set(snapshots)
    if missing:
        snapshots = {
            **snapshots,
            **{
                t.id: t
                for t in techs_for(
                    db, tenant_id=tenant_id, ids=missing, day=day, now=now, travel_model_=travel
                )
            },
        }
    out = []
    for crew in crews:
        people = [
            snapshots[i] for i in {crew.lead_id, *(m.technician_id for m in crew.members)} if i in snapshots
        ]
        lead = snapshots.get(crew.lead_id)
        if lead is None or len(people) < 2:
            continue
        certificates: dict[str, date] = {}
        for person in people:
            for kind, expiry in person.certificates.items():
                certificates[kind] = max(expiry, certificates.get(kind, expiry))
        shifts = [p.shift for p in people]
        shift = None
        if all(shifts):
            shift = Shift(max(s.start for s in shifts), min(s.end for s in shifts), lead.shift.breaks)
        out.append(
            Tech(
                id=lead.id,
                name=f"{crew.name}({'、'.join(p.name for p in people)})",
                status="suspended" if any(p.status == "suspended" for p in people) else lead.status,
                outlet_id=lead.outlet_id,
                coverage=lead.coverage,
                skills=lead.skills,
                brands=lead.brands,
                certificates=certificates,
                shift=shift,
                capacity=min(p.capacity for p in people),
                booked=max(p.booked for p in people),
                free_at=max(p.free_at or now for p in people),
                position=lead.position,
                position_source=lead.position_source,
                rating=lead.rating,
                ratings=lead.ratings,
                auto_dispatch=all(p.auto_dispatch for p in people),
                size=len(people),
                member_ids=tuple(p.id for p in people),
            )
        )
    return out


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
    """First-time-fix rate on the job's category over 180 days and orders in the last 7 days, in two
    grouped queries; written into the (frozen) snapshots in place of their defaults."""
    ids = [t.id for t in techs]
    if not ids:
        return
    since = now - timedelta(days=180)
    fixed: dict[int, tuple[int, int]] = {}
    done = select(WorkOrder.technician_id, func.count()).where(
        WorkOrder.technician_id.in_(ids),
        WorkOrder.category_code == job.category,
        WorkOrder.completed_at >= since,
    )
    rework = aliased(WorkOrder)
    reworked = (
        select(WorkOrder.technician_id, func.count(func.distinct(WorkOrder.id)))
        .join(rework, rework.rework_of_id == WorkOrder.id)
        .where(
            WorkOrder.technician_id.in_(ids),
            WorkOrder.category_code == job.category,
            WorkOrder.completed_at >= since,
        )
    )
    totals = dict(db.execute(done.group_by(WorkOrder.technician_id)).all())
    bad = dict(db.execute(reworked.group_by(WorkOrder.technician_id)).all())
    for technician_id, total in totals.items():
        fixed[technician_id] = (total - bad.get(technician_id, 0), total)
    recent = dict(
        db.execute(
            select(WorkOrder.technician_id, func.count())
            .where(WorkOrder.technician_id.in_(ids), WorkOrder.assigned_at >= now - timedelta(days=7))
            .group_by(WorkOrder.technician_id)
        ).all()
    )
    for index, tech in enumerate(techs):
        good, total = fixed.get(tech.id, (0, 0))
        techs[index] = _replace(
            tech, first_time_fix=(good / total) if total >= 3 else None, recent_orders=recent.get(tech.id, 0)
        )


def _replace(tech: Tech, **changes) -> Tech:
    from dataclasses import replace

    return replace(tech, **changes)


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
