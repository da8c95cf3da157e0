"""The JSON API of appointment slots: the windows an order can be booked into, and booking one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.database import retry_when_locked
from anxin.dependencies import DbSession, allowed
from anxin.dispatch.slots import booking
from anxin.dispatch.slots.schemas import BookedSlotRead, BookingRead, BookSlotBody, SlotRead, SlotsRead
from anxin.fields import Id
from anxin.work_order import service as work_order_service
from anxin.work_order.api import CurrentWorkOrder
from anxin.work_order.states import actions_from

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Booker = Annotated[User, Depends(allowed(Action.SLOTS_BOOK))]
BOOKING_ATTEMPTS = 3


@router.get("/work-orders/{order_id}/slots", response_model=SlotsRead)
def get_slots(
    order: CurrentWorkOrder,
    db: DbSession,
    user: Booker,
    days: Annotated[int, Query(ge=1, le=booking.MAX_DAYS)] = 3,
):
    """Two-hour windows of the next ``days`` days, each available or not and how many technicians could
    take it; the order's own booking, and whether it is at risk (then pick another window)."""
    result = booking.offer(db, order=order, now=clock.now(), days=days)
    held = result.reservation
    return SlotsRead(
        order_id=order.id,
        timezone=result.timezone,
        bookable="appoint" in actions_from(order.status, user.role),
        booked=BookedSlotRead(
            start=held.window_start_at,
            end=held.window_end_at,
            status=held.status,
            at_risk=held.status == "at_risk",
        )
        if held
        else None,
        slots=[
            SlotRead(
                start=s.start,
                end=s.end,
                available=s.available,
                technicians=len(s.technician_ids),
                booked=held is not None and held.window_start_at == s.start,
            )
            for s in result.slots
        ],
    )


@router.post("/work-orders/{order_id}/book-slot", response_model=BookingRead)
def book_slot(order_id: Id, body: BookSlotBody, order: CurrentWorkOrder, db: DbSession, user: Booker):
    """Hold a window for the order and record it as its appointment; 409 ``slot_unavailable`` when nobody
    can take it any more. On SQLite a booking that lost the race for the write lock (SQLite refuses to
    upgrade a stale read transaction) starts over once the winner has committed, so it answers from what
    the winner booked."""
    first = [order]  # the first attempt books the order the route read; a retry reads it again

    def attempt():
        current = first.pop() if first else work_order_service.get_for(db, user=user, id=order_id)
        held = booking.book(
            db, order=current, actor=user, start=body.start, now=clock.now(), version=body.version
        )
        return current, held

    order, reservation = retry_when_locked(
        db, attempt, attempts=BOOKING_ATTEMPTS, wait=lambda: booking.wait_for_writers(db)
    )
    return BookingRead(
        order_id=order.id,
        version=order.version,
        start=reservation.window_start_at,
        end=reservation.window_end_at,
        status=reservation.status,
        technician_id=None if user.role == Role.CUSTOMER else reservation.technician_id,
    )
