"""The customer picks a new visit window from the ones technicians can really honour (dispatch's slot
offer), and books it through the same ``booking.book`` as the JSON API. When no window is open in the next
days, the page falls back to asking for a preferred window (the ``reschedule`` form)."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.dispatch.slots import booking
from anxin.exceptions import InvalidInput
from anxin.web import i18n, portal_forms
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service
from anxin.work_order.states import actions_from

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]

i18n.extend(
    {
        "slots_title": ("改约上门时间", "Change the visit time"),
        "slots_hint": (
            "以下时段有师傅可以按时上门；选定后即为您预留。",
            "A technician can keep each of these windows; the one you pick is held for you.",
        ),
        "slots_current": ("当前预约", "Current booking"),
        "slots_at_risk": (
            "原预约时段可能无法按时上门，请另选时段。",
            "Your booked window may not be kept any more: please pick another.",
        ),
        "slots_none": (
            "未来几天暂无可预约的时段，请留下期望时间，我们会尽快联系您。",
            "No window is open in the next days: leave a preferred time and we will call you.",
        ),
        "slots_book": ("预约此时段", "Book this window"),
        "slots_full": ("已约满", "Full"),
        "slots_closed": (
            "师傅已出发，不能再改约。",
            "The technician has set off: the time can no longer change.",
        ),
    }
)


@router.get("/orders/{order_id}/slots", response_class=HTMLResponse)
def slot_page(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    offer = booking.offer(db, order=order, now=clock.now(), days=3)
    zone = ZoneInfo(offer.timezone)
    days = [
        (day, list(windows))
        for day, windows in groupby(offer.slots, key=lambda s: s.start.astimezone(zone).date())
    ]
    return render(
        request,
        "portal/slots.html",
        order=order,
        days=days,
        open_any=any(s.available for s in offer.slots),
        reservation=offer.reservation,
        bookable="appoint" in actions_from(order.status, user.role),
        zone=offer.timezone,
        day_words=lambda day: portal_forms.day_words(
            day, clock.now().astimezone(zone).date(), i18n.language(request)
        ),
    )


@router.post("/orders/{order_id}/book-slot")
def book_slot(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Customer,
    start: Annotated[str, Form(max_length=40)],
    version: Annotated[int | None, Form()] = None,
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    try:
        when = datetime.fromisoformat(start)
    except ValueError:
        raise InvalidInput("start", "请选择一个时段", "pick a window") from None
    if when.tzinfo is None:
        raise InvalidInput("start", "时段须带时区", "the window needs a time zone")
    booking.book(db, order=order, actor=user, start=when, now=clock.now(), version=version)
    return see_other(f"/portal/orders/{order.id}")
