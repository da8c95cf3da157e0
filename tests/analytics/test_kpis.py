"""The KPIs against figures worked out by hand on a small day of orders.

The day (2026-11-10, Shanghai), five orders, the clock read three days later:

- A: reported 10:00, accepted after 20 min, departs +1 h, on site +2 h, completed +5 h; survey 5/4/5/4,
  overall 5, NPS 10; later a rework order E comes in for the same appliance.
- B: reported 10:10, accepted after 45 min, departs +4 h, on site +5 h, completed +26 h; survey 3/2/1/2,
  overall 2, NPS 8, resolved; a complaint registered +31 h, closed 10 h later.
- C: reported 10:20, cancelled at once.  D: reported 10:30, resolved remotely 10 min later.
- E: reported 18:00 for A's appliance (rework of A), never touched.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import delete, select, update

from anxin.analytics import kpis, rollup
from anxin.analytics.models import KpiDaySum
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.technician.models import Outlet, Technician
from anxin.work_order.models import WorkOrder
from tests.analytics import support
from tests.analytics.support import DAY, T0
from tests.helpers import act

H, M = timedelta(hours=1), timedelta(minutes=1)
WORKED = (1 + 3 + 1 + 21) * 3600
SHIFTS = 2 * 1379 * 60


@pytest.fixture
def day(client, world, sessionmaker_):
    demo = world.demo
    appliances = [support.appliance(sessionmaker_, demo) for _ in range(3)]
    with time_machine.travel(T0, tick=False) as traveller:
        a = support.new_order(client, demo, demo.appliance_id)
        support.walk_timed(
            client,
            demo,
            traveller,
            a,
            T0,
            {"accept": 20 * M, "depart": 1 * H, "arrive": 2 * H, "complete": 5 * H},
        )
        b_at = T0 + 10 * M
        traveller.move_to(b_at)
        b = support.new_order(client, demo, appliances[0])
        support.walk_timed(
            client,
            demo,
            traveller,
            b,
            b_at,
            {"accept": 45 * M, "depart": 4 * H, "arrive": 5 * H, "complete": 26 * H},
        )
        traveller.move_to(T0 + 20 * M)
        c = support.new_order(client, demo, appliances[1])
        assert act(client, demo, c, "agent", "cancel", {"reason": "客户自行处理"}).status_code == 200
        traveller.move_to(T0 + 30 * M)
        d = support.new_order(client, demo, appliances[2])
        traveller.move_to(T0 + 40 * M)
        assert act(client, demo, d, "agent", "resolve-remote", {"note": "电话指导复位"}).status_code == 200
        traveller.move_to(T0 + 8 * H)
        e = support.new_order(client, demo, demo.appliance_id)
        with sessionmaker_() as db:
            assert db.get(WorkOrder, e).rework_of_id == a
            support.survey(
                db,
                a,
                answered_at=T0 + 30 * H,
                attitude=5,
                skill=4,
                punctuality=5,
                promises=4,
                overall=5,
                nps=10,
            )
            support.survey(
                db,
                b,
                answered_at=T0 + 30 * H,
                attitude=3,
                skill=2,
                punctuality=1,
                promises=2,
                overall=2,
                nps=8,
                resolved=True,
            )
            support.complaint(db, b, registered_at=T0 + 31 * H, closed_at=T0 + 41 * H)
            billing = db.get(WorkOrder, a).billing_category
            shifts = {
                (t.shift_start, t.shift_end, t.break_start, t.break_end)
                for t in db.scalars(select(Technician))
            }
            assert shifts == {("00:00", "23:59", "12:00", "13:00")}
        traveller.move_to(T0 + timedelta(days=3))
        yield {"a": a, "b": b, "c": c, "d": d, "e": e, "billing": billing}


def test_each_kpi_matches_the_hand_computed_figure(client, world, day):
    # when the admin asks for the day
    body = support.kpis(client, world.demo)
    k = body["kpis"]
    # then: five orders
    assert k["orders"] == 5
    # responded: A (20 min) in time, B (45 min) late, E unanswered and due; C cancelled, D remote: out
    assert k["responded_within_30m"] == round(1 / 3, 4)
    assert k["mean_response_minutes"] == 32.5
    # on site within 4 h: A (2 h) yes, B (5 h) no, E due; completed within 24 h: A (5 h) yes, B (26 h) no, E due
    assert k["arrived_within_4h"] == round(1 / 3, 4)
    assert k["completed_within_24h"] == round(1 / 3, 4)
    # first-time fix: of A and B, A has a rework order
    assert k["first_time_fix_rate"] == 0.5
    assert k["rework_rate"] == 0.2
    # satisfaction: one of two overall scores is 4-5; dimension means; NPS one promoter, one passive
    assert k["satisfaction"] == 0.5
    assert k["satisfaction_dimensions"] == {
        "attitude": 4.0,
        "skill": 3.0,
        "punctuality": 3.0,
        "promises": 3.0,
        "overall": 3.5,
    }
    assert k["nps"] == 50.0
    # one complaint on five orders, closed in 10 h
    assert k["complaints"] == 1
    assert k["complaints_per_1000"] == 200.0
    assert k["complaint_mean_close_hours"] == 10.0
    # D of the four not cancelled was resolved remotely
    assert k["remote_resolution_rate"] == 0.25
    # working time: A 1 h travel + 3 h on site, B 1 h travel + 21 h on site; two technicians on a
    # 00:00-23:59 shift every day less a 12:00-13:00 break: 1379 minutes each
    assert k["utilisation"] == round(WORKED / SHIFTS, 4)
    assert k["idle_share"] == round(1 - k["utilisation"], 4)
    # two approved quotes of 250 yuan each
    assert k["revenue_fen_by_billing_category"] == {day["billing"]: 50000}
    assert k["parts_fill_rate"] is None
    assert [note["kpi"] for note in body["unavailable"]] == ["parts_fill_rate"]
    assert body["period"]["from"] == DAY and body["targets"]["respond_minutes"] == 30


def test_a_day_before_or_after_holds_none_of_the_orders(client, world, day):
    response = client.get(
        "/api/v1/analytics/kpis",
        params={"from": "2026-11-11", "to": "2026-11-12"},
        headers=world.demo.headers("admin"),
    )
    k = response.json()["kpis"]
    assert k["orders"] == 0
    assert (
        k["responded_within_30m"] is None and k["satisfaction"] is None and k["complaints_per_1000"] is None
    )


def test_the_trend_puts_the_orders_on_their_local_day(client, world, day):
    response = client.get(
        "/api/v1/analytics/trend",
        params={"from": "2026-11-09", "to": "2026-11-11"},
        headers=world.demo.headers("quality"),
    )
    assert response.status_code == 200, response.text
    points = response.json()["points"]
    assert [p["date"] for p in points] == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert [p["kpis"]["orders"] for p in points] == [0, 5, 0]
    assert points[1]["kpis"]["satisfaction"] == 0.5
    assert points[1]["kpis"]["utilisation"] == round(WORKED / SHIFTS, 4)


def test_an_outlet_manager_sees_only_the_orders_of_the_outlet(client, world, day):
    # C, D and E never reached a technician of the outlet
    k = support.kpis(client, world.demo, role="outlet_manager")["kpis"]
    assert k["orders"] == 2
    assert k["responded_within_30m"] == 0.5
    assert k["complaints_per_1000"] == 500.0


def test_another_tenant_sees_none_of_these_orders(client, world, day):
    k = support.kpis(client, world.acme)["kpis"]
    assert k["orders"] == 0 and k["revenue_fen_by_billing_category"] == {}


@pytest.mark.parametrize("role", ["customer", "technician", "agent"])
def test_customers_technicians_and_agents_are_refused(client, world, role):
    response = client.get(
        "/api/v1/analytics/kpis", params={"from": DAY, "to": DAY}, headers=world.demo.headers(role)
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"from": "2026-11-10"}, "invalid_period"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "invalid_period"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "invalid_period"),
        ({"from": "2025-01-01", "to": "2026-11-01"}, "invalid_period"),
        ({"from": "2026-11-01", "to": "2026-11-10", "group_by": "colour"}, "invalid_group_by"),
    ],
)
def test_bad_periods_and_groupings_are_refused_with_a_code(client, world, params, code):
    response = client.get("/api/v1/analytics/kpis", params=params, headers=world.demo.headers("admin"))
    assert response.status_code == 422
    assert response.json()["error"]["code"] == code


def test_stored_settled_days_give_the_same_dashboard_as_the_live_queries(world, day, db):
    # given the dashboard of 9-13 November read live (the clock is at 13 November 10:00)
    user = db.get(User, world.demo.users["admin"].id)
    scope = kpis.scope_of(db, user, "2026-11-09", "2026-11-13")
    live = kpis.dashboard(db, scope)
    # when the settled days are stored: those that ended 24 h ago, 9 to 11 November
    stored = rollup.refresh(
        db,
        tenant_id=user.tenant_id,
        timezone="Asia/Shanghai",
        first=scope.period.first,
        last=scope.period.last,
        now=scope.now,
    )
    assert stored == 3
    days = db.scalars(select(KpiDaySum.day).where(KpiDaySum.dim == "total").order_by(KpiDaySum.day)).all()
    assert [str(d) for d in days] == ["2026-11-09", "2026-11-10", "2026-11-11"]
    # then the dashboard read from them and the two live days is the same
    assert kpis.dashboard(db, scope) == live
    assert live["kpis"]["orders"] == 5 and live["kpis"]["satisfaction"] == 0.5


def test_stored_days_are_only_read_for_the_tenant_that_owns_them(world, day, db):
    user = db.get(User, world.demo.users["admin"].id)
    scope = kpis.scope_of(db, user, "2026-11-10", "2026-11-10")
    rollup.refresh(
        db,
        tenant_id=user.tenant_id,
        timezone="Asia/Shanghai",
        first=scope.period.first,
        last=scope.period.last,
        now=scope.now,
    )
    other = db.get(User, world.acme.users["admin"].id)
    assert kpis.dashboard(db, kpis.scope_of(db, other, "2026-11-10", "2026-11-10"))["kpis"]["orders"] == 0
    assert kpis.dashboard(db, scope)["kpis"]["orders"] == 5


def test_older_days_not_stored_are_read_live_with_the_stored_ones(world, day, db):
    # given only 11 November stored, of a period 10-11 November
    user = db.get(User, world.demo.users["admin"].id)
    scope = kpis.scope_of(db, user, "2026-11-10", "2026-11-11")
    live = kpis.dashboard(db, scope)
    rollup.refresh(
        db,
        tenant_id=user.tenant_id,
        timezone="Asia/Shanghai",
        first=date(2026, 11, 11),
        last=date(2026, 11, 11),
        now=scope.now,
    )
    # then 10 November comes from the orders and the figures are the same
    assert kpis.dashboard(db, scope) == live and live["kpis"]["orders"] == 5
    # and the periodic refresh stores the settled days of every tenant: 9..11 November, twice
    assert rollup.refresh_recent(db, now=scope.now, days=4) == 6
    assert kpis.dashboard(db, scope) == live


def _store(db, tenant_id: int, scope, first=None) -> int:
    return rollup.refresh(
        db,
        tenant_id=tenant_id,
        timezone="Asia/Shanghai",
        first=first or scope.period.first,
        last=scope.period.last,
        now=scope.now,
    )


@pytest.fixture
def east(world, day, db):
    """A second outlet with its own manager; order B is sent to it but done by the first outlet's
    technician, so it lies in both outlets' views."""
    demo = world.demo
    outlet = Outlet(
        tenant_id=demo.tenant.id, code="east", name="东站网点", district="上城区", lat=30.25, lng=120.17
    )
    db.add(outlet)
    db.flush()
    db.get(WorkOrder, day["b"]).outlet_id = outlet.id
    manager = auth_service.create_user(
        db,
        tenant_id=demo.tenant.id,
        username="east.manager",
        password="unused-password-1",
        role="outlet_manager",
        password_hash="x",
        outlet_id=outlet.id,
    )
    db.commit()
    return {"outlet": outlet.id, "manager": manager.id}


def test_an_outlet_managers_dashboard_from_stored_days_is_the_live_one(world, day, east, db):
    # given the dashboards of 9-13 November read live, by the admin and by both outlets' managers
    users = [
        db.get(User, world.demo.users["admin"].id),
        db.get(User, world.demo.users["outlet_manager"].id),
        db.get(User, east["manager"]),
    ]
    scopes = [kpis.scope_of(db, user, "2026-11-09", "2026-11-13") for user in users]
    live = [kpis.dashboard(db, scope) for scope in scopes]
    assert [board["kpis"]["orders"] for board in live] == [5, 2, 1]
    # when the settled days are stored
    assert _store(db, users[0].tenant_id, scopes[0]) == 3
    rows = db.scalars(select(KpiDaySum.dim).where(KpiDaySum.day == date(2026, 11, 10))).all()
    assert f"o{east['outlet']}" in rows and f"o{world.demo.outlet_id}" in rows
    # then each reads the stored rows of its own scope and sees what it saw live
    assert [kpis.dashboard(db, scope) for scope in scopes] == live
    # and B, sent to the east outlet but done by the first outlet's technician, counts for both once
    east_board = kpis.dashboard(db, scopes[2])
    assert east_board["kpis"]["complaints"] == 1
    assert [g["label"] for g in east_board["breakdowns"]["outlet"]] == ["东站网点"]
    # and what the managers see of the settled days is the stored rows: a later change shows only live
    areas = [g["key"] for g in live[1]["breakdowns"]["area"]]
    db.get(WorkOrder, day["a"]).district = "滨江区"
    db.flush()
    assert [g["key"] for g in kpis.dashboard(db, scopes[1])["breakdowns"]["area"]] == areas
    assert "滨江区" in kpis.compute(db, scopes[1], "area")


def test_an_outlet_manager_reads_no_other_outlets_stored_rows(world, day, east, db):
    manager = db.get(User, east["manager"])
    scope = kpis.scope_of(db, manager, "2026-11-10", "2026-11-10")
    _store(db, manager.tenant_id, scope)
    seen = kpis.dashboard(db, scope)
    assert seen["kpis"]["orders"] == 1
    assert {g["key"] for g in seen["breakdowns"]["outlet"]} == {east["outlet"]}
    # an outlet manager without an outlet sees nothing, stored or live
    stranger = db.get(User, east["manager"])
    stranger.outlet_id = None
    db.flush()
    assert kpis.dashboard(db, kpis.scope_of(db, stranger, "2026-11-10", "2026-11-10"))["kpis"]["orders"] == 0


def test_days_stored_without_the_outlets_rows_are_read_live_for_an_outlet_manager(world, day, db):
    # given 10 November stored as before the outlets' rows existed (a "total" row keyed null, no o<id> rows)
    manager = db.get(User, world.demo.users["outlet_manager"].id)
    scope = kpis.scope_of(db, manager, "2026-11-10", "2026-11-10")
    live = kpis.dashboard(db, scope)
    _store(db, manager.tenant_id, scope)
    db.execute(delete(KpiDaySum).where(KpiDaySum.dim.like("o%")))
    db.execute(update(KpiDaySum).where(KpiDaySum.dim == "total").values(key="null"))
    # then the manager's figures come from the orders, and the admin's from the stored rows
    assert kpis.dashboard(db, scope) == live and live["kpis"]["orders"] == 2
    admin = db.get(User, world.demo.users["admin"].id)
    assert kpis.dashboard(db, kpis.scope_of(db, admin, "2026-11-10", "2026-11-10"))["kpis"]["orders"] == 5


def test_a_day_with_a_group_value_too_long_to_store_is_read_live(world, day, db):
    # given a district whose JSON is longer than the key column holds
    db.get(WorkOrder, day["a"]).district = "\x01" * 30
    db.flush()
    admin = db.get(User, world.demo.users["admin"].id)
    scope = kpis.scope_of(db, admin, "2026-11-10", "2026-11-10")
    live = kpis.dashboard(db, scope)
    # when the day is refreshed, it is not stored, and the dashboard still has it
    assert _store(db, admin.tenant_id, scope) == 0
    assert kpis.dashboard(db, scope) == live


@pytest.mark.parametrize("role", ["admin", "outlet_manager"])
def test_the_api_reads_the_stored_days_too_and_answers_as_live(client, world, day, db, role):
    # given the API's figures of 9-13 November read live
    demo = world.demo
    params = {"from": "2026-11-09", "to": "2026-11-13"}
    url = "/api/v1/analytics"
    live_kpis = client.get(f"{url}/kpis", params={**params, "group_by": "area"}, headers=demo.headers(role))
    live_trend = client.get(f"{url}/trend", params=params, headers=demo.headers(role))
    assert live_kpis.status_code == live_trend.status_code == 200
    # when the settled days are stored
    user = db.get(User, demo.users[role].id)
    _store(db, user.tenant_id, kpis.scope_of(db, user, "2026-11-09", "2026-11-13"))
    db.commit()
    # then the API answers the same
    stored_kpis = client.get(f"{url}/kpis", params={**params, "group_by": "area"}, headers=demo.headers(role))
    assert stored_kpis.json() == live_kpis.json()
    assert client.get(f"{url}/trend", params=params, headers=demo.headers(role)).json() == live_trend.json()
    # and reads the stored rows: a district changed since shows only in the orders
    with_change = db.get(WorkOrder, day["a"])
    with_change.district = "滨江区"
    db.commit()
    again = client.get(f"{url}/kpis", params={**params, "group_by": "area"}, headers=demo.headers(role))
    assert again.json() == live_kpis.json()
    assert "滨江区" in kpis.compute(db, kpis.scope_of(db, user, "2026-11-09", "2026-11-13"), "area")
