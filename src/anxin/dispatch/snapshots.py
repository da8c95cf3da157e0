"""Technicians' snapshots from the database: each technician (and, for a crew job, each crew) read into the
pure ``scoring.Tech`` of a day, with their shift (``shift_on``), skills, certificates, outlet coverage, the
orders and held slots that count against their daily capacity, and when and where their current queue
ends. Matching, slots, day plans and the order pool read technicians through ``techs_for``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from anxin.dispatch import rules
from anxin.dispatch.day import FRESH_LOCATION, QUEUED, STARTED, travel
from anxin.dispatch.models import SlotReservation
from anxin.dispatch.scoring import Job, Shift, Tech, project_route
from anxin.dispatch.travel import Point, TravelModel
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
        quality_suspended=technician.suspended_at is not None,
        grade=technician.grade,
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
                quality_suspended=any(p.quality_suspended for p in people),
                grade=lead.grade,
                size=len(people),
                member_ids=tuple(p.id for p in people),
            )
        )
    return out
