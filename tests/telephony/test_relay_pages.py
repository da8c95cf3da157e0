"""The call buttons to the relay number (隐私号): the customer's order page has "联系师傅", the technician's
(in the appointment step, and in the order's head once set off) "联系客户", both ``tel:`` links to the
relay number; neither page shows the other party's whole number beside it. Without a provider, or once
the order is finished, there is no button (the technician's page keeps the direct call it had)."""

from __future__ import annotations

import re

from sqlalchemy import select

from anxin.telephony.models import RelayBinding
from tests.conftest import page_session
from tests.telephony.test_relay import CUSTOMER, TECH, assigned, carry_on

TEL = re.compile(r'href="tel:(\d+)"')


def number_of(db, order_id: int) -> str:
    db.rollback()
    return db.scalar(select(RelayBinding.relay_number).where(RelayBinding.work_order_id == order_id))


def test_the_customer_sees_a_call_button_to_the_relay_number(client, world, db, relay_on) -> None:
    order_id = assigned(client, world)
    number = number_of(db, order_id)
    page_session(client, world.demo.users["customer"])

    page = client.get(f"/portal/orders/{order_id}")
    live = client.get(f"/portal/orders/{order_id}/live")
    english = client.get(f"/portal/orders/{order_id}", params={"lang": "en"})

    assert page.status_code == 200
    assert 'id="call-technician"' in page.text and "联系师傅" in page.text
    assert TEL.findall(page.text) == [number] and TEL.findall(live.text) == [number]
    assert f"经隐私号 {number[:3]} {number[3:7]} {number[7:]} 接通师傅" in page.text  # spaced to read out
    assert TECH not in page.text
    assert "Call the technician" in english.text and "联系师傅" not in english.text


def test_the_technician_calls_the_customer_through_the_relay_in_the_appointment_step(
    client, world, db, relay_on
) -> None:
    order_id = assigned(client, world)
    number = number_of(db, order_id)
    page_session(client, world.demo.users["technician"])

    page = client.get(f"/tech/orders/{order_id}")

    assert page.status_code == 200
    step = page.text[page.text.index('id="appointment"') :]
    assert 'id="call-customer"' in step and "联系客户" in step
    assert TEL.findall(page.text) == [number]  # the relay only: no direct call to the customer's number
    assert CUSTOMER not in page.text and "138****0001" in page.text
    english = client.get(f"/tech/orders/{order_id}", params={"lang": "en"})
    assert "Call the customer" in english.text and "the customer does not see your number" in english.text


def test_once_set_off_the_button_is_in_the_orders_head(client, world, db, relay_on) -> None:
    order_id = assigned(client, world)
    number = number_of(db, order_id)
    carry_on(client, world, order_id, until="depart")
    page_session(client, world.demo.users["technician"])

    page = client.get(f"/tech/orders/{order_id}")

    start = page.text.index('id="order-head"')
    head = page.text[start : page.text.index("</section>", start)]
    assert TEL.findall(head) == [number] and 'id="call-customer"' in head


def test_without_a_provider_there_is_no_relay_button(client, world, relay_off) -> None:
    order_id = assigned(client, world)
    page_session(client, world.demo.users["customer"])
    assert "call-technician" not in client.get(f"/portal/orders/{order_id}").text
    page_session(client, world.demo.users["technician"])
    tech = client.get(f"/tech/orders/{order_id}").text
    assert "call-customer" not in tech and f"tel:{CUSTOMER}" in tech  # the direct call it had


def test_a_finished_order_shows_no_button(client, world, relay_on) -> None:
    order_id = assigned(client, world)
    carry_on(client, world, order_id, until="complete")
    page_session(client, world.demo.users["customer"])
    page = client.get(f"/portal/orders/{order_id}").text
    assert "call-technician" not in page and not TEL.findall(page)
