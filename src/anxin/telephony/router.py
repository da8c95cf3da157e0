"""The relay number's API: ``GET /api/v1/work-orders/{order_id}/relay``, for the order's customer, its
assigned technician and the staff who may see the order (``work_order.service.visible_to``: 404 for
anyone else). Bound on the first request when the assignment could not bind one (hence a writing
transaction); 409 ``no_telephony_provider`` where none is configured, 409 ``relay_unavailable`` before
assignment or after the order is finished and its grace period over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import RecordingDb, allowed
from anxin.fields import Id
from anxin.routing import errors, operation_id
from anxin.telephony import relay
from anxin.telephony.schemas import RelayNumberRead
from anxin.work_order import service as work_order_service

router = APIRouter(
    prefix="/api/v1/work-orders", tags=["relay numbers"], generate_unique_id_function=operation_id
)
Caller = Annotated[User, Depends(allowed(Action.ORDERS_RELAY))]


@router.get("/{order_id}/relay", response_model=RelayNumberRead, responses=errors(409, 503))
def get_relay(order_id: Id, db: RecordingDb, user: Caller) -> RelayNumberRead:
    """The order's relay number (隐私号) and until when it works: dialled from the customer's phone it
    reaches the technician, from the technician's the customer; neither sees the other's number."""
    order = work_order_service.get_for(db, user=user, id=order_id, lock=True)
    found = relay.relay_for(db, order=order, user=user)
    return RelayNumberRead(
        relay_number=found.relay_number,
        tel_uri=f"tel:{found.relay_number}",
        expires_at=found.expires_at,
        reaches=found.reaches,
        closing=found.closing,
    )
