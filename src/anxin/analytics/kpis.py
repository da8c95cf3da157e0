"""The managers' KPIs for a period, in total, by area / outlet / category / brand, and as a daily (weekly
beyond 62 days) trend. The sums come from SQL (``queries.py``); this module only divides.

Which orders: the tenant's work orders whose ``created_at`` lies in the period (local dates in the tenant's
zone, ``from`` 00:00 to the day after ``to`` 00:00); an outlet manager's, only those sent to the outlet
(``outlet_id``) or assigned to one of its technicians. Surveys, complaints and quotes count through the
order they belong to. Shares are 0..1 and ``None`` when the denominator is 0. "Due" below means: reported
more than the limit before now, neither cancelled nor resolved remotely (nor carried in, for arrival).

=========================  ======================================================  ==========================================================
KPI                        numerator                                               denominator
=========================  ======================================================  ==========================================================
orders                     orders reported in the period                           —
responded_within_30m       orders whose response (first of accepted_at /           orders with a response, plus unanswered orders that are due
                           assigned_at) came ≤ 30 min after created_at             (30 min)
mean_response_minutes      Σ (response − created_at), minutes                      orders with a response
arrived_within_4h          orders with on_site_at − created_at ≤ 4 h               orders with on_site_at, plus orders not yet on site and due (4 h)
completed_within_24h       orders with completed_at − created_at −                 orders with completed_at, plus uncompleted orders due (24 h)
                           sla_paused_seconds ≤ 24 h
first_time_fix_rate        completed orders with no rework order pointing at       orders with completed_at
                           them (rework_of_id) and no answered survey saying
                           resolved = false
rework_rate                orders with is_rework                                   orders
satisfaction               answered surveys with overall 4 or 5                    answered surveys with an overall score
satisfaction_dimensions    mean of attitude, skill, punctuality, promises,         answered surveys scoring that dimension
                           overall (1..5)
nps                        100 × (promoters 9–10 − detractors 0–6), −100..100      answered surveys with an NPS answer
complaints_per_1000        1000 × registered complaints about these orders         orders
complaint_mean_close_hours Σ (closed_at − registered_at), hours                    closed registered complaints about these orders
remote_resolution_rate     orders with resolved_remote_at                          orders not cancelled
utilisation                Σ technician time on the period's orders: on_site_at →  Σ shift minutes (shift_end − shift_start − break) of the
                           completed_at plus en_route_at → on_site_at              scope's technicians on their work_days in the period
idle_share                 1 − utilisation                                         —
parts_fill_rate            orders whose parts were all on hand when reserved (no   orders that needed parts; totals only (``parts/kpi.py``)
                           transfer)
revenue_fen_by_billing_    Σ approved quotes' total_fen per billing_category       —
category
=========================  ======================================================  ==========================================================

Utilisation has a denominator only for the totals, by outlet (the outlet's technicians) and by trend
bucket; by area, category and brand it is null and listed in ``unavailable``.

``dashboard`` (the page and the workbook), ``report`` and ``trend`` (the API) read the raw sums of settled days
from ``kpi_day_sum`` (``rollup``: the tenant's, or the outlet's for an outlet manager) and the rest from the
orders; a period with no stored day, or whose missing days are not one run, is read from the orders alone
(``compute``, which always reads the orders).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.analytics import queries, rollup
from anxin.analytics.period import GROUPS, Period, Scope, check_group, period, scope_for
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.catalog.models import Brand, Category
from anxin.parts import kpi as parts_kpi
from anxin.technician.models import Outlet, Technician

DIMENSIONS = ("attitude", "skill", "punctuality", "promises", "overall")
TARGETS = {"respond_minutes": 30, "arrive_hours": 4, "complete_hours": 24}
PARTS_NOTE = {
    "kpi": "parts_fill_rate",
    "reason": "the parts fill rate is computed for the totals only, not by group or by day",
}


def _parts_fill_rate(db: Session, scope: Scope) -> float | None:
    """The totals' ``parts_fill_rate`` (``parts/kpi.py``)."""
    start, end = scope.period.start, scope.period.end
    return parts_kpi.fill_rate(db, tenant_id=scope.tenant_id, start=start, end=end, outlet_id=scope.outlet_id)


def _share(numerator: Any, denominator: Any) -> float | None:
    return None if not denominator else round(float(numerator or 0) / float(denominator), 4)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def shift_seconds(technician: Any) -> int:
    """One working day of a technician, in seconds: the shift less its break."""
    total = _minutes(technician.shift_end) - _minutes(technician.shift_start)
    if technician.break_start and technician.break_end:
        total -= max(0, _minutes(technician.break_end) - _minutes(technician.break_start))
    return max(0, total) * 60


def _days(the_period: Period) -> list[date]:
    return [the_period.first + timedelta(days=i) for i in range(the_period.days)]


def _technicians(db: Session, scope: Scope) -> list[Any]:
    query = select(
        Technician.outlet_id,
        Technician.shift_start,
        Technician.shift_end,
        Technician.break_start,
        Technician.break_end,
        Technician.work_days,
    ).where(Technician.tenant_id == scope.tenant_id)
    if scope.outlet_id is not None:
        query = query.where(Technician.outlet_id == scope.outlet_id)
    return list(db.execute(query))


def capacity_seconds(db: Session, scope: Scope, key: str | None) -> dict[Any, int]:
    """Shift seconds on working days, per group: the totals, per outlet, or per trend bucket. Technicians
    with the same outlet, shift length and working days are counted together."""
    kinds = Counter(
        (t.outlet_id, shift_seconds(t), frozenset(t.work_days or [])) for t in _technicians(db, scope)
    )
    step = scope.period.bucket_days
    # how many days of each ISO weekday each bucket (or the whole period) holds
    weekdays: dict[Any, Counter] = {}
    for index, day in enumerate(_days(scope.period)):
        weekdays.setdefault(index // step if key == "day" else None, Counter())[day.isoweekday()] += 1
    out: dict[Any, int] = {}
    for (outlet_id, per_day, work_days), count in kinds.items():
        for bucket, counts in weekdays.items():
            group = {None: None, "outlet": outlet_id, "day": bucket}[key]
            days = sum(n for weekday, n in counts.items() if weekday in work_days)
            out[group] = out.get(group, 0) + count * per_day * days
    return out


def _merge(rows: dict[Any, dict], bucket) -> dict[Any, dict]:
    """Raw sums added up by ``bucket(key)``; they are all sums and counts, so they add."""
    out: dict[Any, dict] = {}
    for key, values in rows.items():
        merged = out.setdefault(bucket(key), {})
        for name, value in values.items():
            if isinstance(value, dict):  # revenue: {billing category: fen}
                for category, fen in value.items():
                    merged.setdefault(name, {})
                    merged[name][category] = merged[name].get(category, 0) + fen
            elif value is not None:
                merged[name] = (merged.get(name) or 0) + value
    return out


def _by_bucket(scope: Scope, rows: dict[Any, dict]) -> dict[int, dict]:
    """Per-day raw sums added up into the trend's buckets (index of the day or week in the period)."""
    step, first = scope.period.bucket_days, scope.period.first
    return _merge(rows, lambda day: (date.fromisoformat(str(day)[:10]) - first).days // step)


def figures(order: dict, complaints: dict, revenue: dict, capacity: int | None) -> dict[str, Any]:
    """The KPIs of one group from its raw sums."""
    orders = int(order.get("orders") or 0)
    utilisation = _share(order.get("work_s"), capacity) if capacity is not None else None
    nps_d = order.get("nps_d")
    nps = (
        round(100.0 * (float(order["nps_promoters"] or 0) - float(order["nps_detractors"] or 0)) / nps_d, 1)
        if nps_d
        else None
    )
    return {
        "orders": orders,
        "responded_within_30m": _share(order.get("resp_n"), order.get("resp_d")),
        "mean_response_minutes": (
            round(float(order["resp_sum_s"]) / 60.0 / order["resp_count"], 1)
            if order.get("resp_count")
            else None
        ),
        "arrived_within_4h": _share(order.get("arr_n"), order.get("arr_d")),
        "completed_within_24h": _share(order.get("comp_n"), order.get("comp_d")),
        "first_time_fix_rate": _share(order.get("ftf_n"), order.get("ftf_d")),
        "rework_rate": _share(order.get("rework_n"), orders),
        "satisfaction": _share(order.get("sat_n"), order.get("sat_d")),
        "satisfaction_dimensions": {
            d: (
                round(float(order[f"dim_{d}_sum"]) / order[f"dim_{d}_count"], 2)
                if order.get(f"dim_{d}_count")
                else None
            )
            for d in DIMENSIONS
        },
        "surveys_answered": int(order.get("sat_d") or 0),
        "nps": nps,
        "complaints": int(complaints.get("complaints") or 0),
        "complaints_per_1000": round(1000.0 * (complaints.get("complaints") or 0) / orders, 2)
        if orders
        else None,
        "complaint_mean_close_hours": (
            round(float(complaints["close_sum_s"]) / 3600.0 / complaints["closed"], 1)
            if complaints.get("closed")
            else None
        ),
        "remote_resolution_rate": _share(order.get("remote_n"), order.get("remote_d")),
        "utilisation": utilisation,
        "idle_share": None if utilisation is None else round(1 - utilisation, 4),
        "parts_fill_rate": None,
        "revenue_fen_by_billing_category": dict(sorted(revenue.items())),
    }


def _labels(db: Session, tenant_id: int, key: str, lang: str) -> dict[Any, str]:
    def name(row: Any) -> str:
        return row.name_en if lang == "en" else row.name_zh

    if key == "outlet":
        return {o.id: o.name for o in db.scalars(select(Outlet).where(Outlet.tenant_id == tenant_id))}
    if key == "category":
        return {c.code: name(c) for c in db.scalars(select(Category).where(Category.tenant_id == tenant_id))}
    if key == "brand":
        return {b.id: name(b) for b in db.scalars(select(Brand).where(Brand.tenant_id == tenant_id))}
    return {}


def _finish(db: Session, scope: Scope, key: str | None, order: dict, complaints: dict, revenue: dict) -> dict:
    if key == "day":
        order, complaints = _by_bucket(scope, order), _by_bucket(scope, complaints)
        revenue = {
            k: v["fen"] for k, v in _by_bucket(scope, {d: {"fen": r} for d, r in revenue.items()}).items()
        }
    with_capacity = key in (None, "outlet", "day")
    capacity = capacity_seconds(db, scope, key) if with_capacity else {}
    keys = list(order) if key is not None else [None]
    return {
        k: figures(
            order.get(k, {}),
            complaints.get(k, {}),
            revenue.get(k, {}),
            capacity.get(k, 0) if with_capacity else None,
        )
        for k in keys
    }


def compute(db: Session, scope: Scope, key: str | None) -> dict[Any, dict]:
    """KPIs per group key (``None`` for the totals; ``day`` gives the trend buckets' indexes)."""
    order = queries.order_sums(db, scope, key)
    complaints = queries.complaint_sums(db, scope, key)
    revenue = queries.revenue_sums(db, scope, key)
    return _finish(db, scope, key, order, complaints, revenue)


def _from_sums(db: Session, scope: Scope, found: tuple[dict, dict, dict], names: tuple) -> dict[Any, dict]:
    """The KPIs of the breakdowns ``names`` (``None`` for the totals: the days added up, ``day`` for the
    trend) from one set of raw sums ``{name: {value: sums}}`` per table."""
    order, complaints, revenue = found
    out = {
        name: _finish(db, scope, name, order[name], complaints[name], revenue[name]) for name in names if name
    }
    if None in names:
        everything = lambda _key: None  # noqa: E731
        totals = [
            _merge(order["day"], everything).get(None, {"orders": 0}),
            _merge(complaints["day"], everything).get(None, {}),
            _merge({d: {"fen": r} for d, r in revenue["day"].items()}, everything)
            .get(None, {})
            .get("fen", {}),
        ]
        out[None] = {None: figures(*totals, capacity_seconds(db, scope, None).get(None, 0))}
    return out


def compute_all(db: Session, scope: Scope) -> dict[Any, dict]:
    """The totals (key ``None``), the trend (``day``) and every breakdown from one set of raw sums: the
    settled days' stored sums plus the recent days' live queries (``rollup.sums``), else the whole period
    read live in one pass per table; the totals are the days added up."""
    found = rollup.sums(db, scope) or queries.all_sums(db, scope)
    return _from_sums(db, scope, found, (None, "day", *GROUPS))


def compute_stored(db: Session, scope: Scope, key: str | None) -> dict[Any, dict]:
    """``compute(key)`` from the stored days where the period has them (``rollup.sums``), else live."""
    found = rollup.sums(db, scope)
    if found is None:
        return compute(db, scope, key)
    return _from_sums(db, scope, found, (key,))[key]


def groups(
    db: Session, scope: Scope, group_by: str, lang: str = "zh", computed: dict | None = None
) -> list[dict[str, Any]]:
    """``[{"key", "label", "kpis"}]`` for one breakdown, the biggest group first."""
    labels = _labels(db, scope.tenant_id, group_by, lang)
    per_group = computed if computed is not None else compute_stored(db, scope, group_by)
    return sorted(
        (
            {"key": k, "label": labels.get(k, k if k is not None else "—"), "kpis": v}
            for k, v in per_group.items()
        ),
        key=lambda g: (-g["kpis"]["orders"], str(g["label"])),
    )


def _unavailable(group_by: str | None) -> list[dict[str, str]]:
    notes = [PARTS_NOTE]
    if group_by in ("area", "category", "brand"):
        notes.append({"kpi": "utilisation", "reason": f"technician shifts cannot be split by {group_by}"})
    return notes


def report(db: Session, scope: Scope, group_by: str | None = None, lang: str = "zh") -> dict[str, Any]:
    """``{"period", "targets", "kpis", "groups"?, "unavailable"}`` for the API, from the stored days where
    the period has them (as the dashboard), else from the orders (the totals and the one breakdown)."""
    found = rollup.sums(db, scope)
    if found is None:
        totals = compute(db, scope, None)[None]
        per_group = compute(db, scope, group_by) if group_by else None
    else:
        computed = _from_sums(db, scope, found, (None, group_by) if group_by else (None,))
        totals, per_group = computed[None][None], computed.get(group_by)
    totals = {**totals, "parts_fill_rate": _parts_fill_rate(db, scope)}
    body: dict[str, Any] = {"period": scope.period.as_dict(), "targets": TARGETS, "kpis": totals}
    if group_by:
        body["groups"] = groups(db, scope, group_by, lang, per_group)
    body["unavailable"] = _unavailable(group_by)
    return body


def dashboard(db: Session, scope: Scope, lang: str = "zh") -> dict[str, Any]:
    """Everything the dashboard page and the workbook show: the totals, every breakdown and the trend."""
    computed = compute_all(db, scope)
    return {
        "period": scope.period.as_dict(),
        "targets": TARGETS,
        "kpis": {**computed[None][None], "parts_fill_rate": _parts_fill_rate(db, scope)},
        "breakdowns": {group: groups(db, scope, group, lang, computed[group]) for group in GROUPS},
        "trend": trend(db, scope, computed["day"]),
        "unavailable": _unavailable("area"),
    }


def trend(db: Session, scope: Scope, computed: dict | None = None) -> list[dict[str, Any]]:
    """One point per day (per week beyond 62 days), every bucket of the period present."""
    per_bucket = computed if computed is not None else compute_stored(db, scope, "day")
    step = scope.period.bucket_days
    points = []
    for index in range((scope.period.days + step - 1) // step):
        first = scope.period.first + timedelta(days=index * step)
        kpis = per_bucket.get(index) or figures({}, {}, {}, None)
        points.append({"date": first.isoformat(), "kpis": kpis})
    return points


def scope_of(
    db: Session, user: User, first: str | None, last: str | None, now: datetime | None = None
) -> Scope:
    """The caller's scope for local dates ``first``..``last`` (422 ``invalid_period`` when they are not)."""
    the_period = period(first, last, timezone=tenant_clock.zone_name(db, user.tenant_id))
    return scope_for(user, the_period, now or clock.now())


__all__ = ["check_group", "compute", "dashboard", "groups", "report", "scope_of", "trend", "TARGETS"]
