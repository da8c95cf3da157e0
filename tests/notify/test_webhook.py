"""Webhook delivery: signed, retried with backoff against a real local receiver, dead after N tries,
redelivered by hand; only to public addresses (or networks the operator allows), checked when an admin
registers an endpoint and again when it is called, never following a redirect, and telling the admin no
more than a generic error."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from anxin.notify.models import OutboxMessage
from anxin.notify.outbox import enqueue
from tests.notify.fake_dns import PUBLIC

SECRET = "whsec-0123456789abcdef0123456789"
START = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
NO_ANSWER = "delivery failed: no answer"
TARGET_REFUSED = "target refused: not a public address"


def webhook_rows(sessionmaker_, tenant_id: int) -> list[OutboxMessage]:
    with sessionmaker_() as db:
        query = select(OutboxMessage).where(
            OutboxMessage.tenant_id == tenant_id, OutboxMessage.channel == "webhook"
        )
        return list(db.scalars(query.order_by(OutboxMessage.id)))


def webhook_row(sessionmaker_, tenant_id: int) -> OutboxMessage:
    (row,) = webhook_rows(sessionmaker_, tenant_id)
    return row


def subscribe(client, sessionmaker_, world, *urls: str) -> None:
    """The demo tenant's admin registers endpoints for ``urls``; then an order is completed for them to
    hear of."""
    for url in urls:
        created = client.post(
            "/api/v1/notifications/webhooks",
            json={"url": url, "events": ["work_order.completed"], "secret": SECRET},
            headers=world.demo.headers("admin"),
        )
        assert created.status_code == 201, created.text
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=world.demo.tenant.id,
            event="work_order.completed",
            to=[],
            context={"number": "WO20261201-0001", "technician": "王师傅"},
            dedupe_key="wo-event:77",
        )
        db.commit()


def test_a_webhook_survives_a_receiver_that_fails_the_first_three_times(
    client, sessionmaker_, world, receiver, deliver
):
    # given a receiver that answers 500 three times, then 200
    receiver.fail_first = 3
    tenant_id = world.demo.tenant.id
    with time_machine.travel(START, tick=False) as traveller:
        subscribe(client, sessionmaker_, world, receiver.url)

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
        subscribe(client, sessionmaker_, world, receiver.url)
        # given three failed tries with a limit of three
        for _ in range(3):
            deliver(webhook_max_tries=3)
            traveller.shift(timedelta(hours=2))
        row = webhook_row(sessionmaker_, tenant_id)
        assert (row.status, row.attempts, row.last_error) == ("dead", 3, "delivery failed: HTTP 500")
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


def test_a_receiver_that_is_not_there_is_a_failure_and_retried(
    client, sessionmaker_, world, deliver, closed_port
):
    with time_machine.travel(START, tick=False):
        subscribe(client, sessionmaker_, world, f"http://127.0.0.1:{closed_port}/nothing-listens-here")
        assert deliver().failed == 1
    row = webhook_row(sessionmaker_, world.demo.tenant.id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, NO_ANSWER)


def test_webhook_endpoints_are_managed_by_admins_of_the_tenant(client, world, dns):
    dns.answer("erp.example.com", PUBLIC)
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


INSIDE = [
    "http://127.0.0.1:8000/x",
    "http://169.254.169.254/latest",
    "http://10.0.0.5/",
    "http://[::1]:6379/",
    "http://localhost:9000/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
]


def register(client, world, url: str):
    return client.post(
        "/api/v1/notifications/webhooks",
        json={"url": url},
        headers=world.demo.headers("admin") | {"Accept-Language": "en"},
    )


@pytest.mark.parametrize("url", INSIDE)
def test_an_admin_cannot_register_a_webhook_inside_the_network(client, world, no_private_network, url):
    # given an operator who allows no private network (the default)
    # when an admin registers an address inside the network
    answer = register(client, world, url)

    # then it is refused as unsafe, in one generic sentence, and nothing is registered
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "unsafe_url"), answer.text
    assert "not a public internet address" in answer.json()["error"]["message"]
    assert client.get("/api/v1/notifications/webhooks", headers=world.demo.headers("admin")).json() == []


def test_an_admin_cannot_register_a_name_that_resolves_inside_the_network(
    client, world, dns, no_private_network
):
    # given a name that resolves to a private address
    dns.answer("intranet.brand.example", "10.1.2.3")

    # when an admin registers it over https, then it is refused as unsafe
    answer = register(client, world, "https://intranet.brand.example/hooks")
    assert (answer.status_code, answer.json()["error"]["code"]) == (422, "unsafe_url"), answer.text


def test_the_operator_setting_admits_a_named_private_network(client, app, settings, world):
    # given an operator who allows the brand's network 10.20.0.0/16, and no other
    app.state.settings = settings.model_copy(update={"outbound_allowed_networks": ["10.20.0.0/16"]})

    # when an admin registers an address inside it and one just outside
    inside = register(client, world, "http://10.20.3.4/erp")
    outside = register(client, world, "http://10.21.3.4/erp")

    # then the first is registered and the second refused
    assert inside.status_code == 201, inside.text
    assert (outside.status_code, outside.json()["error"]["code"]) == (422, "unsafe_url")


def test_a_name_that_turns_private_after_registration_is_refused_when_delivering(
    client, sessionmaker_, world, receiver, deliver, dns, no_private_network
):
    # given an endpoint whose name resolved to a public address when it was registered
    dns.answer("hooks.brand.example", PUBLIC)
    url = receiver.url.replace("127.0.0.1", "hooks.brand.example")
    with time_machine.travel(START, tick=False):
        subscribe(client, sessionmaker_, world, url)

        # when the name answers with this machine's address by the time it is delivered
        dns.answer("hooks.brand.example", "127.0.0.1")
        report = deliver(outbound_allowed_networks=[])

    # then nothing is posted; the message is dead at once, and the admin reads why in general terms
    assert (report.dead, receiver.hits) == (1, [])
    listed = client.get("/api/v1/notifications/outbox?status=dead", headers=world.demo.headers("admin"))
    assert [(m["attempts"], m["last_error"]) for m in listed.json()["items"]] == [(1, TARGET_REFUSED)]


def test_a_receiver_on_a_network_the_operator_no_longer_allows_is_not_posted_to(
    client, sessionmaker_, world, receiver, deliver
):
    # given an endpoint on this machine, registered while the operator allowed loopback
    with time_machine.travel(START, tick=False):
        subscribe(client, sessionmaker_, world, receiver.url)

        # when it is delivered after the operator took loopback out of the setting
        report = deliver(outbound_allowed_networks=["10.20.0.0/16"])

    # then the receiver hears nothing and the message is dead
    assert (report.dead, receiver.hits) == (1, [])
    assert webhook_row(sessionmaker_, world.demo.tenant.id).last_error == TARGET_REFUSED


def test_a_redirect_is_an_answer_not_followed(client, sessionmaker_, world, receiver, deliver):
    # given a receiver that answers every request with a redirect elsewhere on its host
    receiver.redirect_to = receiver.url.replace("/hooks/anxin", "/internal/admin")
    with time_machine.travel(START, tick=False):
        subscribe(client, sessionmaker_, world, receiver.url)

        # when the message is delivered
        report = deliver()

    # then nothing went where it pointed, and the redirect is a failed try (retried later)
    assert [(hit.method, hit.path) for hit in receiver.hits] == [("POST", "/hooks/anxin")]
    assert report.failed == 1
    assert webhook_row(sessionmaker_, world.demo.tenant.id).last_error == "delivery failed: HTTP 302"


def test_the_admin_cannot_tell_a_closed_port_from_one_that_never_answers(
    client, sessionmaker_, world, deliver, closed_port, silent_port
):
    # given one endpoint on a port that refuses connections and one on a port that never answers
    with time_machine.travel(START, tick=False):
        subscribe(
            client,
            sessionmaker_,
            world,
            f"http://127.0.0.1:{closed_port}/hook",
            f"http://127.0.0.1:{silent_port}/hook",
        )

        # when both are delivered
        report = deliver(webhook_timeout_seconds=0.5)

    # then both failed, and the outbox the admin reads says the same about each
    assert report.failed == 2
    listed = client.get("/api/v1/notifications/outbox?status=failed", headers=world.demo.headers("admin"))
    assert [m["last_error"] for m in listed.json()["items"]] == [NO_ANSWER, NO_ANSWER]
