"""Technicians' snapshots read for matching: the nearest technicians with their day and history in few
statements (``snapshots.nearest_techs``) give what the general path gives (``techs_for`` for the prefiltered
ids, then ``matching._add_history``), and the numbers in them are the ones the tables say.

The clock stands at 12:00 on Tuesday 24 November 2026 in Hangzhou.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import event, insert

from anxin.dispatch import matching, snapshots
from anxin.dispatch.models import SlotReservation
from anxin.dispatch.scoring import rank
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
    job = matching.job_for(db, order)
    day = matching.visit_day(db, order, NOON)
    ids = [
        i
        for i in matching.nearest_ids(
            db, tenant_id=order.tenant_id, job=job, limit=matching.PREFILTER, auto=auto
        )
        if i not in set(exclude)
    ]
    techs = matching.techs_for(
        db, tenant_id=order.tenant_id, ids=ids, day=day, now=NOON, job=job, exclude_order_id=order.id
    )
    matching._add_history(db, techs, job=job, now=NOON)
    return job, techs, rank(job, techs, travel=matching.travel(), now=NOON, auto=auto, on=day, limit=50)


@pytest.mark.parametrize("auto", [False, True])
def test_the_few_statement_snapshots_equal_the_general_path(crowd, db, auto):
    order, people = crowd
    job, techs, expected = _general(db, order, auto=auto)
    got_job, got = matching.candidates(db, order=order, now=NOON, auto=auto, limit=50)
    assert got_job == job
    assert got == expected
    assert list(got.refused) == list(expected.refused)  # refusals in technician order as well
    nearest = snapshots.nearest_techs(
        db,
        tenant_id=order.tenant_id,
        job=job,
        covering=[people[0].outlet_id],
        limit=matching.PREFILTER,
        auto=auto,
        exclude=(),
        day=DAY,
        zone=snapshots.ZoneInfo("Asia/Shanghai"),
        now=NOON,
        exclude_order_id=order.id,
    )
    assert nearest == sorted(techs, key=lambda t: t.id)


def test_excluded_technicians_leave_the_prefiltered_set(crowd, db):
    order, people = crowd
    excluded = (people[0].id, people[3].id)
    _, _, expected = _general(db, order, exclude=excluded)
    _, got = matching.candidates(db, order=order, now=NOON, exclude=excluded, limit=50)
    assert got == expected
    shown = {c.technician_id for c in got.candidates} | set(got.refused)
    assert not shown & set(excluded)


def test_the_snapshot_numbers_are_the_tables(crowd, db, world):
    order, (a, b, c, d, e, f) = crowd
    job = matching.job_for(db, order)
    techs = {
        t.id: t
        for t in matching.techs_for(
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
    nearest = {
        t.id: t
        for t in snapshots.nearest_techs(
            db,
            tenant_id=order.tenant_id,
            job=job,
            covering=[a.outlet_id],
            limit=30,
            auto=False,
            exclude=(),
            day=DAY,
            zone=snapshots.ZoneInfo("Asia/Shanghai"),
            now=NOON,
            exclude_order_id=order.id,
        )
    }
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
            matching.candidates(db, order=order, now=NOON)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the order's facts and outlets, the SLA policy, the nearest technicians, their skills and queues
    assert len(statements) <= 4
