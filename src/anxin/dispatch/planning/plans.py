"""Day plans: the routes of a day for a tenant, an area (district) or an outlet, made by the VRP solver and
stored as a ``DispatchPlan`` with its stops and the orders it could not serve, each with a reason.

What goes in (the visits, the workers and who may take what) is ``inputs``; reading stored plans,
a technician's route and an order's ETA is ``reads``. This module builds and re-plans, solves, stores
the plan and applies it.

``apply=True`` then assigns each served order that is not yet its planned technician's through the work
order's ``assign`` action, as the calling user or (from the command line) the tenant's first dispatcher.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.dispatch.core import vrp
from anxin.dispatch.exceptions import PlanSuperseded
from anxin.dispatch.matching import assignment, live
from anxin.dispatch.models import DispatchPlan, PlanStop, PlanUnserved
from anxin.dispatch.planning import inputs
from anxin.dispatch.planning.inputs import BREAK_FLEX as BREAK_FLEX
from anxin.dispatch.planning.inputs import MIN_REMAINING as MIN_REMAINING
from anxin.dispatch.planning.inputs import PENALTY as PENALTY
from anxin.dispatch.planning.inputs import PLANNABLE as PLANNABLE
from anxin.dispatch.planning.inputs import STARTED as STARTED
from anxin.dispatch.planning.inputs import URGENT_PENALTY as URGENT_PENALTY
from anxin.dispatch.planning.inputs import Entry, Horizon
from anxin.dispatch.planning.reads import Eta as Eta
from anxin.dispatch.planning.reads import RouteStop as RouteStop
from anxin.dispatch.planning.reads import eta_for as eta_for
from anxin.dispatch.planning.reads import get as get
from anxin.dispatch.planning.reads import route_for as route_for
from anxin.dispatch.planning.reads import search as search
from anxin.dispatch.slots import booking
from anxin.exceptions import AnxinError
from anxin.technician import service as technician_service
from anxin.technician.models import Technician
from anxin.work_order import actions

REASONS = {
    "no_eligible_technician": ("没有符合条件的在岗师傅", "no technician on shift may take it"),
    "technician_unavailable": (
        "已派的师傅当天不能接此单",
        "the technician it is given to cannot take it that day",
    ),
    "not_today": ("时段不在当天可上门的时间内", "its window lies outside the day's working hours"),
    "no_time_left": ("师傅当天的时间或容量已排满", "no technician has time or capacity left that day"),
}


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
    hint: vrp.Hint | None = None,
) -> DispatchPlan:
    """Plan ``day`` (the tenant's local date) for the scope from ``now`` on, store the plan as the scope's
    current one (the previous current plan of the scope and day is superseded, the revision goes up by one)
    and return it with its stops and unserved orders. Refuses a day that has passed and an outlet of
    another tenant (404). ``hint`` (technician id -> work-order ids in order) is the solver's warm start."""
    horizon = Horizon.of(db, tenant_id, day, now)
    outlet = technician_service.get_outlet(db, tenant_id=tenant_id, id=outlet_id) if outlet_id else None
    model = live.travel()
    entries = inputs.entries(db, horizon, area=area, outlet=outlet)
    tech_ids = inputs.scope_technicians(db, tenant_id=tenant_id, area=area, outlet_id=outlet_id)
    tech_ids |= {e.holder for e in entries if e.holder is not None}
    snapshot = {"tenant_id": tenant_id, "ids": tech_ids, "day": day, "now": now, "travel_model_": model}
    workers = {
        t.id: t
        for t in live.techs_for(db, **snapshot)
        if t.shift is not None and t.status not in ("suspended", "off") and t.shift.end > horizon.start
    }
    crew_job = next((e.job for e in entries if e.job.requirement.crew_size > 1), None)
    crews = {t.id: t for t in live.techs_for(db, **snapshot, job=crew_job)} if crew_job else {}
    for entry in entries:
        inputs.eligibility(entry, workers=workers, crews=crews, day=day, reassign=reassign)
    problem, shifts = inputs.problem(db, horizon, entries, workers, model=model)
    solution, relaxed = _solve(problem, seconds=seconds, solver=solver, hint=hint)
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
    they are. Only the scope's current plan may be re-planned (else ``PlanSuperseded``, 409). The solver
    starts from the plan's routes (a warm start), so a day that changed little gets a plan that changes
    little: fewer orders moved between technicians."""
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
    hint: dict[int, list[int]] = {}
    for stop in sorted(plan.stops, key=lambda s: (s.technician_id, s.sequence)):
        hint.setdefault(stop.technician_id, []).append(stop.work_order_id)
    return build(
        db,
        **scope,
        seconds=seconds,
        now=now,
        trigger=trigger,
        actor=actor,
        apply=apply,
        reassign=reassign,
        hint=hint,
    )


def _solve(
    problem: vrp.Problem | None, *, seconds: float, solver: str, hint: vrp.Hint | None = None
) -> tuple[vrp.Solution | None, bool]:
    """Solve; when urgent visits cannot all be served, solve again with them optional (a high penalty)."""
    if problem is None:
        return None, False
    solution = vrp.solve(problem, seconds=seconds, solver=solver, hint=hint)
    if solution.feasible or not any(v.required for v in problem.visits):
        return solution, False
    relaxed = vrp.Problem(
        problem.distance,
        problem.duration,
        problem.workers,
        tuple(replace(v, required=False) for v in problem.visits),
    )
    return vrp.solve(relaxed, seconds=seconds, solver=solver, hint=hint), True


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
                assignment.assign(
                    db, order=order, technician=technician, actor=user, ctx=ctx, payload={"plan_id": plan.id}
                )
                held = booking.live_reservation(db, order)
                if held is not None and held.technician_id != stop.technician_id:
                    held.technician_id = stop.technician_id
        except AnxinError as error:
            errors.append({"work_order_id": order.id, "code": error.code, "message": error.message("en")})
            continue
        applied += 1
    return {"applied": applied, "apply_errors": errors}
