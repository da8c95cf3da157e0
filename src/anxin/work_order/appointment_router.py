"""The appointment step's API (``POST /api/v1/work-orders/{order_id}/appointment``): the assigned
technician or a dispatcher records the window agreed with the customer on the call (work_order/appointment.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, Field

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.routing import errors, operation_id
from anxin.work_order import appointment
from anxin.work_order.api import CurrentWorkOrder, answer, context
from anxin.work_order.schemas import ActionBody, WorkOrderRead

router = APIRouter(
    prefix="/api/v1/work-orders", tags=["work orders"], generate_unique_id_function=operation_id
)
Booker = Annotated[User, Depends(allowed(Action.ORDERS_APPOINTMENT))]


class AppointmentCallBody(ActionBody):
    """The window agreed with the customer on the call, in any zone (stored in UTC), and what else was
    agreed (``note``, for staff and the technician)."""

    start_at: AwareDatetime
    end_at: AwareDatetime
    note: str | None = Field(None, max_length=appointment.NOTE_MAX)


@router.post("/{order_id}/appointment", response_model=WorkOrderRead, responses=errors(409, 422))
def record_appointment(body: AppointmentCallBody, order: CurrentWorkOrder, db: DbSession, user: Booker):
    """Record the agreed visit window (the ``appoint`` move: no change of state). 422 for a window that is
    inverted, in the past, longer than 4 hours or more than 30 days ahead; 409 once the technician has
    set off."""
    order = appointment.book(
        db,
        order=order,
        actor=user,
        ctx=context(body),
        start=body.start_at,
        end=body.end_at,
        note=body.note,
    )
    return answer(order, user)
