"""What goes into a day plan (``plans``): the day being planned (``Horizon``), the orders of the scope with
their windows, service times and eligible technicians (``Entry``), and the VRP problem built from them.

- Visits: the scope's open orders (accepted, assigned, acknowledged; and, planning today, those already
  started) whose appointment is on the day, or, without one, whose preferred window is that day or whose
  SLA arrival deadline falls on or before it. The window of a visit (earliest and latest start of service)
  is the appointment, else the preferred window, else from now until the SLA arrival deadline (the whole
  day when that has passed), clipped to the day. Service minutes come from ``rules`` (what is left of them
  for a visit under way). Urgent orders are required; the others carry a penalty for being left out that
  grows with the SLA state, a vulnerable household and a promised appointment.
- Workers: the scope's technicians on shift that day (a day off, a suspension or an ended shift leaves them
  out), leaving from and returning to their home (else outlet). Re-planning during the day they leave from
  where they are: a fresh reported position, else the address of the visit under way. Their breaks come from
  the shift, their capacity is the daily capacity less the visits they have outside the plan.
- Eligibility: every hard rule of ``scoring.refusals`` (skills, level, brand, certificates, coverage, crew),
  on the day; capacity is the worker's. An order already given to a technician (assigned, or its slot held
  by one) stays with them unless ``reassign``; started visits stay first on their technician's route.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from anxin.auth import tenant_clock
from anxin.clock import as_utc
from anxin.dispatch.core import vrp
from anxin.dispatch.core.scoring import Job, Reason, Tech, refusals
from anxin.dispatch.core.travel import TravelModel
from anxin.dispatch.day import LIVE, base_point, commitments, fresh_point, places
from anxin.dispatch.matching import live
from anxin.dispatch.models import SlotReservation
from anxin.exceptions import InvalidInput
from anxin.geo import Point
from anxin.technician import service as technician_service
from anxin.technician.models import Outlet, Technician
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

PLANNABLE = (Status.ACCEPTED.value, Status.ASSIGNED.value, Status.ACKNOWLEDGED.value)
STARTED = tuple(s.value for s in live.STARTED)
PENALTY = 200_000  # cost of leaving a normal order out, in metres driven (200 km)
URGENT_PENALTY = 20 * PENALTY  # when urgent orders must be relaxed from required
BREAK_FLEX = timedelta(minutes=30)  # a break may start up to this much after its planned start
MIN_REMAINING = timedelta(minutes=10)  # a visit under way is assumed to need at least this much more


@dataclass
class Entry:
    """One order of the plan and what the solver is told about it."""

    order: WorkOrder
    job: Job
    window: tuple[datetime, datetime] | None
    service: timedelta
    started: bool
    holder: int | None
    eligible: frozenset[int] = frozenset()
    reason: tuple[str, str] | None = None  # (code, detail) when it is left out before solving


@dataclass(frozen=True)
class Horizon:
    """The day being planned: its local midnight (``origin``, from which the solver counts seconds) to the
    next, and the moment planning starts (now, or the day's start for a later day)."""

    tenant_id: int
    day: date
    now: datetime
    origin: datetime
    end: datetime
    start: datetime
    is_today: bool

    @classmethod
    def of(cls, db: Session, tenant_id: int, day: date, now: datetime) -> Horizon:
        zone = tenant_clock.zone(db, tenant_id)
        today = now.astimezone(zone).date()
        if day < today:
            raise InvalidInput("date", "不能规划已经过去的日期", "a day that has passed cannot be planned")
        origin = as_utc(datetime.combine(day, time(0), zone))
        end = origin + timedelta(days=1)
        return cls(tenant_id, day, now, origin, end, max(origin, now), day == today)

    def secs(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())


def entries(db: Session, horizon: Horizon, *, area: str | None, outlet: Outlet | None) -> list[Entry]:
    states = [*PLANNABLE, *(STARTED if horizon.is_today else ())]
    query = select(WorkOrder).where(
        WorkOrder.tenant_id == horizon.tenant_id,
        WorkOrder.status.in_(states),
        or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < horizon.end),
    )
    if area:
        query = query.where(WorkOrder.district == area)
    if outlet is not None:
        members = select(Technician.id).where(Technician.outlet_id == outlet.id)
        districts = list(outlet.coverage or []) or [outlet.district]
        unclaimed = and_(WorkOrder.technician_id.is_(None), WorkOrder.outlet_id.is_(None))
        query = query.where(
            or_(
                WorkOrder.outlet_id == outlet.id,
                WorkOrder.technician_id.in_(members),
                and_(unclaimed, WorkOrder.district.in_(districts)),
            )
        )
    orders = list(db.scalars(query.order_by(WorkOrder.id)))
    held_query = select(SlotReservation.work_order_id, SlotReservation.technician_id).where(
        SlotReservation.work_order_id.in_([o.id for o in orders]), SlotReservation.status.in_(LIVE)
    )
    held = dict(db.execute(held_query).all()) if orders else {}
    out = []
    for order in orders:
        job = live.job_for(db, order)
        started = order.status in STARTED
        if not started and not _on_day(order, job, horizon):
            continue
        service = timedelta(minutes=job.service_minutes)
        if started and order.on_site_at is not None:
            service = max(MIN_REMAINING, service - (horizon.now - order.on_site_at))
        window = (horizon.start, horizon.end) if started else _window(order, job, horizon)
        entry = Entry(order, job, window, service, started, order.technician_id or held.get(order.id))
        if window is None:
            entry.reason = ("not_today", "")
        out.append(entry)
    return out


def _on_day(order: WorkOrder, job: Job, horizon: Horizon) -> bool:
    if order.appointment_start_at is not None:
        # An appointment on the day; one already missed is planned today.
        return order.appointment_start_at >= horizon.origin or horizon.is_today
    preferred = order.preferred_start_at
    if preferred is not None and preferred >= horizon.end:
        return False  # the customer asked for a later day
    if preferred is not None and preferred >= horizon.origin:
        return True
    return job.arrive_by is None or job.arrive_by < horizon.end


def _window(order: WorkOrder, job: Job, horizon: Horizon) -> tuple[datetime, datetime] | None:
    """Earliest and latest start of service on the day: the appointment (None once it has passed), else the
    preferred window while it lasts, else until the SLA arrival deadline (the whole day once that passed)."""

    def clipped(earliest: datetime, latest: datetime) -> tuple[datetime, datetime] | None:
        earliest, latest = max(earliest, horizon.start), min(latest, horizon.end)
        return (earliest, latest) if earliest <= latest else None

    if order.appointment_start_at is not None and order.appointment_end_at is not None:
        return clipped(order.appointment_start_at, order.appointment_end_at)
    if order.preferred_start_at is not None and order.preferred_end_at is not None:
        preferred = clipped(order.preferred_start_at, order.preferred_end_at)
        if preferred is not None:
            return preferred
    due = job.arrive_by
    return clipped(horizon.start, due if due is not None and due > horizon.start else horizon.end)


def scope_technicians(db: Session, *, tenant_id: int, area: str | None, outlet_id: int | None) -> set[int]:
    query = select(Technician.id).where(
        Technician.tenant_id == tenant_id, Technician.status.not_in(["suspended", "off"])
    )
    if outlet_id is not None:
        query = query.where(Technician.outlet_id == outlet_id)
    elif area:
        outlets = technician_service.get_outlets(db, tenant_id=tenant_id)
        covering = [o.id for o in outlets if o.district == area or area in (o.coverage or [])]
        query = query.where(Technician.outlet_id.in_(covering))
    return set(db.scalars(query))


def eligibility(
    entry: Entry, *, workers: dict[int, Tech], crews: dict[int, Tech], day: date, reassign: bool
) -> None:
    if entry.reason is not None:
        return
    if entry.started:
        if entry.holder in workers:
            entry.eligible = frozenset({entry.holder})
        else:
            entry.reason = ("technician_unavailable", f"#{entry.holder}")
        return
    pool = crews if entry.job.requirement.crew_size > 1 else workers
    refused: Counter[str] = Counter()
    passing = set()
    for tech_id, tech in pool.items():
        reasons: list[Reason] = refusals(entry.job, replace(tech, booked=0), on=day)
        if tech_id in workers and not reasons:
            passing.add(tech_id)
        for reason in reasons[:1]:
            refused[reason.en] += 1
    if not passing:
        detail = "; ".join(f"{text} ×{count}" for text, count in refused.most_common(2))
        entry.reason = ("no_eligible_technician", detail)
        return
    if entry.holder is not None and not reassign:
        if entry.holder not in passing:
            entry.reason = ("technician_unavailable", f"#{entry.holder}")
            return
        passing = {entry.holder}
    if all(
        workers[t].shift.end <= entry.window[0] or workers[t].shift.start > entry.window[1] for t in passing
    ):
        entry.reason = ("not_today", "")
        return
    entry.eligible = frozenset(passing)


def _penalty(entry: Entry, now: datetime) -> int:
    factor = 1.0
    state = work_order_service.sla_state_of(entry.order, now)
    factor *= {"at_risk": 2.0, "breached": 4.0}.get(state or "", 1.0)
    if entry.job.vulnerable:
        factor *= 1.5
    if entry.order.appointment_start_at is not None:
        factor *= 2.0
    if entry.job.priority == "urgent":
        factor *= URGENT_PENALTY / PENALTY
    return int(PENALTY * factor)


def problem(
    db: Session, horizon: Horizon, entries: list[Entry], workers: dict[int, Tech], *, model: TravelModel
) -> tuple[vrp.Problem | None, dict[int, int]]:
    """The VRP of the day (None when there is nothing to plan) and each routed worker's shift in seconds."""
    planned = [e for e in entries if e.reason is None]
    if not planned or not workers:
        return None, {}
    points: list[Point] = []

    def index(point: Point) -> int:
        points.append(point)
        return len(points) - 1

    rows = places(db, workers)
    in_plan = {e.order.id for e in entries}
    queues, booked = commitments(
        db, workers, day_start=horizon.origin, day_end=horizon.end, today=horizon.is_today
    )
    started_by: dict[int, list[Entry]] = {}
    for e in planned:
        if e.started:
            started_by.setdefault(e.holder, []).append(e)
    vrp_workers, shifts = [], {}
    for tech_id, tech in sorted(workers.items()):
        base = base_point(rows.get(tech_id))
        if base is None:
            continue
        begin, end = max(tech.shift.start, horizon.start), tech.shift.end
        mine = sorted(
            started_by.get(tech_id, []),
            key=lambda e: (e.order.on_site_at is None, e.order.en_route_at or horizon.now),
        )
        origin = base
        if horizon.is_today and horizon.now > tech.shift.start:  # re-planning during the day
            origin = fresh_point(rows.get(tech_id), horizon.now) or (mine[0].job.point if mine else base)
        visits = [*queues.get(tech_id, []), *booked.get(tech_id, [])]
        outside = sum(1 for v in visits if v.order_id not in in_plan)
        vrp_workers.append(
            vrp.Worker(
                key=tech_id,
                start=index(origin),
                end=index(base),
                shift=(horizon.secs(begin), horizon.secs(end)),
                capacity=max(0, tech.capacity - outside),
                breaks=_breaks(tech, begin, end, horizon),
                fixed=tuple(e.order.id for e in mine),
            )
        )
        shifts[tech_id] = horizon.secs(end) - horizon.secs(begin)
    if not vrp_workers:
        return None, shifts
    keys = {w.key for w in vrp_workers}
    visits = tuple(
        vrp.Visit(
            key=e.order.id,
            location=index(e.job.point),
            service=int(e.service.total_seconds()),
            window=(horizon.secs(e.window[0]), horizon.secs(e.window[1])),
            penalty=_penalty(e, horizon.now),
            required=e.job.priority == "urgent" and bool(e.eligible & keys),
            eligible=e.eligible & keys,
        )
        for e in planned
    )
    distance, duration = model.matrix(
        points, min(max(t.shift.start, horizon.start) for t in workers.values())
    )
    return vrp.Problem(
        distance=distance, duration=duration, workers=tuple(vrp_workers), visits=visits
    ), shifts


def _breaks(tech: Tech, begin: datetime, end: datetime, horizon: Horizon) -> tuple[vrp.Break, ...]:
    """The shift's breaks still to take, each allowed to start up to ``BREAK_FLEX`` late."""
    out = []
    for b0, b1 in tech.shift.breaks:
        if b1 <= begin:
            continue  # already taken
        if b0 < begin:
            window, length = (begin, begin), b1 - begin
        else:
            window, length = (b0, min(b0 + BREAK_FLEX, end - (b1 - b0))), b1 - b0
        if window[0] <= window[1] and window[0] + length <= end:
            out.append(
                vrp.Break((horizon.secs(window[0]), horizon.secs(window[1])), int(length.total_seconds()))
            )
    return tuple(out)
