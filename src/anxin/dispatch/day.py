"""A technician's day, as appointment slots (``slots``) and day plans (``plans``) both see it: which orders
sit on it (``QUEUED``, ``STARTED``) and which reservations hold a place (``LIVE``), where the technician is
(home, outlet, fresh position), what they are committed to on a day (today's queue and the visits booked
with a window), and walking that day in order to time each visit and to see whether a new job fits.
Also the configured travel model (``travel``) that times it all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session

from anxin.config import get_settings
from anxin.customer.models import Address
from anxin.dispatch.core.rules import service_minutes
from anxin.dispatch.core.scoring import Shift, Tech
from anxin.dispatch.core.travel import TravelModel, travel_model
from anxin.dispatch.models import SlotReservation
from anxin.geo import Point
from anxin.technician.models import Outlet, Technician
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

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
LIVE = ("held", "at_risk")  # reservations that hold a place
# Orders whose reservation is watched by ``flag_slots_at_risk``: booked, the technician not yet on the way.
WAITING = (Status.ACCEPTED.value, Status.ASSIGNED.value, Status.ACKNOWLEDGED.value)


def travel() -> TravelModel:
    settings = get_settings()
    return travel_model(settings.osrm_url, settings.timezone)


@dataclass(frozen=True)
class Visit:
    """A booked visit on a technician's day."""

    order_id: int
    point: Point
    minutes: int
    window: tuple[datetime, datetime] | None = None  # earliest and latest start
    on_site_at: datetime | None = None  # already there: the visit ends ``minutes`` after this


@dataclass
class TechDay:
    """One technician's day as slots see it: when and where they can set off, what is booked."""

    tech: Tech
    shift: Shift
    start: datetime
    origin: Point
    queue: list[Visit] = field(default_factory=list)  # today's visits without a window, done first
    booked: list[Visit] = field(default_factory=list)  # visits with a window, by window start


def tech_days(
    db: Session,
    techs: Sequence[Tech],
    *,
    day_start: datetime,
    day_end: datetime,
    now: datetime,
    today: bool,
    exclude_order_id: int | None,
) -> list[TechDay]:
    """Each technician's day: where and when they set off, their queue (today) and booked visits."""
    if not techs:
        return []
    ids = [t.id for t in techs]
    rows = places(db, ids)
    queues, booked = commitments(
        db, ids, day_start=day_start, day_end=day_end, today=today, exclude_order_id=exclude_order_id
    )
    out = []
    for tech in techs:
        row = rows.get(tech.id)
        base = base_point(row)
        if base is None or tech.shift is None:
            continue
        start, origin = tech.shift.start, base
        if today:  # from where they are, once they can set off
            start = max(now, tech.shift.start)
            origin = fresh_point(row, now) or base
        out.append(TechDay(tech, tech.shift, start, origin, queues.get(tech.id, []), booked.get(tech.id, [])))
    return out


def places(db: Session, ids: Iterable[int]) -> dict[int, Row]:
    """Per technician: home, outlet and last reported position (one query)."""
    query = (
        select(
            Technician.id,
            Technician.home_lat,
            Technician.home_lng,
            Technician.home_area,
            Technician.last_lat,
            Technician.last_lng,
            Technician.last_located_at,
            Outlet.lat.label("outlet_lat"),
            Outlet.lng.label("outlet_lng"),
        )
        .outerjoin(Outlet, Outlet.id == Technician.outlet_id)
        .where(Technician.id.in_(list(ids)))
    )
    return {row.id: row for row in db.execute(query)}


def base_point(row: Row | None) -> Point | None:
    """Where the technician's day starts and ends: home, else their outlet."""
    if row is None:
        return None
    if row.home_lat is not None and row.home_lng is not None:
        return Point(row.home_lat, row.home_lng, row.home_area)
    if row.outlet_lat is not None:
        return Point(row.outlet_lat, row.outlet_lng, "urban")
    return None


def fresh_point(row: Row | None, now: datetime) -> Point | None:
    """The technician's last reported position if it is fresh (``FRESH_LOCATION``)."""
    if row is None or row.last_located_at is None or row.last_lat is None or row.last_lng is None:
        return None
    if now - row.last_located_at > FRESH_LOCATION:
        return None
    return Point(row.last_lat, row.last_lng, row.home_area)


def commitments(
    db: Session,
    ids: Iterable[int],
    *,
    day_start: datetime,
    day_end: datetime,
    today: bool,
    exclude_order_id: int | None = None,
) -> tuple[dict[int, list[Visit]], dict[int, list[Visit]]]:
    """Per technician: today's queue (started visits first, then open orders with no window on the day) and
    the visits booked with a window on the day (their open orders appointed that day and the slots held
    for them), sorted by window start."""
    ids = list(ids)
    queues: dict[int, list[Visit]] = defaultdict(list)
    booked: dict[int, list[Visit]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    on_day = and_(WorkOrder.appointment_start_at >= day_start, WorkOrder.appointment_start_at < day_end)
    earlier = or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < day_start)
    rows = db.execute(
        select(
            WorkOrder.id,
            WorkOrder.technician_id,
            WorkOrder.status,
            WorkOrder.category_code,
            WorkOrder.service_type,
            WorkOrder.appointment_start_at,
            WorkOrder.appointment_end_at,
            WorkOrder.assigned_at,
            WorkOrder.on_site_at,
            Address.lat,
            Address.lng,
            Address.area_type,
        )
        .join(Address, Address.id == WorkOrder.address_id)
        .where(
            WorkOrder.technician_id.in_(ids),
            WorkOrder.status.in_([s.value for s in QUEUED]),
            or_(on_day, earlier) if today else on_day,
        )
    ).all()
    started = {s.value for s in STARTED}
    for row in sorted(rows, key=lambda r: (r.status not in started, r.assigned_at or day_start, r.id)):
        if row.id == exclude_order_id:
            continue
        point = Point(row.lat, row.lng, row.area_type)
        minutes = service_minutes(row.category_code, row.service_type)
        seen.add((row.technician_id, row.id))
        appointment = row.appointment_start_at
        if appointment is not None and day_start <= appointment < day_end and row.status not in started:
            window = (appointment, row.appointment_end_at or appointment)
            booked[row.technician_id].append(Visit(row.id, point, minutes, window))
        else:
            on_site = row.on_site_at if row.status != Status.EN_ROUTE.value else None
            queues[row.technician_id].append(Visit(row.id, point, minutes, None, on_site))
    for row in db.execute(
        select(
            SlotReservation.technician_id,
            SlotReservation.work_order_id,
            SlotReservation.window_start_at,
            SlotReservation.window_end_at,
            WorkOrder.category_code,
            WorkOrder.service_type,
            Address.lat,
            Address.lng,
            Address.area_type,
        )
        .join(WorkOrder, WorkOrder.id == SlotReservation.work_order_id)
        .join(Address, Address.id == WorkOrder.address_id)
        .where(
            SlotReservation.technician_id.in_(ids),
            SlotReservation.status.in_(LIVE),
            SlotReservation.window_start_at >= day_start,
            SlotReservation.window_start_at < day_end,
            WorkOrder.status.in_([*WAITING]),
        )
    ):
        if row.work_order_id == exclude_order_id or (row.technician_id, row.work_order_id) in seen:
            continue
        seen.add((row.technician_id, row.work_order_id))
        booked[row.technician_id].append(
            Visit(
                row.work_order_id,
                Point(row.lat, row.lng, row.area_type),
                service_minutes(row.category_code, row.service_type),
                (row.window_start_at, row.window_end_at),
            )
        )
    for visits in booked.values():
        visits.sort(key=lambda v: (v.window[0], v.order_id))
    return queues, booked


def _after_breaks(moment: datetime, shift: Shift) -> datetime:
    for begin, end in shift.breaks:
        if begin <= moment < end:
            return end
    return moment


def walk(
    day: TechDay, visits: Sequence[Visit], *, travel: TravelModel
) -> tuple[list[tuple[datetime, datetime]], int]:
    """Start and end of each visit in order, and the seconds driven, from the day's start and origin."""
    moment, here, driven = day.start, day.origin, 0
    times = []
    for visit in visits:
        if visit.on_site_at is not None:
            begin = visit.on_site_at
            end = max(moment, begin + timedelta(minutes=visit.minutes))
        else:
            seconds = travel.leg(here, visit.point, moment).seconds
            driven += seconds
            begin = moment + timedelta(seconds=seconds)
            if visit.window is not None:
                begin = max(begin, visit.window[0])
            begin = _after_breaks(begin, day.shift)
            end = begin + timedelta(minutes=visit.minutes)
        times.append((begin, end))
        moment, here = end, visit.point
    return times, driven


def _kept(visit: Visit, begin: datetime, end: datetime, shift: Shift) -> bool:
    return (visit.window is None or begin <= visit.window[1]) and end <= shift.end


def fit(day: TechDay, job: Visit, *, travel: TravelModel) -> int | None:
    """Seconds of driving the job adds to the technician's day if it fits there in its window, else None:
    it must start inside its window and end before the shift does, and every booked visit that was kept
    before must still be kept."""
    before, driven_before = walk(day, [*day.queue, *day.booked], travel=travel)
    position = sum(1 for v in day.booked if v.window[0] <= job.window[0])
    sequence = [*day.queue, *day.booked[:position], job, *day.booked[position:]]
    after, driven_after = walk(day, sequence, travel=travel)
    index = len(day.queue) + position
    begin, end = after[index]
    if not _kept(job, begin, end, day.shift):
        return None
    old = [v for v in sequence if v is not job]
    times = after[:index] + after[index + 1 :]
    for visit, (b0, e0), (b1, e1) in zip(old, before, times, strict=True):
        if _kept(visit, b0, e0, day.shift) and not _kept(visit, b1, e1, day.shift):
            return None
    return driven_after - driven_before
