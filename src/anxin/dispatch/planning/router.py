"""The JSON API of day plans, technicians' routes and ETAs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import CurrentUser, DbSession, allowed, language
from anxin.dispatch.exceptions import NotATechnician, NotYourOutlet
from anxin.dispatch.planning import plans, tracking
from anxin.dispatch.planning.schemas import (
    EtaPointRead,
    EtaRead,
    PlanCreate,
    PlanRead,
    PlanSummaryRead,
    ReplanBody,
    RouteRead,
    RouteStopRead,
)
from anxin.fields import Day, Id
from anxin.work_order.api import CurrentWorkOrder

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Planner = Annotated[User, Depends(allowed(Action.ROUTES_PLAN))]
TechnicianUser = Annotated[User, Depends(allowed(Action.TECHNICIAN_APP))]


@router.get("/work-orders/{order_id}/eta", response_model=EtaRead)
def get_eta(
    order: CurrentWorkOrder,
    db: DbSession,
    user: CurrentUser,
    request: Request,
    lang: Annotated[Literal["zh", "en"] | None, Query(description="the words' language")] = None,
):
    """When the technician should arrive, where the figure comes from and how fresh the technician's
    position is; in words for the customer ("预计 14:35 到达"), and the two points a map draws while en route.
    """
    t = tracking.track(db, order=order, now=clock.now())
    return tracking_read(order, t, lang or language(request), staff=user.role != Role.CUSTOMER)


def tracking_read(order, t: tracking.Tracking, lang: str, *, staff: bool) -> EtaRead:
    """``EtaRead`` of a tracking; the technician's id only for staff."""
    here, door = t.position, t.destination
    return EtaRead(
        order_id=order.id,
        eta=t.eta.eta,
        source=t.eta.source,
        planned_at=t.eta.planned_at,
        technician_id=t.eta.technician_id if staff else None,
        text=tracking.headline(t, lang),
        basis=tracking.basis(t, lang),
        live=t.live,
        located_at=t.eta.located_at,
        position_age_minutes=t.age_minutes,
        distance_km=round(t.eta.metres / 1000, 1) if t.live and t.eta.metres is not None else None,
        window_start=t.window[0] if t.window else None,
        window_end=t.window[1] if t.window else None,
        technician_position=EtaPointRead(lat=here.lat, lng=here.lng) if here else None,
        destination=EtaPointRead(lat=door.lat, lng=door.lng) if door else None,
    )


def _outlet_scope(user: User, outlet_id: int | None) -> int | None:
    """An outlet manager plans and reads their own outlet only."""
    if user.role != Role.OUTLET_MANAGER:
        return outlet_id
    if outlet_id is not None and outlet_id != user.outlet_id:
        raise NotYourOutlet()
    if user.outlet_id is None:
        raise NotYourOutlet()
    return user.outlet_id


@router.post("/dispatch/plans", response_model=PlanRead, status_code=201)
def create_plan(body: PlanCreate, db: DbSession, user: Planner):
    """Plan a day for the tenant, an area (district) or an outlet; ``apply`` assigns the planned orders."""
    return plans.build(
        db,
        tenant_id=user.tenant_id,
        day=body.date,
        area=body.area,
        outlet_id=_outlet_scope(user, body.outlet_id),
        seconds=body.seconds,
        now=clock.now(),
        trigger="manual",
        actor=user,
        apply=body.apply,
        reassign=body.reassign,
    )


@router.get("/dispatch/plans", response_model=list[PlanSummaryRead])
def list_plans(
    db: DbSession,
    user: Planner,
    day: Annotated[Day | None, Query(alias="date")] = None,
    area: str | None = None,
    outlet_id: Id | None = None,
    status: Annotated[str | None, Query(pattern="^(current|superseded)$")] = None,
):
    return plans.search(
        db,
        tenant_id=user.tenant_id,
        day=day,
        area=area,
        outlet_id=_outlet_scope(user, outlet_id),
        status=status,
    )


@router.get("/dispatch/plans/{plan_id}", response_model=PlanRead)
def get_plan(plan_id: Id, db: DbSession, user: Planner):
    outlet_id = user.outlet_id if user.role == Role.OUTLET_MANAGER else None
    return plans.get(db, tenant_id=user.tenant_id, id=plan_id, outlet_id=outlet_id)


@router.post("/dispatch/plans/{plan_id}/replan", response_model=PlanRead, status_code=201)
def replan(plan_id: Id, body: ReplanBody, db: DbSession, user: Planner):
    """Re-plan the rest of the plan's day from now; visits under way stay where they are."""
    outlet_id = user.outlet_id if user.role == Role.OUTLET_MANAGER else None
    plan = plans.get(db, tenant_id=user.tenant_id, id=plan_id, outlet_id=outlet_id)
    return plans.replan(
        db,
        plan=plan,
        now=clock.now(),
        trigger=body.reason,
        seconds=body.seconds,
        actor=user,
        apply=body.apply,
        reassign=body.reassign,
    )


@router.get("/technicians/me/route", response_model=RouteRead)
def my_route(db: DbSession, user: TechnicianUser, day: Annotated[Day | None, Query(alias="date")] = None):
    """The calling technician's stops of the day, in order, from the current plan."""
    if user.technician_id is None:
        raise NotATechnician()
    now = clock.now()
    day = day or tenant_clock.today(db, user.tenant_id, now)
    plan, stops = plans.route_for(db, tenant_id=user.tenant_id, technician_id=user.technician_id, day=day)
    return RouteRead(
        technician_id=user.technician_id,
        date=day,
        plan_id=plan.id if plan else None,
        revision=plan.revision if plan else None,
        stops=[
            RouteStopRead(
                sequence=s.stop.sequence,
                order_id=s.order.id,
                number=s.order.number,
                status=s.order.status,
                address=s.address,
                window_start=s.order.appointment_start_at,
                window_end=s.order.appointment_end_at,
                eta=s.stop.arrive_at,
                start_at=s.stop.start_at,
                end_at=s.stop.end_at,
                service_minutes=s.service_minutes,
                fixed=s.stop.fixed,
            )
            for s in stops
        ],
    )
