"""Every action over the API, and the refusals a caller can meet: clear codes, nothing written."""

from __future__ import annotations

import pytest

from anxin.technician import service as technician_service
from anxin.technician.models import Technician
from tests.helpers import act, report, walk


def events_of(client, world, order_id):
    return client.get(f"/api/v1/work-orders/{order_id}/events", headers=world.headers("admin")).json()


def order_of(client, world, order_id):
    return client.get(f"/api/v1/work-orders/{order_id}", headers=world.headers("admin")).json()


def test_an_illegal_action_is_409_in_the_callers_language_and_writes_nothing(client, world):
    demo = world.demo
    order = report(client, demo).json()
    before = events_of(client, demo, order["id"])

    refused = act(client, demo, order["id"], "technician", "depart")
    assert refused.status_code in (403, 404)  # not assigned to this technician: not even visible
    refused = client.post(f"/api/v1/work-orders/{order['id']}/close", headers=demo.headers("quality"))
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "illegal_transition" and error["current"] == "created"
    assert error["message"] == "工单当前为「已报修」，现在不能关闭"  # in words: a page shows it
    english = client.post(
        f"/api/v1/work-orders/{order['id']}/close",
        headers={**demo.headers("quality"), "Accept-Language": "en-US"},
    )
    assert english.json()["error"]["message"] == "“Closed” is not possible while the order is “Reported”"
    assert events_of(client, demo, order["id"]) == before
    assert order_of(client, demo, order["id"])["version"] == order["version"]


def test_a_role_outside_the_table_is_403(client, world):
    demo = world.demo
    order = report(client, demo).json()
    assert act(client, demo, order["id"], "dispatcher", "accept").status_code == 200
    refused = act(client, demo, order["id"], "quality", "assign", {"technician_id": demo.technician_id})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "action_forbidden"
    after = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("admin")).json()
    assert (after["status"], after["technician_id"]) == ("accepted", None)


def test_an_unknown_action_and_an_unknown_order_are_404(client, world):
    demo = world.demo
    order = report(client, demo).json()
    assert (
        client.post(f"/api/v1/work-orders/{order['id']}/teleport", headers=demo.headers("admin")).status_code
        == 404
    )
    missing = client.post("/api/v1/work-orders/999999/accept", headers=demo.headers("admin"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_without_a_token_the_api_answers_401(client, world):
    response = client.get("/api/v1/work-orders")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    bad = client.get("/api/v1/work-orders", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401


def test_another_technician_cannot_act_on_an_order_assigned_to_a_colleague(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")
    refused = act(client, demo, order["id"], "other_technician", "acknowledge")
    assert refused.status_code == 404
    assert order_of(client, demo, order["id"])["status"] == "assigned"


def test_a_rejection_needs_a_reason_and_returns_the_order_to_the_queue(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")
    missing = act(client, demo, order["id"], "technician", "reject", {})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "reason"
    rejected = act(client, demo, order["id"], "technician", "reject", {"reason": "不在服务区域"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "accepted" and rejected.json()["technician_id"] is None
    last = events_of(client, demo, order["id"])[-1]
    assert last["payload"] == {"technician_id": demo.technician_id, "reason": "不在服务区域"}
    again = act(
        client, demo, order["id"], "dispatcher", "assign", {"technician_id": demo.other_technician_id}
    )
    assert again.status_code == 200 and again.json()["technician_id"] == demo.other_technician_id


def test_assigning_a_technician_without_the_skill_is_refused(client, world, db):
    demo = world.demo
    plumber = Technician(
        tenant_id=demo.tenant.id,
        outlet_id=demo.outlet_id,
        name="赵师傅",
        phone="13900000009",
    )
    technician_service.grant(plumber, ["water_heater"])
    db.add(plumber)
    db.commit()
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="accept")
    refused = act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": plumber.id})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "technician_not_qualified"
    foreign = act(
        client, demo, order["id"], "dispatcher", "assign", {"technician_id": world.acme.technician_id}
    )
    assert foreign.status_code == 404
    assert order_of(client, demo, order["id"])["status"] == "accepted"


def test_a_stale_version_is_409_and_the_current_version_succeeds(client, world):
    demo = world.demo
    order = report(client, demo).json()
    stale = act(client, demo, order["id"], "agent", "accept", {"version": order["version"] + 5})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    fresh = act(client, demo, order["id"], "agent", "accept", {"version": order["version"]})
    assert fresh.status_code == 200 and fresh.json()["version"] == order["version"] + 1


def test_a_customer_cancels_before_the_visit_but_not_once_the_technician_left(client, world):
    demo = world.demo
    early = report(client, demo, role="customer", channel="app").json()
    cancelled = act(client, demo, early["id"], "customer", "cancel", {"reason": "已自行修好"})
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "已自行修好"
    late = report(client, demo, role="customer", channel="app").json()
    walk(client, demo, late["id"], until="depart")
    seen_by_customer = client.get(
        f"/api/v1/work-orders/{late['id']}", headers=demo.headers("customer")
    ).json()
    assert "cancel" not in seen_by_customer["actions"]
    refused = act(client, demo, late["id"], "customer", "cancel", {"reason": "不想等了"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "too_late"
    by_agent = act(client, demo, late["id"], "agent", "cancel", {"reason": "客户来电取消"})
    assert by_agent.status_code == 200 and by_agent.json()["status"] == "cancelled"


def test_a_declined_quote_goes_back_on_site_and_a_new_quote_supersedes_it(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="quote")
    declined = act(client, demo, order["id"], "customer", "decline-quote")
    assert declined.json()["status"] == "on_site"
    lines = [{"kind": "other", "description": "清洗冷凝器", "amount_fen": 6000}]
    second = act(client, demo, order["id"], "technician", "quote", {"lines": lines})
    assert second.status_code == 200 and second.json()["total_fen"] == 6000
    assert second.json()["lines"][0]["needs_review"] is True
    approved = act(client, demo, order["id"], "agent", "approve-quote")
    assert approved.json()["status"] == "quote_approved"
    quote = client.get(f"/api/v1/work-orders/{order['id']}/quote", headers=demo.headers("customer")).json()
    assert quote["id"] == second.json()["id"] and quote["status"] == "approved"
    versions = client.get(
        f"/api/v1/work-orders/{order['id']}/quotes", headers=demo.headers("customer")
    ).json()
    assert [v["status"] for v in versions] == ["declined", "approved"]


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [{"kind": "tip", "description": "小费", "amount_fen": 100}],
        [{"kind": "other", "description": "压缩机", "amount_fen": -1}],
        [{"kind": "other", "description": "", "amount_fen": 100}],
        [{"kind": "other", "description": "压缩机"}],
        [{"price_item_id": 1, "quantity": 0}],
        [{"price_item_id": 1, "quantity": 1000}],
        [{"price_item_id": 1, "quantity": 1.5}],
        [{"quantity": 1}],
        [{"price_item_id": 1, "description": "自定价", "amount_fen": 1}],
        [{"kind": "other", "description": "上门费", "amount_fen": 100}] * 51,
    ],
)
def test_a_malformed_quote_is_refused_naming_the_field(client, world, lines):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="arrive")
    refused = act(client, demo, order["id"], "technician", "quote", {"lines": lines})
    assert refused.status_code == 422
    assert refused.json()["error"]["field"].startswith("lines")
    assert order_of(client, demo, order["id"])["status"] == "on_site"


def test_waiting_for_parts_and_resuming(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="start")
    waiting = act(client, demo, order["id"], "technician", "wait-parts", {"reason": "主板缺货"})
    assert waiting.json()["status"] == "pending_parts" and waiting.json()["pending_parts_at"]
    resumed = act(client, demo, order["id"], "dispatcher", "resume")
    assert resumed.json()["status"] == "in_progress" and resumed.json()["resumed_at"]


def test_resolved_remotely_then_followed_up_and_closed(client, world):
    demo = world.demo
    order = report(client, demo).json()
    resolved = act(client, demo, order["id"], "agent", "resolve-remote", {"note": "指导用户重置童锁"})
    assert resolved.json()["status"] == "resolved_remote" and resolved.json()["sla_state"] is None
    assert act(client, demo, order["id"], "agent", "follow-up").json()["status"] == "followed_up"
    assert act(client, demo, order["id"], "quality", "close").json()["status"] == "closed"


def test_carried_to_the_workshop_with_a_receipt_then_completed(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="arrive")
    missing = act(client, demo, order["id"], "technician", "carry-in", {"workshop": "西湖维修中心"})
    assert missing.status_code == 422 and missing.json()["error"]["field"] == "receipt_no"
    carried = act(
        client,
        demo,
        order["id"],
        "technician",
        "carry-in",
        {"receipt_no": "WS-0001", "workshop": "西湖维修中心"},
    )
    assert carried.json()["status"] == "carried_in" and carried.json()["workshop_receipt_no"] == "WS-0001"
    assert events_of(client, demo, order["id"])[-1]["payload"] == {
        "receipt_no": "WS-0001",
        "workshop": "西湖维修中心",
    }
    assert act(client, demo, order["id"], "technician", "complete").json()["status"] == "completed"


def test_an_appointment_is_recorded_without_changing_the_state(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="acknowledge")
    body = {"start_at": "2026-12-01T02:00:00Z", "end_at": "2026-12-01T04:00:00Z"}
    appointed = act(client, demo, order["id"], "technician", "appoint", body)
    assert appointed.status_code == 200
    assert appointed.json()["status"] == "acknowledged" and appointed.json()["appointed_at"]
    backwards = act(
        client,
        demo,
        order["id"],
        "technician",
        "appoint",
        {"start_at": "2026-12-01T04:00:00Z", "end_at": "2026-12-01T02:00:00Z"},
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "end_at"


def test_the_order_lists_what_the_caller_may_do_next(client, world):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")
    as_tech = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("technician")).json()
    assert set(as_tech["actions"]) == {"acknowledge", "reject", "appoint", "resolve-remote"}


def test_the_order_list_filters_by_status_technician_area_and_date(client, world):
    demo = world.demo
    first = report(client, demo).json()
    second = report(client, demo, service_type="cleaning").json()
    walk(client, demo, second["id"], until="assign")
    headers = demo.headers("dispatcher")

    def ids(**params):
        return [
            o["id"] for o in client.get("/api/v1/work-orders", params=params, headers=headers).json()["items"]
        ]

    assert ids() == [second["id"], first["id"]]
    assert ids(status="created") == [first["id"]]
    assert ids(status=["created", "assigned"]) == [second["id"], first["id"]]
    assert ids(technician_id=demo.technician_id) == [second["id"]]
    assert ids(area="西湖区") == [second["id"], first["id"]] and ids(area="滨江区") == []
    assert ids(created_from="2000-01-01T00:00:00Z", created_to="2000-01-02T00:00:00Z") == []
    page = client.get("/api/v1/work-orders", params={"page_size": 1, "page": 2}, headers=headers).json()
    assert page["total"] == 2 and [o["id"] for o in page["items"]] == [first["id"]]
    assert client.get("/api/v1/work-orders", params={"page_size": 500}, headers=headers).status_code == 422
    unknown = client.get("/api/v1/work-orders", params={"status": "lost"}, headers=headers)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"].startswith("query.status")
    mine = client.get("/api/v1/work-orders", headers=demo.headers("technician")).json()
    assert [o["id"] for o in mine["items"]] == [second["id"]]
