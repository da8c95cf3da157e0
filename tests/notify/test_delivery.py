"""Delivery: a due row is claimed by one worker only; e-mail goes through SMTP; SMS and WeChat through a
pluggable backend."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from anxin.notify import channels, delivery
from anxin.notify.delivery import claim
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.notify.outbox import Recipient, enqueue

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def given_messages(sessionmaker_, tenant_id: int, count: int, channel: str = "sms") -> None:
    with sessionmaker_() as db:
        for n in range(count):
            enqueue(
                db,
                tenant_id=tenant_id,
                event="survey.invite",
                to=[Recipient(channel, f"1380000{n:04d}")],
                context={"number": f"WO{n}"},
                dedupe_key=f"survey:{n}",
                not_before=NOW,
            )
        db.commit()


def statuses(sessionmaker_) -> list[tuple[str, int]]:
    with sessionmaker_() as db:
        return [(m.status, m.attempts) for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_a_claimed_row_is_not_claimed_again(sessionmaker_, world):
    given_messages(sessionmaker_, world.demo.tenant.id, 3)
    first = claim(sessionmaker_, now=NOW, limit=2)
    second = claim(sessionmaker_, now=NOW, limit=10)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second)
    assert claim(sessionmaker_, now=NOW, limit=10) == []
    assert [s for s, _ in statuses(sessionmaker_)] == ["sending"] * 3


def test_two_workers_claiming_at_once_share_the_rows_without_overlap(sessionmaker_, world):
    # given 40 due rows and two workers that start claiming at the same moment
    given_messages(sessionmaker_, world.demo.tenant.id, 40)
    start = threading.Barrier(2)
    claimed: list[list[int]] = [[], []]

    def worker(slot: int) -> None:
        start.wait()
        while batch := claim(sessionmaker_, now=NOW, limit=5):
            claimed[slot].extend(batch)

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then every row was claimed exactly once
    everything = claimed[0] + claimed[1]
    assert len(everything) == 40 and len(set(everything)) == 40


def test_a_worker_that_died_mid_send_leaves_the_row_due_again_after_its_lease(sessionmaker_, world, deliver):
    given_messages(sessionmaker_, world.demo.tenant.id, 1)
    with time_machine.travel(NOW, tick=False) as traveller:
        assert len(claim(sessionmaker_, now=NOW)) == 1  # a worker claimed it and vanished
        assert deliver().claimed == 0
        traveller.shift(600)
        assert deliver().sent == 1
    assert statuses(sessionmaker_) == [("sent", 1)]


def test_the_lease_is_the_configured_one(sessionmaker_, world, deliver, monkeypatch):
    # given a pass that claims a row with a 30 s lease and dies before sending it
    given_messages(sessionmaker_, world.demo.tenant.id, 1)
    with time_machine.travel(NOW, tick=False) as traveller:
        with monkeypatch.context() as patch:
            patch.setattr(delivery, "deliver_one", lambda *args, **kwargs: "skipped")
            assert deliver(outbox_lease_seconds=30).claimed == 1
        # then nobody takes it within the lease, and the next pass after it sends it
        traveller.shift(29)
        assert deliver(outbox_lease_seconds=30).claimed == 0
        traveller.shift(2)
        assert deliver(outbox_lease_seconds=30).sent == 1
    assert statuses(sessionmaker_) == [("sent", 1)]


def test_sms_and_wechat_go_through_a_pluggable_backend(sessionmaker_, world, deliver, monkeypatch):
    seen = []
    monkeypatch.setitem(channels.BACKENDS, "sms", lambda ch, to, text, ctx: seen.append((ch, to, text.body)))
    given_messages(sessionmaker_, world.demo.tenant.id, 1, channel="sms")
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=world.demo.tenant.id,
            event="survey.invite",
            to=[Recipient("wechat", "openid-1")],
            context={},
            dedupe_key="w",
        )
        db.commit()
    report = deliver()
    assert report.sent == 2
    assert seen == [("sms", "13800000000", "您的工单 WO0 已完成，请花一分钟为本次服务评分：—")]


def test_a_gateway_that_refuses_marks_the_row_failed_with_its_reason(
    sessionmaker_, world, deliver, monkeypatch
):
    def refuse(*args):
        raise channels.DeliveryFailed("gateway quota exhausted")

    monkeypatch.setitem(channels.BACKENDS, "sms", refuse)
    given_messages(sessionmaker_, world.demo.tenant.id, 1)
    assert deliver().failed == 1
    with sessionmaker_() as db:
        row = db.scalars(select(OutboxMessage)).one()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "gateway quota exhausted")


def test_an_inbox_message_becomes_one_inbox_item(sessionmaker_, world, deliver):
    customer = f"customer:{world.demo.customer_id}"
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=world.demo.tenant.id,
            event="complaint.registered",
            to=[Recipient("inbox", customer, "en")],
            context={"complaint_number": "CP202612-0001", "due": "12-03 10:00"},
            dedupe_key="complaint:1",
        )
        db.commit()
    assert deliver().sent == 1
    assert deliver().claimed == 0
    with sessionmaker_() as db:
        items = db.scalars(select(InboxItem)).all()
    assert [(i.recipient, i.title) for i in items] == [(customer, "Complaint CP202612-0001 registered")]


class Mailbox:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free local port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def test_email_goes_through_the_configured_smtp_server(sessionmaker_, world, deliver, smtp_server):
    mailbox, port = smtp_server
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=world.demo.tenant.id,
            event="sla.breached",
            to=[Recipient("email", "supervisor@demo.example", "en")],
            context={"number": "WO7", "status": "accepted", "due": "12-01 10:30", "link": "http://x/console"},
            dedupe_key="sla.breached:7",
        )
        db.commit()
    report = deliver(smtp_host="127.0.0.1", smtp_port=port, smtp_from="noreply@anxin.example")
    assert report.sent == 1
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "noreply@anxin.example"
    assert envelope.rcpt_tos == ["supervisor@demo.example"]
    text = envelope.content.decode()
    assert "Subject: SLA breached WO7" in text and "http://x/console" in text


def test_an_smtp_server_that_is_down_is_a_failure_to_retry(sessionmaker_, world, deliver):
    with sessionmaker_() as db:
        enqueue(
            db,
            tenant_id=world.demo.tenant.id,
            event="sla.breached",
            to=[Recipient("email", "x@demo.example")],
            context={},
            dedupe_key="k",
        )
        db.commit()
    assert deliver(smtp_host="127.0.0.1", smtp_port=9).failed == 1
    assert statuses(sessionmaker_) == [("failed", 1)]
