"""What a customer sees of their technician on the way: when they should arrive, in words ("预计 14:35 到达",
"Arriving about 14:35"), how fresh the technician's position is, and, while the order is en route with a
fresh position, the two points a map draws (the technician, the door) and the line between them.

The figure is dispatch's own (``planning.reads.eta_for``): from the technician's last reported position by
the travel model matching and routing use (OSRM when configured, else the offline great-circle model),
else the current day plan's arrival, else the appointment. A position older than ``FRESH_LOCATION`` is not
used, and the words say so: the visit window agreed, or that no estimate can be made, never a bare "—".
Nothing here names a technician's id or anything internal; times are shown in the tenant's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import tenant_clock
from anxin.dispatch.day import FRESH_LOCATION
from anxin.dispatch.matching import live
from anxin.dispatch.planning.reads import Eta, eta_for
from anxin.geo import Point
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

# The states in which the customer waits for the technician to come.
WAITING = frozenset({"assigned", "acknowledged", "en_route"})

WORDS: dict[str, tuple[str, str]] = {
    "live": ("预计 {at} 到达", "Arriving about {at}"),
    "plan": ("预计 {at} 到达", "Arriving about {at}"),
    "window": ("将在预约时段 {window} 内上门", "Visiting in the agreed window {window}"),
    "at_start": ("预约 {at} 上门", "Visit booked for {at}"),
    "arrived": ("师傅已于 {at} 到达", "Your technician arrived at {at}"),
    "unknown_on_way": (
        "师傅已出发，暂时无法估算到达时间",
        "Your technician is on the way; no arrival time yet",
    ),
    "unknown": ("上门时间待师傅与您确认", "Your technician will confirm the visit time with you"),
    # how the figure was made
    "fresh": ("师傅位置{age}更新，距您约 {km} 公里", "Position updated {age}, about {km} km away"),
    "fresh_near": ("师傅位置{age}更新，就在附近", "Position updated {age}, close by"),
    "by_plan": ("按今日行程估算，暂无师傅实时位置", "Estimated from today's schedule; no live position"),
    "stale": ("师傅位置{age}更新，已不是实时位置", "Position last updated {age}; not live"),
    "no_position": ("暂无师傅实时位置", "No live position yet"),
    "just_now": ("刚刚", "just now"),
    "minutes_ago": ("{n} 分钟前", "{n} min ago"),
    "hours_ago": ("{n} 小时前", "{n} h ago"),
    "long_ago": ("很久以前", "a long time ago"),
    "today": ("今天", "today"),
    "tomorrow": ("明天", "tomorrow"),
}


def say(key: str, lang: str, **values: object) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**values)


@dataclass(frozen=True)
class Tracking:
    """One order's arrival as its customer may read it."""

    eta: Eta
    now: datetime
    zone: ZoneInfo
    status: str
    window: tuple[datetime, datetime | None] | None
    destination: Point | None  # the door (the customer's own address)

    @property
    def live(self) -> bool:
        return self.eta.source == "live"

    @property
    def position(self) -> Point | None:
        """The technician's position, only while en route and fresh (what the map may draw)."""
        return self.eta.here if self.live and self.status == Status.EN_ROUTE.value else None

    @property
    def age_minutes(self) -> int | None:
        """Minutes since the technician's last reported position (None: none reported while en route)."""
        if self.eta.located_at is None:
            return None
        return max(0, int((self.now - clock.as_utc(self.eta.located_at)).total_seconds() // 60))

    @property
    def fresh(self) -> bool:
        at = self.eta.located_at
        return at is not None and self.now - clock.as_utc(at) <= FRESH_LOCATION

    def local(self, moment: datetime | None) -> datetime | None:
        return clock.as_utc(moment).astimezone(self.zone) if moment is not None else None


def track(db: Session, *, order: WorkOrder, now: datetime | None = None) -> Tracking:
    """The order's arrival now: dispatch's estimate, the window agreed and the door."""
    now = now or clock.now()
    estimate = eta_for(db, order=order, now=now)
    window = (order.appointment_start_at, order.appointment_end_at) if order.appointment_start_at else None
    door = live.order_point(order, db) if order.address_id else None
    zone = tenant_clock.zone(db, order.tenant_id)
    return Tracking(estimate, now, zone, order.status, window, door)


def _day_prefix(t: Tracking, moment: datetime, lang: str) -> str:
    """Nothing for today, "明天 " for tomorrow, else the date ("12月9日 ", "9 Dec ")."""
    today = t.now.astimezone(t.zone).date()
    days = (moment.date() - today).days
    if days == 0:
        return ""
    if days == 1:
        return say("tomorrow", lang) + " "
    return f"{moment.day} {moment:%b} " if lang == "en" else f"{moment.month}月{moment.day}日 "


def clock_time(t: Tracking, moment: datetime | None, lang: str) -> str:
    """A moment as "14:35" today, "明天 09:10" tomorrow, "12月9日 09:10" later (the tenant's zone)."""
    local = t.local(moment)
    if local is None:
        return ""
    return f"{_day_prefix(t, local, lang)}{local:%H:%M}"


def window_text(t: Tracking, lang: str) -> str | None:
    """The agreed window as "14:00–16:00" (with its day when not today); None without one."""
    if t.window is None:
        return None
    start, end = (t.local(m) for m in t.window)
    text = f"{_day_prefix(t, start, lang)}{start:%H:%M}"
    if end is not None and end.date() == start.date():
        text += f"–{end:%H:%M}"
    return text


def arrival_at(t: Tracking, lang: str) -> str | None:
    """Only the time of a live or planned arrival ("14:35"): what the SMS puts in "预计 {eta} 到达"."""
    return clock_time(t, t.eta.eta, lang) if t.eta.source in ("live", "plan") and t.eta.eta else None


def headline(t: Tracking, lang: str = "zh") -> str:
    """The arrival in one line: "预计 14:35 到达"; with no estimate, the window agreed, honestly."""
    source = t.eta.source
    if source == "arrived":
        return say("arrived", lang, at=clock_time(t, t.eta.eta, lang))
    if source in ("live", "plan"):
        return say(source, lang, at=clock_time(t, t.eta.eta, lang))
    window = window_text(t, lang)
    if window and t.window and t.window[1] is not None:
        return say("window", lang, window=window)
    if window:
        return say("at_start", lang, at=window)
    return say("unknown_on_way" if t.status == Status.EN_ROUTE.value else "unknown", lang)


def _age(t: Tracking, lang: str) -> str:
    minutes = t.age_minutes or 0
    if minutes < 1:
        return say("just_now", lang)
    if minutes < 60:
        return say("minutes_ago", lang, n=minutes)
    if minutes < 24 * 60:
        return say("hours_ago", lang, n=minutes // 60)
    return say("long_ago", lang)


def basis(t: Tracking, lang: str = "zh") -> str | None:
    """How the figure was made and how fresh the position is; None before the technician sets off."""
    if t.status != Status.EN_ROUTE.value:
        return None
    if t.live:
        km = (t.eta.metres or 0) / 1000
        if km < 0.1:
            return say("fresh_near", lang, age=_age(t, lang))
        return say("fresh", lang, age=_age(t, lang), km=f"{km:.1f}")
    if t.eta.located_at is not None and not t.fresh:
        return say("stale", lang, age=_age(t, lang))
    if t.eta.source == "plan":
        return say("by_plan", lang)
    return say("no_position", lang)
