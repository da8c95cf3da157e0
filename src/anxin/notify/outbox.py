"""Write messages to the outbox inside the caller's transaction. Nothing is sent here: the worker
delivers after commit, so a rolled-back change never notifies anyone."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from anxin import clock
from anxin.masking import redact
from anxin.notify.models import OutboxMessage, WebhookEndpoint

CHANNELS = ("inbox", "email", "webhook", "sms", "wechat")
# Channels whose address is a person's own (a phone, a mailbox, a WeChat id): their keys hold a digest of it.
PERSONAL_ADDRESSES = ("email", "sms", "wechat")


@dataclass(frozen=True)
class Recipient:
    """One address on one channel: ``Recipient("inbox", "user:12")``, ``Recipient("sms", "13800000001")``."""

    channel: str
    address: str
    locale: str = "zh"


def enqueue(
    db: Session,
    *,
    tenant_id: int,
    event: str,
    to: Iterable[Recipient],
    context: dict[str, Any],
    dedupe_key: str,
    work_order_id: int | None = None,
    not_before: datetime | None = None,
) -> list[int]:
    """One outbox row per recipient, keyed ``dedupe_key|channel|address`` (a digest of a personal address,
    ``address_in_key``, so no phone number or mailbox is kept or sent in a key); a key already written (a job
    run twice, a retried request, two workers at once) is not written again: one INSERT … ON CONFLICT DO
    NOTHING for all the rows. Every event also goes to the tenant's active webhook endpoints that
    subscribe to it (``webhook`` rows addressed "endpoint:<id>"). Returns the ids of the rows written now.

    Phone numbers written into the context's texts (a fault description, a reason) are masked here, once
    for every channel: no webhook payload, inbox message, text or log line carries one whole
    (``anxin.masking``); the recipient of a text is the one number a message keeps."""
    context = redact(context)
    keyed: dict[str, Recipient] = {}
    for recipient in [*to, *webhook_recipients(db, tenant_id=tenant_id, event=event)]:
        if recipient.channel not in CHANNELS:
            raise ValueError(f"unknown channel {recipient.channel!r}")
        keyed.setdefault(f"{dedupe_key}|{recipient.channel}|{address_in_key(recipient)}"[:200], recipient)
    if not keyed:
        return []
    now = clock.now()
    rows = [
        {
            "tenant_id": tenant_id,
            "event": event,
            "channel": recipient.channel,
            "recipient": recipient.address,
            "locale": recipient.locale,
            "context": context,
            "dedupe_key": key,
            "work_order_id": work_order_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": not_before or now,
            "created_at": now,
        }
        for key, recipient in keyed.items()
    ]
    return list(db.execute(_insert_statement(db.get_bind().dialect.name), rows).scalars())


def address_in_key(recipient: Recipient) -> str:
    """The address as a key names it: an inbox or an endpoint by its id, a person's own address by the
    first 16 hex digits of its SHA-256 (unique enough among one event's recipients)."""
    if recipient.channel in PERSONAL_ADDRESSES:
        return hashlib.sha256(recipient.address.encode()).hexdigest()[:16]
    return recipient.address


@cache
def _insert_statement(dialect: str):
    """One statement for any number of rows (executed with a list of parameter sets, so SQLAlchemy sends
    them in one round trip and compiles the statement once per process, not once per call)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["tenant_id", "dedupe_key"])
        .returning(OutboxMessage.id)
    )


def webhook_recipients(db: Session, *, tenant_id: int, event: str) -> list[Recipient]:
    """The tenant's active endpoints that subscribe to ``event`` (or to everything, "*"). The endpoints are
    read once per session (``forget_endpoints`` drops what was read when they change)."""
    cache = db.info.setdefault(ENDPOINTS_KEY, {})
    if tenant_id not in cache:
        cache[tenant_id] = list(
            db.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.active.is_(True))
                .order_by(WebhookEndpoint.id)
            )
        )
    return [Recipient("webhook", f"endpoint:{e.id}") for e in cache[tenant_id] if e.wants(event)]


ENDPOINTS_KEY = "webhook_endpoints"  # the session's cache of active endpoints by tenant (intake primes it)


def forget_endpoints(db: Session) -> None:
    db.info.pop(ENDPOINTS_KEY, None)
