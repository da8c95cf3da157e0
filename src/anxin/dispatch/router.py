"""The dispatch API beside live matching (``matching/router.py``), slots and planning: the order pool,
two-level dispatch between the centre and outlets, and running the sweep now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin import clock
from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import CurrentUser, DbSession, allowed
from anxin.dispatch import outlets, pool, sweeper
from anxin.dispatch.matching.schemas import DecisionBody, OutletBody, PoolOrderRead, ReasonOnly, SweepRead
from anxin.exceptions import Forbidden
from anxin.fields import Id
from anxin.work_order import service as work_order_service
from anxin.work_order.api import CurrentWorkOrder, answer
from anxin.work_order.schemas import WorkOrderRead

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Centre = Annotated[User, Depends(allowed(Action.DISPATCH_CENTRE))]
OutletManager = Annotated[User, Depends(allowed(Action.DISPATCH_OUTLET))]
TechnicianUser = Annotated[User, Depends(allowed(Action.TECHNICIAN_APP))]


@router.get("/dispatch/pool", response_model=list[PoolOrderRead])
def pool_orders(db: DbSession, user: TechnicianUser):
    """Pooled orders near the technician that they qualify for."""
    now = clock.now()
    return [
        PoolOrderRead(
            order_id=o.id,
            number=o.number,
            category=o.category_code,
            service_type=o.service_type,
            district=o.district,
            distance_km=round(km, 2),
            pool_until=o.pool_until,
            priority=o.priority,
        )
        for o, km in pool.visible(db, user=user, now=now)
    ]


@router.post("/work-orders/{order_id}/claim", response_model=WorkOrderRead)
def claim(order_id: Id, db: DbSession, user: CurrentUser):
    """Claim a pooled order: the first valid claim wins; the others get 409 not_in_pool."""
    if not permissions.may(user, Action.TECHNICIAN_APP):
        work_order_service.get_for(db, user=user, id=order_id)  # 404 for an order the caller cannot see
        raise Forbidden()
    order = pool.claim(db, order_id=order_id, user=user, now=clock.now())
    return answer(order, user)


@router.post("/work-orders/{order_id}/send-to-outlet", response_model=WorkOrderRead)
def send_to_outlet(body: OutletBody, order: CurrentWorkOrder, db: DbSession, user: Centre):
    return answer(outlets.send_to_outlet(db, order=order, outlet_id=body.outlet_id, actor=user), user)


@router.post("/work-orders/{order_id}/transfer-outlet", response_model=WorkOrderRead)
def transfer_outlet(body: OutletBody, order: CurrentWorkOrder, db: DbSession, user: OutletManager):
    return answer(
        outlets.transfer(db, order=order, outlet_id=body.outlet_id, actor=user, reason=body.reason), user
    )


@router.post("/work-orders/{order_id}/request-return", response_model=WorkOrderRead)
def request_return(body: ReasonOnly, order: CurrentWorkOrder, db: DbSession, user: OutletManager):
    return answer(outlets.request_return(db, order=order, actor=user, reason=body.reason), user)


@router.post("/work-orders/{order_id}/decide-return", response_model=WorkOrderRead)
def decide_return(body: DecisionBody, order: CurrentWorkOrder, db: DbSession, user: Centre):
    return answer(
        outlets.decide_return(db, order=order, actor=user, accept=body.accept, text=body.note), user
    )


@router.post("/dispatch/sweep", response_model=SweepRead)
def run_sweep(db: DbSession, user: Centre):
    """Run the dispatch sweep now for the caller's tenant: missed acknowledgements, expired pools, booked
    slots that can no longer be kept, today's plans that no longer fit the day."""
    return SweepRead(**vars(sweeper.one_pass(db, tenant_id=user.tenant_id)))
