"""The tenant's alert policy: what an alert does for the customer (a tip, a proactive order, nothing),
gated by the customer's consent to proactive contact, each alert decided once and audited."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

from sqlalchemy import select

from anxin import clock
from anxin.audit.models import AuditEvent
from anxin.knowledge import service as knowledge_service
from anxin.notify.models import OutboxMessage
from anxin.notify.templates import render
from anxin.proactive import policy
from anxin.proactive.models import ProactiveAction
from anxin.telemetry.models import TelemetryAlert
from anxin.work_order.models import WorkOrder
from tests.telemetry.proactive_scene import alert


def _policy(client, world, body, role="admin"):
    return client.put("/api/v1/alert-policy", json=body, headers=world.headers(role))


def _consent(client, world, granted=True, role="customer", customer_id=None):
    return client.put(
        f"/api/v1/customers/{customer_id or world.customer_id}/consent",
        json={"granted": granted},
        headers=world.headers(role),
    )


def test_admins_set_the_policy_and_others_cannot(client, world):
    body = {"default": "none", "by_severity": {"fault": "notify"}, "by_cause": {"code_E2": "order"}}
    # when the admin sets it, then it reads back as set
    assert _policy(client, world.demo, body).status_code == 200
    read = client.get("/api/v1/alert-policy", headers=world.demo.headers("admin")).json()
    assert read == body
    # an agent may not, an unknown action or severity is refused with a code, and the other tenant's is its own
    assert _policy(client, world.demo, body, role="agent").status_code == 403
    bad = _policy(client, world.demo, {"default": "call"})
    assert bad.status_code == 422 and bad.json()["error"]["code"]
    assert _policy(client, world.demo, {"by_severity": {"urgent": "order"}}).status_code == 422
    assert client.get("/api/v1/alert-policy", headers=world.acme.headers("admin")).json()["default"] == "none"


def test_a_consenting_customer_gets_the_knowledge_bases_tip(client, world, db):
    knowledge_service.load_seed(db, tenant_id=world.demo.tenant.id)
    db.commit()
    assert _policy(client, world.demo, {"by_severity": {"fault": "notify"}}).status_code == 200
    assert _consent(client, world.demo).status_code == 200
    # given an E2 alert on the customer's refrigerator
    opened = alert(
        db,
        world.demo,
        appliance_id=world.demo.appliance_id,
        category="refrigerator",
        cause="code_E2",
        code="E2",
    )
    # when the policy is applied (the job), twice
    assert policy.apply_pending(db, now=clock.now()) == {"notified": 1}
    assert policy.apply_pending(db, now=clock.now()) == {}
    db.commit()
    # then the alert is notified, and the customer's inbox has one message with the tip in plain Chinese
    assert db.get(TelemetryAlert, opened.id).status == "notified"
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "proactive.alert_tip")).all()
    assert {(m.channel, m.recipient) for m in messages} >= {("inbox", f"customer:{world.demo.customer_id}")}
    text = render("proactive.alert_tip", messages[0].context, "zh")
    assert "冰箱" in text.body and "5分钟后再开机" in text.body
    audit = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == opened.id)).all()
    assert "telemetry.alert.notify" in audit


def test_without_consent_the_alert_stays_open_for_staff(client, world, db):
    assert _policy(client, world.demo, {"default": "order"}).status_code == 200
    opened = alert(
        db,
        world.demo,
        appliance_id=world.demo.appliance_id,
        category="refrigerator",
        cause="code_E2",
        code="E2",
    )
    assert policy.apply_pending(db, now=clock.now()) == {"no_consent": 1}
    db.commit()
    assert db.get(TelemetryAlert, opened.id).status == "open"
    assert (
        db.scalar(select(ProactiveAction.outcome).where(ProactiveAction.alert_id == opened.id))
        == "no_consent"
    )
    assert db.scalar(select(WorkOrder.id).where(WorkOrder.channel == "iot")) is None
    assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.event == "proactive.alert_tip")) is None


def test_an_order_policy_opens_a_proactive_iot_order(client, world, db):
    assert (
        _policy(client, world.demo, {"by_cause": {"code_E2": "order"}, "default": "notify"}).status_code
        == 200
    )
    assert _consent(client, world.demo).status_code == 200
    opened = alert(
        db,
        world.demo,
        appliance_id=world.demo.appliance_id,
        category="refrigerator",
        cause="code_E2",
        code="E2",
    )
    # a cause without a rule of its own falls back to the default, which has no tip here: left to staff
    assert policy.apply_pending(db, now=clock.now()) == {"converted": 1}
    db.commit()
    converted = db.get(TelemetryAlert, opened.id)
    order = db.get(WorkOrder, converted.work_order_id)
    assert converted.status == "converted" and order.channel == "iot"
    assert order.customer_id == world.demo.customer_id
    action = db.scalar(select(ProactiveAction).where(ProactiveAction.alert_id == opened.id))
    assert (action.decision, action.work_order_id) == ("order", order.id)


def test_none_leaves_it_to_staff(client, world, db):
    assert _consent(client, world.demo).status_code == 200
    opened = alert(
        db,
        world.demo,
        appliance_id=world.demo.appliance_id,
        category="refrigerator",
        cause="code_E2",
        code="E2",
    )
    assert policy.apply_pending(db, now=clock.now()) == {"none": 1}
    db.commit()
    assert db.get(TelemetryAlert, opened.id).status == "open"


def test_consent_is_the_customers_own_and_audited(client, world, db):
    # the customer sets their own; another customer's is hidden; a technician may not; an agent records it
    assert _consent(client, world.demo).json()["granted"] is True
    assert _consent(client, world.demo, customer_id=world.demo.other_customer_id).status_code == 404
    assert _consent(client, world.demo, role="technician").status_code == 403
    agent = _consent(client, world.demo, granted=False, role="agent")
    assert agent.status_code == 200 and agent.json()["source"] == "agent"
    # and the other tenant's agent cannot reach this customer
    assert _consent(client, world.acme, role="agent", customer_id=world.demo.customer_id).status_code == 404
    changes = db.scalars(select(AuditEvent.action).where(AuditEvent.action == "customer.consent.set")).all()
    assert len(changes) == 2


def test_a_codes_meaning_is_the_appliances_brands(world, db):
    # given the seed's air-conditioner E1, which means one thing on a 格力 and another on a 美的
    knowledge_service.load_seed(db, tenant_id=world.demo.tenant.id)
    code = SimpleNamespace(error_code="E1", cause="code_E1")
    tip = partial(policy.tip_for, db, tenant_id=world.demo.tenant.id, category="air_conditioner", alert=code)
    # then each brand hears its own, and a brand the base has no meaning for hears the entry's title
    assert tip(brand="格力")[0] == "系统高压保护"
    assert tip(brand="美的")[0] == "室内外机通信故障"
    other = tip(brand="海尔")[0]
    assert other not in ("系统高压保护", "室内外机通信故障") and other
    # and a cause the base has no entry for gives no tip (the alert is left to staff)
    assert (
        policy.tip_for(
            db,
            tenant_id=world.demo.tenant.id,
            category="water_heater",
            alert=SimpleNamespace(error_code=None, cause="leakage"),
        )
        is None
    )
