"""Selling a plan for an appliance: the price from the plan and the appliance's band, the dates, the
number; the plans that do not fit refused with 422 and their code; what others may not reach is 404."""

from __future__ import annotations

from datetime import timedelta

from anxin.appliance.warranty import add_months
from tests.contract.helpers import AC_CARE, CARE_CLEANING, EW_TWO_YEARS, plan, sell, sold
from tests.dates import local_today, months_ago


def test_an_agent_sells_an_extended_warranty_priced_by_band_from_today_when_out_of_warranty(client, world):
    # given the two-year extended warranty and customer02's refrigerator, out of its factory warranty
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    # when the agent sells it for a refrigerator bought for 4,500 yuan
    contract = sold(client, demo, ew["id"], purchase_price_fen=450_000)
    # then it is priced by the middle band, runs two years from today, and is active with a number
    today = local_today()
    assert contract["price_fen"] == 49_900
    assert contract["start_date"] == today.isoformat()
    assert contract["end_date"] == (add_months(today, 24) - timedelta(days=1)).isoformat()
    assert (contract["status"], contract["kind"]) == ("active", "extended_warranty")
    assert contract["number"].startswith("HT") and contract["visits_left"] is None
    assert contract["customer_id"] == demo.other_customer_id and contract["claims"] == []


def test_without_a_purchase_price_the_top_band_applies(client, world):
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    assert sold(client, demo, ew["id"])["price_fen"] == 89_900


def test_a_customer_buys_for_their_own_in_warranty_appliance_and_it_starts_when_the_factory_warranty_ends(
    client, world
):
    # given customer01's refrigerator, 18 months into its 36-month warranty
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    # when the customer buys the extended warranty themselves
    contract = sold(
        client, demo, ew["id"], appliance_id=demo.appliance_id, who="customer", purchase_price_fen=200_000
    )
    # then it starts the day the factory warranty ends and costs the lowest band
    factory_end = add_months(months_ago(18), 36)
    assert contract["start_date"] == factory_end.isoformat()
    assert contract["price_fen"] == 29_900
    # and the customer sees it in their list, filtered by the appliance
    mine = client.get(
        "/api/v1/contracts", params={"appliance_id": demo.appliance_id}, headers=demo.headers("customer")
    ).json()
    assert [c["id"] for c in mine["items"]] == [contract["id"]]


def test_a_care_plan_costs_its_price_and_counts_its_visits(client, world):
    demo = world.demo
    care = plan(client, demo, CARE_CLEANING)
    contract = sold(client, demo, care["id"])
    assert (contract["price_fen"], contract["visits"], contract["visits_left"]) == (19_900, 2, 2)
    assert contract["start_date"] == local_today().isoformat()


def test_plans_that_do_not_fit_are_refused_with_their_code(client, world):
    demo = world.demo
    ew = plan(client, demo, EW_TWO_YEARS)
    young_only = plan(client, demo, EW_TWO_YEARS | {"code": "EW-YOUNG", "max_age_months": 60})
    ac = plan(client, demo, AC_CARE)
    # another category's plan
    answer = sell(client, demo, ac["id"])
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "plan_category_mismatch")
    assert "空调" in answer.json()["error"]["message"]
    # an appliance older than the plan allows (93 months against 60)
    answer = sell(client, demo, young_only["id"])
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "appliance_too_old")
    # an appliance already covered by a contract of the kind
    sold(client, demo, ew["id"])
    answer = sell(client, demo, ew["id"])
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "already_covered")
    # a plan no longer sold
    client.post(f"/api/v1/service-plans/{young_only['id']}/retire", headers=demo.headers("admin"))
    answer = sell(client, demo, young_only["id"], appliance_id=demo.appliance_id)
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "plan_retired")
    # and the English message for an integrator
    answer = client.post(
        "/api/v1/contracts",
        json={"appliance_id": demo.other_appliance_id, "plan_id": ac["id"]},
        headers=demo.headers("agent") | {"Accept-Language": "en"},
    )
    assert "Air conditioner" in answer.json()["error"]["message"]


def test_what_another_tenant_or_customer_holds_is_not_found(client, world):
    demo, acme = world.demo, world.acme
    ew = plan(client, demo, EW_TWO_YEARS)
    contract = sold(client, demo, ew["id"])  # customer02's
    # a customer buying for another customer's appliance
    assert sell(client, demo, ew["id"], who="customer").status_code == 404
    # a customer reading another customer's contract, and it is not in their list
    assert (
        client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("customer")).status_code == 404
    )
    assert client.get("/api/v1/contracts", headers=demo.headers("customer")).json()["total"] == 0
    # another tenant's staff: the contract, the plan, and selling demo's plan for their own appliance
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=acme.headers("admin")).status_code == 404
    assert client.get(f"/api/v1/service-plans/{ew['id']}", headers=acme.headers("admin")).status_code == 404
    assert sell(client, acme, ew["id"]).status_code == 404
    assert client.get("/api/v1/contracts", headers=acme.headers("admin")).json()["total"] == 0
    # while customer02 sees their own
    assert client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).status_code == 200


def test_plans_are_listed_for_the_tenants_customers_by_category_and_kept_by_the_admin(client, world):
    demo = world.demo
    plan(client, demo, EW_TWO_YEARS)
    plan(client, demo, AC_CARE)
    listed = client.get(
        "/api/v1/service-plans", params={"category": "refrigerator"}, headers=demo.headers("customer")
    )
    assert listed.status_code == 200
    assert [(p["code"], p["kind"]) for p in listed.json()] == [("EW-RF-2Y", "extended_warranty")]
    # a customer may not create one; a bad plan is refused naming the field
    assert (
        client.post(
            "/api/v1/service-plans", json=AC_CARE | {"code": "X"}, headers=demo.headers("customer")
        ).status_code
        == 403
    )
    bad = client.post(
        "/api/v1/service-plans",
        json=EW_TWO_YEARS | {"code": "EW-5Y", "term_months": 30},
        headers=demo.headers("admin"),
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "term_months")
    taken = client.post("/api/v1/service-plans", json=EW_TWO_YEARS, headers=demo.headers("admin"))
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "code_taken")
