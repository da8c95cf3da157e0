"""What every API route about one order shares, whichever domain's router it is in: the order from the
path (``CurrentWorkOrder``: 404 for an order the caller may not see), an action's optional body and its
context (``context``), and the order as the API shows it (``read``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Body, Depends

from anxin import clock
from anxin.auth.models import User
from anxin.dependencies import CurrentUser, DbSession
from anxin.work_order import actions, service
from anxin.work_order.models import WorkOrder
from anxin.work_order.schemas import ActionBody, WorkOrderRead
from anxin.work_order.states import actions_from


def current_work_order(order_id: int, db: DbSession, user: CurrentUser) -> WorkOrder:
    return service.get_for(db, user=user, id=order_id)


CurrentWorkOrder = Annotated[WorkOrder, Depends(current_work_order)]
OptionalBody = Annotated[ActionBody | None, Body()]


def read(
    order: WorkOrder, user: User, now: datetime | None = None, cls=WorkOrderRead, **extra
) -> WorkOrderRead:
    result = cls.model_validate(order)
    result.sla_state = service.sla_state_of(order, now or clock.now())
    result.sla_due_at = order.sla_due_at
    result.appliance_ids = [item.appliance_id for item in order.appliances]
    result.actions = actions_from(order.status, user.role)
    for key, value in extra.items():
        setattr(result, key, value)
    return result


def context(body: ActionBody | None) -> actions.Context:
    if body is None:
        return actions.Context()
    return actions.Context(
        version=body.version, reason=getattr(body, "reason", None), note=body.note, lat=body.lat, lng=body.lng
    )
