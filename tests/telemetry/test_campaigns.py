"""The pre-summer AC cleaning campaign: air conditioners with high run hours and no cleaning order this
year get one offer per season (with the tenant's AC care plan), only with the customer's consent; who was
targeted and why is recorded."""

from __future__ import annotations

from sqlalchemy import select

from anxin.notify.models import OutboxMessage
from anxin.notify.templates import render
from anxin.proactive.models import CampaignTarget
from tests.contract.helpers import AC_CARE, plan
from tests.dates import months_ago
from tests.telemetry.proactive_scene import air_conditioner, run_hours


def _consent(client, world, customer_id, role="agent"):
    answer = client.put(
        f"/api/v1/customers/{customer_id}/consent", json={"granted": True}, headers=world.headers(role)
    )
    assert answer.status_code == 200, answer.text


def _run(client, world, **body):
    return client.post(
        "/api/v1/campaigns", json={"kind": "ac_cleaning", **body}, headers=world.headers("admin")
    )


def test_due_air_conditioners_get_one_offer_a_season(client, world, db):
    demo = world.demo
    heavy = air_conditioner(db, demo, customer_id=demo.customer_id, serial="AC-HEAVY", bought=months_ago(30))
    light = air_conditioner(db, demo, customer_id=demo.customer_id, serial="AC-LIGHT", bought=months_ago(30))
    other = air_conditioner(
        db, demo, customer_id=demo.other_customer_id, serial="AC-OTHER", bought=months_ago(30)
    )
    run_hours(db, demo, heavy, 1500)
    run_hours(db, demo, light, 100)
    run_hours(db, demo, other, 2500)
    db.commit()
    plan(client, demo, AC_CARE)
    _consent(client, demo, demo.customer_id)
    # when the admin runs it
    first = _run(client, demo)
    assert first.status_code == 201, first.text
    body = first.json()
    # then the heavy AC of the consenting customer is offered, the other customer's is left out (no consent)
    assert (body["counts"]["candidates"], body["counts"]["offered"], body["counts"]["no_consent"]) == (
        3,
        1,
        1,
    )
    assert body["counts"]["low_run_hours"] == 1
    targets = {t["appliance_id"]: t for t in body["targets"]}
    assert targets[heavy]["outcome"] == "offered" and targets[heavy]["reason"]["run_hours"] == 1500
    assert targets[other]["outcome"] == "no_consent"
    assert "climate:hot_summer_cold_winter" in targets[heavy]["reason"]["tags"]
    # and the offer names the care plan, in plain words
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "campaign.ac_cleaning")).first()
    text = render("campaign.ac_cleaning", message.context, "zh").body
    assert "1500小时" in text and AC_CARE["name_zh"] in text
    # when it runs again, nothing is offered twice; once the other customer consents, theirs is offered
    again = _run(client, demo).json()
    assert again["counts"]["offered"] == 0 and again["counts"]["already_offered"] == 1
    _consent(client, demo, demo.other_customer_id)
    third = _run(client, demo).json()
    assert third["counts"]["offered"] == 1
    db.commit()  # a fresh snapshot: the runs committed
    offered = db.scalars(select(CampaignTarget.appliance_id).where(CampaignTarget.outcome == "offered")).all()
    assert sorted(offered) == sorted([heavy, other])
    # and the run reads back by id, for the admin of its tenant only
    read = client.get(f"/api/v1/campaigns/{body['id']}", headers=demo.headers("admin"))
    assert read.status_code == 200 and read.json()["counts"] == body["counts"]
    assert (
        client.get(f"/api/v1/campaigns/{body['id']}", headers=world.acme.headers("admin")).status_code == 404
    )
    assert client.get(f"/api/v1/campaigns/{body['id']}", headers=demo.headers("agent")).status_code == 403


def test_an_ac_cleaned_this_year_is_skipped(client, world, db):
    demo = world.demo
    unit = air_conditioner(db, demo, customer_id=demo.customer_id, serial="AC-CLEAN", bought=months_ago(30))
    run_hours(db, demo, unit, 3000)
    db.commit()
    _consent(client, demo, demo.customer_id)
    order = client.post(
        "/api/v1/work-orders",
        json={
            "customer_id": demo.customer_id,
            "appliance_id": unit,
            "service_type": "cleaning",
            "channel": "hotline",
            "fault_description": "空调清洗",
        },
        headers=demo.headers("agent"),
    )
    assert order.status_code == 201, order.text
    counts = _run(client, demo).json()["counts"]
    assert (counts["offered"], counts["cleaned_this_year"]) == (0, 1)
