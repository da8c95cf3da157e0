"""Settled days' KPI sums, stored so the dashboard reads about fifty rows a day instead of every order.

A local day is *settled* once it ended 24 hours ago: its "due" counts (30 min, 4 h, 24 h after reporting)
no longer move with the clock. ``refresh`` recomputes settled days with the same SQL as the live path
(``queries.all_sums`` on one day) and replaces their rows. ``sums`` answers a period's raw sums from the
stored days plus one live query for the days not stored (the last two, or older ones never refreshed), as
long as those form one run of days; otherwise the whole period is read live. An outlet manager's narrower
view is always read live (a twentieth of the orders).

What is stored is as fresh as the last refresh: a survey, complaint or rework order that arrives later
changes an old day's figures only when that day is refreshed again. ``refresh_recent`` redoes the last
``days`` (45 by default: surveys expire after 7 days, rework counts within 30): run it every few minutes,
and once a night with ``days=366`` so late complaints reach old days too.
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


def _plain(values: dict) -> dict:
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in values.items() if v is not None}


def refresh(db: Session, *, tenant_id: int, timezone: str, first: date, last: date, now: datetime) -> int:
    """Recompute and store the settled days of ``first``..``last``; the number of days stored. The
    tenant's row is locked first, so two workers refreshing at once take turns instead of both deleting
    and both inserting a day."""
    db.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    stored = 0
    day = first
    while day <= last:
        one = period(str(day), str(day), timezone=timezone)
        if one.end + timedelta(hours=24) > now:
            break
        order, complaints, revenue = queries.all_sums(
            db, Scope(tenant_id=tenant_id, outlet_id=None, period=one, now=now)
        )
        db.execute(delete(KpiDaySum).where(KpiDaySum.tenant_id == tenant_id, KpiDaySum.day == day))
        rows = []
        for name in NAMES:
            values = set(order[name]) | set(complaints[name]) | set(revenue[name])
            if name == "day":
                values = {None}
            for value in values:

                def pick(found: dict, value: Any = value, name: str = name) -> dict:
                    # the day's own key is a date (PostgreSQL) or its text (SQLite): one day, one row
                    return next(iter(found.values()), {}) if name == "day" else found.get(value, {})

                sums = {
                    "o": _plain(pick(order[name])),
                    "c": _plain(pick(complaints[name])),
                    "r": pick(revenue[name]),
                }
                dim = "total" if name == "day" else name
                rows.append(
                    {
                        "tenant_id": tenant_id,
                        "day": day,
                        "dim": dim,
                        "key": json.dumps(value),
                        "sums": sums,
                        "refreshed_at": now,
                    }
                )
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


def sums(db: Session, scope: Scope) -> tuple[dict, dict, dict]:
    """``queries.all_sums`` for the period, from stored days where they are and live for the rest."""
    the_period = scope.period
    if scope.outlet_id is not None:
        return queries.all_sums(db, scope)
    stored_days = set(
        db.scalars(
            select(KpiDaySum.day).where(
                KpiDaySum.tenant_id == scope.tenant_id,
                KpiDaySum.dim == "total",
                KpiDaySum.day >= the_period.first,
                KpiDaySum.day <= the_period.last,
            )
        )
    )
    days = [the_period.first + timedelta(days=i) for i in range(the_period.days)]
    missing = [d for d in days if d not in stored_days]
    run = (missing[-1] - missing[0]).days + 1 if missing else 0
    if not stored_days or run != len(missing):  # read live unless the missing days are one run
        return queries.all_sums(db, scope)
    order: dict[str, dict] = {name: {} for name in NAMES}
    complaints: dict[str, dict] = {name: {} for name in NAMES}
    revenue: dict[str, dict] = {name: {} for name in NAMES}
    found = db.execute(
        select(KpiDaySum.day, KpiDaySum.dim, KpiDaySum.key, KpiDaySum.sums).where(
            KpiDaySum.tenant_id == scope.tenant_id,
            KpiDaySum.day >= the_period.first,
            KpiDaySum.day <= the_period.last,
        )
    )
    for day, dim, key, stored in found:
        if dim == "total":  # one row per day: taken as it is
            if stored["o"].get("orders"):
                order["day"][day], complaints["day"][day], revenue["day"][day] = (
                    stored["o"],
                    stored["c"],
                    stored["r"],
                )
            continue
        name, value = dim, json.loads(key)
        _add(order[name].setdefault(value, {}), stored["o"])
        if stored["c"]:
            _add(complaints[name].setdefault(value, {}), stored["c"])
        if stored["r"]:
            _add(revenue[name].setdefault(value, {}), stored["r"])
    if missing:
        live_period = period(str(missing[0]), str(missing[-1]), timezone=the_period.timezone)
        live = queries.all_sums(db, Scope(scope.tenant_id, None, live_period, scope.now))
        for target, source in zip((order, complaints, revenue), live, strict=True):
            for name in NAMES:
                for value, values in source[name].items():
                    _add(target[name].setdefault(value, {}), values)
    return order, complaints, revenue
