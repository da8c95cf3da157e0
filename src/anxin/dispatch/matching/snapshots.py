"""Technicians' snapshots from the database: each technician (and, for a crew job, each crew) read into the
pure ``scoring.Tech`` of a day, with their shift (``shift_on``), skills, certificates, outlet coverage, the
orders and held slots that count against their daily capacity, and when and where their current queue
ends. Matching, slots, day plans and the order pool read technicians through ``techs_for``.

This runs for every order ranked, so it reads little and builds less: two statements whatever the number of
technicians. The first reads one row per technician (their columns, their outlet's place and coverage, and
as correlated counts the day's bookings, held slots and day off); the second reads their skills,
certificates and queued orders as one ``UNION ALL`` of narrow rows. ``nearest_techs`` reads the first from
matching's prefilter itself (a CTE of the nearest technicians), with the first-time-fix and recent-order
counts (``HISTORY_DAYS``) joined in, so ranking one order costs a handful of round trips.

Three layers: the statements (``snapshot_sql``), decoding their rows (``snapshot_rows``), and this module,
which runs them and assembles the snapshots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth import tenant_clock
from anxin.dispatch.core.scoring import Job, Shift, Tech, project_route
from anxin.dispatch.core.travel import TravelModel
from anxin.dispatch.day import FRESH_LOCATION, travel
from anxin.dispatch.matching import snapshot_rows as decode
from anxin.dispatch.matching import snapshot_sql as sql
from anxin.dispatch.matching.snapshot_rows import local_time
from anxin.geo import Point
from anxin.technician.models import Crew

HISTORY_DAYS = 180  # first-time fix on the job's category over this many days
RECENT_DAYS = 7  # orders assigned over this many days (fairness)


def shift_on(technician: Any, day: date, zone: ZoneInfo, days_off: set[date] = frozenset()) -> Shift | None:
    """The technician's shift on ``day`` (aware UTC datetimes), or None on a rest day or a day off."""
    if day.isoweekday() not in (technician.work_days or []) or day in days_off:
        return None

    def at(text: str) -> datetime:
        return datetime.combine(day, local_time(text), zone).astimezone(ZoneInfo("UTC"))

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
    zone = tenant_clock.zone(db, tenant_id)
    start, end = tenant_clock.day_bounds(day, zone)
    rows = db.execute(
        sql.roster_by_ids(sql.dialect(db)),
        {
            "tenant_id": tenant_id,
            "ids": ids,
            "day": day,
            "day_start": start,
            "day_end": end,
            "exclude_order_id": exclude_order_id or -1,
        },
    ).all()
    snapshots = {
        t.id: t
        for t in build(
            db,
            rows,
            day=day,
            zone=zone,
            start=start,
            end=end,
            now=now,
            travel=model,
            exclude_order_id=exclude_order_id,
        )
    }
    result = list(snapshots.values())
    if job is not None and job.requirement.crew_size > 1:
        result = _crews(
            db, tenant_id=tenant_id, snapshots=snapshots, day=day, now=now, travel=model, zone=zone
        )
    return result


def nearest_techs(
    db: Session,
    *,
    tenant_id: int,
    job: Job,
    covering: Sequence[int],
    limit: int,
    auto: bool,
    exclude: Iterable[int],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    travel_model_: TravelModel | None = None,
    exclude_order_id: int | None = None,
) -> list[Tech]:
    """Snapshots of the ``limit`` technicians nearest to a one-person ``job`` (the prefilter of
    ``live.nearest_ids``, outlets ``covering`` its district), less ``exclude``, with their first-time-fix
    rate on the job's category and their orders of the last week: what ``techs_for`` and
    ``live._add_history`` give for those technicians, in two statements."""
    excluded = list(set(exclude))
    start, end = tenant_clock.day_bounds(day, zone)
    rows = db.execute(
        sql.roster_nearest(auto=auto, excluding=bool(excluded), dialect=sql.dialect(db)),
        {
            **nearest_params(tenant_id, job, covering, limit),
            "excluded": excluded,
            "day": day,
            "day_start": start,
            "day_end": end,
            "exclude_order_id": exclude_order_id or -1,
            "since": now - timedelta(days=HISTORY_DAYS),
            "recent_since": now - timedelta(days=RECENT_DAYS),
        },
    ).all()
    return build(
        db,
        rows,
        day=day,
        zone=zone,
        start=start,
        end=end,
        now=now,
        travel=travel_model_ or travel(),
        history=True,
        exclude_order_id=exclude_order_id,
    )


def nearest_params(tenant_id: int, job: Job, covering: Sequence[int], limit: int) -> dict:
    """The parameters of ``snapshot_sql.nearest_statement`` for ``job``."""
    return {
        "tenant_id": tenant_id,
        "lat": job.point.lat,
        "lng": job.point.lng,
        "squeeze": sql.SQUEEZE * sql.SQUEEZE,
        # a job that needs the skill triage suggested besides the booked one is prefiltered on the
        # suggested one (the rarer: a cleaning asked of a "repair"); ``scoring`` checks both
        "category": job.category,
        "service_type": job.triage_skill[1] if job.triage_skill is not None else job.service_type,
        "covering": list(covering),
        "limit": limit,
    }


def build(
    db: Session,
    rows: Sequence[Any],
    *,
    day: date,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    now: datetime,
    travel: TravelModel,
    history: bool = False,
    exclude_order_id: int | None = None,
) -> list[Tech]:
    """Snapshots from roster rows (``snapshot_sql.roster_by_ids`` or ``roster_nearest``), by technician
    id, with their skills, certificates and queues read in one more statement.

    Each technician: where they are (a fresh position, else home, else their outlet) and, after walking their
    queue, when they are free and where; their shift that day; their outlet's coverage; the orders and held
    slots on their day; with ``history``, their first-time-fix rate (of three or more jobs on the category)
    and their orders of the last week. The order being ranked (``exclude_order_id``) is not on anyone's queue:
    its current technician is free before it, not after. The rows are unpacked by position (``snapshot_sql.roster_columns``):
    this loop runs for every technician of every order ranked."""
    if not rows:
        return []
    rows = sorted(rows, key=itemgetter(0))
    detail_rows = db.execute(
        sql.details_statement(sql.dialect(db)), {"ids": [r[0] for r in rows], "day_end": end}
    ).all()
    skills, certificates, queues = decode.details(detail_rows, start=start, exclude_order_id=exclude_order_id)
    shifts: dict[tuple, Shift | None] = {}  # technicians share a handful of shifts
    out = []
    for row in rows:
        (
            tid,
            name,
            status,
            outlet_id,
            brands,
            home_lat,
            home_lng,
            home_area,
            capacity,
            shift_start,
            shift_end,
            break_start,
            break_end,
            work_days,
            last_lat,
            last_lng,
            located_at,
            rating,
            ratings,
            auto_dispatch,
            suspended_at,
            grade,
            outlet_lat,
            outlet_lng,
            coverage,
            day_off,
            booked_orders,
            booked_slots,
        ) = row[:28]
        key = (work_days, shift_start, shift_end, break_start, break_end, day_off)
        shift = shifts.get(key, decode.NONE)
        if shift is decode.NONE:
            shift = shifts[key] = decode.shift_of(key, day, zone)
        has_outlet = outlet_id is not None and outlet_lat is not None
        base = None
        if home_lat is not None and home_lng is not None:
            base = Point(home_lat, home_lng, home_area)
        elif has_outlet:
            base = Point(outlet_lat, outlet_lng, "urban")
        source = "base"
        position = base
        if last_lat is not None and located_at is not None:
            if now - located_at <= FRESH_LOCATION:
                position, source = Point(last_lat, last_lng, home_area), "gps"
            else:
                source = "stale_gps"
        free_at = now if shift is None or now >= shift.start else shift.start
        queue = queues.get(tid)
        if queue and position is not None:
            free_at, position = project_route(position, free_at, queue, travel=travel)
            source = "route" if source != "stale_gps" else source
        first_time_fix, recent = None, 0
        if history:
            total, bad, recent = (n or 0 for n in row[28:31])
            first_time_fix = ((total - bad) / total) if total >= 3 else None
        out.append(
            Tech(
                id=tid,
                name=name,
                status=status,
                outlet_id=outlet_id,
                coverage=(decode.json_set(coverage) or None) if has_outlet else None,
                skills=skills.get(tid, {}),
                brands=decode.json_set(brands),
                certificates=certificates.get(tid, {}),
                shift=shift,
                capacity=capacity,
                booked=booked_orders + booked_slots,
                free_at=free_at,
                position=position,
                position_source=source,
                rating=rating,
                ratings=ratings,
                first_time_fix=first_time_fix,
                recent_orders=recent,
                auto_dispatch=auto_dispatch,
                quality_suspended=suspended_at is not None,
                grade=grade,
            )
        )
    return out


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
