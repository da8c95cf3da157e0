"""Cancellation with a pro-rata refund in integer fen, recorded with its reason (the rule is
``contract.terms``'): the arithmetic on its own, then through the API."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.contract import terms
from anxin.contract.models import ServiceContract
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS, plan, sold
from tests.dates import local_today

TERM = terms.Term(date(2026, 1, 1), date(2026, 12, 31))  # 365 days


def test_before_the_start_everything_is_refunded():
    assert (
        terms.refund(kind="extended_warranty", price_fen=49_900, term=TERM, on=date(2025, 12, 1), claims=0)
        == 49_900
    )


def test_the_unused_days_share_is_refunded_rounded_down_to_the_fen():
    # cancelled on 1 July: 183 days of 365 unused
    assert terms.refund(
        kind="extended_warranty", price_fen=49_900, term=TERM, on=date(2026, 7, 1), claims=0
    ) == (49_900 * 183 // 365)
    assert (
        terms.refund(kind="extended_warranty", price_fen=49_900, term=TERM, on=date(2026, 7, 1), claims=0)
        == 25_018
    )
    # on the last day nothing is left
    assert (
        terms.refund(kind="extended_warranty", price_fen=49_900, term=TERM, on=date(2026, 12, 31), claims=0)
        == 0
    )


def test_an_extended_warranty_that_paid_a_claim_refunds_nothing():
    assert (
        terms.refund(kind="extended_warranty", price_fen=49_900, term=TERM, on=date(2026, 2, 1), claims=1)
        == 0
    )


def test_a_care_plan_refunds_the_smaller_of_its_unused_days_and_unused_visits():
    # early in the term (334 of 365 days unused) with one of two visits used: half the price
    assert (
        terms.refund(kind="care", price_fen=19_900, term=TERM, on=date(2026, 1, 31), claims=1, visits=2)
        == 9_950
    )
    # late in the term, no visit used: the days' share
    assert terms.refund(
        kind="care", price_fen=19_900, term=TERM, on=date(2026, 12, 1), claims=0, visits=2
    ) == (19_900 * 30 // 365)
    # every visit used: nothing
    assert (
        terms.refund(kind="care", price_fen=19_900, term=TERM, on=date(2026, 1, 2), claims=2, visits=2) == 0
    )


def test_the_renewal_price_and_the_visit_days_are_whole_numbers():
    assert terms.renewal_price(19_900, 15) == 16_915
    assert terms.renewal_price(29_999, 10) == 26_999
    assert terms.visit_due_dates(TERM, 2) == [date(2026, 1, 1), date(2026, 7, 2)]
    assert (
        terms.band_price([{"up_to_fen": 100, "price_fen": 1}, {"up_to_fen": None, "price_fen": 2}], 100) == 1
    )


def test_an_agent_cancels_with_the_refund_and_reason_recorded(client, world, sessionmaker_):
    # given a care plan sold 30 days ago, one of its two visits used
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, CARE_CLEANING)["id"])
    with sessionmaker_() as db, db.begin():
        row = db.get(ServiceContract, contract["id"])
        row.start_date = local_today() - timedelta(days=30)
        row.end_date = row.start_date + timedelta(days=364)
    created = client.post(
        "/api/v1/work-orders",
        json={
            "customer_id": demo.other_customer_id,
            "appliance_id": demo.other_appliance_id,
            "service_type": "cleaning",
            "channel": "hotline",
            "fault_description": "清洗",
        },
        headers=demo.headers("agent"),
    )
    assert created.json()["billing_category"] == "B"
    # a customer may not cancel; the agent does
    path = f"/api/v1/contracts/{contract['id']}/cancel"
    assert client.post(path, json={"reason": "搬家"}, headers=demo.headers("customer")).status_code == 403
    answer = client.post(path, json={"reason": "客户搬家，不再需要"}, headers=demo.headers("agent"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # then half the price comes back (one visit of two used; 334 of 365 days unused is more)
    assert (body["status"], body["refund_fen"], body["cancel_reason"]) == (
        "cancelled",
        9_950,
        "客户搬家，不再需要",
    )
    with sessionmaker_() as db:
        audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "contract.cancel"))
        assert audit is not None and audit.object_id == contract["id"]
    # and a second cancellation is refused
    again = client.post(path, json={"reason": "再次"}, headers=demo.headers("agent"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_transition")
    # and an empty reason is refused
    assert client.post(path, json={"reason": ""}, headers=demo.headers("agent")).status_code == 422


def test_an_extended_warranty_not_yet_started_refunds_everything(client, world):
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"], appliance_id=demo.appliance_id)
    answer = client.post(
        f"/api/v1/contracts/{contract['id']}/cancel", json={"reason": "误购"}, headers=demo.headers("admin")
    )
    assert answer.json()["refund_fen"] == contract["price_fen"]
