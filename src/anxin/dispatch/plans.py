"""Day plans: the routes of a day for a tenant, an area (district) or an outlet, made by the VRP solver and
stored as a ``DispatchPlan`` with its stops and the orders it could not serve, each with a reason.

What goes in:

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

``apply=True`` then assigns each served order that is not yet its planned technician's through the work
order's ``assign`` action, as the calling user or (from the command line) the tenant's first dispatcher.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.clock import as_utc
from anxin.dispatch import matching, slots, vrp
from anxin.dispatch.exceptions import PlanSuperseded
from anxin.dispatch.models import DispatchPlan, PlanStop, PlanUnserved, SlotReservation
from anxin.dispatch.scoring import Job, Reason, Tech, refusals
from anxin.dispatch.travel import Point, TravelModel
from anxin.exceptions import AnxinError, InvalidInput
from anxin.technician import service as technician_service
from anxin.technician.models import Outlet, Technician
from anxin.work_order import actions
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

PLANNABLE = (Status.ACCEPTED.value, Status.ASSIGNED.value, Status.ACKNOWLEDGED.value)
STARTED = tuple(s.value for s in matching.STARTED)
PENALTY = 200_000  # cost of leaving a normal order out, in metres driven (200 km)
URGENT_PENALTY = 20 * PENALTY  # when urgent orders must be relaxed from required
BREAK_FLEX = timedelta(minutes=30)  # a break may start up to this much after its planned start
MIN_REMAINING = timedelta(minutes=10)  # a visit under way is assumed to need at least this much more

REASONS = {
    "no_eligible_technician": ("没有符合条件的在岗师傅", "no technician on shift may take it"),
    "technician_unavailable": (
        "已派的师傅当天不能接此单",
        "the technician it is given to cannot take it that day",
    ),
    "not_today": ("时段不在当天可上门的时间内", "its window lies outside the day's working hours"),
    "no_time_left": ("师傅当天的时间或容量已排满", "no technician has time or capacity left that day"),
}


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
        zone = ZoneInfo(work_order_service.tenant_timezone(db, tenant_id))
        today = now.astimezone(zone).date()
        if day < today:
            raise InvalidInput("date", "不能规划已经过去的日期", "a day that has passed cannot be planned")
        origin = as_utc(datetime.combine(day, time(0), zone))
        end = origin + timedelta(days=1)
        return cls(tenant_id, day, now, origin, end, max(origin, now), day == today)

    def secs(self, moment: datetime) -> int:
        return int((moment - self.origin).total_seconds())


def _scope_matches(query, *, area: str | None, outlet_id: int | None):
    query = query.where(DispatchPlan.area.is_(None) if area is None else DispatchPlan.area == area)
    outlet = DispatchPlan.outlet_id.is_(None) if outlet_id is None else DispatchPlan.outlet_id == outlet_id
    return query.where(outlet)


def build(
    db: Session,
    *,
    tenant_id: int,
    day: date,
    area: str | None = None,
    outlet_id: int | None = None,
    seconds: float = 5.0,
    now: datetime,
    trigger: str = "manual",
    actor: User | None = None,
    apply: bool = False,
    reassign: bool = False,
    solver: str = vrp.DEFAULT_SOLVER,
) -> DispatchPlan:
    """Plan ``day`` (the tenant's local date) for the scope from ``now`` on, store the plan as the scope's
    current one (the previous current plan of the scope and day is superseded, the revision goes up by one)
    and return it with its stops and unserved orders. Refuses a day that has passed and an outlet of
    another tenant (404)."""
    horizon = Horizon.of(db, tenant_id, day, now)
    outlet = technician_service.get_outlet(db, tenant_id=tenant_id, id=outlet_id) if outlet_id else None
    model = matching.travel()
    entries = _entries(db, horizon, area=area, outlet=outlet)
    tech_ids = _scope_technicians(db, tenant_id=tenant_id, area=area, outlet_id=outlet_id)
    tech_ids |= {e.holder for e in entries if e.holder is not None}
    snapshot = {"tenant_id": tenant_id, "ids": tech_ids, "day": day, "now": now, "travel_model_": model}
    workers = {
        t.id: t
        for t in matching.techs_for(db, **snapshot)
        if t.shift is not None and t.status not in ("suspended", "off") and t.shift.end > horizon.start
    }
    crew_job = next((e.job for e in entries if e.job.requirement.crew_size > 1), None)
    crews = {t.id: t for t in matching.techs_for(db, **snapshot, job=crew_job)} if crew_job else {}
    for entry in entries:
        _eligibility(entry, workers=workers, crews=crews, day=day, reassign=reassign)
    problem, shifts = _problem(db, horizon, entries, workers, model=model)
    solution, relaxed = _solve(problem, seconds=seconds, solver=solver)
    plan = DispatchPlan(
        tenant_id=tenant_id,
        plan_date=day,
        area=area,
        outlet_id=outlet_id,
        status="current",
        trigger=trigger[:30],
        solver=solution.solver if solution else "none",
        seconds=round(solution.seconds, 3) if solution else 0.0,
        created_by_id=actor.id if actor else None,
        stats={},
    )
    _store(db, plan, horizon, entries, problem, solution, shifts=shifts, relaxed=relaxed)
    if apply:
        plan.stats = {**plan.stats, **_apply(db, plan, entries, actor=actor, reassign=reassign)}
        db.flush()
    return plan


def replan(
    db: Session,
    *,
    plan: DispatchPlan,
    now: datetime,
    trigger: str,
    seconds: float = 3.0,
    actor: User | None = None,
    apply: bool = False,
    reassign: bool = False,
) -> DispatchPlan:
    """Re-plan the rest of the plan's day from ``now`` (a new urgent order, a cancellation, a job running
    over, a technician off sick): visits under way stay first on their routes, everyone leaves from where
    they are. Only the scope's current plan may be re-planned (else ``PlanSuperseded``, 409)."""
    if plan.status != "current":
        latest = _scope_matches(
            select(func.max(DispatchPlan.revision)), area=plan.area, outlet_id=plan.outlet_id
        )
        latest = latest.where(
            DispatchPlan.tenant_id == plan.tenant_id, DispatchPlan.plan_date == plan.plan_date
        )
        raise PlanSuperseded(revision=db.scalar(latest))
    scope = {
        "tenant_id": plan.tenant_id,
        "day": plan.plan_date,
        "area": plan.area,
        "outlet_id": plan.outlet_id,
    }
    return build(
        db, **scope, seconds=seconds, now=now, trigger=trigger, actor=actor, apply=apply, reassign=reassign
    )


# --- what goes in -------------------------------------------------------------------------------------


def _entries(db: Session, horizon: Horizon, *, area: str | None, outlet: Outlet | None) -> list[Entry]:
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
        SlotReservation.work_order_id.in_([o.id for o in orders]), SlotReservation.status.in_(slots.LIVE)
    )
    held = dict(db.execute(held_query).all()) if orders else {}
    out = []
    for order in orders:
        job = matching.job_for(db, order)
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


def _scope_technicians(db: Session, *, tenant_id: int, area: str | None, outlet_id: int | None) -> set[int]:
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


def _eligibility(
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


def _problem(
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

    rows = slots.places(db, workers)
    in_plan = {e.order.id for e in entries}
    queues, booked = slots.commitments(
        db, workers, day_start=horizon.origin, day_end=horizon.end, today=horizon.is_today
    )
    started_by: dict[int, list[Entry]] = {}
    for e in planned:
        if e.started:
            started_by.setdefault(e.holder, []).append(e)
    vrp_workers, shifts = [], {}
    for tech_id, tech in sorted(workers.items()):
        base = slots.base_point(rows.get(tech_id))
        if base is None:
            continue
        begin, end = max(tech.shift.start, horizon.start), tech.shift.end
        mine = sorted(
            started_by.get(tech_id, []),
            key=lambda e: (e.order.on_site_at is None, e.order.en_route_at or horizon.now),
        )
        origin = base
        if horizon.is_today and horizon.now > tech.shift.start:  # re-planning during the day
            origin = slots.fresh_point(rows.get(tech_id), horizon.now) or (
                mine[0].job.point if mine else base
            )
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


def _solve(problem: vrp.Problem | None, *, seconds: float, solver: str) -> tuple[vrp.Solution | None, bool]:
    """Solve; when urgent visits cannot all be served, solve again with them optional (a high penalty)."""
    if problem is None:
        return None, False
    solution = vrp.solve(problem, seconds=seconds, solver=solver)
    if solution.feasible or not any(v.required for v in problem.visits):
        return solution, False
    relaxed = vrp.Problem(
        problem.distance,
        problem.duration,
        problem.workers,
        tuple(replace(v, required=False) for v in problem.visits),
    )
    return vrp.solve(relaxed, seconds=seconds, solver=solver), True


# --- what comes out -----------------------------------------------------------------------------------


def _store(
    db: Session,
    plan: DispatchPlan,
    horizon: Horizon,
    entries: list[Entry],
    problem: vrp.Problem | None,
    solution: vrp.Solution | None,
    *,
    shifts: dict[int, int],
    relaxed: bool,
) -> DispatchPlan:
    """Supersede the scope's earlier plans of the day, then add the plan with its stops (times as aware UTC,
    the leg driven to each stop), the unserved orders with their reasons, and its figures."""
    earlier = _scope_matches(select(DispatchPlan), area=plan.area, outlet_id=plan.outlet_id)
    earlier = list(
        db.scalars(
            earlier.where(DispatchPlan.tenant_id == plan.tenant_id, DispatchPlan.plan_date == plan.plan_date)
        )
    )
    for old in earlier:
        old.status = "superseded"
    plan.revision = max((p.revision for p in earlier), default=0) + 1
    db.add(plan)
    served, service_seconds, travel_seconds = set(), 0, 0
    for route in solution.routes if solution and problem else ():
        worker = next(w for w in problem.workers if w.key == route.worker)
        here = worker.start
        for sequence, stop in enumerate(route.stops, start=1):
            there = next(v.location for v in problem.visits if v.key == stop.key)
            leg = int(problem.duration[here, there])
            plan.stops.append(
                PlanStop(
                    technician_id=route.worker,
                    sequence=sequence,
                    work_order_id=stop.key,
                    arrive_at=horizon.origin + timedelta(seconds=stop.arrival),
                    start_at=horizon.origin + timedelta(seconds=stop.start),
                    end_at=horizon.origin + timedelta(seconds=stop.end),
                    travel_metres=int(problem.distance[here, there]),
                    travel_seconds=leg,
                    fixed=stop.key in worker.fixed,
                )
            )
            served.add(stop.key)
            service_seconds, travel_seconds, here = (
                service_seconds + stop.end - stop.start,
                travel_seconds + leg,
                there,
            )
        travel_seconds += int(problem.duration[here, worker.end]) if route.stops else 0
    reasons: Counter[str] = Counter()
    for entry in (e for e in entries if e.order.id not in served):
        code, detail = entry.reason or ("no_time_left", "")
        reasons[code] += 1
        zh, en = REASONS[code]
        message = (f"{zh}｜{en}" + (f": {detail}" if detail else ""))[:300]
        plan.unserved.append(PlanUnserved(work_order_id=entry.order.id, reason=code, message=message))
    plan.stats = {
        "orders": len(entries),
        "served": len(served),
        "unserved": len(entries) - len(served),
        "unserved_by_reason": dict(reasons),
        "technicians": len(shifts),
        "technicians_used": len(solution.routes) if solution else 0,
        "total_km": round((solution.distance if solution else 0) / 1000, 2),
        "travel_minutes": round(travel_seconds / 60, 1),
        "service_minutes": round(service_seconds / 60, 1),
        "utilisation": round(service_seconds / sum(shifts.values()), 3) if shifts else 0.0,
        "solver": plan.solver,
        "seconds": plan.seconds,
        "trigger": plan.trigger,
        "feasible": solution.feasible if solution else True,
        "relaxed_urgent": relaxed,
        "cost": solution.cost if solution else 0,
    }
    db.flush()
    return plan


def system_actor(db: Session, tenant_id: int) -> User:
    """The user plans are applied as when nobody is calling: the tenant's automatic dispatcher."""
    return auth_service.system_user(db, tenant_id=tenant_id)


def _apply(
    db: Session, plan: DispatchPlan, entries: list[Entry], *, actor: User | None, reassign: bool
) -> dict:
    """Assign every served order that is not yet its planned technician's; a refusal of one assignment is
    recorded in the stats and does not stop the others."""
    by_id = {e.order.id: e for e in entries}
    user = actor or system_actor(db, plan.tenant_id)
    applied, errors = 0, []
    for stop in sorted(plan.stops, key=lambda s: (s.technician_id, s.sequence)):
        order = by_id[stop.work_order_id].order
        if stop.fixed or order.technician_id == stop.technician_id:
            continue
        if order.technician_id is not None and not reassign:
            continue
        technician = db.get(Technician, stop.technician_id)
        ctx = actions.Context(note=f"日计划 #{plan.id} 第{plan.revision}版 / day plan")
        try:
            with db.begin_nested():
                actions.assign(
                    db, order=order, technician=technician, actor=user, ctx=ctx, payload={"plan_id": plan.id}
                )
                held = slots.live_reservation(db, order)
                if held is not None and held.technician_id != stop.technician_id:
                    held.technician_id = stop.technician_id
        except AnxinError as error:
            errors.append({"work_order_id": order.id, "code": error.code, "message": error.message("en")})
            continue
        applied += 1
    return {"applied": applied, "apply_errors": errors}


# --- reads --------------------------------------------------------------------------------------------


def get(db: Session, *, tenant_id: int, id: int, outlet_id: int | None = None) -> DispatchPlan:
    """The plan, if it is the tenant's (and the outlet's, when given); else ``PlanNotFound`` (404)."""
    from anxin.dispatch.exceptions import PlanNotFound

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


def route_for(
    db: Session, *, tenant_id: int, technician_id: int, day: date
) -> tuple[DispatchPlan | None, list[RouteStop]]:
    """The technician's stops, in order, from the newest current plan of the day that routes them."""
    from anxin.customer.models import Address
    from anxin.dispatch.rules import service_minutes

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
    if order.status == Status.EN_ROUTE.value and technician_id is not None:
        here = slots.fresh_point(slots.places(db, [technician_id]).get(technician_id), now)
        if here is not None:
            leg = matching.travel().leg(here, matching.order_point(order, db), now)
            return Eta(now + timedelta(seconds=leg.seconds), "live", technician_id, planned_at)
    if planned_at is not None:
        return Eta(planned_at, "plan", technician_id, planned_at)
    if order.appointment_start_at is not None:
        return Eta(order.appointment_start_at, "appointment", technician_id, None)
    return Eta(None, "none", technician_id, None)
