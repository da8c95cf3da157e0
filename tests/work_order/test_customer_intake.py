"""What a customer may set when reporting a fault themselves: the channel is one of theirs (the app or
WeChat), the work is never internal, and the household flags come from their record. Staff may set all
three; the portal's report form reports through the app."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from anxin.customer.models import Customer
from tests.conftest import CSRF_TOKEN, World
from tests.helpers import report


def orders_of(client: TestClient, world: World) -> int:
    return client.get("/api/v1/work-orders", headers=world.demo.headers("agent")).json()["total"]


@pytest.mark.parametrize("channel", ["hotline", "brand_system", "retailer_system", "ecommerce", "complaint"])
def test_a_customer_cannot_report_through_a_staff_or_partner_channel(client, world: World, channel):
    # When the customer reports their own appliance through a channel that is not theirs
    answer = report(client, world.demo, role="customer", channel=channel)
    # Then it is refused naming the channel, and no order was made
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "channel: 客户只能通过 App 或微信报修",
        "field": "channel",
    }
    assert orders_of(client, world) == 0


@pytest.mark.parametrize("channel", ["app", "wechat"])
def test_a_customer_reports_through_the_app_or_wechat(client, world: World, channel):
    answer = report(client, world.demo, role="customer", channel=channel)
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == channel and answer.json()["billing_category"] == "C"


def test_a_customer_cannot_make_their_report_internal_work(client, world: World):
    # When a customer marks the report as internal work (billed D: nobody charges anyone)
    answer = report(client, world.demo, role="customer", channel="app", internal=True)
    # Then it is refused naming the field
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "internal", answer.text
    assert orders_of(client, world) == 0
    # while staff may record internal work
    staff = report(client, world.demo, channel="hotline", internal=True)
    assert staff.status_code == 201 and staff.json()["billing_category"] == "D"


@pytest.mark.parametrize("flag", ["elderly_household", "infant_household"])
@pytest.mark.parametrize("value", [True, False])
def test_a_customer_cannot_set_the_household_flags(client, world: World, flag, value):
    answer = report(client, world.demo, role="customer", channel="app", **{flag: value})
    assert answer.status_code == 422 and answer.json()["error"]["field"] == flag, answer.text
    assert orders_of(client, world) == 0


def test_the_household_flags_come_from_the_record_for_a_customer_and_from_staff_when_they_say(
    client, world: World, db
):
    # Given a customer whose record says an elderly person lives there
    db.get(Customer, world.demo.customer_id).elderly_household = True
    db.commit()
    # When the customer reports without the flags
    own = report(client, world.demo, role="customer", channel="app")
    # Then the order carries the record's flags
    assert own.status_code == 201, own.text
    assert own.json()["elderly_household"] is True and own.json()["infant_household"] is False
    # and an agent who learns otherwise on the phone may say so for another order
    told = report(client, world.demo, service_type="cleaning", elderly_household=False, infant_household=True)
    assert told.status_code == 201, told.text
    assert told.json()["elderly_household"] is False and told.json()["infant_household"] is True


def test_the_portals_report_form_still_reports_through_the_app(client: TestClient, world: World, sign_in):
    # Given the customer signed in to the portal
    sign_in(client, "customer01@demo")
    form = client.get("/portal/report").text
    appliance = re.search(r'name="appliance_id" value="(\d+)"', form) or re.search(
        r'<option value="(\d+)"', form
    )
    # When they report a fault through the form
    answer = client.post(
        "/portal/report",
        data={
            "appliance_id": appliance.group(1),
            "description": "冰箱不制冷",
            "csrf_token": CSRF_TOKEN.search(form).group(1),
        },
        follow_redirects=False,
    )
    # Then the order is made, through the app channel
    assert answer.status_code == 303, answer.text
    order_id = int(re.search(r"/portal/orders/(\d+)", answer.headers["location"]).group(1))
    read = client.get(f"/api/v1/work-orders/{order_id}", headers=world.demo.headers("agent")).json()
    assert read["channel"] == "app" and read["customer_id"] == world.demo.customer_id


def test_an_appliance_id_beyond_a_key_on_the_portals_report_form_is_refused(
    client: TestClient, world: World, sign_in
):
    sign_in(client, "customer01@demo")
    form = client.get("/portal/report").text
    answer = client.post(
        "/portal/report",
        data={
            "appliance_id": str(2**63),
            "description": "冰箱不制冷",
            "csrf_token": CSRF_TOKEN.search(form).group(1),
        },
    )
    assert answer.status_code == 422, answer.text
    assert orders_of(client, world) == 0
