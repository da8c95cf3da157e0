"""Technicians' snapshots read for matching: the nearest technicians with their day and history in few
statements (``snapshots.nearest_techs``) give what the general path gives (``techs_for`` for the prefiltered
ids, then ``live._add_history``), and the numbers in them are the ones the tables say.

The clock stands at 12:00 on Tuesday 24 November 2026 in Hangzhou.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event, insert

from anxin.dispatch.core.scoring import rank
from anxin.dispatch.matching import live, snapshot_sql, snapshots
from anxin.dispatch.models import SlotReservation
from anxin.technician.models import Outlet, Technician, TechnicianCertificate, TechnicianDayOff
from anxin.work_order.models import WorkOrder
from tests.helpers import act, report

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou, a Tuesday
DAY = date(2026, 11, 24)


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def _copy(db, template: WorkOrder, number: str, **fields) -> int:
    row = {c.key: getattr(template, c.key) for c in WorkOrder.__table__.columns if c.key != "id"}
    row.update(number=number, version=1, **fields)
    return db.execute(insert(WorkOrder).returning(WorkOrder.id), [row]).scalar_one()


@pytest.fixture
def crowd(client, world, db):
    """The demo tenant's two technicians and six more around 西湖区, each with something to read: a fresh
    and a stale position, no home (their outlet's place), a day off, a queue with a started order and ties,
    held slots, a history with reworks, a brand limit, an expired certificate, an outlet that covers
    elsewhere. Returns the accepted order to rank."""
    demo = world.demo
    order = report(client, demo).json()
    assert act(client, demo, order["id"], "agent", "accept").status_code == 200
    template = db.get(WorkOrder, order["id"])
    far = Outlet(
        tenant_id=demo.tenant.id,
        code="east",
        name="东网点",
        kind="own",
        district="上城区",
        lat=30.24,
        lng=120.17,
        coverage=["上城区"],
    )
    db.add(far)
    db.flush()
    people = []
    for index in range(6):
        technician = Technician(
            tenant_id=demo.tenant.id,
            outlet_id=demo.outlet_id,
            name=f"师傅{index}",
            phone=f"1390000010{index}",
            home_lat=30.25 + index * 0.004,
            home_lng=120.12 + index * 0.003,
            work_days=[1, 2, 3, 4, 5, 6],
            shift_start="08:30",
            shift_end="18:00",
            break_start="12:00",
            break_end="13:00",
            daily_capacity=3,
            rating=4.6 + index * 0.08,
            rating_count=5 * index,
        )
        from anxin.technician import service as technician_service

        technician_service.grant(technician, ["refrigerator"], level="senior")
        technician_service.certify(technician, "refrigerant", expires_on=date(2099, 1, 1))
        db.add(technician)
        people.append(technician)
    db.flush()
    a, b, c, d, e, f = people
    a.last_lat, a.last_lng, a.last_located_at = 30.27, 120.121, NOON - timedelta(minutes=5)
    b.last_lat, b.last_lng, b.last_located_at = 30.20, 120.2, NOON - timedelta(hours=3)
    c.home_lat = c.home_lng = None
    c.brands = ["gree"]
    d.outlet_id = far.id
    e.grade, e.auto_dispatch = "gold", False
    f.suspended_at = NOON - timedelta(days=1)
    db.add(TechnicianDayOff(tenant_id=demo.tenant.id, technician_id=b.id, day=DAY))
    db.add(
        TechnicianCertificate(
            tenant_id=demo.tenant.id, technician_id=e.id, kind="refrigerant", expires_on=date(2020, 1, 1)
        )
    )
    # Queues: a started order and two assigned at the same moment (ties go by order id), one due tomorrow.
    assigned = NOON - timedelta(hours=2)
    for number, (who, status, appointed) in enumerate(
        [
            (a.id, "assigned", None),
            (a.id, "en_route", None),
            (a.id, "assigned", None),
            (world.demo.technician_id, "assigned", NOON + timedelta(hours=2)),
            (world.demo.technician_id, "assigned", NOON + timedelta(days=1)),
            (d.id, "acknowledged", None),
        ]
    ):
        _copy(
            db,
            template,
            f"WQ{number}",
            status=status,
            technician_id=who,
            assigned_at=assigned,
            appointment_start_at=appointed,
            appointment_end_at=appointed and appointed + timedelta(hours=2),
        )
    # Held slots on others' orders count against the day; released ones and tomorrow's do not.
    for number, (status, start) in enumerate(
        [
            ("held", NOON + timedelta(hours=3)),
            ("released", NOON + timedelta(hours=4)),
            ("at_risk", NOON + timedelta(days=1, hours=1)),
        ]
    ):
        other = _copy(db, template, f"WS{number}", status="accepted", technician_id=None)
        db.add(
            SlotReservation(
                tenant_id=demo.tenant.id,
                work_order_id=other,
                technician_id=a.id,
                window_start_at=start,
                window_end_at=start + timedelta(hours=2),
                status=status,
            )
        )
    # History on refrigerators: four done by c, one of them reworked; an old one that no longer counts.
    for number in range(4):
        done = _copy(
            db,
            template,
            f"WH{number}",
            status="completed",
            technician_id=c.id,
            completed_at=NOON - timedelta(days=10 + number),
            assigned_at=NOON - timedelta(days=3),
        )
        if number == 0:
            _copy(
                db, template, "WR0", status="accepted", technician_id=None, rework_of_id=done, is_rework=True
            )
    _copy(
        db,
        template,
        "WH9",
        status="completed",
        technician_id=c.id,
        completed_at=NOON - timedelta(days=300),
        assigned_at=NOON - timedelta(days=300),
    )
    db.commit()
    db.expire_all()
    return db.get(WorkOrder, order["id"]), people


def _general(db, order, *, auto=False, exclude=()):
    """The ranking the general path gives: prefilter ids, ``techs_for``, ``_add_history``, ``rank``."""
    job = live.job_for(db, order)
    day = live.visit_day(db, order, NOON)
    ids = [
        i
        for i in live.nearest_ids(db, tenant_id=order.tenant_id, job=job, limit=live.PREFILTER, auto=auto)
        if i not in set(exclude)
    ]
    techs = live.techs_for(
        db, tenant_id=order.tenant_id, ids=ids, day=day, now=NOON, job=job, exclude_order_id=order.id
    )
    live._add_history(db, techs, job=job, now=NOON)
    return job, techs, rank(job, techs, travel=live.travel(), now=NOON, auto=auto, on=day, limit=50)


@pytest.mark.parametrize("auto", [False, True])
def test_the_few_statement_snapshots_equal_the_general_path(crowd, db, auto):
    order, people = crowd
    job, techs, expected = _general(db, order, auto=auto)
    got_job, got = live.candidates(db, order=order, now=NOON, auto=auto, limit=50)
    assert got_job == job
    assert got == expected
    assert list(got.refused) == list(expected.refused)  # refusals in technician order as well
    nearest = _nearest(db, order, job, people[0].outlet_id, limit=live.PREFILTER, auto=auto)
    assert nearest == sorted(techs, key=lambda t: t.id)


def _nearest(db, order, job, outlet_id, *, limit, auto=False):
    """``snapshots.nearest_techs`` for ``order`` on ``DAY`` at noon, ``outlet_id`` covering it."""
    return snapshots.nearest_techs(
        db,
        tenant_id=order.tenant_id,
        job=job,
        covering=[outlet_id],
        limit=limit,
        auto=auto,
        exclude=(),
        day=DAY,
        zone=ZoneInfo("Asia/Shanghai"),
        now=NOON,
        exclude_order_id=order.id,
    )


def test_excluded_technicians_leave_the_prefiltered_set(crowd, db):
    order, people = crowd
    excluded = (people[0].id, people[3].id)
    _, _, expected = _general(db, order, exclude=excluded)
    _, got = live.candidates(db, order=order, now=NOON, exclude=excluded, limit=50)
    assert got == expected
    shown = {c.technician_id for c in got.candidates} | set(got.refused)
    assert not shown & set(excluded)


def test_the_snapshot_numbers_are_the_tables(crowd, db, world):
    order, (a, b, c, d, e, f) = crowd
    job = live.job_for(db, order)
    techs = {
        t.id: t
        for t in live.techs_for(
            db,
            tenant_id=order.tenant_id,
            ids=[t.id for t in (a, b, c, d, e, f)] + [world.demo.technician_id],
            day=DAY,
            now=NOON,
            job=job,
            exclude_order_id=order.id,
        )
    }
    assert techs[a.id].position_source == "route" and techs[a.id].booked == 4  # three queued, one held slot
    assert techs[world.demo.technician_id].booked == 1  # tomorrow's order is not on today
    assert techs[b.id].shift is None and techs[b.id].position_source == "stale_gps"
    assert techs[c.id].position.lat == 30.26 and techs[c.id].brands == frozenset({"gree"})
    assert techs[d.id].coverage == frozenset({"上城区"}) and techs[a.id].coverage is None
    assert techs[e.id].certificates == {"refrigerant": date(2099, 1, 1)}  # the latest of two
    assert techs[f.id].quality_suspended and techs[e.id].grade == "gold"
    shift = techs[a.id].shift
    assert (shift.start, shift.end) == (
        datetime(2026, 11, 24, 0, 30, tzinfo=UTC),
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
    )
    nearest = {t.id: t for t in _nearest(db, order, job, a.outlet_id, limit=30)}
    assert nearest[c.id].first_time_fix == 0.75 and nearest[c.id].recent_orders == 4
    assert nearest[a.id].first_time_fix is None and nearest[a.id].recent_orders == 3


def test_ranking_an_order_takes_four_statements(crowd, db, engine):
    order, _ = crowd
    statements = []

    def count(*_):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        db.expire_all()
        order = db.get(WorkOrder, order.id)
        statements.clear()
        with db.no_autoflush:
            live.candidates(db, order=order, now=NOON)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the order's facts and outlets, the SLA policy, the nearest technicians, their skills and queues
    assert len(statements) <= 4


def _reference_nearest(db, order, job, *, limit, auto=False):
    """The prefilter's rule written out in Python over the ORM rows: the tenant's technicians not suspended
    or off, with a skill row of the tenant for the category (this service type or any), of an outlet that
    covers the district or of none, nearest first by fresh position, home, else their outlet's place (the
    squeezed squared distance, computed in the same order as the SQL), then by id."""
    outlets = db.query(Outlet).filter(Outlet.tenant_id == order.tenant_id)
    covering = set(live.covering([(o.id, _json_text(o.coverage)) for o in outlets], job.district))
    squeeze = snapshot_sql.SQUEEZE * snapshot_sql.SQUEEZE
    found = []
    for tech in db.query(Technician).filter(Technician.tenant_id == order.tenant_id):
        if tech.status in ("suspended", "off") or (auto and not tech.auto_dispatch):
            continue
        if tech.outlet_id is not None and tech.outlet_id not in covering:
            continue
        if not any(
            s.tenant_id == order.tenant_id
            and s.category == job.category
            and s.service_type in (job.service_type, "*")
            for s in tech.skills
        ):
            continue
        outlet = db.get(Outlet, tech.outlet_id) if tech.outlet_id is not None else None
        lat = _first(tech.last_lat, tech.home_lat, outlet.lat if outlet else None)
        lng = _first(tech.last_lng, tech.home_lng, outlet.lng if outlet else None)
        # no place at all sorts last on PostgreSQL and first on SQLite: there is none in this crowd
        assert lat is not None and lng is not None
        dlat, dlng = lat - job.point.lat, lng - job.point.lng
        found.append((dlat * dlat + dlng * dlng * squeeze, tech.id))
    return [tech_id for _, tech_id in sorted(found)[:limit]]


def _first(*values):
    return next((v for v in values if v is not None), None)


def _json_text(value):
    import json

    return None if value is None else json.dumps(value)


@pytest.mark.parametrize("auto", [False, True])
def test_the_prefilter_keeps_its_rule(crowd, db, world, auto):
    """Given technicians of no outlet, off duty, skilled for another service type only or in another
    category, with a skill row filed under another tenant, and of an outlet that does not cover the
    district; when the prefilter picks the nearest; then it picks what the rule says, in its order, for
    every size."""
    order, (a, b, c, d, e, f) = crowd
    from anxin.technician import service as technician_service

    tenant_id = order.tenant_id
    extra = []
    for index, (outlet_id, status, categories, service_type) in enumerate(
        [
            (None, "available", ["refrigerator"], "*"),  # no outlet: anywhere in the tenant
            (a.outlet_id, "off", ["refrigerator"], "*"),
            (a.outlet_id, "busy", ["refrigerator"], "install"),  # not for repairs
            (a.outlet_id, "available", ["refrigerator"], "repair"),
            (a.outlet_id, "available", ["washing_machine"], "*"),
            (None, "travelling", ["refrigerator"], "repair"),
        ]
    ):
        technician = Technician(
            tenant_id=tenant_id,
            outlet_id=outlet_id,
            name=f"候选{index}",
            phone=f"1390000020{index}",
            status=status,
            home_lat=30.262 + index * 0.002,
            home_lng=120.125 - index * 0.002,
            auto_dispatch=index % 2 == 0,
        )
        technician_service.grant(technician, categories, service_type=service_type)
        db.add(technician)
        extra.append(technician)
    db.flush()
    # a skill row filed under the other tenant does not count
    extra[4].skills.append(
        type(extra[4].skills[0])(
            tenant_id=world.acme.tenant.id, category="refrigerator", service_type="*", level="master"
        )
    )
    # two technicians at exactly the same place: the lower id comes first
    extra[3].home_lat, extra[3].home_lng = a.home_lat, a.home_lng
    a.last_lat = a.last_lng = a.last_located_at = None
    db.commit()
    db.expire_all()
    order = db.get(WorkOrder, order.id)
    job = live.job_for(db, order)
    everyone = len(_reference_nearest(db, order, job, limit=100, auto=auto))
    assert everyone >= 6
    for limit in (1, 2, 3, 5, everyone, 100):
        got = live.nearest_ids(db, tenant_id=tenant_id, job=job, limit=limit, auto=auto)
        assert got == _reference_nearest(db, order, job, limit=limit, auto=auto)
    got = live.nearest_ids(db, tenant_id=tenant_id, job=job, limit=100, auto=auto)
    assert extra[0].id in got and c.id in got  # no outlet; no home (their outlet's place)
    assert not {extra[1].id, extra[2].id, extra[4].id, d.id} & set(got)


def test_the_prefilter_with_no_covering_outlet(crowd, db):
    """Given every outlet covering named districts; when an order is in none of them; then only the
    technicians of no outlet are picked."""
    order, (a, *_) = crowd
    from anxin.technician import service as technician_service

    db.get(Outlet, a.outlet_id).coverage = ["西湖区"]
    loner = Technician(
        tenant_id=order.tenant_id, name="独立师傅", phone="13900000301", home_lat=30.3, home_lng=120.1
    )
    technician_service.grant(loner, ["refrigerator"])
    db.add(loner)
    db.commit()
    job = live.job_for(db, order)
    from dataclasses import replace as replace_

    nowhere = replace_(job, district="不存在区")
    ids = live.nearest_ids(db, tenant_id=order.tenant_id, job=nowhere, limit=30, auto=False)
    assert ids == [loner.id] == _reference_nearest(db, order, nowhere, limit=30)


def test_the_sla_policy_comes_with_the_order_facts(crowd, db, engine):
    """Given a session that has not read the tenant's SLA policy; when an order is ranked; then three
    statements are sent and the session keeps the policy the work-order service would have read (the
    defaults, the tenant having none), so asking for it again sends nothing."""
    from anxin.work_order import service as work_order_service
    from anxin.work_order.models import SlaPolicy

    order, _ = crowd
    statements = []

    def count(*_):
        statements.append(1)

    db.expire_all()
    db.info.clear()
    order = db.get(WorkOrder, order.id)
    assert db.query(SlaPolicy).filter(SlaPolicy.tenant_id == order.tenant_id).count() == 0
    event.listen(engine, "before_cursor_execute", count)
    try:
        with db.no_autoflush:
            _, ranking = live.candidates(db, order=order, now=NOON)
        assert len(statements) == 3  # the order's facts, outlets and policy; the nearest; their details
        statements.clear()
        policy = work_order_service.get_policy(db, tenant_id=order.tenant_id)
        assert statements == []
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert ranking.candidates
    assert policy.arrive_urban_minutes == 240 and policy.id is None  # the defaults, not stored


def test_a_tenant_policy_is_read_with_the_facts(crowd, db):
    """Given the tenant's own SLA policy; when an order is ranked in a new session; then the session keeps
    that policy (the stored row), and the arrival limit of the job follows it."""
    from anxin.work_order import service as work_order_service
    from anxin.work_order.models import SlaPolicy

    order, _ = crowd
    db.add(SlaPolicy(tenant_id=order.tenant_id, arrive_urban_minutes=90, arrive_suburban_minutes=180))
    db.commit()
    db.expire_all()
    db.info.clear()
    order = db.get(WorkOrder, order.id)
    job, _ = live.candidates(db, order=order, now=NOON)
    kept = work_order_service.get_policy(db, tenant_id=order.tenant_id)
    assert kept.id is not None and kept.arrive_urban_minutes == 90
    db.info.clear()
    assert live.job_for(db, order) == job  # the same deadline read the general way


def test_the_postgresql_statements_keep_one_short_text():
    """The prefilter, roster and details statements have, on PostgreSQL, one text whatever the lists bound
    (no expanding parameter, which SQLAlchemy renders again at every execution) and under 4,096 bytes (the
    longest psycopg keeps parsed)."""
    from sqlalchemy.dialects import postgresql

    dialect = postgresql.psycopg.dialect()
    shapes = [snapshot_sql.details_statement("postgresql"), snapshot_sql.roster_by_ids("postgresql")]
    for auto in (False, True):
        shapes.append(snapshot_sql.nearest_statement(auto=auto, dialect="postgresql"))
        for excluding in (False, True):
            shapes.append(snapshot_sql.roster_nearest(auto=auto, excluding=excluding, dialect="postgresql"))
    for statement in shapes:
        compiled = statement.compile(dialect=dialect)
        assert not compiled.post_compile_params
        assert len(compiled.string.encode()) < 4096
