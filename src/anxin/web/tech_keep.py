"""The technician's order page, rendered for a GET and again for a form the server refused: a refused
form (a missing signature, a quantity out of range, a window in the past) comes back with everything typed
and the photos already taken kept (``Kept``), and the error beside its field, never as an error page.

Also the words of an agreed visit window for people ("明天 12月7日（周一）14:00–16:00", the ``visit_window``
filter of every template) and the appointment card's booking clock."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import pass_context
from jinja2.runtime import Context

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import DEFAULT_ZONE, User
from anxin.dependencies import DbSession
from anxin.exceptions import AnxinError
from anxin.web import i18n, orders, parts_pages, quote_pages, relay_view
from anxin.web.templating import render, templates
from anxin.work_order import appointment
from anxin.work_order.models import WorkOrder

CAUSES = (
    ("元件老化", "Worn component"),
    ("使用不当", "Misuse"),
    ("安装问题", "Installation problem"),
    ("电源或线路故障", "Power or wiring fault"),
    ("制冷剂泄漏", "Refrigerant leak"),
    ("主板故障", "Control board fault"),
    ("堵塞或脏污", "Blockage or dirt"),
)
FIELD_PREFIX = re.compile(r"^[a-z_.0-9]+: ")
WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"), ("周五", "Fri"), ("周六", "Sat"),
            ("周日", "Sun"))  # fmt: skip
i18n.extend(
    {
        "kf_fix": (
            "请修改标出的内容后再提交，已填写的内容和照片都已保留",
            "Please fix what is marked; everything you entered and the photos are kept",
        ),  # noqa: E501
        "kf_kept_photos": ("已保留的照片", "Photos kept"),
        "kf_sig_kept": ("已保留客户签名，可清除重签", "The signature is kept; clear it to sign again"),
        "ap_title": ("预约上门", "Book the visit"),
        "ap_call": ("致电客户", "Call the customer"),
        "ap_call_hint": (
            "接单后先致电客户，约定上门时间再出发",
            "Call the customer and agree the time before setting off",
        ),  # noqa: E501
        "ap_date": ("日期", "Date"),
        "ap_from": ("从", "From"),
        "ap_to": ("到", "To"),
        "ap_note": ("约定备注", "Note"),
        "ap_note_hint": ("如：客户中午不在家，到前再打电话", "e.g. not home at noon, call before coming"),
        "ap_save": ("保存预约", "Save the appointment"),
        "ap_change": ("改约", "Change the appointment"),
        "ap_agreed": ("已约定", "Agreed"),
        "ap_changes": ("改约 {n} 次", "changed {n}×"),
        "ap_clock": ("预约时限", "Booking clock"),
        "ap_clock_left": ("剩余", "left"),
        "ap_clock_target": ("目标 {n} 分钟内预约", "book within {n} min"),
        "ap_clock_met": ("已在 {n} 分钟内预约", "booked in {n} min"),
        "ap_clock_met_late": ("预约超时（用时 {n} 分钟）", "booked late ({n} min)"),
        "ap_clock_late": ("预约已超时", "booking overdue"),
        "ap_none": ("尚未预约", "Not booked yet"),
        "ap_today": ("今天", "Today"),
        "ap_tomorrow": ("明天", "Tomorrow"),
        "ap_day_after": ("后天", "The day after tomorrow"),
        "ap_customer_agreed": ("师傅已与您约定上门时间", "Your technician agreed the visit time with you"),
        "sr_sign_first": ("请客户签名后再完工", "Ask the customer to sign before completing"),
        "lv_updated": ("订单有更新", "This order was updated"),
        "lv_refresh": ("刷新", "Refresh"),
    }
)


@dataclass
class Kept:
    """A refused form's values (by field name; lists for repeated fields) and errors (field → message),
    and the photos stored while refusing it (their ids, by kind)."""

    form: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    photos: dict[str, list[int]] = field(default_factory=dict)

    def value(self, name: str, default: Any = "") -> Any:
        return self.values.get(name, default)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")


def problem(kept: Kept, exc: AnxinError, lang: str, *, as_field: str | None = None) -> None:
    """Put a refusal's message on its field (or on ``as_field``), without the field's code before it."""
    name = as_field or str(exc.params.get("field") or "form")
    kept.errors[name] = FIELD_PREFIX.sub("", exc.message(lang), count=1)


def render_order(
    request: Request,
    db: DbSession,
    user: User,
    order: WorkOrder,
    *,
    kept: Kept | None = None,
) -> HTMLResponse:
    """The technician's order page; with ``kept``, a refused form filled in again (422)."""
    lang = i18n.language(request)
    view = orders.view(db, user=user, order=order, lang=lang)
    menu = quote_pages.menu_view(db, order=order, lang=lang) if "quote" in view.actions else None
    booking = appointment.booking_clock(db, order) if "appoint" in view.actions else None
    return render(
        request,
        "tech/order.html",
        status_code=422 if kept and kept.errors else 200,
        view=view,
        causes=[en if lang == "en" else zh for zh, en in CAUSES],
        error=request.query_params.get("error"),
        parts=parts_pages.panel(db, user=user, order=order),
        menu=menu,
        booking=booking,
        default_window=default_window(order, tenant_clock.zone_name(db, order.tenant_id)),
        kept=kept or Kept(form=""),
        relay=relay_view.shown(db, user=user, order=order),  # the call button to the customer (隐私号)
    )


def _day_words(local: datetime, zone: str, lang: str, today: datetime | None) -> str:
    """A day as people say it: "明天 12月7日（周一）", "12月9日（周三）" (English: "Tomorrow, Mon 7 Dec")."""
    now_day = (today or clock.now()).astimezone(ZoneInfo(zone)).date()
    offset = (local.date() - now_day).days
    relative = {0: "ap_today", 1: "ap_tomorrow", 2: "ap_day_after"}.get(offset)
    zh_week, en_week = WEEKDAYS[local.weekday()]
    if lang == "en":
        text = f"{en_week} {local.day} {local.strftime('%b')}"
        return f"{i18n.translate(lang, relative)}, {text}" if relative else text
    text = f"{local.month}月{local.day}日（{zh_week}）"
    return f"{i18n.translate(lang, relative)} {text}" if relative else text


def window_words(start: datetime, end: datetime | None, zone: str, lang: str) -> str:
    """An agreed window in words: "明天 12月7日（周一）14:00–16:00"."""
    tz = ZoneInfo(zone)
    first = clock.as_utc(start).astimezone(tz)
    gap = " " if lang == "en" else ""  # "（周二）14:00": no space after a full-width bracket
    text = f"{_day_words(first, zone, lang, None)}{gap}{first:%H:%M}"
    if end is not None:
        last = clock.as_utc(end).astimezone(tz)
        if last.date() != first.date():
            return f"{text} – {_day_words(last, zone, lang, None)}{gap}{last:%H:%M}"
        text += f"–{last:%H:%M}"
    return text


@pass_context
def visit_window(context: Context, start: datetime | None, end: datetime | None = None) -> str:
    if start is None:
        return ""
    zone = context.get("zone") or DEFAULT_ZONE
    return window_words(start, end, getattr(zone, "key", zone), context.get("lang") or "zh")


templates.env.filters["visit_window"] = visit_window


def default_window(order: WorkOrder, zone: str) -> dict[str, str]:
    """The appointment form's first values: the window already agreed, else the customer's preferred
    one, else the next whole hour for two hours."""
    tz = ZoneInfo(zone)
    start = order.appointment_start_at or order.preferred_start_at
    end = order.appointment_end_at or order.preferred_end_at
    if start is None:
        base = clock.now().astimezone(tz).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        start, end = base, base + timedelta(hours=2)
    first = clock.as_utc(start).astimezone(tz)
    last = clock.as_utc(end).astimezone(tz) if end is not None else first + timedelta(hours=2)
    return {"date": first.date().isoformat(), "from": f"{first:%H:%M}", "to": f"{last:%H:%M}"}
