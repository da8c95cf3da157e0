"""Technicians' snapshots from the database: each technician (and, for a crew job, each crew) read into the
pure ``scoring.Tech`` of a day, with their shift (``shift_on``), skills, certificates, outlet coverage, the
orders and held slots that count against their daily capacity, and when and where their current queue
ends. Matching, slots, day plans and the order pool read technicians through ``techs_for``.

This runs for every order ranked, so it reads little and builds less: two statements whatever the number of
technicians. The first reads one row per technician (their columns, their outlet's place and coverage, and
as correlated counts the day's bookings, held slots and day off); the second reads their skills,
certificates and queued orders as one ``UNION ALL`` of narrow rows. ``nearest_techs`` reads the first from
matching's prefilter itself (a CTE of the nearest technicians), with the first-time-fix and recent-order
counts (``HISTORY_DAYS``) joined in, so ranking one order costs a handful of round trips.

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

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

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

from anxin.clock import as_utc
from anxin.customer.models import Address
from anxin.database import words
from anxin.dispatch.core import rules
from anxin.dispatch.core.scoring import Job, Shift, Tech, project_route
from anxin.dispatch.core.travel import TravelModel
from anxin.dispatch.day import FRESH_LOCATION, QUEUED, STARTED, travel
from anxin.dispatch.models import SlotReservation
from anxin.geo import Point
from anxin.technician.models import (
    Crew,
    Outlet,
    Technician,
    TechnicianCertificate,
    TechnicianDayOff,
    TechnicianSkill,
)
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder

UTC = ZoneInfo("UTC")
QUEUED_VALUES = tuple(s.value for s in QUEUED)
STARTED_VALUES = frozenset(s.value for s in STARTED)
HISTORY_DAYS = 180  # first-time fix on the job's category over this many days
RECENT_DAYS = 7  # orders assigned over this many days (fairness)


def _local_time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def shift_on(technician: Any, day: date, zone: ZoneInfo, days_off: set[date] = frozenset()) -> Shift | None:
    """The technician's shift on ``day`` (aware UTC datetimes), or None on a rest day or a day off."""
    if day.isoweekday() not in (technician.work_days or []) or day in days_off:
        return None

    def at(text: str) -> datetime:
        return datetime.combine(day, _local_time(text), zone).astimezone(ZoneInfo("UTC"))

    breaks = ()
    if technician.break_start and technician.break_end:
        breaks = ((at(technician.break_start), at(technician.break_end)),)
    return Shift(at(technician.shift_start), at(technician.shift_end), breaks)


def techs_for(
    db: Session,
    *,
    tenant_id: int,
    ids: Iterable[int],
    day: date,
    now: datetime,
    travel_model_: TravelModel | None = None,
    job: Job | None = None,
    exclude_order_id: int | None = None,
) -> list[Tech]:
    """Snapshots of the given technicians (and, for a crew job, of the crews they lead) on ``day``: shift,
    certificates, bookings that day, and when and where their current queue ends."""
    ids = list(ids)
    if not ids:
        return []
    model = travel_model_ or travel()
    zone = ZoneInfo(work_order_service.tenant_timezone(db, tenant_id))
    start, end = day_bounds(day, zone)
    rows = db.execute(
        _roster_by_ids(_dialect(db)),
        {
            "tenant_id": tenant_id,
            "ids": ids,
            "day": day,
            "day_start": start,
            "day_end": end,
            "exclude_order_id": exclude_order_id or -1,
        },
    ).all()
    snapshots = {
        t.id: t for t in build(db, rows, day=day, zone=zone, start=start, end=end, now=now, travel=model)
    }
    result = list(snapshots.values())
    if job is not None and job.requirement.crew_size > 1:
        result = _crews(
            db, tenant_id=tenant_id, snapshots=snapshots, day=day, now=now, travel=model, zone=zone
        )
    return result


def nearest_techs(
    db: Session,
    *,
    tenant_id: int,
    job: Job,
    covering: Sequence[int],
    limit: int,
    auto: bool,
    exclude: Iterable[int],
    day: date,
    zone: ZoneInfo,
    now: datetime,
    travel_model_: TravelModel | None = None,
    exclude_order_id: int | None = None,
) -> list[Tech]:
    """Snapshots of the ``limit`` technicians nearest to a one-person ``job`` (the prefilter of
    ``matching.nearest_ids``, outlets ``covering`` its district), less ``exclude``, with their first-time-fix
    rate on the job's category and their orders of the last week: what ``techs_for`` and
    ``matching._add_history`` give for those technicians, in two statements."""
    excluded = list(set(exclude))
    start, end = day_bounds(day, zone)
    rows = db.execute(
        _roster_nearest(auto=auto, excluding=bool(excluded), dialect=_dialect(db)),
        {
            **nearest_params(tenant_id, job, covering, limit),
            "excluded": excluded,
            "day": day,
            "day_start": start,
            "day_end": end,
            "exclude_order_id": exclude_order_id or -1,
            "since": now - timedelta(days=HISTORY_DAYS),
            "recent_since": now - timedelta(days=RECENT_DAYS),
        },
    ).all()
    return build(
        db,
        rows,
        day=day,
        zone=zone,
        start=start,
        end=end,
        now=now,
        travel=travel_model_ or travel(),
        history=True,
    )


def nearest_params(tenant_id: int, job: Job, covering: Sequence[int], limit: int) -> dict:
    """The parameters of ``nearest_statement`` for ``job``."""
    return {
        "tenant_id": tenant_id,
        "lat": job.point.lat,
        "lng": job.point.lng,
        "squeeze": SQUEEZE * SQUEEZE,
        "category": job.category,
        "service_type": job.service_type,
        "covering": list(covering),
        "limit": limit,
    }


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local midnights that begin and end ``day``."""
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)


def build(
    db: Session,
    rows: Sequence[Any],
    *,
    day: date,
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    now: datetime,
    travel: TravelModel,
    history: bool = False,
) -> list[Tech]:
    """Snapshots from roster rows (``_roster_by_ids`` or ``_roster_nearest``), by technician id, with their
    skills, certificates and queues read in one more statement.

    Each technician: where they are (a fresh position, else home, else their outlet) and, after walking their
    queue, when they are free and where; their shift that day; their outlet's coverage; the orders and held
    slots on their day; with ``history``, their first-time-fix rate (of three or more jobs on the category)
    and their orders of the last week. The rows are unpacked by position (``_roster_columns``): this loop
    runs for every technician of every order ranked."""
    if not rows:
        return []
    rows = sorted(rows, key=itemgetter(0))
    skills, certificates, queues = _details(db, [r[0] for r in rows], start=start, end=end)
    shifts: dict[tuple, Shift | None] = {}  # technicians share a handful of shifts
    out = []
    for row in rows:
        (
            tid,
            name,
            status,
            outlet_id,
            brands,
            home_lat,
            home_lng,
            home_area,
            capacity,
            shift_start,
            shift_end,
            break_start,
            break_end,
            work_days,
            last_lat,
            last_lng,
            located_at,
            rating,
            ratings,
            auto_dispatch,
            suspended_at,
            grade,
            outlet_lat,
            outlet_lng,
            coverage,
            day_off,
            booked_orders,
            booked_slots,
        ) = row[:28]
        key = (work_days, shift_start, shift_end, break_start, break_end, day_off)
        shift = shifts.get(key, _NONE)
        if shift is _NONE:
            shift = shifts[key] = _shift(key, day, zone)
        has_outlet = outlet_id is not None and outlet_lat is not None
        base = None
        if home_lat is not None and home_lng is not None:
            base = Point(home_lat, home_lng, home_area)
        elif has_outlet:
            base = Point(outlet_lat, outlet_lng, "urban")
        source = "base"
        position = base
        if last_lat is not None and located_at is not None:
            if now - located_at <= FRESH_LOCATION:
                position, source = Point(last_lat, last_lng, home_area), "gps"
            else:
                source = "stale_gps"
        free_at = now if shift is None or now >= shift.start else shift.start
        queue = queues.get(tid)
        if queue and position is not None:
            free_at, position = project_route(position, free_at, queue, travel=travel)
            source = "route" if source != "stale_gps" else source
        first_time_fix, recent = None, 0
        if history:
            total, bad, recent = (n or 0 for n in row[28:31])
            first_time_fix = ((total - bad) / total) if total >= 3 else None
        out.append(
            Tech(
                id=tid,
                name=name,
                status=status,
                outlet_id=outlet_id,
                coverage=(_json_set(coverage) or None) if has_outlet else None,
                skills=skills.get(tid, {}),
                brands=_json_set(brands),
                certificates=certificates.get(tid, {}),
                shift=shift,
                capacity=capacity,
                booked=booked_orders + booked_slots,
                free_at=free_at,
                position=position,
                position_source=source,
                rating=rating,
                ratings=ratings,
                first_time_fix=first_time_fix,
                recent_orders=recent,
                auto_dispatch=auto_dispatch,
                quality_suspended=suspended_at is not None,
                grade=grade,
            )
        )
    return out


_NONE: Any = object()


def _shift(key: tuple, day: date, zone: ZoneInfo) -> Shift | None:
    """``shift_on`` for a roster row's shift columns (work days as JSON text)."""
    work_days, shift_start, shift_end, break_start, break_end, day_off = key
    if day_off or day.isoweekday() not in (_json(work_days) or ()):
        return None

    def at(text: str) -> datetime:
        return datetime.combine(day, _local_time(text), zone).astimezone(UTC)

    breaks = ()
    if break_start and break_end:
        breaks = ((at(break_start), at(break_end)),)
    return Shift(at(shift_start), at(shift_end), breaks)


# JSON columns (work days, brands, coverage) are read as text and parsed once per distinct value: a few
# hundred technicians share a handful of them. The parsed values are shared, so they are never changed.
_parsed: dict[str, Any] = {}


def _json(text: str | None) -> Any:
    return _memo(_parsed, text, lambda value: value)


_sets: dict[str, frozenset | None] = {}


def _json_set(text: str | None) -> frozenset | None:
    """A JSON list as a frozenset (None for SQL or JSON null)."""
    return _memo(_sets, text, lambda value: frozenset(value) if value is not None else None)


def _memo(cache: dict[str, Any], text: str | None, convert: Callable[[Any], Any]) -> Any:
    """``convert`` of the JSON ``text``, parsed once per distinct text (a bounded cache)."""
    if text is None:
        return None
    value = cache.get(text, _NONE)
    if value is _NONE:
        if len(cache) > 4096:
            cache.clear()
        value = cache[text] = convert(json.loads(text))
    return value


def _details(
    db: Session, ids: list[int], *, start: datetime, end: datetime
) -> tuple[dict[int, dict[tuple[str, str], str]], dict[int, dict[str, date]], dict[int, list[tuple]]]:
    """Skills, certificates (the latest expiry of each kind) and each technician's open orders for the day
    as ``project_route`` stops (place, service minutes, earliest start): started ones first, then by window
    or assignment, then by order id."""
    skills: dict[int, dict[tuple[str, str], str]] = {}
    certificates: dict[int, dict[str, date]] = {}
    queued = []
    for tid, kind, a, b, c, d, expires, appointed, assigned, lat, lng, order_id in db.execute(
        _details_statement(_dialect(db)), {"ids": ids, "day_end": end}
    ).all():
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
        else:
            appointed = as_utc(appointed) if appointed is not None else None
            assigned = as_utc(assigned) if assigned is not None else None
            key = (a not in STARTED_VALUES, appointed or assigned or start, order_id)
            queued.append((key, tid, Point(lat, lng, d), rules.service_minutes(b, c), appointed))
    queued.sort(key=lambda q: q[0])
    queues: dict[int, list[tuple]] = defaultdict(list)
    for _, tid, point, minutes, appointed in queued:
        queues[tid].append((point, minutes, appointed))
    return skills, certificates, queues


# The statements, built once per shape (building a statement costs more than executing a cached one).
SQUEEZE = 0.87  # cos(30°): a degree of longitude is shorter than one of latitude at Chinese latitudes
_statements: dict[tuple, Any] = {}


def _dialect(db: Session) -> str:
    return db.get_bind().dialect.name


def _among(column: Any, dialect: str, name: str = "ids") -> Any:
    """``column`` is one of the ``name`` parameter's: one array parameter on PostgreSQL (one statement text
    whatever the number, so the server keeps its plan), an expanding ``IN`` elsewhere."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(BigInteger)))
    return column.in_(bindparam(name, expanding=True))


def _roster_columns(t: Any) -> list:
    """A roster row, in the order ``build`` unpacks it: the technician's columns (JSON as text), their outlet's
    place and coverage, whether ``day`` is a day off, the day's queued orders and held slots (correlated
    counts, less the order being placed). ``_roster_nearest`` adds the history counts after these. ``t``: the
    columns of the technician table (aliased ``t``: a shorter text)."""
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


def _outlet_of(t) -> Any:
    return and_(Outlet.id == t.outlet_id, Outlet.tenant_id == bindparam("tenant_id"))


def _roster_by_ids(dialect: str) -> Any:
    key = ("by_ids", dialect)
    statement = _statements.get(key)
    if statement is None:
        t = Technician.__table__.alias("t")
        statement = (
            select(*_roster_columns(t.c))
            .select_from(t.outerjoin(Outlet, _outlet_of(t.c)))
            .where(_among(t.c.id, dialect), t.c.tenant_id == bindparam("tenant_id"))
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
                belongs = _among(t.c.outlet_id, dialect, "covering")
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


def _roster_nearest(*, auto: bool, excluding: bool, dialect: str) -> Any:
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
            *_roster_columns(t.c),
            history.c.total.label("history_total"),
            history.c.bad.label("history_bad"),
            history.c.recent.label("history_recent"),
        ).select_from(
            near.join(t, t.c.id == near.c.id)
            .outerjoin(Outlet, _outlet_of(t.c))
            .outerjoin(history, history.c.technician_id == t.c.id)
        )
        if excluding:
            statement = statement.where(~_among(near.c.id, dialect, "excluded"))
        _statements[key] = statement
    return statement


def _details_statement(dialect: str) -> Any:
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
        ).where(_among(TechnicianSkill.technician_id, dialect))
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
        ).where(_among(TechnicianCertificate.technician_id, dialect))
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
                _among(WorkOrder.technician_id, dialect),
                WorkOrder.status.in_(words(QUEUED_VALUES)),
                or_(WorkOrder.appointment_start_at.is_(None), WorkOrder.appointment_start_at < end),
            )
        )
        statement = union_all(skills, certificates, queued)
        _statements[("details", dialect)] = statement
    return statement


def _crews(
    db: Session, *, tenant_id: int, snapshots: dict[int, Tech], day: date, now: datetime, travel, zone
) -> list[Tech]:
    """Crews as one candidate: the lead's skills and place, everyone's certificates, the tightest shift."""
    crews = list(db.scalars(select(Crew).where(Crew.tenant_id == tenant_id, Crew.active.is_(True))))
    member_ids = {m.technician_id for crew in crews for m in crew.members} | {c.lead_id for c in crews}
    missing = member_ids - set(snapshots)
    if missing:
        snapshots = {
            **snapshots,
            **{
                t.id: t
                for t in techs_for(
                    db, tenant_id=tenant_id, ids=missing, day=day, now=now, travel_model_=travel
                )
            },
        }
    out = []
    for crew in crews:
        people = [
            snapshots[i] for i in {crew.lead_id, *(m.technician_id for m in crew.members)} if i in snapshots
        ]
        lead = snapshots.get(crew.lead_id)
        if lead is None or len(people) < 2:
            continue
        certificates: dict[str, date] = {}
        for person in people:
            for kind, expiry in person.certificates.items():
                certificates[kind] = max(expiry, certificates.get(kind, expiry))
        shifts = [p.shift for p in people]
        shift = None
        if all(shifts):
            shift = Shift(max(s.start for s in shifts), min(s.end for s in shifts), lead.shift.breaks)
        out.append(
            Tech(
                id=lead.id,
                name=f"{crew.name}({'、'.join(p.name for p in people)})",
                status="suspended" if any(p.status == "suspended" for p in people) else lead.status,
                outlet_id=lead.outlet_id,
                coverage=lead.coverage,
                skills=lead.skills,
                brands=lead.brands,
                certificates=certificates,
                shift=shift,
                capacity=min(p.capacity for p in people),
                booked=max(p.booked for p in people),
                free_at=max(p.free_at or now for p in people),
                position=lead.position,
                position_source=lead.position_source,
                rating=lead.rating,
                ratings=lead.ratings,
                auto_dispatch=all(p.auto_dispatch for p in people),
                quality_suspended=any(p.quality_suspended for p in people),
                grade=lead.grade,
                size=len(people),
                member_ids=tuple(p.id for p in people),
            )
        )
    return out
