"""The contracts' pages: the customer's contracts in the portal (what is left, the renewal offer, buying
for their own appliance), the admins' plans in the console; Chinese first, nothing internal shown."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.contract.models import ServiceContract, ServicePlan
from tests.conftest import page_csrf, page_session
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS, plan, sold
from tests.dates import local_today


def signed_in(client: TestClient, user, path: str) -> str:
    client.cookies.clear()
    page_session(client, user)
    return page_csrf(client, path)


def test_the_customer_buys_a_plan_for_their_appliance_and_sees_it_with_its_visits(
    client, world, sessionmaker_
):
    demo = world.demo
    care = plan(client, demo, CARE_CLEANING)
    plan(client, demo, EW_TWO_YEARS)
    token = signed_in(client, demo.users["customer"], "/portal/contracts")
    # the buying page lists the plans for the refrigerator, priced in yuan, in Chinese
    page = client.get("/portal/contracts/buy", params={"appliance": demo.appliance_id})
    assert page.status_code == 200
    for shown in (
        "冰箱清洁年卡",
        "¥199.00",
        "含 2 次上门清洗",
        "冰箱延保 2 年",
        "购机价 ¥3,000.00 以内：¥299.00",
    ):
        assert shown in page.text, shown
    # when the customer buys the care plan
    bought = client.post(
        "/portal/contracts",
        data={"appliance_id": demo.appliance_id, "plan_id": care["id"], "csrf_token": token},
        follow_redirects=False,
    )
    assert bought.status_code == 303, bought.text
    # then it shows in their contracts with both visits left, and nothing internal
    page = client.get("/portal/contracts?done=bought")
    for shown in ("购买成功", "冰箱清洁年卡", "生效中", "剩余上门次数", "2</strong> / 2", "保养套餐"):
        assert shown in page.text, shown
    visible = re.sub(r"<[^>]+>", " ", page.text)
    assert not {"care", "active", "cleaning", "extended_warranty"} & set(visible.split())
    # and another customer's appliance cannot be bought for
    refused = client.post(
        "/portal/contracts",
        data={"appliance_id": demo.other_appliance_id, "plan_id": care["id"], "csrf_token": token},
    )
    assert refused.status_code == 404
    assert (
        client.get("/portal/contracts/buy", params={"appliance": demo.other_appliance_id}).status_code == 404
    )
    # and in English
    assert "Visits left" in client.get("/portal/contracts?lang=en").text


def test_the_customer_renews_from_the_offer(client, world, sessionmaker_):
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"], appliance_id=demo.appliance_id)
    with sessionmaker_() as db, db.begin():
        row = db.get(ServiceContract, contract["id"])
        row.end_date = local_today() + timedelta(days=15)
        row.start_date = row.end_date - timedelta(days=729)
    token = signed_in(client, demo.users["customer"], "/portal/contracts")
    page = client.get("/portal/contracts")
    assert "续约优惠：¥809.10" in page.text and "立即续约" in page.text  # the top band, 10% off
    renewed = client.post(
        f"/portal/contracts/{contract['id']}/renew", data={"csrf_token": token}, follow_redirects=False
    )
    assert renewed.status_code == 303
    page = client.get("/portal/contracts?done=renewed")
    assert "续约成功" in page.text and "已续约" in page.text and "立即续约" not in page.text


def test_the_admin_creates_edits_and_retires_a_plan_on_the_console(client, world, sessionmaker_):
    demo = world.demo
    token = signed_in(client, demo.users["admin"], "/console/service-plans")
    made = client.post(
        "/console/service-plans",
        data={
            "csrf_token": token,
            "code": "AC-CLEAN",
            "kind": "care",
            "name_zh": "空调清洗年卡",
            "name_en": "AC cleaning",
            "category": "air_conditioner",
            "term_months": "12",
            "price": "199",
            "visits": "1",
            "service_type": "cleaning",
            "renewal_discount_percent": "10",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    with sessionmaker_() as db:
        saved = db.scalar(select(ServicePlan).where(ServicePlan.code == "AC-CLEAN"))
        assert (saved.price_fen, saved.visits, saved.category_code) == (19_900, 1, "air_conditioner")
    page = client.get(made.headers["location"])
    assert "已保存" in page.text and "空调清洗年卡" in page.text
    # an extended warranty with its bands, from the form's pairs
    made = client.post(
        "/console/service-plans",
        data={
            "csrf_token": token,
            "code": "EW-3Y",
            "kind": "extended_warranty",
            "name_zh": "延保 3 年",
            "name_en": "3-year extended warranty",
            "term_months": "36",
            "band_up": ["3000", "", ""],
            "band_price": ["299", "599", ""],
        },
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    with sessionmaker_() as db:
        ew = db.scalar(select(ServicePlan).where(ServicePlan.code == "EW-3Y"))
        assert ew.bands == [
            {"up_to_fen": 300_000, "price_fen": 29_900},
            {"up_to_fen": None, "price_fen": 59_900},
        ]
    # the list shows both, in Chinese
    listing = client.get("/console/service-plans").text
    assert "延保 3 年" in listing and "延长保修" in listing and "2 档：¥299.00–¥599.00" in listing
    # a bad term is an error page naming the field
    bad = client.post(
        f"/console/service-plans/{ew.id}",
        data={
            "csrf_token": token,
            "name_zh": "x",
            "name_en": "x",
            "term_months": "30",
            "band_price": ["1"],
            "band_up": [""],
        },
    )
    assert bad.status_code == 422 and "term_months" in bad.text
    # retired: no longer on sale to customers
    client.post(f"/console/service-plans/{saved.id}/retire", data={"csrf_token": token})
    listed = client.get("/api/v1/service-plans", headers=demo.headers("customer")).json()
    assert "AC-CLEAN" not in [p["code"] for p in listed]
    # a customer may not open the console's plans
    signed_in(client, demo.users["customer"], "/portal")
    assert client.get("/console/service-plans").status_code == 403


def test_the_pages_do_not_reach_another_customers_contract_or_another_tenants_plan(client, world):
    demo, acme = world.demo, world.acme
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"])  # customer02's
    acme_plan = plan(client, acme, CARE_CLEANING)
    # customer01 renewing customer02's contract: as if it did not exist
    token = signed_in(client, demo.users["customer"], "/portal/contracts")
    answer = client.post(f"/portal/contracts/{contract['id']}/renew", data={"csrf_token": token})
    assert answer.status_code == 404
    assert contract["number"] not in client.get("/portal/contracts").text  # and not listed
    # demo's admin opening or retiring acme's plan
    token = signed_in(client, demo.users["admin"], "/console/service-plans")
    assert client.get(f"/console/service-plans/{acme_plan['id']}").status_code == 404
    retired = client.post(f"/console/service-plans/{acme_plan['id']}/retire", data={"csrf_token": token})
    assert retired.status_code == 404
    listed = client.get("/api/v1/service-plans", headers=acme.headers("customer")).json()
    assert [p["status"] for p in listed] == ["active"]
