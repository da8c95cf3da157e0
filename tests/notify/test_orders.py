"""Order moves reach the customer and the technician; escalations and SLA breaches reach the staff; each
person reads only their own inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from anxin.auth import service as auth_service
from anxin.dispatch.matching import offers
from anxin.notify.models import OutboxMessage
from anxin.notify.sla_watch import sweep
from anxin.work_order.models import WorkOrder
from tests.helpers import report, walk

START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai: no quiet hours


def outbox(db, **where) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.scalars(query))


def test_an_assigned_order_tells_the_customer_and_the_technician(client, world, sessionmaker_, deliver):
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="assign")
    with sessionmaker_() as db:
        assigned = [(m.channel, m.recipient) for m in outbox(db, event="work_order.assigned")]
    assert assigned == [
        ("inbox", f"customer:{demo.customer_id}"),
        ("sms", "13800000001"),
        ("inbox", f"technician:{demo.technician_id}"),
    ]
    deliver()

    mine = client.get("/api/v1/inbox", headers=demo.headers("customer")).json()
    assert [i["title"] for i in mine["items"]][:2] == [
        f"已为您安排服务师傅 {order['number']}",
        f"工单 {order['number']} 已受理",
    ]
    assert mine["unread"] == len(mine["items"]) >= 3
    assert mine["items"][0]["link"].endswith(f"/portal/orders/{order['id']}")
    technician = client.get("/api/v1/inbox", headers=demo.headers("technician")).json()
    assert [i["title"] for i in technician["items"]] == [f"新工单 {order['number']}"]
    # nobody else sees them: the other customer, the other technician, the dispatcher, the other tenant
    for who in ("other_customer", "other_technician", "dispatcher"):
        assert client.get("/api/v1/inbox", headers=demo.headers(who)).json() == {"items": [], "unread": 0}
    assert client.get("/api/v1/inbox", headers=world.acme.headers("customer")).json()["items"] == []

    item = mine["items"][0]["id"]
    assert (
        client.post(f"/api/v1/inbox/{item}/read", headers=world.acme.headers("customer")).status_code == 404
    )
    assert (
        client.post(f"/api/v1/inbox/{item}/read", headers=demo.headers("other_customer")).status_code == 404
    )
    read = client.post(f"/api/v1/inbox/{item}/read", headers=demo.headers("customer"))
    assert read.status_code == 200 and read.json()["read_at"] is not None
    after = client.get("/api/v1/inbox", headers=demo.headers("customer")).json()
    assert after["unread"] == mine["unread"] - 1


def test_a_quote_asks_the_customer_to_approve_with_the_total(client, world, sessionmaker_):
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="quote")
    with sessionmaker_() as db:
        [sms] = outbox(db, event="work_order.quoted", channel="sms")
    assert sms.context["total"] == "250.00"
    assert sms.context["payable"] == "0.00"  # under warranty: nothing to pay
    assert sms.context["link"].endswith(f"/portal/orders/{order['id']}")


def test_the_technician_on_the_way_comes_with_an_expected_arrival(client, world, sessionmaker_):
    with time_machine.travel(START, tick=False):
        order = report(client, world.demo).json()
        walk(client, world.demo, order["id"], until="acknowledge")
        here = {"lat": 30.25, "lng": 120.15}  # about 3 km from the customer, reported just now
        located = client.post(
            "/api/v1/technicians/me/location", json=here, headers=world.demo.headers("technician")
        )
        assert located.status_code == 200, located.text
        walk_on = client.post(
            f"/api/v1/work-orders/{order['id']}/depart", json=here, headers=world.demo.headers("technician")
        )
        assert walk_on.status_code == 200, walk_on.text
    with sessionmaker_() as db:
        [sms] = outbox(db, event="work_order.en_route", channel="sms")
    # an estimate from the live position by the travel model: minutes after 10:00 local time, said as a time
    # of the day in both languages (dispatch.planning.tracking), never the window in its place
    assert "10:00" < sms.context["eta"] < "11:30" and sms.context["eta_en"] == sms.context["eta"]
    assert "window" not in sms.context


def test_an_escalation_reaches_every_active_dispatcher_once(client, world, sessionmaker_, password_hash):
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    with sessionmaker_() as db:
        second = auth_service.create_user(
            db,
            tenant_id=demo.tenant.id,
            username="dispatcher2",
            password="demo1234",
            role="dispatcher",
            password_hash=password_hash,
        )
        order = db.get(WorkOrder, order_id)
        system = auth_service.system_user(db, tenant_id=demo.tenant.id)
        offers.note(db, order=order, actor=system, action="escalate", payload={"reason": "no_candidate"})
        rows = outbox(db, event="work_order.escalated")
        db.commit()
    assert sorted(m.recipient for m in rows) == sorted(
        [f"user:{demo.users['dispatcher'].id}", f"user:{second.id}"]
    )
    assert rows[0].context["reason"] == "no_candidate"


def test_a_breached_order_warns_dispatchers_and_chases_the_supervisors_once(client, world, sessionmaker_):
    demo = world.demo
    with time_machine.travel(START, tick=False) as traveller:
        order = report(client, demo).json()
        # given the 30-minute response clock is nearly gone: an at-risk warning to the dispatcher
        traveller.shift(timedelta(minutes=25))
        with sessionmaker_() as db:
            assert vars(sweep(db, now=datetime.now(UTC))) == {"at_risk": 1, "breached": 0}
            db.commit()
        # when it runs out
        traveller.shift(timedelta(minutes=30))
        with sessionmaker_() as db:
            first = sweep(db, now=datetime.now(UTC))
            second = sweep(db, now=datetime.now(UTC))
            db.commit()
            rows = outbox(db, work_order_id=order["id"])
    assert (first.breached, second.breached) == (1, 0)
    dispatcher, admin = f"user:{demo.users['dispatcher'].id}", f"user:{demo.users['admin'].id}"
    sla_rows = [(m.event, m.recipient, m.context.get("template")) for m in rows if m.event.startswith("sla.")]
    assert sla_rows == [
        ("sla.at_risk", dispatcher, None),
        ("sla.breached", dispatcher, None),
        ("sla.breached", admin, "sla.breached_supervisor"),
    ]
    assert all(m.tenant_id == demo.tenant.id for m in rows)
