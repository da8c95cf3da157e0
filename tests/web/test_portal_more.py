"""The portal beyond the first increment: changing the visit time to a window technicians can keep, the
appliances' service history, and the inbox pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import time_machine
from fastapi.testclient import TestClient

from anxin.config import Settings
from anxin.notify.delivery import deliver_due
from tests.conftest import CSRF_TOKEN, World
from tests.helpers import act, report

ZONE = ZoneInfo("Asia/Shanghai")


def test_customer_books_an_open_window_and_sees_it_on_the_order(
    client: TestClient, world: World, sign_in
) -> None:
    # Given an accepted order on a weekday morning, and the customer signed in to the portal
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE), tick=False):
        order = report(client, world.demo).json()
        assert act(client, world.demo, order["id"], "agent", "accept").status_code == 200
        sign_in(client, "customer01@demo")
        # When the customer opens the slot page
        page = client.get(f"/portal/orders/{order['id']}/slots")
        assert page.status_code == 200
        assert 'name="start"' in page.text
        token = CSRF_TOKEN.search(page.text).group(1)
        # and books the afternoon window
        start = datetime(2026, 12, 2, 14, 0, tzinfo=ZONE).astimezone(UTC).isoformat()
        assert start in page.text
        booked = client.post(
            f"/portal/orders/{order['id']}/book-slot",
            data={"start": start, "csrf_token": token},
            follow_redirects=False,
        )
        # Then the order carries the appointment and a held reservation
        assert booked.status_code == 303, booked.text
        read = client.get(f"/api/v1/work-orders/{order['id']}", headers=world.demo.headers("agent")).json()
        assert datetime.fromisoformat(read["appointment_start_at"]) == datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
        again = client.get(f"/portal/orders/{order['id']}/slots")
        assert "14:00–16:00" in again.text


def test_a_window_that_is_no_window_start_is_refused(client: TestClient, world: World, sign_in) -> None:
    with time_machine.travel(datetime(2026, 12, 2, 9, 0, tzinfo=ZONE), tick=False):
        order = report(client, world.demo).json()
        act(client, world.demo, order["id"], "agent", "accept")
        sign_in(client, "customer01@demo")
        token = CSRF_TOKEN.search(client.get(f"/portal/orders/{order['id']}/slots").text).group(1)
        odd = datetime(2026, 12, 2, 14, 17, tzinfo=ZONE).isoformat()
        refused = client.post(
            f"/portal/orders/{order['id']}/book-slot", data={"start": odd, "csrf_token": token}
        )
        assert refused.status_code in (409, 422), refused.status_code
        read = client.get(f"/api/v1/work-orders/{order['id']}", headers=world.demo.headers("agent")).json()
        assert read["appointment_start_at"] is None


def test_another_customers_order_has_no_slot_page(client: TestClient, world: World, sign_in) -> None:
    order = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()
    sign_in(client, "customer01@demo")
    assert client.get(f"/portal/orders/{order['id']}/slots").status_code == 404


def test_the_portal_lists_each_appliances_service_history(client: TestClient, world: World, sign_in) -> None:
    order = report(client, world.demo, fault_description="冰箱冷冻室结霜严重").json()
    sign_in(client, "customer01@demo")
    home = client.get("/portal").text
    history = home[home.index('class="history"') :]
    assert f'href="/portal/orders/{order["id"]}"' in history and "冰箱冷冻室结霜严重" in history
    # customer02's appliance has no history of customer01's order
    sign_in(client, "customer02@demo")
    assert 'class="history"' not in client.get("/portal").text


def test_the_inbox_pages_show_each_person_their_own_messages(
    client: TestClient, world: World, sessionmaker_, sign_in
) -> None:
    # Given an order accepted: the customer was told (inbox and SMS), and the outbox delivered it
    order = report(client, world.demo).json()
    act(client, world.demo, order["id"], "agent", "accept")
    deliver_due(sessionmaker_, settings=Settings())
    # When the customer opens the portal's inbox
    sign_in(client, "customer01@demo")
    page = client.get("/portal/inbox")
    assert page.status_code == 200
    assert order["number"] in page.text and 'id="unread"' in page.text
    # and opens the message: it is read, and the link leads to the order page
    token = CSRF_TOKEN.search(page.text).group(1)
    item_id = int(re.search(r'action="/portal/inbox/(\d+)/read"', page.text).group(1))
    opened = client.post(f"/portal/inbox/{item_id}/read", data={"csrf_token": token}, follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/portal/orders/")
    # Then another customer's inbox holds none of it, and cannot open it either
    sign_in(client, "customer02@demo")
    other = client.get("/portal/inbox")
    assert order["number"] not in other.text
    token = CSRF_TOKEN.search(other.text).group(1)
    assert client.post(f"/portal/inbox/{item_id}/read", data={"csrf_token": token}).status_code == 404
    # and the staff inbox is a separate page, refused to customers
    assert client.get("/inbox", follow_redirects=False).status_code in (303, 403)
