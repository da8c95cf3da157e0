"""The KPI queries in SQLAlchemy Core, one aggregate per source table, each returning raw sums and counts
per group so that groups (days into weeks, groups into totals) add up before any ratio is taken.

Every query reads the orders of one tenant reported in the period (``work_order.created_at`` in
[``start``, ``end``), the ``ix_work_order_tenant_created`` index), narrowed to an outlet for an outlet
manager, and groups by one key: nothing (the totals), area (``district``), outlet (the order's outlet, else
its technician's), category, brand (appliance → product model → brand) or the trend's day/week bucket.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, and_, case, cast, func, literal, null, or_, select, tuple_
from sqlalchemy.orm import Session

from anxin.analytics.period import GROUPS, Scope
from anxin.appliance.models import Appliance
from anxin.catalog.models import ProductModel
from anxin.feedback.models import Complaint, Survey
from anxin.technician.models import Technician
from anxin.work_order.models import Quote, WorkOrder

Key = str | tuple[str, ...] | None
RESPOND_S, ARRIVE_S, COMPLETE_S = 30 * 60, 4 * 3600, 24 * 3600
W = WorkOrder


def _pg(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _epoch(db: Session, column: Any) -> ColumnElement:
    """Seconds since 1970 of a stored UTC datetime (SQLite stores naive UTC text)."""
    if _pg(db):
        return func.extract("epoch", column)
    return (func.julianday(column) - 2440587.5) * 86400.0


def _within(db: Session, later: Any, earlier: Any, seconds: int, less: Any = None) -> ColumnElement:
    """``later − earlier (− less seconds) ≤ seconds``. PostgreSQL compares intervals (no numeric
    arithmetic per row); SQLite compares Julian-day seconds."""
    if _pg(db):
        span = later - earlier
        if less is not None:
            span = span - less * literal(timedelta(seconds=1))
        return span <= literal(timedelta(seconds=seconds))
    span = _epoch(db, later) - _epoch(db, earlier)
    if less is not None:
        span = span - less
    return span <= seconds


def _sum_seconds(db: Session, pairs: list[tuple[Any, Any, ColumnElement]]) -> ColumnElement:
    """Σ over the rows of (later − earlier) where the condition holds, for each pair, in seconds."""
    if _pg(db):
        total = None
        for later, earlier, condition in pairs:
            part = func.sum(case((condition, later - earlier), else_=null()))
            total = (
                part
                if total is None
                else func.coalesce(total, literal(timedelta(0))) + func.coalesce(part, literal(timedelta(0)))
            )
        return func.coalesce(func.extract("epoch", total), 0)
    total = None
    for later, earlier, condition in pairs:
        part = case((condition, _epoch(db, later) - _epoch(db, earlier)), else_=0)
        total = part if total is None else total + part
    return func.sum(total)


def _flag(condition: ColumnElement) -> ColumnElement:
    return func.sum(case((condition, 1), else_=0))


def response_at(db: Session) -> ColumnElement:
    """The first of ``accepted_at`` / ``assigned_at``: when somebody took the order in hand."""
    if _pg(db):
        return func.least(W.accepted_at, W.assigned_at)  # LEAST ignores NULLs on PostgreSQL
    return case(
        (W.accepted_at.is_(None), W.assigned_at),
        (W.assigned_at.is_(None), W.accepted_at),
        (W.accepted_at <= W.assigned_at, W.accepted_at),
        else_=W.assigned_at,
    )


def key_column(db: Session, scope: Scope, key: str | None) -> ColumnElement | None:
    """The GROUP BY expression; ``day`` is the local date of ``created_at`` (PostgreSQL: in the tenant's
    zone; SQLite: at the zone's UTC offset at the period's start)."""
    if key is None:
        return None
    if key == "area":
        return W.district
    if key == "outlet":
        return func.coalesce(W.outlet_id, Technician.outlet_id)
    if key == "category":
        return W.category_code
    if key == "brand":
        return ProductModel.brand_id
    if key == "day":
        if _pg(db):
            return cast(func.timezone(scope.period.timezone, W.created_at), Date)
        offset = int(
            scope.period.start.astimezone(ZoneInfo(scope.period.timezone)).utcoffset().total_seconds()
        )
        return func.date(W.created_at, f"{offset:+d} seconds")
    raise ValueError(key)


def _joined(source: Any, key: Key) -> Any:
    keys = key if isinstance(key, tuple) else (key,)
    if "outlet" in keys:
        source = source.outerjoin(Technician.__table__, Technician.id == W.technician_id)
    if "brand" in keys:
        source = source.join(Appliance.__table__, Appliance.id == W.appliance_id).join(
            ProductModel.__table__, ProductModel.id == Appliance.product_model_id
        )
    return source


def _where(db: Session, scope: Scope) -> list[ColumnElement]:
    conditions = [
        W.tenant_id == scope.tenant_id,
        W.created_at >= scope.period.start,
        W.created_at < scope.period.end,
    ]
    if scope.outlet_id is not None:
        # The outlet's technicians as a list of ids (not a subquery): the planner then estimates the few
        # rows right and combines the outlet and technician indexes (BitmapOr) instead of scanning.
        own = list(
            db.scalars(
                select(Technician.id).where(
                    Technician.tenant_id == scope.tenant_id, Technician.outlet_id == scope.outlet_id
                )
            )
        )
        conditions.append(or_(W.outlet_id == scope.outlet_id, W.technician_id.in_(own or [-1])))
    return conditions


def _run(
    db: Session,
    scope: Scope,
    key: Key,
    columns: list,
    source: Any,
    where: list,
    extra: tuple = (),
    by_outlets: bool = False,
) -> dict:
    """Run one aggregate grouped by ``key``: ``None`` (one row, key ``None``), one key name (rows by its
    value), or a tuple of key names, which on PostgreSQL is one pass with GROUPING SETS and answers
    ``{name: {value: row}}`` (elsewhere, one query per name). With ``by_outlets`` every group is split further
    by the order's outlet and its technician's outlet, and each value becomes ``(outlet_id, technician's
    outlet_id, value)``."""
    if isinstance(key, tuple) and not _pg(db):
        return {name: _run(db, scope, name, columns, source, where, extra, by_outlets) for name in key}
    names = key if isinstance(key, tuple) else (() if key is None else (key,))
    cols = [(name, key_column(db, scope, name)) for name in names]
    pair = [W.outlet_id, Technician.outlet_id] if by_outlets else []
    selected = [col.label(f"k_{name}") for name, col in cols] + [c.label(c.name) for c in extra]
    selected += [column.label(f"w_{index}") for index, column in enumerate(pair)]
    if isinstance(key, tuple):
        selected += [func.grouping(col).label(f"g_{name}") for name, col in cols]
    joined = _joined(source, (*names, "outlet") if by_outlets else key)
    query = select(*selected, *columns).select_from(joined).where(*where)
    if isinstance(key, tuple):
        query = query.group_by(func.grouping_sets(*(tuple_(*pair, col, *extra) for _, col in cols)))
    elif cols or extra or pair:
        query = query.group_by(*pair, *(col for _, col in cols), *extra)
    out: dict = {name: {} for name in names} if isinstance(key, tuple) else {}
    for row in db.execute(query).mappings():
        values = dict(row)
        if isinstance(key, tuple):
            name = next(n for n in names if values[f"g_{n}"] == 0)
            target = out[name]
        else:
            name, target = (names[0] if names else None), out
        value = values.get(f"k_{name}") if name else None
        for n in names:
            values.pop(f"k_{n}", None)
            values.pop(f"g_{n}", None)
        if by_outlets:
            value = (values.pop("w_0"), values.pop("w_1"), value)
        if extra:
            target.setdefault(value, []).append(values)
        else:
            target[value] = values
    return out


def order_sums(db: Session, scope: Scope, key: Key, by_outlets: bool = False) -> dict[Any, dict]:
    """Orders, response/arrival/completion against 30 min / 4 h / 24 h, first-time fix, rework, remote
    resolution, technician working seconds and the answered surveys, per group."""
    now = scope.now
    responded = response_at(db)
    open_exit = and_(W.cancelled_at.is_(None), W.resolved_remote_at.is_(None))
    done = W.completed_at.is_not(None)
    on_site = W.on_site_at.is_not(None)
    reworked = (
        select(W.rework_of_id.label("order_id"))
        .where(
            W.tenant_id == scope.tenant_id, W.rework_of_id.is_not(None), W.created_at >= scope.period.start
        )
        .distinct()
        .subquery("reworked")
    )
    worked = W.technician_id.is_not(None)
    columns = [
        func.count().label("orders"),
        _flag(and_(responded.is_not(None), _within(db, responded, W.created_at, RESPOND_S))).label("resp_n"),
        _flag(
            or_(responded.is_not(None), and_(open_exit, W.created_at < now - timedelta(seconds=RESPOND_S)))
        ).label("resp_d"),
        _sum_seconds(db, [(responded, W.created_at, responded.is_not(None))]).label("resp_sum_s"),
        func.count(responded).label("resp_count"),
        _flag(and_(on_site, _within(db, W.on_site_at, W.created_at, ARRIVE_S))).label("arr_n"),
        _flag(
            or_(
                on_site,
                and_(open_exit, W.carried_in_at.is_(None), W.created_at < now - timedelta(seconds=ARRIVE_S)),
            )
        ).label("arr_d"),
        _flag(and_(done, _within(db, W.completed_at, W.created_at, COMPLETE_S, W.sla_paused_seconds))).label(
            "comp_n"
        ),
        _flag(or_(done, and_(open_exit, W.created_at < now - timedelta(seconds=COMPLETE_S)))).label("comp_d"),
        _flag(
            and_(done, reworked.c.order_id.is_(None), or_(Survey.resolved.is_(None), Survey.resolved))
        ).label("ftf_n"),
        _flag(done).label("ftf_d"),
        _flag(W.is_rework).label("rework_n"),
        _flag(W.resolved_remote_at.is_not(None)).label("remote_n"),
        _flag(W.cancelled_at.is_(None)).label("remote_d"),
        _sum_seconds(
            db,
            [
                (W.completed_at, W.on_site_at, and_(worked, on_site, done)),
                (W.on_site_at, W.en_route_at, and_(worked, W.en_route_at.is_not(None), on_site)),
            ],
        ).label("work_s"),
        func.count(Survey.overall).label("sat_d"),
        _flag(Survey.overall >= 4).label("sat_n"),
        func.count(Survey.nps).label("nps_d"),
        _flag(Survey.nps >= 9).label("nps_promoters"),
        _flag(Survey.nps <= 6).label("nps_detractors"),
    ]
    for dimension in ("attitude", "skill", "punctuality", "promises", "overall"):
        column = getattr(Survey, dimension)
        columns += [
            func.sum(column).label(f"dim_{dimension}_sum"),
            func.count(column).label(f"dim_{dimension}_count"),
        ]
    # A survey is answered after its order was reported: the bound lets the (tenant_id, answered_at) index
    # skip the surveys of older orders.
    answered = and_(
        Survey.work_order_id == W.id,
        Survey.tenant_id == scope.tenant_id,
        Survey.answered_at >= scope.period.start,
    )
    source = W.__table__.outerjoin(Survey.__table__, answered).outerjoin(
        reworked, reworked.c.order_id == W.id
    )
    return _run(db, scope, key, columns, source, _where(db, scope), by_outlets=by_outlets)


def complaint_sums(db: Session, scope: Scope, key: Key, by_outlets: bool = False) -> dict[Any, dict]:
    """Registered complaints about the period's orders, and the hours from registration to closing of the
    closed ones."""
    closed = and_(Complaint.closed_at.is_not(None), Complaint.registered_at.is_not(None))
    columns = [
        func.count().label("complaints"),
        _sum_seconds(db, [(Complaint.closed_at, Complaint.registered_at, closed)]).label("close_sum_s"),
        _flag(closed).label("closed"),
    ]
    source = Complaint.__table__.join(W.__table__, W.id == Complaint.work_order_id)
    where = [*_where(db, scope), Complaint.tenant_id == scope.tenant_id, Complaint.registered_at.is_not(None)]
    return _run(db, scope, key, columns, source, where, by_outlets=by_outlets)


def revenue_sums(db: Session, scope: Scope, key: Key, by_outlets: bool = False) -> dict[Any, dict]:
    """Approved quotes' totals in fen by billing category."""
    source = Quote.__table__.join(W.__table__, W.id == Quote.work_order_id)
    where = [
        *_where(db, scope),
        Quote.tenant_id == scope.tenant_id,
        Quote.status == "approved",
        Quote.created_at >= scope.period.start,  # a quote comes after its order: bounds the index scan
    ]
    rows = _run(
        db,
        scope,
        key,
        [func.sum(Quote.total_fen).label("fen")],
        source,
        where,
        (W.billing_category,),
        by_outlets=by_outlets,
    )

    def fen(by_value: dict) -> dict:
        return {
            value: {r["billing_category"]: int(r["fen"] or 0) for r in found}
            for value, found in by_value.items()
        }

    return {name: fen(v) for name, v in rows.items()} if isinstance(key, tuple) else fen(rows)


def all_sums(db: Session, scope: Scope, by_outlets: bool = False) -> tuple[dict, dict, dict]:
    """The raw sums of the three tables for the trend's days and every breakdown: ``{name: {value: sums}}``
    for name in ``day`` and the groups (one pass per table with GROUPING SETS on PostgreSQL). With
    ``by_outlets``, ``{name: {(outlet_id, technician's outlet_id, value): sums}}``: the same sums split by the
    two outlets an outlet manager's scope looks at, so that one pass answers every outlet (``rollup``)."""
    keys = ("day", *GROUPS)
    return (
        order_sums(db, scope, keys, by_outlets),
        complaint_sums(db, scope, keys, by_outlets),
        revenue_sums(db, scope, keys, by_outlets),
    )
