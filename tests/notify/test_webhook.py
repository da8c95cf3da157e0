"""Webhook delivery: signed, retried with backoff against a real local receiver, dead after N tries,
redelivered by hand."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from anxin.notify import service
from anxin.notify.models import OutboxMessage
from anxin.notify.outbox import enqueue

SECRET = "whsec-0123456789abcdef0123456789"
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def webhook_row(sessionmaker_, tenant_id: int) -> OutboxMessage:
    with sessionmaker_() as db:
        return db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.tenant_id == tenant_id, OutboxMessage.channel == "webhook"
            )
        ).one()


def subscribe(sessionmaker_, tenant_id: int, url: str) -> None:
    with sessionmaker_() as db:
        service.create_endpoint(
            db, tenant_id=tenant_id, url=url, events=["work_order.completed"], secret=SECRET
        )
        enqueue(
            db,
            tenant_id=tenant_id,
            event="work_order.completed",
            to=[],
            context={"number": "WO20261201-0001", "technician": "王师傅"},
            dedupe_key="wo-event:77",
        )
        db.commit()


def test_a_webhook_survives_a_receiver_that_fails_the_first_three_times(
    sessionmaker_, world, receiver, deliver
):
    # given a receiver that answers 500 three times, then 200
    receiver.fail_first = 3
    tenant_id = world.demo.tenant.id
    with time_machine.travel(START, tick=False) as traveller:
        subscribe(sessionmaker_, tenant_id, receiver.url)

        # when delivery runs, and runs again each time the backoff has passed
        waits = []
        for _ in range(3):
            assert deliver().failed == 1
            row = webhook_row(sessionmaker_, tenant_id)
            assert deliver().claimed == 0  # not before its time
            waits.append(row.next_attempt_at - datetime.now(UTC))
            traveller.move_to(row.next_attempt_at + timedelta(seconds=1))
        report = deliver()

    # then it was delivered once, on the fourth try
    assert (report.sent, report.failed) == (1, 0)
    row = webhook_row(sessionmaker_, tenant_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, None)
    assert [hit.answered for hit in receiver.hits] == [500, 500, 500, 200]
    # the waits grow exponentially: 30 s, 60 s, 120 s (plus at most 10 % jitter)
    for wait, base in zip(waits, (30, 60, 120), strict=True):
        assert timedelta(seconds=base) <= wait <= timedelta(seconds=base * 1.1)
    # every try carries the same body, event and delivery id, and a signature that verifies
    assert {hit.headers["X-Anxin-Delivery"] for hit in receiver.hits} == {row.dedupe_key}
    assert {hit.headers["X-Anxin-Event"] for hit in receiver.hits} == {"work_order.completed"}
    assert len({hit.body for hit in receiver.hits}) == 1
    for hit in receiver.hits:
        expected = hmac.new(SECRET.encode(), hit.body, hashlib.sha256).hexdigest()
        assert hit.headers["X-Anxin-Signature"] == f"sha256={expected}"
    assert receiver.hits[-1].json["data"]["number"] == "WO20261201-0001"
    assert receiver.hits[-1].json["event"] == "work_order.completed"


def test_after_n_failures_the_message_is_dead_until_an_admin_redelivers_it(
    client, sessionmaker_, world, receiver, deliver
):
    receiver.always_fail = True
    tenant_id = world.demo.tenant.id
    with time_machine.travel(START, tick=False) as traveller:
        subscribe(sessionmaker_, tenant_id, receiver.url)
        # given three failed tries with a limit of three
        for _ in range(3):
            deliver(webhook_max_tries=3)
            traveller.shift(timedelta(hours=2))
        row = webhook_row(sessionmaker_, tenant_id)
        assert (row.status, row.attempts, row.last_error) == ("dead", 3, f"HTTP 500 from {receiver.url}")
        assert deliver(webhook_max_tries=3).claimed == 0  # dead stays dead

        # then admins see it among the dead letters; other roles and tenants do not
        listed = client.get("/api/v1/notifications/outbox?status=dead", headers=world.demo.headers("admin"))
        assert [m["id"] for m in listed.json()["items"]] == [row.id]
        assert (
            client.get("/api/v1/notifications/outbox", headers=world.demo.headers("agent")).status_code == 403
        )
        other = client.get("/api/v1/notifications/outbox?status=dead", headers=world.acme.headers("admin"))
        assert other.json()["items"] == []
        url = f"/api/v1/notifications/outbox/{row.id}/redeliver"
        assert client.post(url, headers=world.acme.headers("admin")).status_code == 404

        # when the receiver is fixed and an admin redelivers it
        receiver.always_fail = False
        answer = client.post(url, headers=world.demo.headers("admin"))
        assert answer.status_code == 200, answer.text
        assert (answer.json()["status"], answer.json()["attempts"]) == ("pending", 0)
        assert deliver(webhook_max_tries=3).sent == 1

    # then it arrives, and a sent message cannot be "redelivered"
    assert webhook_row(sessionmaker_, tenant_id).status == "sent"
    again = client.post(url, headers=world.demo.headers("admin"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "outbox_not_dead")
    assert [hit.answered for hit in receiver.hits] == [500, 500, 500, 200]


def test_a_receiver_that_is_not_there_is_a_failure_and_retried(sessionmaker_, world, deliver):
    with time_machine.travel(START, tick=False):
        subscribe(sessionmaker_, world.demo.tenant.id, "http://127.0.0.1:9/nothing-listens-here")
        assert deliver().failed == 1
    row = webhook_row(sessionmaker_, world.demo.tenant.id)
    assert row.status == "failed" and row.attempts == 1 and "127.0.0.1:9" in row.last_error


def test_webhook_endpoints_are_managed_by_admins_of_the_tenant(client, world):
    admin = world.demo.headers("admin")
    created = client.post(
        "/api/v1/notifications/webhooks",
        json={"url": "https://erp.example.com/anxin", "events": ["work_order.completed", "sla.breached"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert len(endpoint["secret"]) >= 32 and endpoint["events"] == ["sla.breached", "work_order.completed"]
    listed = client.get("/api/v1/notifications/webhooks", headers=admin).json()
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]

    bad = client.post("/api/v1/notifications/webhooks", json={"url": "ftp://x"}, headers=admin)
    assert (bad.status_code, bad.json()["error"]["code"]) == (422, "invalid_webhook_url")
    assert (
        client.get("/api/v1/notifications/webhooks", headers=world.demo.headers("dispatcher")).status_code
        == 403
    )
    path = f"/api/v1/notifications/webhooks/{endpoint['id']}"
    assert client.delete(path, headers=world.acme.headers("admin")).status_code == 404
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get("/api/v1/notifications/webhooks", headers=admin).json() == []
