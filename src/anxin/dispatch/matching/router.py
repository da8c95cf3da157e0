"""The dispatch API: accepting an order into dispatch, ranked candidates, assigning and taking back,
offers and their outcomes, the order pool, two-level dispatch between the centre and outlets, dispatch
policies and the sweep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import CurrentUser, DbSession, allowed, language
from anxin.dispatch.matching import assignment, live, offers, policies
from anxin.dispatch.matching.schemas import (
    AttemptRead,
    CandidateRead,
    CandidatesRead,
    ComponentRead,
    JobRead,
    PolicyItem,
    ReasonRead,
    RefusedRead,
    SuggestedSkillRead,
)
from anxin.technician import service as technician_service
from anxin.work_order.api import CurrentWorkOrder, OptionalBody, answer, context
from anxin.work_order.schemas import AssignBody, ReasonBody, WorkOrderRead

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Dispatching = Annotated[User, Depends(allowed(Action.DISPATCH_CONSOLE))]
Centre = Annotated[User, Depends(allowed(Action.DISPATCH_CENTRE))]
OutletManager = Annotated[User, Depends(allowed(Action.DISPATCH_OUTLET))]
Staff = Annotated[User, Depends(allowed(Action.DISPATCH_READ))]
Admin = Annotated[User, Depends(allowed(Action.DISPATCH_POLICIES_SET))]
TechnicianUser = Annotated[User, Depends(allowed(Action.TECHNICIAN_APP))]


@router.post("/work-orders/{order_id}/accept", response_model=WorkOrderRead)
def accept(order: CurrentWorkOrder, db: DbSession, user: CurrentUser, body: OptionalBody = None):
    """Accept the report (agent or dispatcher); it is then dispatched by the tenant's dispatch mode."""
    return answer(offers.accept(db, order=order, actor=user, ctx=context(body)), user)


@router.post("/work-orders/{order_id}/assign", response_model=WorkOrderRead)
def assign(body: AssignBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """Give the order to a technician (or hand it to another); ``override`` overrules the soft limits."""
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=body.technician_id)
    order = assignment.assign(
        db, order=order, technician=technician, actor=user, ctx=context(body), override=body.override
    )
    return answer(order, user)


@router.post("/work-orders/{order_id}/unassign", response_model=WorkOrderRead)
def unassign(body: ReasonBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """Take the order back from its technician; it returns to the queue."""
    return answer(assignment.unassign(db, order=order, actor=user, ctx=context(body)), user)


@router.get("/work-orders/{order_id}/candidates", response_model=CandidatesRead)
def candidates(
    order: CurrentWorkOrder,
    db: DbSession,
    user: Dispatching,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
):
    """The technicians who pass every hard rule, best first, with each score's components; and why the
    nearest others were refused."""
    lang = language(request)
    now = clock.now()
    job, ranking = live.candidates(db, order=order, now=now, limit=limit)
    mode = (
        order.dispatch_mode
        or policies.policy_for(
            db, tenant_id=order.tenant_id, outlet_id=order.outlet_id, service_type=order.service_type
        ).mode
    )
    if user.role == Role.OUTLET_MANAGER:  # a manager assigns within the outlet
        own = {
            t.id
            for t in technician_service.search(
                db, tenant_id=user.tenant_id, skill=None, outlet_id=user.outlet_id, page=1, page_size=10_000
            ).items
        }
        shown = [c for c in ranking.candidates if c.technician_id in own]
        refused = {k: v for k, v in ranking.refused.items() if k in own}
    else:
        shown, refused = list(ranking.candidates), ranking.refused
    return CandidatesRead(
        order_id=order.id,
        mode=mode,
        job=JobRead(
            category=job.category,
            service_type=job.service_type,
            brand=job.brand,
            district=job.district,
            level=job.requirement.level,
            certificates=sorted(job.requirement.certificates),
            crew_size=job.requirement.crew_size,
            priority=job.priority,
            vulnerable=job.vulnerable,
            arrive_by=job.arrive_by,
            service_minutes=job.service_minutes,
            suggested_skill=_suggested(job),
        ),
        candidates=[
            CandidateRead(
                technician_id=c.technician_id,
                name=c.name,
                score=c.score,
                eta=c.eta,
                eta_minutes=c.eta_minutes,
                travel_km=c.travel_km,
                travel_minutes=c.travel_minutes,
                position_source=c.position_source,
                components=[
                    ComponentRead(
                        name=p.name,
                        value=p.value,
                        unit=p.unit,
                        score=round(p.score, 3),
                        weight=p.weight,
                        points=p.points,
                    )
                    for p in c.components
                ],
                reasons=[ReasonRead(code=r.code, message=r.text(lang)) for r in c.reasons],
            )
            for c in shown
        ],
        refused=[
            RefusedRead(technician_id=k, reasons=[ReasonRead(code=r.code, message=r.text(lang)) for r in v])
            for k, v in sorted(refused.items())
        ],
    )


def _suggested(job) -> SuggestedSkillRead | None:
    if job.suggested_skill is None:
        return None
    category, service_type, level, source = job.suggested_skill
    return SuggestedSkillRead(
        category=category,
        service_type=service_type,
        level=level,
        source="triage" if source == "model" else source,
        required=category == job.category,
    )


@router.get("/work-orders/{order_id}/dispatch-attempts", response_model=list[AttemptRead])
def attempts(order: CurrentWorkOrder, db: DbSession, user: Staff):
    """Every offer of the order and how it ended (acknowledged, rejected with the reason, timed out …)."""
    return offers.attempts_of(db, order=order)


@router.get("/dispatch/policies", response_model=list[PolicyItem])
def get_policies(db: DbSession, user: Staff):
    return policies.policies_of(db, tenant_id=user.tenant_id)


@router.put("/dispatch/policies", response_model=list[PolicyItem])
def put_policies(body: list[PolicyItem], db: DbSession, user: Admin):
    """Replace the tenant's dispatch policies (one row per outlet and service type; null = any)."""
    items = [item.model_dump() for item in body]
    return policies.replace_policies(db, tenant_id=user.tenant_id, items=items, actor=user)
