"""Decoding snapshot rows (``snapshot_sql``) into Python values: a shift from a roster row's columns, JSON
columns read as text and parsed once per distinct value, and the details rows (skills, certificates,
queued orders) grouped per technician."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from anxin.clock import as_utc
from anxin.dispatch.core import rules
from anxin.dispatch.core.scoring import Shift
from anxin.dispatch.day import STARTED
from anxin.geo import Point

UTC = ZoneInfo("UTC")
STARTED_VALUES = frozenset(s.value for s in STARTED)


def local_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


NONE: Any = object()


def shift_of(key: tuple, day: date, zone: ZoneInfo) -> Shift | None:
    """``shift_on`` for a roster row's shift columns (work days as JSON text)."""
    work_days, shift_start, shift_end, break_start, break_end, day_off = key
    if day_off or day.isoweekday() not in (json_value(work_days) or ()):
        return None

    def at(text: str) -> datetime:
        return datetime.combine(day, local_time(text), zone).astimezone(UTC)

    breaks = ()
    if break_start and break_end:
        breaks = ((at(break_start), at(break_end)),)
    return Shift(at(shift_start), at(shift_end), breaks)


# JSON columns (work days, brands, coverage) are read as text and parsed once per distinct value: a few
# hundred technicians share a handful of them. The parsed values are shared, so they are never changed.
_parsed: dict[str, Any] = {}


def json_value(text: str | None) -> Any:
    return _memo(_parsed, text, lambda value: value)


_sets: dict[str, frozenset | None] = {}


def json_set(text: str | None) -> frozenset | None:
    """A JSON list as a frozenset (None for SQL or JSON null)."""
    return _memo(_sets, text, lambda value: frozenset(value) if value is not None else None)


def _memo(cache: dict[str, Any], text: str | None, convert: Callable[[Any], Any]) -> Any:
    """``convert`` of the JSON ``text``, parsed once per distinct text (a bounded cache)."""
    if text is None:
        return None
    value = cache.get(text, NONE)
    if value is NONE:
        if len(cache) > 4096:
            cache.clear()
        value = cache[text] = convert(json.loads(text))
    return value


def details(
    rows: list, *, start: datetime, exclude_order_id: int | None = None
) -> tuple[dict[int, dict[tuple[str, str], str]], dict[int, dict[str, date]], dict[int, list[tuple]]]:
    """From the rows of ``snapshot_sql.details_statement``: skills, certificates (the latest expiry of each
    kind) and each technician's open orders for the day as ``project_route`` stops (place, service minutes, earliest start): started ones first, then by window
    or assignment, then by order id; ``exclude_order_id`` (the order being ranked) left out."""
    skills: dict[int, dict[tuple[str, str], str]] = {}
    certificates: dict[int, dict[str, date]] = {}
    queued = []
    for tid, kind, a, b, c, d, expires, appointed, assigned, lat, lng, order_id in rows:
        if kind == 0:
            held = skills.get(tid)
            if held is None:
                held = skills[tid] = {}
            held[(a, b)] = c
        elif kind == 1:
            held = certificates.get(tid)
            if held is None:
                held = certificates[tid] = {}
            earlier = held.get(a)
            held[a] = expires if earlier is None else max(expires, earlier)
        elif order_id != exclude_order_id:
            appointed = as_utc(appointed) if appointed is not None else None
            assigned = as_utc(assigned) if assigned is not None else None
            key = (a not in STARTED_VALUES, appointed or assigned or start, order_id)
            queued.append((key, tid, Point(lat, lng, d), rules.service_minutes(b, c), appointed))
    queued.sort(key=lambda q: q[0])
    queues: dict[int, list[tuple]] = defaultdict(list)
    for _, tid, point, minutes, appointed in queued:
        queues[tid].append((point, minutes, appointed))
    return skills, certificates, queues
