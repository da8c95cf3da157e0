"""Reaching each other through the relay number (隐私号), in a real browser at phone size: the customer's
order page has "联系师傅", the technician's appointment step "联系客户", both ``tel:`` links to the same
relay number the demo provider bound on assignment; neither page shows the other's whole number. The
server runs with the demo telephony provider (``ANXIN_TELEPHONY_PROVIDER=demo``). Screenshots of both, and
of the customer's page at a desktop width and in English."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import World
from tests.e2e.conftest import DESKTOP, built_world, serving
from tests.e2e.test_main_flow import customer_login, staff_login
from tests.helpers import report, walk

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def relay_world(tmp_path_factory) -> Iterator[tuple[str, World]]:
    """A server with the demo telephony provider, and its world."""
    folder = tmp_path_factory.mktemp("e2e-relay")
    url, world = built_world(folder)
    before = os.environ.get("ANXIN_TELEPHONY_PROVIDER")
    os.environ["ANXIN_TELEPHONY_PROVIDER"] = "demo"  # the server inherits it
    try:
        with serving(folder, url) as base:
            yield base, world
    finally:
        if before is None:
            os.environ.pop("ANXIN_TELEPHONY_PROVIDER", None)
        else:
            os.environ["ANXIN_TELEPHONY_PROVIDER"] = before


def assigned(base: str, world: World) -> tuple[int, str]:
    """customer01's refrigerator reported and assigned to tech01; the order's id and its relay number as
    the API gives it to the customer."""
    demo = world.demo
    with httpx.Client(base_url=base, timeout=20) as api:
        order = report(api, demo)
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        walk(api, demo, order_id, until="acknowledge")
        relay = api.get(f"/api/v1/work-orders/{order_id}/relay", headers=demo.headers("customer"))
        assert relay.status_code == 200, relay.text
    return order_id, relay.json()["relay_number"]


def test_customer_and_technician_call_each_other_through_the_relay(
    browser, relay_world, screenshots: Path
) -> None:
    base, world = relay_world
    order_id, number = assigned(base, world)
    assert number.startswith("170")

    # The customer, on a phone: one button to call the technician, through the relay
    customer = browser.new_context(viewport=PHONE_390, device_scale_factor=2, locale="zh-CN").new_page()
    errors: list[str] = []
    customer.on("pageerror", lambda error: errors.append(str(error)))
    customer_login(customer, base, "13800000001")
    customer.goto(f"{base}/portal/orders/{order_id}")
    call = customer.locator("#call-technician")
    call.wait_for()
    assert call.inner_text().strip().endswith("联系师傅")
    assert call.get_attribute("href") == f"tel:{number}"
    assert call.is_visible() and call.bounding_box()["width"] <= 390
    assert "13900000001" not in customer.content()
    customer.screenshot(path=str(screenshots / "relay-portal-phone.png"), full_page=True)
    # the live part is polled every 5 seconds: the button is still there after a poll
    customer.wait_for_timeout(5500)
    assert customer.locator("#call-technician").get_attribute("href") == f"tel:{number}"

    # The technician, on a phone: the appointment step calls the customer through the same number
    tech = browser.new_context(viewport=PHONE_390, device_scale_factor=2, locale="zh-CN").new_page()
    tech.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(tech, base, "tech01@demo")
    tech.goto(f"{base}/tech/orders/{order_id}")
    step_call = tech.locator("#appointment #call-customer")
    step_call.wait_for()
    assert step_call.get_attribute("href") == f"tel:{number}"
    assert "联系客户" in step_call.inner_text()
    assert "13800000001" not in tech.content() and "138****0001" in tech.content()
    tech.locator("#appointment").scroll_into_view_if_needed()
    tech.screenshot(path=str(screenshots / "relay-tech-phone.png"), full_page=True)

    # The customer's page at a desktop width, and in English
    customer.set_viewport_size(DESKTOP)
    customer.goto(f"{base}/portal/orders/{order_id}?lang=en")
    assert customer.locator("#call-technician").inner_text().strip().endswith("Call the technician")
    customer.screenshot(path=str(screenshots / "relay-portal-desktop-en.png"), full_page=True)
    assert errors == []
