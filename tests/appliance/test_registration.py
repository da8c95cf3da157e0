"""Registering an appliance: its dates decide its warranty and so who pays, so they are checked whoever
registers it: not after the tenant's today, not before 1990, and the installation not before the
purchase. Rows written before these checks (an installation in 9999) still answer."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from anxin.appliance.models import Appliance
from tests.conftest import CSRF_TOKEN, World
from tests.dates import days_ahead, months_ago
from tests.helpers import report


def register(client, world: World, role: str = "customer", **overrides):
    demo = world.demo
    model_id = client.get("/api/v1/catalog/models", headers=demo.headers(role)).json()[0]["id"]
    body = {
        "product_model_id": model_id,
        "serial_number": "SN-REG-0001",
        "purchase_date": months_ago(2).isoformat(),
        "purchase_channel": "tmall",
        **overrides,
    }
    return client.post(
        f"/api/v1/customers/{demo.customer_id}/appliances", json=body, headers=demo.headers(role)
    )


def appliances_of(client, world: World) -> int:
    demo = world.demo
    return len(
        client.get(f"/api/v1/customers/{demo.customer_id}/appliances", headers=demo.headers("agent")).json()
    )


@pytest.mark.parametrize("role", ["customer", "agent"])
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"install_date": "2099-06-01"}, "install_date"),
        ({"install_date": "9999-12-31"}, "install_date"),
        ({"purchase_date": "2099-06-01", "install_date": "2099-06-02"}, "purchase_date"),
    ],
)
def test_a_day_in_the_future_is_refused_naming_the_field(client, world: World, role, overrides, field):
    # Given the appliances the customer has
    before = appliances_of(client, world)
    # When an appliance is registered as bought or installed in the future
    answer = register(client, world, role=role, **overrides)
    # Then it is refused naming the date, and nothing was registered
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert appliances_of(client, world) == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"purchase_date": "1989-12-31"}, "purchase_date"),
        ({"purchase_date": "0001-01-01"}, "purchase_date"),
        ({"purchase_date": "2020-01-01", "install_date": "1970-01-01"}, "install_date"),
        ({"purchase_date": "2020-03-01", "install_date": "2020-02-29"}, "install_date"),
    ],
)
def test_a_day_before_1990_or_an_installation_before_the_purchase_is_refused_naming_the_field(
    client, world: World, overrides, field
):
    answer = register(client, world, **overrides)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field


def test_today_and_the_past_are_accepted(client, world: World):
    answer = register(
        client, world, purchase_date=months_ago(1).isoformat(), install_date=days_ahead(0).isoformat()
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["install_date"] == days_ahead(0).isoformat()


def test_today_is_the_tenants_local_date(client, world: World):
    # Given 04:00 on 11 March in Shanghai, still 10 March in UTC
    with time_machine.travel(datetime(2027, 3, 10, 20, 0, tzinfo=UTC), tick=False):
        # When the customer registers an appliance installed this morning, local time
        today = register(client, world, purchase_date="2027-03-11", install_date="2027-03-11")
        # Then it is accepted, and tomorrow is not
        tomorrow = register(client, world, serial_number="SN-REG-0002", purchase_date="2027-03-12")
    assert today.status_code == 201, today.text
    assert tomorrow.status_code == 422 and tomorrow.json()["error"]["field"] == "purchase_date"


def test_the_portals_form_refuses_a_purchase_in_the_future_on_an_error_page(client, world: World, sign_in):
    # Given the customer on the portal's registration form
    sign_in(client, "customer01@demo")
    form = client.get("/portal/appliances/new").text
    model_id = re.search(r'"models": \[\{[^}]*"id": (\d+)', form).group(1)  # the picker's catalog
    fields = {
        "product_model_id": model_id,
        "serial_number": "SNFUTURE01",
        "purchase_channel": "jd",
        "csrf_token": CSRF_TOKEN.search(form).group(1),
    }
    # When the purchase date is next year, or before 1990
    future = client.post("/portal/appliances", data={**fields, "purchase_date": days_ahead(400).isoformat()})
    ancient = client.post("/portal/appliances", data={**fields, "purchase_date": "1900-01-01"})
    # Then each is an error page naming the purchase date
    for answer in (future, ancient):
        assert answer.status_code == 422 and "purchase_date" in answer.text and "<html" in answer.text


def test_an_appliance_installed_in_9999_before_the_checks_still_answers(client, world: World, db, sign_in):
    # Given an appliance row written before dates were checked, installed on the calendar's last day
    appliance = db.get(Appliance, world.demo.appliance_id)
    appliance.install_date = date(9999, 12, 31)
    db.commit()
    demo = world.demo
    # When its warranty is asked for, a fault is reported on it, and its owner opens the portal
    warranty = client.get(f"/api/v1/appliances/{demo.appliance_id}/warranty", headers=demo.headers("agent"))
    order = report(client, demo)
    sign_in(client, "customer01@demo")
    portal = client.get("/portal")
    # Then each answers: the warranty runs to the calendar's end, nothing overflows
    assert warranty.status_code == 200, warranty.text
    assert warranty.json()["unit_ends_on"] == "9999-12-31" and warranty.json()["status"] == "in_warranty"
    assert order.status_code == 201, order.text
    assert portal.status_code == 200 and "SNDEMO0000" in portal.text
