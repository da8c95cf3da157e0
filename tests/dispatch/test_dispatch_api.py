"""Dispatch through the API: ranked candidates with their reasons, the checks on assignment, auto-dispatch
with rejections and acknowledgement timeouts (time travel), escalation, the order pool and two-level
dispatch between the centre and outlets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from anxin.technician.models import Outlet, Technician, TechnicianCertificate
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, report, run_together

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou, a Tuesday


@pytest.fixture(autouse=True)
def at_noon():
    """Working hours, whatever the hour the suite runs at (the world's technicians work 00:00–23:59)."""
    with time_machine.travel(NOON, tick=False):
        yield


def accepted(client, world, service_type: str = "repair") -> dict:
    """A new accepted order (a different service type makes another order on the same appliance)."""
    order = report(client, world, service_type=service_type).json()
    response = act(client, world, order["id"], "agent", "accept")
    assert response.status_code == 200, response.text
    return response.json()


def move(db, technician_id: int, lat: float, lng: float) -> None:
    technician = db.get(Technician, technician_id)
    technician.home_lat, technician.home_lng = lat, lng
    db.commit()


def set_policy(client, world, **policy) -> None:
    response = client.put("/api/v1/dispatch/policies", json=[policy], headers=world.headers("admin"))
    assert response.status_code == 200, response.text


def events(db, order_id: int) -> list[WorkOrderEvent]:
    db.expire_all()
    return list(
        db.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order_id).order_by(WorkOrderEvent.id)
        )
    )


def attempts(client, world, order_id: int) -> list[dict]:
    response = client.get(
        f"/api/v1/work-orders/{order_id}/dispatch-attempts", headers=world.headers("dispatcher")
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_candidates_are_ranked_with_the_numbers_behind_each_score(client, world, db):
    demo = world.demo
    move(db, demo.other_technician_id, 30.40, 120.30)  # 李师傅 lives far from the customer
    order = accepted(client, demo)
    response = client.get(f"/api/v1/work-orders/{order['id']}/candidates", headers=demo.headers("dispatcher"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "suggest" and body["job"]["certificates"] == ["refrigerant"]
    ranked = [c["technician_id"] for c in body["candidates"]]
    assert ranked == [demo.technician_id, demo.other_technician_id], body["refused"]
    best, other = body["candidates"]
    assert best["travel_km"] < other["travel_km"] and best["eta_minutes"] < other["eta_minutes"]
    assert best["score"] == pytest.approx(sum(c["points"] for c in best["components"]), abs=0.1)
    assert best["reasons"][0]["code"] == "eta"
    english = client.get(
        f"/api/v1/work-orders/{order['id']}/candidates",
        headers={**demo.headers("dispatcher"), "Accept-Language": "en"},
    ).json()
    assert english["candidates"][0]["reasons"][0]["message"].startswith("arrives in")
    assert (
        client.get(
            f"/api/v1/work-orders/{order['id']}/candidates", headers=demo.headers("customer")
        ).status_code
        == 403
    )


def test_an_expired_certificate_refuses_the_assignment_and_shows_in_the_refusals(client, world, db):
    demo = world.demo
    for certificate in db.scalars(
        select(TechnicianCertificate).where(TechnicianCertificate.technician_id == demo.other_technician_id)
    ):
        certificate.expires_on = date(2020, 1, 1)
    db.commit()
    order = accepted(client, demo)
    refused = act(
        client, demo, order["id"], "dispatcher", "assign", {"technician_id": demo.other_technician_id}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "technician_not_qualified"
    assert refused.json()["error"]["reasons"] == ["certificate"]
    listed = client.get(
        f"/api/v1/work-orders/{order['id']}/candidates", headers=demo.headers("dispatcher")
    ).json()
    assert [c["technician_id"] for c in listed["candidates"]] == [demo.technician_id]
    assert [r["code"] for r in listed["refused"][0]["reasons"]] == ["certificate"]


def test_a_full_day_is_409_unless_the_dispatcher_overrules_it_and_the_event_says_so(client, world, db):
    demo = world.demo
    db.get(Technician, demo.technician_id).daily_capacity = 1
    db.commit()
    first, second = accepted(client, demo), accepted(client, demo, "maintenance")
    assert act(client, demo, first["id"], "dispatcher", "assign", {"technician_id": None}).status_code == 200
    full = act(client, demo, second["id"], "dispatcher", "assign", {"technician_id": None})
    assert full.status_code == 409 and full.json()["error"]["code"] == "technician_full"
    forced = act(
        client, demo, second["id"], "dispatcher", "assign", {"technician_id": None, "override": True}
    )
    assert forced.status_code == 200, forced.text
    assert events(db, second["id"])[-1].payload["overruled"] == ["capacity"]


def test_auto_dispatch_assigns_the_best_then_the_next_on_rejection_then_escalates_after_a_timeout(
    client, world, db
):
    demo = world.demo
    move(db, demo.other_technician_id, 30.30, 120.20)
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10, max_attempts=2)
    with time_machine.travel(NOON, tick=False) as traveller:
        order = accepted(client, demo)
        assert order["status"] == "assigned" and order["technician_id"] == demo.technician_id
        rejected = act(client, demo, order["id"], "technician", "reject", {"reason": "时间冲突"})
        assert rejected.status_code == 200, rejected.text
        assert rejected.json()["status"] == "assigned"
        assert rejected.json()["technician_id"] == demo.other_technician_id
        traveller.shift(timedelta(minutes=9))
        swept = client.post("/api/v1/dispatch/sweep", headers=demo.headers("dispatcher")).json()
        assert swept["timeouts"] == 0  # one minute left to acknowledge
        traveller.shift(timedelta(minutes=2))
        swept = client.post("/api/v1/dispatch/sweep", headers=demo.headers("dispatcher")).json()
        assert swept == {
            "timeouts": 1,
            "pool_fallbacks": 0,
            "reoffered": 0,
            "escalated": 1,
            "slots_at_risk": 0,
            "replanned": 0,
        }
    offers = attempts(client, demo, order["id"])
    assert [(a["technician_id"], a["outcome"]) for a in offers] == [
        (demo.technician_id, "rejected"),
        (demo.other_technician_id, "timeout"),
    ]
    assert offers[0]["reason"] == "时间冲突"
    db.expire_all()
    stored = db.get(WorkOrder, order["id"])
    assert stored.status == "accepted" and stored.technician_id is None
    assert stored.escalated_at is not None
    assert [e.action for e in events(db, order["id"])][-2:] == ["unassign", "escalate"]


def test_an_acknowledged_offer_is_closed_and_the_sweep_leaves_it_alone(client, world, db):
    demo = world.demo
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10)
    with time_machine.travel(NOON, tick=False) as traveller:
        order = accepted(client, demo)
        assert act(client, demo, order["id"], "technician", "acknowledge").status_code == 200
        traveller.shift(timedelta(hours=1))
        swept = client.post("/api/v1/dispatch/sweep", headers=demo.headers("dispatcher")).json()
    assert swept["timeouts"] == 0
    assert [a["outcome"] for a in attempts(client, demo, order["id"])] == ["acknowledged"]


def test_a_pooled_order_is_claimed_by_exactly_one_technician(client, world, db):
    demo = world.demo
    set_policy(client, demo, mode="pool", pool_minutes=15, pool_radius_km=20)
    order = accepted(client, demo)
    assert order["status"] == "accepted" and order["technician_id"] is None
    seen = client.get("/api/v1/dispatch/pool", headers=demo.headers("technician")).json()
    assert [o["order_id"] for o in seen] == [order["id"]]
    won = client.post(f"/api/v1/work-orders/{order['id']}/claim", headers=demo.headers("technician"))
    assert won.status_code == 200, won.text
    assert won.json()["status"] == "acknowledged" and won.json()["technician_id"] == demo.technician_id
    lost = client.post(f"/api/v1/work-orders/{order['id']}/claim", headers=demo.headers("other_technician"))
    assert lost.status_code == 409 and lost.json()["error"]["code"] == "not_in_pool"
    assert client.get("/api/v1/dispatch/pool", headers=demo.headers("other_technician")).json() == []


def test_another_tenants_pool_is_not_shown_and_its_orders_cannot_be_claimed(client, world, db):
    set_policy(client, world.demo, mode="pool", pool_minutes=15, pool_radius_km=200)
    order = accepted(client, world.demo)
    acme = world.acme
    assert client.get("/api/v1/dispatch/pool", headers=acme.headers("technician")).json() == []
    foreign = client.post(f"/api/v1/work-orders/{order['id']}/claim", headers=acme.headers("technician"))
    assert foreign.status_code == 404


def test_an_unclaimed_pool_order_falls_back_to_auto_assign(client, world, db):
    demo = world.demo
    set_policy(client, demo, mode="pool", pool_minutes=15)
    with time_machine.travel(NOON, tick=False) as traveller:
        order = accepted(client, demo)
        traveller.shift(timedelta(minutes=16))
        swept = client.post("/api/v1/dispatch/sweep", headers=demo.headers("dispatcher")).json()
    assert swept["pool_fallbacks"] == 1 and swept["reoffered"] == 1
    db.expire_all()
    stored = db.get(WorkOrder, order["id"])
    assert stored.status == "assigned" and stored.dispatch_mode == "auto"


@pytest.mark.postgres
def test_concurrent_claims_have_one_winner(client, world, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    demo = world.demo
    set_policy(client, demo, mode="pool", pool_minutes=15, pool_radius_km=20)
    order = accepted(client, demo)
    who = ["technician", "other_technician"] * 3
    results = run_together(
        len(who),
        lambda i: client.post(f"/api/v1/work-orders/{order['id']}/claim", headers=demo.headers(who[i])),
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409, 409, 409], [r.text for r in results]


@pytest.mark.postgres
def test_concurrent_dispatchers_never_overbook_a_technician(client, world, db, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    demo = world.demo
    db.get(Technician, demo.technician_id).daily_capacity = 1
    db.commit()
    orders = [accepted(client, demo, kind) for kind in ("repair", "maintenance", "inspection", "cleaning")]
    results = run_together(
        4,
        lambda i: act(
            client, demo, orders[i]["id"], "dispatcher", "assign", {"technician_id": demo.technician_id}
        ),
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409, 409], [r.text for r in results]


def test_two_level_dispatch_between_the_centre_an_outlet_and_its_sub_outlet(client, world, db):
    demo = world.demo
    sub = Outlet(
        tenant_id=demo.tenant.id,
        code="west-2",
        name="西湖二级网点",
        kind="third_party",
        district="西湖区",
        lat=30.27,
        lng=120.11,
        parent_id=demo.outlet_id,
        coverage=["西湖区"],
    )
    db.add(sub)
    db.commit()
    order = accepted(client, demo)
    base = f"/api/v1/work-orders/{order['id']}"
    sent = client.post(
        f"{base}/send-to-outlet", json={"outlet_id": demo.outlet_id}, headers=demo.headers("dispatcher")
    )
    assert sent.status_code == 200, sent.text
    passed = client.post(
        f"{base}/transfer-outlet",
        json={"outlet_id": sub.id, "reason": "二级网点更近"},
        headers=demo.headers("outlet_manager"),
    )
    assert passed.status_code == 200, passed.text
    back = client.post(
        f"{base}/transfer-outlet", json={"outlet_id": demo.outlet_id}, headers=demo.headers("outlet_manager")
    )
    assert back.status_code == 404  # the order has left this manager's outlet: it is no longer theirs to see
    db.expire_all()
    assert db.get(WorkOrder, order["id"]).outlet_id == sub.id
    decided = client.post(f"{base}/decide-return", json={"accept": True}, headers=demo.headers("dispatcher"))
    assert decided.status_code == 409 and decided.json()["error"]["code"] == "outlet_move_refused"
    actions = [e.action for e in events(db, order["id"])]
    assert actions[-2:] == ["send-to-outlet", "transfer-outlet"]


def test_an_outlet_asks_the_centre_to_take_an_order_back_and_the_centre_decides(client, world, db):
    demo = world.demo
    order = accepted(client, demo)
    base = f"/api/v1/work-orders/{order['id']}"
    client.post(
        f"{base}/send-to-outlet", json={"outlet_id": demo.outlet_id}, headers=demo.headers("dispatcher")
    )
    asked = client.post(
        f"{base}/request-return", json={"reason": "超出服务能力"}, headers=demo.headers("outlet_manager")
    )
    assert asked.status_code == 200, asked.text
    twice = client.post(
        f"{base}/request-return", json={"reason": "再次申请"}, headers=demo.headers("outlet_manager")
    )
    assert twice.status_code == 409
    decided = client.post(
        f"{base}/decide-return", json={"accept": True, "note": "中心收回"}, headers=demo.headers("dispatcher")
    )
    assert decided.status_code == 200, decided.text
    db.expire_all()
    stored = db.get(WorkOrder, order["id"])
    assert stored.outlet_id is None and stored.outlet_return_reason is None
    assert events(db, order["id"])[-1].payload == {"outlet_id": demo.outlet_id, "accepted": True}


def test_the_centre_taking_an_order_back_withdraws_the_pending_automatic_offer(client, world, db):
    # Given an order offered automatically to a technician who has not acknowledged yet, at an outlet
    demo = world.demo
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10)
    order = accepted(client, demo)
    assert order["status"] == "assigned" and order["technician_id"] == demo.technician_id
    base = f"/api/v1/work-orders/{order['id']}"
    sent = client.post(
        f"{base}/send-to-outlet", json={"outlet_id": demo.outlet_id}, headers=demo.headers("dispatcher")
    )
    assert sent.status_code == 200, sent.text
    asked = client.post(
        f"{base}/request-return", json={"reason": "超出服务能力"}, headers=demo.headers("outlet_manager")
    )
    assert asked.status_code == 200, asked.text
    # When the centre accepts the return, which takes the order from the technician
    decided = client.post(f"{base}/decide-return", json={"accept": True}, headers=demo.headers("dispatcher"))
    assert decided.status_code == 200, decided.text
    # Then the offer is withdrawn, not left pending for the sweep to time out and re-offer
    assert [(a["technician_id"], a["outcome"]) for a in attempts(client, demo, order["id"])] == [
        (demo.technician_id, "withdrawn")
    ]
    swept = client.post("/api/v1/dispatch/sweep", headers=demo.headers("dispatcher")).json()
    assert swept["timeouts"] == 0 and swept["reoffered"] == 0


def test_a_fresh_location_moves_the_technician_for_matching_and_a_future_one_is_refused(client, world, db):
    demo = world.demo
    move(db, demo.technician_id, 30.45, 120.35)
    move(db, demo.other_technician_id, 30.30, 120.20)
    order = accepted(client, demo)
    url = f"/api/v1/work-orders/{order['id']}/candidates"
    before = client.get(url, headers=demo.headers("dispatcher")).json()["candidates"]
    assert before[0]["technician_id"] == demo.other_technician_id
    located = client.post(
        "/api/v1/technicians/me/location",
        json={"lat": 30.271, "lng": 120.121},
        headers=demo.headers("technician"),
    )
    assert located.status_code == 200, located.text
    after = client.get(url, headers=demo.headers("dispatcher")).json()["candidates"]
    assert after[0]["technician_id"] == demo.technician_id and after[0]["position_source"] == "gps"
    future = (NOON + timedelta(hours=1)).isoformat()
    refused = client.post(
        "/api/v1/technicians/me/location",
        json={"lat": 30.2, "lng": 120.1, "at": future},
        headers=demo.headers("technician"),
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_input"


@pytest.mark.postgres
def test_two_sweeps_at_once_reoffer_each_timed_out_order_once(client, world, db, sessionmaker_, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    from anxin.database import transaction
    from anxin.dispatch.matching import offers as auto

    demo = world.demo
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10, max_attempts=5)
    with time_machine.travel(NOON, tick=False) as traveller:
        orders = [accepted(client, demo, kind) for kind in ("repair", "maintenance", "inspection")]
        assert all(o["status"] == "assigned" for o in orders)
        traveller.shift(timedelta(minutes=11))

        def sweep(_):
            with transaction(sessionmaker_) as session:
                return auto.sweep(session)

        reports = run_together(2, sweep)
    assert sum(r.timeouts for r in reports) == 3, reports
    for order in orders:
        offers = attempts(client, demo, order["id"])
        assert [a["outcome"] for a in offers] == ["timeout", "pending"], offers


def test_a_brand_refusal_names_the_brand_not_its_code(client, world, db):
    # Given a technician authorised for Gree only, and a refrigerator of Haier's
    demo = world.demo
    db.get(Technician, demo.other_technician_id).brands = ["gree"]
    db.commit()
    order = accepted(client, demo)
    for language, words in (("zh", "未获海尔品牌授权"), ("en", "not authorised for Haier")):
        listed = client.get(
            f"/api/v1/work-orders/{order['id']}/candidates",
            headers={**demo.headers("dispatcher"), "Accept-Language": language},
        ).json()
        (refused,) = listed["refused"]
        assert refused["technician_id"] == demo.other_technician_id
        assert [(r["code"], r["message"]) for r in refused["reasons"]] == [("brand", words)]


def test_a_withdrawn_offer_says_why_in_words(client, world):
    # Given two orders offered automatically, not yet acknowledged
    demo = world.demo
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10)
    moved, cancelled = accepted(client, demo), accepted(client, demo, service_type="installation")
    assert moved["technician_id"] == demo.technician_id
    # When the dispatcher hands one to another technician and the other order is cancelled
    handed = act(
        client, demo, moved["id"], "dispatcher", "assign", {"technician_id": demo.other_technician_id}
    )
    assert handed.status_code == 200, handed.text
    ended = act(client, demo, cancelled["id"], "agent", "cancel", {"reason": "客户已自行修好"})
    assert ended.status_code == 200, ended.text
    # Then each withdrawn offer's reason reads as words
    reasons = {
        order["id"]: [(a["outcome"], a["reason"]) for a in attempts(client, demo, order["id"])]
        for order in (moved, cancelled)
    }
    assert ("withdrawn", "调度改派") in reasons[moved["id"]]
    assert ("withdrawn", "工单已取消") in reasons[cancelled["id"]]
