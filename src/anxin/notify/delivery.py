"""Deliver due outbox rows: claim, send through the channel, record the outcome.

A pass claims due rows first (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED`` then an UPDATE in one short
transaction; SQLite: one conditional ``UPDATE … WHERE status IN (due) AND next_attempt_at <= now`` per
row, which only one writer can win). A claimed row is ``sending`` with a lease in ``next_attempt_at``: a
worker that dies mid-send leaves it due again when the lease ends (at least once). Each row is then sent in
its own transaction (the inbox item is written in the same one) and marked ``sent``; a failure marks it
``failed`` with the next try after an exponential backoff, or ``dead`` after ``webhook_max_tries`` tries
(or at once when retrying cannot help). Dead rows wait for a person: ``redeliver``."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from anxin import clock
from anxin.audit import trail
from anxin.config import Settings
from anxin.database import transaction
from anxin.exceptions import NotFound
from anxin.notify import templates
from anxin.notify.channels import CHANNELS, DeliveryFailed
from anxin.notify.exceptions import NotDead
from anxin.notify.models import OutboxMessage

log = structlog.get_logger("anxin.notify")

DUE = ("pending", "failed", "sending")  # "sending" is due only once its lease has run out
LEASE = timedelta(minutes=5)  # the default of ``ANXIN_OUTBOX_LEASE_SECONDS``
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    more_due: bool = False  # the pass stopped at its last batch with rows still due

    def add(self, other: DeliveryReport) -> None:
        for name in ("claimed", "sent", "failed", "dead"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait after the ``attempts``-th failed try: 30 s × 2^(attempts−1), capped at an hour, plus up to
    10 % jitter so retries of many rows do not arrive together."""
    seconds = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return timedelta(seconds=seconds * (1 + (rng or random).uniform(0, 0.1)))


def _due(now: datetime):
    return OutboxMessage.status.in_(DUE), OutboxMessage.next_attempt_at <= now


def claim(
    sessions: sessionmaker[Session], *, now: datetime, limit: int = 50, lease_for: timedelta = LEASE
) -> list[int]:
    """Claim up to ``limit`` due rows for this worker, each held for ``lease_for``; a row is claimed by
    one worker only."""
    lease = {"status": "sending", "next_attempt_at": now + lease_for}
    order = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    with transaction(sessions) as db:
        if db.get_bind().dialect.name == "postgresql":
            ids = list(
                db.scalars(
                    select(OutboxMessage.id)
                    .where(*_due(now))
                    .order_by(*order)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            if ids:
                db.execute(
                    update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(**lease),
                    execution_options={"synchronize_session": False},
                )
            return ids
        candidates = list(
            db.scalars(select(OutboxMessage.id).where(*_due(now)).order_by(*order).limit(limit))
        )
    claimed = []
    for message_id in candidates:  # each claim its own write transaction: the first statement writes
        with transaction(sessions) as db:
            result = db.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id, *_due(now)).values(**lease),
                execution_options={"synchronize_session": False},
            )
            if result.rowcount == 1:
                claimed.append(message_id)
    return claimed


def deliver_one(
    sessions: sessionmaker[Session], message_id: int, *, settings: Settings, now: datetime
) -> str:
    """Send one claimed row; returns its new status (sent, failed, dead) or "skipped"."""
    permanent = False
    try:
        with transaction(sessions) as db:
            message = db.get(OutboxMessage, message_id)
            if message is None or message.status != "sending":
                return "skipped"
            channel = CHANNELS.get(message.channel)
            if channel is None:
                raise DeliveryFailed(f"unknown channel {message.channel!r}", permanent=True)
            rendered = templates.render(message.event, message.context, message.locale)
            channel.send(db, message, rendered, settings)
            message.status = "sent"
            message.attempts += 1
            message.sent_at = now
            message.last_error = None
        return "sent"
    except DeliveryFailed as exc:
        error, permanent = str(exc), exc.permanent
    except Exception as exc:  # a bug in one message must not stop the others
        log.exception("notify.delivery_crashed", message_id=message_id)
        error = f"{type(exc).__name__}: {exc}"
    with transaction(sessions) as db:
        message = db.get(OutboxMessage, message_id)
        message.attempts += 1
        message.last_error = error[:2000]
        if permanent or message.attempts >= settings.webhook_max_tries:
            message.status = "dead"
        else:
            message.status = "failed"
            message.next_attempt_at = now + backoff(message.attempts)
        status = message.status
    log.warning("notify.delivery_failed", message_id=message_id, status=status, error=error[:300])
    return status


def deliver_due(
    sessions: sessionmaker[Session],
    *,
    settings: Settings,
    now: datetime | None = None,
    batch: int = 50,
    max_batches: int = 20,
) -> DeliveryReport:
    """One delivery pass: claim and send due rows, batch after batch, until none is due (or
    ``max_batches`` ran, so one pass ends even while new rows keep coming; ``more_due`` then says the
    last batch was full, and the job starts the next pass at once rather than in a minute)."""
    report = DeliveryReport()
    lease_for = timedelta(seconds=settings.outbox_lease_seconds)
    for _ in range(max_batches):
        moment = now or clock.now()
        ids = claim(sessions, now=moment, limit=batch, lease_for=lease_for)
        report.claimed += len(ids)
        for message_id in ids:
            status = deliver_one(sessions, message_id, settings=settings, now=now or clock.now())
            if status in ("sent", "failed", "dead"):
                setattr(report, status, getattr(report, status) + 1)
        if len(ids) < batch:
            return report
    report.more_due = True
    return report


def redeliver(
    db: Session, *, tenant_id: int, message_id: int, actor: trail.Actor | None = None
) -> OutboxMessage:
    """Put a dead row back in the queue by hand: due now, its tries counted afresh; the audit log records
    who did."""
    message = db.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.tenant_id == tenant_id)
    )
    if message is None:
        raise NotFound("outbox message", "消息")
    if message.status != "dead":
        raise NotDead(status=message.status)
    attempts = message.attempts
    message.status = "pending"
    message.attempts = 0
    message.next_attempt_at = clock.now()
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="outbox.redeliver",
        object_type="outbox_message",
        object_id=message.id,
        changes=trail.changes({"status": "dead", "attempts": attempts}, {"status": "pending", "attempts": 0}),
    )
    return message
