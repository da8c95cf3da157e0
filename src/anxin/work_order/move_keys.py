"""Idempotency keys on the technician's moves (a depart, an arrival, a completion sent again by the offline
queue of the technician's app, or a button tapped twice): the same key with the same request is the same
request, done once.

The keys live in intake's table, ``idempotency_record`` (one row per ``(tenant, user, key)``, the request's
SHA-256 and the order), so an order's create and its moves share one namespace per user. A key is claimed
before the move runs, in a savepoint: a second request with the key waits on the unique index while the
first one's transaction is open (PostgreSQL), then finds its row and is answered as a replay. A move that
is refused rolls the claim back with everything else, so the request may be sent again; a request that
answered without recording the move's event (a completion form refused and shown again with its errors)
gives the key back (``settle``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.work_order.exceptions import IdempotencyKeyReused
from anxin.work_order.models import IdempotencyRecord, WorkOrder, WorkOrderEvent

KEY_MAX = 100


class Replayed(Exception):
    """The request was done before with this key: answer as the first time did."""

    def __init__(self, order_id: int) -> None:
        super().__init__(f"replay for order {order_id}")
        self.order_id = order_id


@dataclass
class Claim:
    record: IdempotencyRecord
    order_id: int
    event: str  # the event the move records: without one after the request, the claim is given back
    last_event_id: int


def fingerprint(parts: dict) -> str:
    """A request's SHA-256 over what it asks (the path, the fields and the uploaded files' digests)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _find(db: Session, actor: User, key: str) -> IdempotencyRecord | None:
    return db.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == actor.tenant_id,
            IdempotencyRecord.user_id == actor.id,
            IdempotencyRecord.key == key,
        )
    )


def _check(record: IdempotencyRecord, order: WorkOrder, request_hash: str) -> None:
    if record.request_hash != request_hash or record.work_order_id != order.id:
        raise IdempotencyKeyReused()
    raise Replayed(order.id)


def claim(db: Session, *, actor: User, order: WorkOrder, key: str, request_hash: str, event: str) -> Claim:
    """Claim ``key`` for this request on ``order``; ``Replayed`` when the same request was done with it,
    ``IdempotencyKeyReused`` (422) when the key was used for another request."""
    found = _find(db, actor, key)
    if found is not None:
        _check(found, order, request_hash)
    last = db.scalar(select(func.max(WorkOrderEvent.id)).where(WorkOrderEvent.work_order_id == order.id)) or 0
    record = IdempotencyRecord(
        tenant_id=actor.tenant_id,
        user_id=actor.id,
        key=key,
        request_hash=request_hash,
        work_order_id=order.id,
        created_at=clock.now(),
    )
    try:
        with db.begin_nested():
            db.add(record)
            db.flush()
    except IntegrityError:  # the same key in a request that committed meanwhile
        found = _find(db, actor, key)
        if found is None:
            raise
        _check(found, order, request_hash)
    return Claim(record=record, order_id=order.id, event=event, last_event_id=last)


def settle(db: Session, claim: Claim) -> bool:
    """After the request: keep the key if the move's event was recorded, else give it back. True if kept."""
    done = db.scalar(
        select(func.count(WorkOrderEvent.id)).where(
            WorkOrderEvent.work_order_id == claim.order_id,
            WorkOrderEvent.action == claim.event,
            WorkOrderEvent.id > claim.last_event_id,
        )
    )
    if done:
        return True
    db.delete(claim.record)
    db.flush()
    return False


def replayed(db: Session, user: User, order: WorkOrder, key: str | None, action: str, body: Any) -> bool:
    """For an API move with an ``Idempotency-Key``: claim it for this move; True when a request with the
    same key and body did the move already (the order is then as that request left it); the key with
    another request is refused (``IdempotencyKeyReused``, 422). A move that fails rolls the claim back with
    it, so the API needs no ``settle``."""
    if key is None:
        return False
    parts = {"path": f"/{order.id}/{action}", "body": body.model_dump(mode="json") if body else None}
    try:
        claim(db, actor=user, order=order, key=key, request_hash=fingerprint(parts), event=action)
    except Replayed:
        db.refresh(order)  # as the first request left it (it may have committed just now)
        return True
    return False
