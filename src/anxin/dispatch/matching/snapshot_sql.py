"""The SQL of technicians' snapshots (``snapshots``), built once per shape and per dialect: the roster of
given technicians (``roster_by_ids``), matching's prefilter of the nearest (``nearest_statement``) and the
roster of those with their history (``roster_nearest``), and their skills, certificates and queued orders
as one ``UNION ALL`` (``details_statement``). ``snapshot_rows`` decodes what they return.

The statements are built once per shape and executed with bound parameters, so SQLAlchemy's statement
cache is hit every time. psycopg prepares them on the server after five executions on a connection, but
forgets every prepared statement when a transaction is rolled back (as a read-only session that ends
with a rollback is): then the server plans them at every call. On PostgreSQL their text is the same at
every call (a list goes as one array parameter or as constants written in, ``database.words``, never as an
expanding ``IN``, which SQLAlchemy renders again at each execution) and stays under 4,096 bytes, the
longest text psycopg keeps parsed: a longer one is parsed again at each execution, which costs more client
CPU than the statement takes on the server.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Date,
    DateTime,
    Float,
    Integer,
    String,
    Text,
    and_,
    any_,
    bindparam,
    cast,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from anxin.customer.models import Address
from anxin.database import words
from anxin.dispatch.day import QUEUED
from anxin.dispatch.models import SlotReservation
from anxin.technician.models import (
    Outlet,
    Technician,
    TechnicianCertificate,
    TechnicianDayOff,
    TechnicianSkill,
)
from anxin.work_order.models import WorkOrder

QUEUED_VALUES = tuple(s.value for s in QUEUED)


# The statements, built once per shape (building a statement costs more than executing a cached one).
SQUEEZE = 0.87  # cos(30°): a degree of longitude is shorter than one of latitude at Chinese latitudes
_statements: dict[tuple, Any] = {}


def dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def among(column: Any, dialect: str, name: str = "ids") -> Any:
    """``column`` is one of the ``name`` parameter's: one array parameter on PostgreSQL (one statement text
    whatever the number, so the server keeps its plan), an expanding ``IN`` elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(bindparam(name, expanding=True))


def roster_columns(t: Any) -> list:
    """A roster row, in the order ``snapshots.build`` unpacks it: the technician's columns (JSON as text),
    their outlet's place and coverage, whether ``day`` is a day off, the day's queued orders and held slots
    (correlated counts, less the order being placed). ``roster_nearest`` adds the history counts after
    these. ``t``: the columns of the technician table (aliased ``t``: a shorter text)."""
    day_off = (
        exists()
        .where(TechnicianDayOff.technician_id == t.id, TechnicianDayOff.day == bindparam("day"))
        .label("day_off")
    )
    exclude = bindparam("exclude_order_id")
    day_start = bindparam("day_start")
    day_end = bindparam("day_end")
    appointed = WorkOrder.appointment_start_at
    booked_orders = (
        select(func.count())
        .where(
            WorkOrder.technician_id == t.id,
            WorkOrder.status.in_(words(QUEUED_VALUES)),
            or_(appointed.is_(None), appointed < day_end),
            or_(appointed.is_(None), appointed >= day_start),
            WorkOrder.id != exclude,
        )
        .scalar_subquery()
        .label("booked_orders")
    )
    booked_slots = (
        select(func.count())
        .select_from(SlotReservation)
        .join(WorkOrder, WorkOrder.id == SlotReservation.work_order_id)
        .where(
            SlotReservation.technician_id == t.id,
            SlotReservation.status != "released",
            SlotReservation.window_start_at >= day_start,
            SlotReservation.window_start_at < day_end,
            or_(WorkOrder.technician_id.is_(None), WorkOrder.technician_id != SlotReservation.technician_id),
            SlotReservation.work_order_id != exclude,
        )
        .scalar_subquery()
        .label("booked_slots")
    )
    return [
        t.id,
        t.name,
        t.status,
        t.outlet_id,
        cast(t.brands, Text).label("brands"),
        t.home_lat,
        t.home_lng,
        t.home_area,
        t.daily_capacity,
        t.shift_start,
        t.shift_end,
        t.break_start,
        t.break_end,
        cast(t.work_days, Text).label("work_days"),
        t.last_lat,
        t.last_lng,
        t.last_located_at,
        t.rating,
        t.rating_count,
        t.auto_dispatch,
        t.suspended_at,
        t.grade,
        Outlet.lat.label("outlet_lat"),
        Outlet.lng.label("outlet_lng"),
        cast(Outlet.coverage, Text).label("coverage"),
        day_off,
        booked_orders,
        booked_slots,
    ]


def outlet_of(t) -> Any:
    return and_(Outlet.id == t.outlet_id, Outlet.tenant_id == bindparam("tenant_id"))


def roster_by_ids(dialect: str) -> Any:
    key = ("by_ids", dialect)
    statement = _statements.get(key)
    if statement is None:
        t = Technician.__table__.alias("t")
        statement = (
            select(*roster_columns(t.c))
            .select_from(t.outerjoin(Outlet, outlet_of(t.c)))
            .where(among(t.c.id, dialect), t.c.tenant_id == bindparam("tenant_id"))
        )
        _statements[key] = statement
    return statement


def nearest_statement(*, auto: bool, dialect: str) -> Any:
    """The prefilter: ids of the tenant's technicians who are not suspended or off, have a skill row for the
    category (this service type or any), belong to a ``covering`` outlet or none, nearest first by fresh
    position or home base (else their outlet's place), ``limit`` of them (parameters: tenant_id, category,
    service_type, covering, lat, lng, squeeze, limit).

    The covering outlets' technicians and those of no outlet are read from ``ix_technician_nearest`` alone
    (two index-only scans: an ``OR`` of the two would need the table), ordered by distance and id, and only
    then probed for the skill, nearest first, until ``limit`` have it: a few dozen probes of the skill
    index instead of hashing every skill row of the category. The outlet's place is looked up only for
    a technician with neither a position nor a home."""
    key = ("nearest", auto, dialect)
    statement = _statements.get(key)
    if statement is None:
        tenant_id = bindparam("tenant_id")
        here_lat = bindparam("lat", type_=Float)
        here_lng = bindparam("lng", type_=Float)
        squeeze = bindparam("squeeze", type_=Float)
        branches = []
        for of_outlet in (True, False):
            t = Technician.__table__.alias("n" if of_outlet else "n0")
            if of_outlet:
                outlet = select(Outlet.lat).where(Outlet.id == t.c.outlet_id)
                lat = func.coalesce(t.c.last_lat, t.c.home_lat, outlet.scalar_subquery())
                lng = func.coalesce(
                    t.c.last_lng, t.c.home_lng, outlet.with_only_columns(Outlet.lng).scalar_subquery()
                )
                belongs = among(t.c.outlet_id, dialect, "covering")
            else:
                lat = func.coalesce(t.c.last_lat, t.c.home_lat)
                lng = func.coalesce(t.c.last_lng, t.c.home_lng)
                belongs = t.c.outlet_id.is_(None)
            conditions = [
                t.c.tenant_id == tenant_id,
                t.c.status.not_in(words(["suspended", "off"])),
                belongs,
            ]
            if auto:
                conditions.append(t.c.auto_dispatch.is_(True))
            # how far north and east of the job (a subquery written once: the place is used twice in the
            # distance, and PostgreSQL flattens it)
            d = (
                select(t.c.id, (lat - here_lat).label("dlat"), (lng - here_lng).label("dlng"))
                .where(*conditions)
                .subquery("d" if of_outlet else "d0")
                .c
            )
            distance = d.dlat * d.dlat + d.dlng * d.dlng * squeeze
            branches.append(select(d.id.label("id"), distance.label("distance")))
        near = (
            union_all(*branches)
            .order_by(literal_column("distance"), literal_column("id"))
            .subquery("near_all")
        )
        skill = aliased(TechnicianSkill, name="s")
        skilled = exists().where(
            skill.technician_id == near.c.id,
            skill.tenant_id == tenant_id,
            skill.category == bindparam("category"),
            skill.service_type.in_([bindparam("service_type"), literal_column("'*'")]),
        )
        # The outer ORDER BY keeps the order whatever join the planner picks; over the sorted subquery it
        # costs no second sort.
        statement = (
            select(near.c.id)
            .where(skilled)
            .order_by(near.c.distance, near.c.id)
            .limit(bindparam("limit", type_=Integer))
        )
        _statements[key] = statement
    return statement


def roster_nearest(*, auto: bool, excluding: bool, dialect: str) -> Any:
    key = ("nearest_roster", auto, excluding, dialect)
    statement = _statements.get(key)
    if statement is None:
        t = Technician.__table__.alias("t")
        near = nearest_statement(auto=auto, dialect=dialect).cte("near")
        rework = aliased(WorkOrder)
        in_category = and_(
            WorkOrder.category_code == bindparam("category"),
            WorkOrder.completed_at >= bindparam("since"),
        )
        # OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hashed subplan over every rework order
        # of the table (of all tenants): the history's few orders are probed on the index instead.
        reworked = select(rework.id).where(rework.rework_of_id == WorkOrder.id).offset(0).exists()
        history = (
            select(
                WorkOrder.technician_id.label("technician_id"),
                func.count().filter(in_category).label("total"),
                func.count().filter(and_(in_category, reworked)).label("bad"),
                func.count().filter(WorkOrder.assigned_at >= bindparam("recent_since")).label("recent"),
            )
            .where(WorkOrder.technician_id.in_(select(near.c.id)))
            .group_by(WorkOrder.technician_id)
            .subquery("history")
        )
        statement = select(
            *roster_columns(t.c),
            history.c.total.label("history_total"),
            history.c.bad.label("history_bad"),
            history.c.recent.label("history_recent"),
        ).select_from(
            near.join(t, t.c.id == near.c.id)
            .outerjoin(Outlet, outlet_of(t.c))
            .outerjoin(history, history.c.technician_id == t.c.id)
        )
        if excluding:
            statement = statement.where(~among(near.c.id, dialect, "excluded"))
        _statements[key] = statement
    return statement


def details_statement(dialect: str) -> Any:
    """Skills (kind 0), certificates (1) and the day's queued orders (2) of ``ids``, as one list of rows
    (technician, kind, four texts, a date, two times, a place, an order id)."""
    statement = _statements.get(("details", dialect))
    if statement is None:

        def text(column: Any = None) -> Any:
            return cast(null(), String) if column is None else column

        nothing_at = cast(null(), DateTime(timezone=True))  # made UTC in Python, for the queued rows alone
        no_place = cast(null(), Float)
        no_order = cast(null(), Integer)
        skills = select(
            TechnicianSkill.technician_id,
            literal_column("0", Integer).label("kind"),
            TechnicianSkill.category.label("a"),
            TechnicianSkill.service_type.label("b"),
            TechnicianSkill.level.label("c"),
            text().label("d"),
            cast(null(), Date).label("expires_on"),
            nothing_at.label("appointed"),
            nothing_at.label("assigned"),
            no_place.label("lat"),
            no_place.label("lng"),
            no_order.label("order_id"),
        ).where(among(TechnicianSkill.technician_id, dialect))
        certificates = select(
            TechnicianCertificate.technician_id,
            literal_column("1", Integer),
            TechnicianCertificate.kind,
            text(),
            text(),
            text(),
            TechnicianCertificate.expires_on,
            nothing_at,
            nothing_at,
            no_place,
            no_place,
            no_order,
        ).where(among(TechnicianCertificate.technician_id, dialect))
        end = bindparam("day_end")
        queued = (
            select(
                WorkOrder.technician_id,
                literal_column("2", Integer),
                WorkOrder.status,
                WorkOrder.category_code,
                WorkOrder.service_type,
                Address.area_type,
                cast(null(), Date),
                type_coerce(WorkOrder.appointment_start_at, DateTime(timezone=True)),
                type_coerce(WorkOrder.assigned_at, DateTime(timezone=True)),
                Address.lat,
                Address.lng,
                WorkOrder.id,
            )
            .join(Address, Address.id == WorkOrder.address_id)
            .where(
                among(WorkOrder.technician_id, dialect),
                WorkOrder.status.in_(words(QUEUED_VALUES)),
                or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < end),
            )
        )
        statement = union_all(skills, certificates, queued)
        _statements[("details", dialect)] = statement
    return statement
