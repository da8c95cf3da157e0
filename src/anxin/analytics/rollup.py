"""Settled days' KPI sums, stored so the dashboard reads about fifty rows a day instead of every order.

A local day is *settled* once it ended 24 hours ago: its "due" counts (30 min, 4 h, 24 h after reporting)
no longer move with the clock. ``refresh`` recomputes settled days with the same SQL as the live path
(``queries.all_sums`` on one day, split by the two outlets an order may belong to) and replaces their rows:

- the tenant's: ``dim`` "total" (one row a day; its ``key`` "outlets" says the outlets' rows were stored
  with it) and one row per group of each breakdown (``dim`` area/outlet/category/brand, ``key`` the
  group's value as JSON);
- each outlet's, for its manager's narrower view (the orders sent to the outlet or done by its
  technicians): ``dim`` ``o<outlet id>``, ``key`` ``[breakdown or "day", value]`` as JSON, only for groups
  with orders. An order sent to one outlet and done by another's technician counts for both.

``sums`` answers a period's raw sums from the stored days plus one live query for the days not stored (the
last two, or older ones never refreshed), as long as those form one run of days; otherwise the whole period
is read live. An outlet manager's view counts as stored only on the days stored with the outlets' rows.

What is stored is as fresh as the last refresh: a survey, complaint or rework order that arrives later
changes an old day's figures only when that day is refreshed again, and so does a technician moving to
another outlet (live, an order done by them counts for their outlet of now). ``refresh_recent`` redoes the
last ``days`` (45 by default: surveys expire after 7 days, rework counts within 30): run it every few
minutes, and once a night with ``days=366`` so late complaints reach old days too.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin.analytics import queries
from anxin.analytics.models import KpiDaySum
from anxin.analytics.period import GROUPS, Scope, period
from anxin.auth.models import Tenant

NAMES = ("day", *GROUPS)
WITH_OUTLETS = "outlets"  # the key of a day's "total" row stored together with the outlets' rows
DIM_LENGTH = KpiDaySum.__table__.c.dim.type.length
KEY_LENGTH = KpiDaySum.__table__.c.key.type.length


def outlet_dim(outlet_id: int) -> str | None:
    """The ``dim`` of an outlet's stored rows, ``None`` for an id too long for the column (read live)."""
    dim = f"o{outlet_id}"
    return dim if len(dim) <= DIM_LENGTH else None


def _key(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _split(order: dict, complaints: dict, revenue: dict) -> tuple[dict, dict]:
    """The tenant's sums and each outlet's, from sums split by (the order's outlet, its technician's
    outlet): the tenant's are all of them added up, an outlet's those of the orders sent to it or done by
    its technicians. Each is ``{name: {value: {"o", "c", "r"}}}``."""
    tenant: dict = {name: {} for name in NAMES}
    outlets: dict = {}
    for part, source in (("o", order), ("c", complaints), ("r", revenue)):
        for name in NAMES:
            for (outlet_id, technicians_outlet, value), values in source[name].items():
                value = None if name == "day" else value  # the day's own key: one day, one row
                targets = [tenant] + [
                    outlets.setdefault(o, {n: {} for n in NAMES})
                    for o in {outlet_id, technicians_outlet} - {None}
                ]
                for target in targets:
                    sums = target[name].setdefault(value, {"o": {}, "c": {}, "r": {}})
                    _add(sums[part], values)
    return tenant, outlets


def _rows(sums: dict, *, tenant_id: int, day: date, now: datetime, dim: str | None) -> list[dict]:
    """The rows of one day for the tenant (``dim`` None: dim "total" and one per breakdown) or one outlet
    (``dim`` ``o<outlet id>``, the breakdown and value in ``key``)."""
    rows = []
    for name in NAMES:
        found = sums[name]
        if name == "day" and dim is None:
            found = {None: found.get(None, {"o": {}, "c": {}, "r": {}})}  # the tenant's day: always a row
        for value, values in found.items():
            if dim is None:
                row_dim, key = ("total", WITH_OUTLETS) if name == "day" else (name, _key(value))
            else:
                row_dim, key = dim, _key([name, value])
            rows.append(
                {
                    "tenant_id": tenant_id,
                    "day": day,
                    "dim": row_dim,
                    "key": key,
                    "sums": values,
                    "refreshed_at": now,
                }
            )
    return rows


def refresh(db: Session, *, tenant_id: int, timezone: str, first: date, last: date, now: datetime) -> int:
    """Recompute and store the settled days of ``first``..``last``; the number of days stored. The
    tenant's row is locked first, so two workers refreshing at once take turns instead of both deleting
    and both inserting a day. A day whose group value is too long for ``key`` is not stored (read live)."""
    db.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    stored = 0
    day = first
    while day <= last:
        one = period(str(day), str(day), timezone=timezone)
        if one.end + timedelta(hours=24) > now:
            break
        found = queries.all_sums(
            db, Scope(tenant_id=tenant_id, outlet_id=None, period=one, now=now), by_outlets=True
        )
        tenant, outlets = _split(*found)
        rows = _rows(tenant, tenant_id=tenant_id, day=day, now=now, dim=None)
        for outlet_id, sums in outlets.items():
            dim = outlet_dim(outlet_id)
            if dim is not None:
                rows += _rows(sums, tenant_id=tenant_id, day=day, now=now, dim=dim)
        db.execute(delete(KpiDaySum).where(KpiDaySum.tenant_id == tenant_id, KpiDaySum.day == day))
        if all(len(row["key"]) <= KEY_LENGTH for row in rows):
            db.execute(KpiDaySum.__table__.insert(), rows)
            stored += 1
        day += timedelta(days=1)
    db.flush()
    return stored


def refresh_recent(db: Session, *, now: datetime, days: int = 45) -> int:
    """Refresh the last ``days`` settled days of every tenant, in one transaction (the periodic job
    refreshes each of ``recent_days`` in a transaction of its own instead)."""
    return sum(
        refresh(db, tenant_id=tenant_id, timezone=timezone, first=day, last=day, now=now)
        for tenant_id, timezone, day in recent_days(db, now=now, days=days)
    )


def recent_days(db: Session, *, now: datetime, days: int = 45) -> list[tuple[int, str, date]]:
    """``(tenant id, zone, day)`` for the last ``days`` days of every tenant up to its today, the days
    ``refresh_recent`` refreshes (``refresh`` skips those not settled yet). A job refreshes each in a
    transaction of its own: on SQLite, where one writer holds the whole database, a report waits for one
    day's sums (milliseconds) rather than for a year's (seconds)."""
    found = []
    for tenant_id, timezone in db.execute(select(Tenant.id, Tenant.timezone).order_by(Tenant.id)):
        today = now.astimezone(ZoneInfo(timezone)).date()
        found.extend((tenant_id, timezone, today - timedelta(days=n)) for n in range(days, -1, -1))
    return found


def _add(target: dict, values: dict) -> None:
    get = target.get
    for name, value in values.items():
        if value is None:
            continue
        if type(value) is dict:
            bucket = target.setdefault(name, {})
            for key, amount in value.items():
                bucket[key] = bucket.get(key, 0) + amount
        else:
            target[name] = (get(name) or 0) + (float(value) if type(value) is Decimal else value)


def sums(db: Session, scope: Scope) -> tuple[dict, dict, dict] | None:
    """``queries.all_sums`` for the period, from stored days where they are and live for the rest: the
    tenant's rows, or for an outlet manager the outlet's (``o<outlet id>``) of the days stored with them.
    ``None`` when the period is to be read live as a whole (no day stored, or the missing ones are not one
    run), so that the caller runs only the queries it needs."""
    the_period = scope.period
    in_period = (
        KpiDaySum.tenant_id == scope.tenant_id,
        KpiDaySum.day >= the_period.first,
        KpiDaySum.day <= the_period.last,
    )
    marks = select(KpiDaySum.day).where(*in_period, KpiDaySum.dim == "total")
    dims: tuple[str, ...] = ("total", *GROUPS)
    if scope.outlet_id is not None:
        dim = outlet_dim(scope.outlet_id)
        if dim is None:
            return None
        marks, dims = marks.where(KpiDaySum.key == WITH_OUTLETS), (dim,)
    stored_days = set(db.scalars(marks))
    days = [the_period.first + timedelta(days=i) for i in range(the_period.days)]
    missing = [d for d in days if d not in stored_days]
    run = (missing[-1] - missing[0]).days + 1 if missing else 0
    if not stored_days or run != len(missing):  # read live unless the missing days are one run
        return None
    order: dict[str, dict] = {name: {} for name in NAMES}
    complaints: dict[str, dict] = {name: {} for name in NAMES}
    revenue: dict[str, dict] = {name: {} for name in NAMES}
    found = db.execute(
        select(KpiDaySum.day, KpiDaySum.dim, KpiDaySum.key, KpiDaySum.sums).where(
            *in_period, KpiDaySum.dim.in_(dims)
        )
    )
    for day, dim, key, stored in found:
        if dim == "total":
            name, value = "day", day
        elif scope.outlet_id is None:
            name, value = dim, json.loads(key)
        else:
            name, value = json.loads(key)
            value = day if name == "day" else value
        if name == "day":  # one row per day: taken as it is
            if stored["o"].get("orders"):
                order["day"][day], complaints["day"][day], revenue["day"][day] = (
                    stored["o"],
                    stored["c"],
                    stored["r"],
                )
            continue
        _add(order[name].setdefault(value, {}), stored["o"])
        if stored["c"]:
            _add(complaints[name].setdefault(value, {}), stored["c"])
        if stored["r"]:
            _add(revenue[name].setdefault(value, {}), stored["r"])
    if missing:
        live_period = period(str(missing[0]), str(missing[-1]), timezone=the_period.timezone)
        live = queries.all_sums(db, Scope(scope.tenant_id, scope.outlet_id, live_period, scope.now))
        for target, source in zip((order, complaints, revenue), live, strict=True):
            for name in NAMES:
                for value, values in source[name].items():
                    _add(target[name].setdefault(value, {}), values)
    return order, complaints, revenue
