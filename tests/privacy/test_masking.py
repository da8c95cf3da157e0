"""Masking: who sees a customer's whole phone number (``customer/visibility.py``), role by role, on the
API, the pages, the outbox, the webhooks and the log; everyone else reads ``138****0001``."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
import structlog
from sqlalchemy import select
from structlog import BoundLogger
from structlog.testing import LogCapture

from anxin.config import Settings
from anxin.customer.visibility import OrderSide, phone_for, sees_phone, text_for
from anxin.masking import mask_name, mask_phone, redact, redact_phones
from anxin.notify import channels
from anxin.notify.delivery import deliver_due
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.notify.outbox import Recipient, enqueue
from anxin.notify.templates import Rendered
from tests.helpers import act, report, walk

WHOLE, MASKED = "13800000001", "138****0001"
NOTE = "请先打电话 13912345678 再上门"  # a customer writes another number into the fault description
NOTE_MASKED = "请先打电话 139****5678 再上门"


@dataclass
class Person:
    role: str
    customer_id: int | None = None
    technician_id: int | None = None
    outlet_id: int | None = None


# -- the one masking, and the rule ------------------------------------------------------------------------


def test_a_phone_is_masked_to_its_ends_and_anything_else_is_left_as_it_is():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("x000000002s") == "x000000002s"  # an erased customer's placeholder
    assert mask_phone("") == "" and mask_phone(None) == ""
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (NOTE, NOTE_MASKED),
        ("call +86 139-1234-5678 first", "call 139****5678 first"),
        ("138 1234 5678", "138****5678"),
        ("工单 WO20261205000123", "工单 WO20261205000123"),  # an order number is no phone
        ("token=ab13912345678cd", "token=ab13912345678cd"),  # nor digits inside a signed token
        ("123456789012", "123456789012"),
    ],
)
def test_phone_numbers_written_in_text_are_masked_and_other_numbers_are_not(text, expected):
    assert redact_phones(text) == expected


def test_a_messages_context_is_masked_through_and_its_link_kept():
    context = {"fault": NOTE, "nested": [{"reason": "回电 13912345678"}], "link": "/s/13912345678", "n": 3}
    assert redact(context) == {
        "fault": NOTE_MASKED,
        "nested": [{"reason": "回电 139****5678"}],
        "link": "/s/13912345678",
        "n": 3,
    }


OPEN_ORDER = OrderSide(open=True, technician_id=7, outlet_id=3)
DONE_ORDER = OrderSide(open=False, technician_id=7, outlet_id=3)


@pytest.mark.parametrize(
    ("person", "order", "whole"),
    [
        (Person("agent"), None, True),
        (Person("dispatcher"), OPEN_ORDER, True),  # arranging the visit
        (Person("dispatcher"), DONE_ORDER, False),
        (Person("dispatcher"), None, False),  # a customer's record, a list
        (Person("customer", customer_id=1), None, True),  # their own
        (Person("customer", customer_id=2), None, False),
        (Person("technician", technician_id=7), OPEN_ORDER, True),  # the assigned one, while open
        (Person("technician", technician_id=7), DONE_ORDER, False),
        (Person("technician", technician_id=8), OPEN_ORDER, False),
        (Person("technician", technician_id=7), None, False),
        (Person("outlet_manager", outlet_id=3), OPEN_ORDER, True),  # an order sent to their outlet
        (Person("outlet_manager", outlet_id=4), OPEN_ORDER, False),
        (Person("outlet_manager", outlet_id=3), DONE_ORDER, False),
        (Person("quality"), OPEN_ORDER, False),
        (Person("admin"), OPEN_ORDER, False),
        (Person("admin"), None, False),
    ],
)
def test_who_sees_the_whole_number(person, order, whole):
    @dataclass
    class Record:
        id: int = 1
        phone: str = WHOLE

    assert sees_phone(person, customer_id=1, order=order) is whole
    assert phone_for(person, Record(), order=order) == (WHOLE if whole else MASKED)
    assert text_for(person, NOTE, customer_id=1, order=order) == (NOTE if whole else NOTE_MASKED)


# -- the API, role by role --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("agent", WHOLE),
        ("dispatcher", MASKED),
        ("customer", WHOLE),
        ("quality", MASKED),
        ("outlet_manager", MASKED),
        ("admin", MASKED),
    ],
)
def test_a_customers_record_shows_the_phone_as_the_role_may_see_it(client, world, role, expected):
    # Given customer01 (13800000001)
    demo = world.demo
    # When each role reads the record
    answer = client.get(f"/api/v1/customers/{demo.customer_id}", headers=demo.headers(role))
    # Then the phone is whole or masked as the rule says
    assert answer.status_code == 200, answer.text
    assert answer.json()["phone"] == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("agent", WHOLE), ("dispatcher", MASKED), ("quality", MASKED), ("admin", MASKED)],
)
def test_the_customer_list_masks_the_phone_for_those_who_do_not_call(client, world, role, expected):
    # When a role searches the customers by the whole number
    found = client.get("/api/v1/customers", params={"q": WHOLE}, headers=world.demo.headers(role))
    # Then the search still finds the customer, and shows the number as the role may see it
    assert found.status_code == 200, found.text
    assert [c["phone"] for c in found.json()["items"]] == [expected]


def test_an_admin_registering_a_customer_reads_back_a_masked_number(client, world):
    body = {"name": "王五", "phone": "13700000001"}
    created = client.post("/api/v1/customers", json=body, headers=world.demo.headers("admin"))
    assert created.status_code == 201 and created.json()["phone"] == "137****0001"
    again = client.post("/api/v1/customers", json=body, headers=world.demo.headers("agent"))
    assert again.status_code == 200 and again.json()["phone"] == "13700000001"


def test_a_phone_in_the_fault_description_is_masked_for_those_who_may_not_call(client, world):
    # Given an order whose fault description carries a phone number, assigned to tech01
    demo = world.demo
    order = report(client, demo, fault_description=NOTE).json()
    walk(client, demo, order["id"], "assign")
    reads = {
        role: client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers(role)).json()
        for role in ("dispatcher", "technician", "quality", "admin", "customer")
    }
    # Then the dispatcher, the assigned technician and the customer read it whole; quality and admin masked
    assert {role: read["fault_description"] for role, read in reads.items()} == {
        "dispatcher": NOTE,
        "technician": NOTE,
        "customer": NOTE,
        "quality": NOTE_MASKED,
        "admin": NOTE_MASKED,
    }
    listed = client.get("/api/v1/work-orders", headers=demo.headers("admin")).json()["items"]
    assert {item["fault_description"] for item in listed} == {NOTE_MASKED}
    # and once the order is completed the technician no longer reads the number
    walk_on = [("technician", "acknowledge"), ("technician", "depart"), ("technician", "arrive")]
    for role, action in walk_on:
        assert act(client, demo, order["id"], role, action, {}).status_code == 200
    cancelled = act(client, demo, order["id"], "agent", "cancel", {"reason": "客户改约 13912345678"})
    assert cancelled.status_code == 200, cancelled.text
    after = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("technician")).json()
    assert after["fault_description"] == NOTE_MASKED and after["cancel_reason"] == "客户改约 139****5678"
    events = client.get(f"/api/v1/work-orders/{order['id']}/events", headers=demo.headers("quality")).json()
    assert "13912345678" not in json.dumps(events, ensure_ascii=False)


def test_complaints_and_surveys_mask_phones_written_in_them_for_quality(client, world, sessionmaker_):
    # Given a complaint whose description carries a phone number
    demo = world.demo
    order = report(client, demo).json()
    body = {"work_order_id": order["id"], "category": "attitude", "description": NOTE, "channel": "hotline"}
    filed = client.post("/api/v1/complaints", json=body, headers=demo.headers("agent"))
    assert filed.status_code == 201, filed.text
    # When the agent and quality read it
    path = f"/api/v1/complaints/{filed.json()['id']}"
    as_agent = client.get(path, headers=demo.headers("agent")).json()
    as_quality = client.get(path, headers=demo.headers("quality")).json()
    listed = client.get("/api/v1/complaints", headers=demo.headers("quality")).json()
    # Then the agent, who calls back, reads it whole and quality masked
    assert as_agent["description"] == NOTE
    assert as_quality["description"] == NOTE_MASKED
    assert [c["description"] for c in listed] == [NOTE_MASKED]


# -- the pages --------------------------------------------------------------------------------------------


def test_the_technician_page_offers_a_call_while_the_order_is_theirs_and_open(client, world, sign_in):
    # Given an order assigned to tech01
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], "assign")
    # When tech01 opens it
    sign_in(client, "tech01@demo")
    page = client.get(f"/tech/orders/{order['id']}")
    # Then the whole number is there, as a call link
    assert page.status_code == 200 and f'href="tel:{WHOLE}"' in page.text
    # and once it is cancelled, the number is masked
    assert act(client, demo, order["id"], "agent", "cancel", {"reason": "客户取消"}).status_code == 200
    after = client.get(f"/tech/orders/{order['id']}")
    assert WHOLE not in after.text and MASKED in after.text


@pytest.mark.parametrize(
    ("login", "whole"),
    [("dispatcher@demo", True), ("agent@demo", True), ("outlet_manager@demo", False), ("admin@demo", False)],
)
def test_the_console_panel_shows_the_number_as_the_role_may_see_it(client, world, sign_in, login, whole):
    # Given an open order not yet sent to any outlet
    demo = world.demo
    order = report(client, demo).json()
    # When each role opens its panel in the console (``/console?order=…``)
    sign_in(client, login)
    panel = client.get("/console", params={"order": order["id"]})
    # Then the dispatcher and the agent read the whole number (a call link), the others masked
    assert panel.status_code == 200, panel.text
    assert (WHOLE in panel.text) is whole and (MASKED in panel.text) is not whole
    assert (f'href="tel:{WHOLE}"' in panel.text) is whole


def test_the_dispatcher_no_longer_reads_the_number_once_the_order_is_closed(client, world, sign_in):
    # Given an order cancelled before the visit
    demo = world.demo
    order = report(client, demo).json()
    assert act(client, demo, order["id"], "agent", "cancel", {"reason": "客户取消"}).status_code == 200
    # When the dispatcher opens it
    sign_in(client, "dispatcher@demo")
    panel = client.get("/console", params={"order": order["id"]})
    # Then the number is masked
    assert panel.status_code == 200 and WHOLE not in panel.text and MASKED in panel.text


# -- what leaves the process: the outbox, webhooks, the inbox, the log --------------------------------


def test_no_message_keeps_a_number_written_in_its_context(sessionmaker_, world):
    # Given a message whose context quotes a fault description with a phone number
    demo = world.demo
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=demo.tenant.id,
            event="work_order.assigned",
            to=[Recipient("inbox", f"technician:{demo.technician_id}"), Recipient("sms", WHOLE)],
            context={"number": "WO1", "fault": NOTE, "technician": "王师傅"},
            dedupe_key="masking-test",
        )
        db.commit()
        rows = db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("masking-test")))
        stored = {row.channel: row for row in rows}
    # Then the stored context, and so the webhook payload and the inbox, hold the masked number
    assert stored["inbox"].context["fault"] == NOTE_MASKED
    assert "13912345678" not in channels.webhook_body(stored["inbox"]).decode()
    # and the text still goes to the customer's whole number (the one number a message keeps)
    assert stored["sms"].recipient == WHOLE
    deliver_due(sessionmaker_, settings=Settings())
    with sessionmaker_() as db:
        bodies = [item.body for item in db.scalars(select(InboxItem))]
    assert bodies and all("13912345678" not in body for body in bodies)


def test_the_text_log_and_the_admins_outbox_show_the_number_masked(client, world, sessionmaker_, monkeypatch):
    demo = world.demo
    # the module's logger is bound once and filtered by level (``observability``): capture its events
    capture = LogCapture()
    logger = structlog.wrap_logger(structlog.ReturnLogger(), processors=[capture], wrapper_class=BoundLogger)
    monkeypatch.setattr(channels, "log", logger)
    channels.logging_backend("sms", WHOLE, Rendered("标题", "正文", None), {})
    assert [(entry["event"], entry["to"]) for entry in capture.entries] == [("notify.text", MASKED)]
    assert WHOLE not in repr(capture.entries)
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=demo.tenant.id,
            event="work_order.completed",
            to=[Recipient("sms", WHOLE)],
            context={"number": "WO1"},
            dedupe_key="masking-outbox",
        )
        db.commit()
    outbox = client.get("/api/v1/notifications/outbox", headers=demo.headers("admin")).json()
    recipients = {item["recipient"] for item in outbox["items"] if item["channel"] == "sms"}
    assert recipients == {MASKED}
