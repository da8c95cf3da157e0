"""Rules on the way in: an error code, a counter and a threshold held for a while open an alert; one open
alert per appliance and cause; staff dismiss it; admins add and deactivate rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from anxin import clock
from anxin.telemetry import rules
from anxin.telemetry.models import TelemetryAlert
from anxin.work_order.models import WorkOrder
from tests.telemetry.support import make_key, send, serial


def _rule(client, world, **fields):
    body = {"category": "refrigerator", "name_zh": "规则", "name_en": "Rule", **fields}
    response = client.post("/api/v1/telemetry/rules", json=body, headers=world.headers("admin"))
    assert response.status_code == 201, response.text
    return response.json()


def _at(world, minutes_ago: float, **fields):
    return {
        "serial": serial(world),
        "ts": (clock.now() - timedelta(minutes=minutes_ago)).isoformat(),
        **fields,
    }


def test_an_error_code_opens_one_alert_until_dismissed(client, world, db):
    key = make_key(client, world.demo)
    _rule(client, world.demo, cause="code_e2", kind="error_code", error_code="E2", name_zh="传感器故障")
    # when the refrigerator reports E2 twice
    first = send(client, key, [_at(world.demo, 10, metrics={"fridge_temp_c": 4.0}, error_code="E2")]).json()
    second = send(client, key, [_at(world.demo, 5, metrics={"fridge_temp_c": 4.0}, error_code="E2")]).json()
    # then one alert is open, for that appliance
    assert (first["alerts_opened"], second["alerts_opened"]) == (1, 0)
    alerts = client.get(
        "/api/v1/alerts",
        params={"appliance_id": world.demo.appliance_id},
        headers=world.demo.headers("agent"),
    ).json()
    assert [(a["cause"], a["status"], a["title"], a["status_label"]) for a in alerts] == [
        ("code_e2", "open", "传感器故障", "待处理")
    ]
    # and the other tenant sees none of it, even naming the appliance
    acme = client.get(
        "/api/v1/alerts",
        params={"appliance_id": world.demo.appliance_id},
        headers=world.acme.headers("agent"),
    )
    assert acme.status_code == 200 and acme.json() == []
    # and once an agent dismisses it, the next E2 opens a new one
    dismissed = client.post(f"/api/v1/alerts/{alerts[0]['id']}/dismiss", headers=world.demo.headers("agent"))
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    again = client.post(f"/api/v1/alerts/{alerts[0]['id']}/dismiss", headers=world.demo.headers("agent"))
    assert again.status_code == 409
    third = send(client, key, [_at(world.demo, 1, metrics={"fridge_temp_c": 4.0}, error_code="E2")]).json()
    assert third["alerts_opened"] == 1


def test_a_threshold_must_be_held(client, world, db):
    key = make_key(client, world.demo)
    _rule(
        client,
        world.demo,
        cause="warm",
        kind="threshold",
        metric="fridge_temp_c",
        threshold=10,
        hold_minutes=60,
    )
    # warm for 30 minutes only: no alert
    warm = [_at(world.demo, m, metrics={"fridge_temp_c": 12.0}) for m in (30, 20, 10)]
    cool = _at(world.demo, 100, metrics={"fridge_temp_c": 4.0})
    assert send(client, key, [cool, *warm]).json()["alerts_opened"] == 0
    # warm since more than an hour: an alert
    older = [_at(world.demo, m, metrics={"fridge_temp_c": 11.0}) for m in (80, 65)]
    assert send(client, key, older).json()["alerts_opened"] == 0  # the batch's own newest is 65 minutes old
    assert (
        send(client, key, [_at(world.demo, 1, metrics={"fridge_temp_c": 12.5})]).json()["alerts_opened"] == 1
    )
    alert = db.scalar(select(TelemetryAlert))
    assert (alert.cause, alert.value, alert.appliance_id) == ("warm", 12.5, world.demo.appliance_id)


def test_a_counter_and_the_default_rules(client, world, db):
    # given the tenant's default rules
    assert rules.ensure_defaults(db, tenant_id=world.demo.tenant.id) == len(rules.DEFAULTS)
    assert rules.ensure_defaults(db, tenant_id=world.demo.tenant.id) == 0
    db.commit()
    key = make_key(client, world.demo)
    listed = client.get(
        "/api/v1/telemetry/rules", headers={**world.demo.headers("technician"), "Accept-Language": "en"}
    )
    assert "Fault code E2" in {r["name"] for r in listed.json()}
    # a counter rule of the refrigerator
    _rule(client, world.demo, cause="door_wear", kind="counter", metric="door_openings", threshold=100_000)
    body = send(client, key, [_at(world.demo, 3, metrics={"door_openings": 100_001})]).json()
    assert body["alerts_opened"] == 1
    assert db.scalar(select(func.count()).select_from(TelemetryAlert)) == 1


def test_rules_are_the_admins_and_checked(client, world):
    agent = client.post(
        "/api/v1/telemetry/rules",
        json={
            "category": "refrigerator",
            "cause": "x",
            "kind": "counter",
            "metric": "door_openings",
            "threshold": 1,
            "name_zh": "x",
            "name_en": "x",
        },
        headers=world.demo.headers("agent"),
    )
    assert agent.status_code == 403
    bad = client.post(
        "/api/v1/telemetry/rules",
        json={
            "category": "refrigerator",
            "cause": "x",
            "kind": "threshold",
            "metric": "indoor_temp_c",
            "threshold": 1,
            "name_zh": "x",
            "name_en": "x",
        },
        headers=world.demo.headers("admin"),
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "metric"
    rule = _rule(client, world.demo, cause="y", kind="error_code", error_code="E9")
    assert (
        client.post(
            "/api/v1/telemetry/rules",
            json={
                **{k: rule[k] for k in ("category", "cause", "kind", "error_code")},
                "name_zh": "y",
                "name_en": "y",
            },
            headers=world.demo.headers("admin"),
        ).status_code
        == 409
    )
    off = client.delete(f"/api/v1/telemetry/rules/{rule['id']}", headers=world.demo.headers("admin"))
    assert off.status_code == 200 and off.json()["active"] is False
    # another tenant's rule and alerts are not there
    assert (
        client.delete(
            f"/api/v1/telemetry/rules/{rule['id']}", headers=world.acme.headers("admin")
        ).status_code
        == 404
    )
    assert client.get("/api/v1/telemetry/rules", headers=world.acme.headers("admin")).json() == []


def test_an_alert_becomes_a_proactive_order(client, world, db):
    # given an open alert: the refrigerator's compartment too warm
    key = make_key(client, world.demo)
    _rule(
        client,
        world.demo,
        cause="warm_now",
        kind="threshold",
        metric="fridge_temp_c",
        threshold=10,
        name_zh="冷藏室过热",
    )
    assert (
        send(client, key, [_at(world.demo, 2, metrics={"fridge_temp_c": 14.0})]).json()["alerts_opened"] == 1
    )
    alert = client.get(
        "/api/v1/alerts", params={"status": "open"}, headers=world.demo.headers("dispatcher")
    ).json()[0]
    # when the dispatcher converts it
    response = client.post(f"/api/v1/alerts/{alert['id']}/convert", headers=world.demo.headers("dispatcher"))
    # then a work order of channel iot exists for that appliance, and the alert points to it
    assert response.status_code == 200, response.text
    converted = response.json()
    assert converted["status"] == "converted" and converted["work_order_id"]
    order = db.get(WorkOrder, converted["work_order_id"])
    assert (order.channel, order.appliance_id, order.service_type) == (
        "iot",
        world.demo.appliance_id,
        "repair",
    )
    assert "冷藏室过热" in order.fault_description and "14" in order.fault_description
    # and while that order is open, the fridge still reporting the cause opens no second alert
    still = send(client, key, [_at(world.demo, 1, metrics={"fridge_temp_c": 15.0})]).json()
    assert still["alerts_opened"] == 0
    # and it cannot be converted twice; a technician may not convert at all
    assert (
        client.post(f"/api/v1/alerts/{alert['id']}/convert", headers=world.demo.headers("admin")).status_code
        == 409
    )
    assert (
        client.post(
            f"/api/v1/alerts/{alert['id']}/convert", headers=world.demo.headers("technician")
        ).status_code
        == 403
    )


def test_once_the_order_ends_the_cause_opens_an_alert_again(client, world, db):
    key = make_key(client, world.demo)
    _rule(client, world.demo, cause="warm_now", kind="threshold", metric="fridge_temp_c", threshold=10)
    send(client, key, [_at(world.demo, 3, metrics={"fridge_temp_c": 14.0})])
    alert = client.get(
        "/api/v1/alerts", params={"status": "open"}, headers=world.demo.headers("agent")
    ).json()[0]
    order_id = client.post(
        f"/api/v1/alerts/{alert['id']}/convert", headers=world.demo.headers("dispatcher")
    ).json()["work_order_id"]
    # the order cancelled (say the customer had it fixed elsewhere), the fridge still warm
    cancelled = client.post(
        f"/api/v1/work-orders/{order_id}/cancel",
        json={"reason": "客户已自行处理"},
        headers=world.demo.headers("agent"),
    )
    assert cancelled.status_code == 200, cancelled.text
    again = send(client, key, [_at(world.demo, 1, metrics={"fridge_temp_c": 14.5})]).json()
    assert again["alerts_opened"] == 1
