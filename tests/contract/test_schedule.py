"""The contracts' periodic job: a care plan's due visit becomes a work order once, however often the job
runs; a renewal notice goes out once, 30 days before the end, and the renewal continues the contract;
an ended contract expires."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin import jobs
from anxin.contract.models import ContractVisit, ServiceContract
from anxin.notify.models import OutboxMessage
from anxin.notify.templates import render
from anxin.work_order.models import WorkOrder
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS, plan, sold
from tests.dates import local_today


@pytest.fixture
def job(sessionmaker_):
    jobs.use(sessionmaker_)
    yield jobs.contract_pass
    jobs.use(None)


def test_the_care_plans_due_visit_becomes_one_order_however_often_the_job_runs(
    client, world, job, sessionmaker_
):
    # given a care plan sold today: its first visit is due today
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, CARE_CLEANING)["id"])
    # when the job runs twice
    first, second = job(), job()
    # then one order was created, the first time only
    assert (first["visits"], second["visits"]) == (1, 0)
    with sessionmaker_() as db:
        [visit] = db.scalars(select(ContractVisit).where(ContractVisit.contract_id == contract["id"])).all()
        created = db.get(WorkOrder, visit.work_order_id)
        # a cleaning from the plan's channel, billed to the plan, for customer02's refrigerator
        assert (visit.visit_no, visit.due_date, visit.skipped) == (1, local_today(), False)
        assert (created.channel, created.service_type, created.billing_category) == (
            "care_plan",
            "cleaning",
            "B",
        )
        assert (created.customer_id, created.appliance_id) == (
            demo.other_customer_id,
            demo.other_appliance_id,
        )
        assert contract["number"] in created.fault_description
    # and the visit is counted on the contract
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).json()
    assert (read["visits_used"], read["visits_left"]) == (1, 1)
    # and the orders' list filters by the new channel
    listed = client.get("/api/v1/work-orders", params={"channel": "care_plan"}, headers=demo.headers("agent"))
    assert listed.status_code == 200 and [o["id"] for o in listed.json()["items"]] == [created.id]


def test_the_second_visit_waits_for_its_day(client, world, job, sessionmaker_):
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, CARE_CLEANING)["id"])
    job()
    with sessionmaker_() as db:
        count = db.scalar(
            select(func.count(ContractVisit.id)).where(ContractVisit.contract_id == contract["id"])
        )
    assert count == 1  # the second of two visits falls due half a year on


def ending_in(sessionmaker_, contract_id: int, days: int) -> None:
    """Move a contract's dates so it ends ``days`` from today."""
    with sessionmaker_() as db, db.begin():
        row = db.get(ServiceContract, contract_id)
        row.end_date = local_today() + timedelta(days=days)
        row.start_date = row.end_date - timedelta(days=729)


def test_a_renewal_notice_goes_out_once_thirty_days_before_the_end_with_the_offer(
    client, world, job, sessionmaker_
):
    # given an extended warranty ending in 40 days, and another ending in 20
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    far = sold(client, demo, ew["id"], purchase_price_fen=450_000)
    near = sold(client, demo, ew["id"], appliance_id=demo.appliance_id, purchase_price_fen=450_000)
    ending_in(sessionmaker_, far["id"], 40)
    ending_in(sessionmaker_, near["id"], 20)
    # when the job runs twice
    assert (job()["renewal_notices"], job()["renewal_notices"]) == (1, 0)
    # then the customer of the near one was told once, in the inbox and by SMS, and the far one not yet
    with sessionmaker_() as db:
        sent = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "contract.renewal_due")).all()
        assert sorted(m.channel for m in sent) == ["inbox", "sms"]
        assert {m.recipient for m in sent} >= {f"customer:{demo.customer_id}"}
        text = render("contract.renewal_due", sent[0].context)
        assert near["number"] in text.title and "449.10" in text.body and "10%" in text.body
        assert render("contract.renewal_due", sent[0].context, "en").title.startswith("Contract")
    # and the contract shows the offer: 10% off, continuing the day after it ends
    read = client.get(f"/api/v1/contracts/{near['id']}", headers=demo.headers("customer")).json()
    offer = read["renewal_offer"]
    end = local_today() + timedelta(days=20)
    assert (offer["price_fen"], offer["start_date"]) == (44_910, (end + timedelta(days=1)).isoformat())
    assert read["renewal_noticed_at"] is not None
    assert (
        client.get(f"/api/v1/contracts/{far['id']}", headers=demo.headers("agent")).json()["renewal_offer"]
        is None
    )


def test_the_customer_renews_and_the_new_contract_continues_the_old(client, world, sessionmaker_):
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    old = sold(client, demo, ew["id"], appliance_id=demo.appliance_id, purchase_price_fen=200_000)
    ending_in(sessionmaker_, old["id"], 40)
    # too early: outside the last 30 days
    early = client.post(f"/api/v1/contracts/{old['id']}/renew", json={}, headers=demo.headers("customer"))
    assert (early.status_code, early.json()["error"]["code"]) == (409, "not_renewable_yet")
    ending_in(sessionmaker_, old["id"], 10)
    renewed = client.post(f"/api/v1/contracts/{old['id']}/renew", json={}, headers=demo.headers("customer"))
    assert renewed.status_code == 201, renewed.text
    new = renewed.json()
    end = local_today() + timedelta(days=10)
    assert (new["renewed_from_id"], new["start_date"], new["price_fen"]) == (
        old["id"],
        (end + timedelta(days=1)).isoformat(),
        29_900 * 90 // 100,
    )
    # the old one names its renewal and offers nothing more; a second renewal is refused
    read = client.get(f"/api/v1/contracts/{old['id']}", headers=demo.headers("customer")).json()
    assert (read["renewed_by_id"], read["renewal_offer"]) == (new["id"], None)
    again = client.post(f"/api/v1/contracts/{old['id']}/renew", json={}, headers=demo.headers("customer"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_renewed")


def test_an_ended_contract_expires(client, world, job, sessionmaker_):
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"])
    ending_in(sessionmaker_, contract["id"], -1)
    assert job()["expired"] == 1
    with sessionmaker_() as db:
        assert db.get(ServiceContract, contract["id"]).status == "expired"
    # and an order now is the customer's to pay
    created = client.post(
        "/api/v1/work-orders",
        json={
            "customer_id": demo.other_customer_id,
            "appliance_id": demo.other_appliance_id,
            "service_type": "repair",
            "channel": "hotline",
            "fault_description": "不制冷",
        },
        headers=demo.headers("agent"),
    )
    assert created.json()["billing_category"] == "A"


def test_a_visit_waits_while_the_customer_has_an_open_order_of_the_service(client, world, job, sessionmaker_):
    # given a cleaning the customer reported themselves, then a care plan sold for the same appliance
    demo = world.demo
    reported = client.post(
        "/api/v1/work-orders",
        json={
            "customer_id": demo.other_customer_id,
            "appliance_id": demo.other_appliance_id,
            "service_type": "cleaning",
            "channel": "hotline",
            "fault_description": "清洗",
        },
        headers=demo.headers("agent"),
    ).json()
    contract = sold(client, demo, plan(client, demo, CARE_CLEANING)["id"])
    # when the job runs
    assert job()["visits"] == 0
    # then no visit is written while that order is open
    with sessionmaker_() as db:
        assert (
            db.scalars(select(ContractVisit).where(ContractVisit.contract_id == contract["id"])).all() == []
        )
    # and once it is cancelled, the next run creates the visit
    client.post(
        f"/api/v1/work-orders/{reported['id']}/cancel", json={"reason": "改约"}, headers=demo.headers("agent")
    )
    assert job()["visits"] == 1
