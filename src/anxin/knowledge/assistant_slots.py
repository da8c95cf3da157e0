"""The service assistant books the visit in a window the technicians can keep: the windows it offers are
dispatch's slot offer for the order (``dispatch.slots.booking.offer``, what the portal's slot picker shows),
and the one the customer picks is booked through ``booking.book``, which checks it again under a lock. A
window nobody can take any more is refused in words, with the other open windows offered instead.

An order the assistant has just taken is still ``created``, which a customer may not give an appointment:
the assistant accepts it first, as the tenant's assistant (front-desk) system user, the way an agent accepts
an order taken on the phone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.dispatch.exceptions import NotASlot, SlotUnavailable
from anxin.dispatch.slots import booking
from anxin.knowledge.assistant_facts import window_words
from anxin.knowledge.assistant_words import EN
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import actions_from

OFFER_DAYS = 3  # the days whose windows the assistant offers (the portal's picker shows as many)
SHOWN = 4  # windows offered as buttons at once
# "预约 12-02 10:00", "Book 12-02 10:00", or typed: "12月2日 10:00", "12/2 10:00"
_PICKED = re.compile(r"(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?\D{0,6}?(\d{1,2})[:：](\d{2})")


@dataclass(frozen=True)
class Booked:
    ok: bool
    window: str  # the window asked for, in words ("" when the text named none)
    buttons: list[dict[str, str]]  # the other open windows (when not booked)


def pick_text(start: datetime, zone: ZoneInfo, lang: str) -> str:
    local = clock.as_utc(start).astimezone(zone)
    return f"{'Book' if lang == EN else '预约'} {local:%m-%d %H:%M}"


def buttons(
    db: Session, *, order: WorkOrder, lang: str, skip: datetime | None = None
) -> list[dict[str, str]]:
    """Up to ``SHOWN`` open windows of the next ``OFFER_DAYS`` days, soonest first, as buttons."""
    offer = booking.offer(db, order=order, now=clock.now(), days=OFFER_DAYS)
    zone = ZoneInfo(offer.timezone)
    free = [s for s in offer.slots if s.available and (skip is None or s.start != skip)][:SHOWN]
    return [
        {"label": window_words(s.start, s.end, zone, lang), "text": pick_text(s.start, zone, lang)}
        for s in free
    ]


def picked(text: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The window start a message names (month-day and time, this year or next), in ``zone``."""
    found = _PICKED.search(text)
    if found is None:
        return None
    month, day, hour, minute = (int(g) for g in found.groups())
    today = clock.as_utc(now).astimezone(zone).date()
    try:
        when = date(today.year, month, day)
        if when < today:
            when = date(today.year + 1, month, day)
        return datetime(when.year, when.month, when.day, hour, minute, tzinfo=zone)
    except ValueError:
        return None


def bookable(order: WorkOrder, customer: User) -> bool:
    """Whether the customer (after the assistant accepts a new order) may still give the order a window."""
    return order.status == "created" or "appoint" in actions_from(order.status, customer.role)


def book(db: Session, *, order: WorkOrder, customer: User, text: str, lang: str) -> Booked | None:
    """Book the window ``text`` names for ``order`` as ``customer``; None when it names no window."""
    zone = tenant_clock.zone(db, order.tenant_id)
    now = clock.now()
    start = picked(text, zone, now)
    if start is None:
        return None
    days = max(1, (start.date() - clock.as_utc(now).astimezone(zone).date()).days + 1)
    offer = booking.offer(db, order=order, now=now, days=min(days, booking.MAX_DAYS))
    slot = next((s for s in offer.slots if s.start == clock.as_utc(start)), None)
    if slot is None:  # not a window of the grid, or past
        return Booked(False, "", buttons(db, order=order, lang=lang))
    words = window_words(slot.start, slot.end, zone, lang)
    if not slot.available:
        return Booked(False, words, buttons(db, order=order, lang=lang, skip=slot.start))
    if order.status == "created":
        desk = auth_service.system_user(db, tenant_id=order.tenant_id, role="agent")
        actions.perform(
            db,
            order=order,
            action="accept",
            actor=desk,
            ctx=actions.Context(note="智能客服受理 / taken by the assistant"),
        )
    try:
        booking.book(db, order=order, actor=customer, start=slot.start, now=now)
    except SlotUnavailable:
        return Booked(False, words, buttons(db, order=order, lang=lang, skip=slot.start))
    except NotASlot:
        return Booked(False, "", buttons(db, order=order, lang=lang))
    return Booked(True, words, [])
