"""Ingest keys: made by an admin, shown once, kept as a hash, revoked for good.

A key is ``axt_`` and 43 characters of ``secrets.token_urlsafe(32)`` (256 random bits). Only its SHA-256
is stored, as the sign-in sessions keep theirs (``auth/sessions.py``): a value that random cannot be
guessed from its hash, so no slow hash or pepper is needed, and the lookup is one indexed equality."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth.models import User
from anxin.clock import now
from anxin.exceptions import NotFound
from anxin.telemetry.models import TelemetryKey

PREFIX = "axt_"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(db: Session, *, actor: User, name: str) -> tuple[TelemetryKey, str]:
    """A new key of the actor's tenant, and the key itself (to show once)."""
    key = PREFIX + secrets.token_urlsafe(32)
    row = TelemetryKey(
        tenant_id=actor.tenant_id, name=name, prefix=key[:12], key_hash=_hash(key), created_by_id=actor.id
    )
    db.add(row)
    db.flush()
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="telemetry.key.create",
        object_type="telemetry_key",
        object_id=row.id,
        changes=trail.changes(None, {"name": name, "prefix": row.prefix}),
    )
    return row, key


def list_keys(db: Session, *, tenant_id: int) -> list[TelemetryKey]:
    return list(
        db.scalars(select(TelemetryKey).where(TelemetryKey.tenant_id == tenant_id).order_by(TelemetryKey.id))
    )


def revoke_key(db: Session, *, actor: User, key_id: int) -> TelemetryKey:
    row = db.scalar(
        select(TelemetryKey).where(TelemetryKey.id == key_id, TelemetryKey.tenant_id == actor.tenant_id)
    )
    if row is None:
        raise NotFound("ingest key", "接入密钥")
    if row.revoked_at is None:
        row.revoked_at = now()
        db.flush()
        trail.record(
            db,
            tenant_id=actor.tenant_id,
            actor=actor,
            action="telemetry.key.revoke",
            object_type="telemetry_key",
            object_id=row.id,
        )
    return row


def tenant_of(db: Session, key: str | None) -> int | None:
    """The tenant whose live key ``key`` is; None for no key, an unknown or a revoked one."""
    if not key or not key.startswith(PREFIX) or len(key) > 100:
        return None
    return db.scalar(
        select(TelemetryKey.tenant_id).where(
            TelemetryKey.key_hash == _hash(key), TelemetryKey.revoked_at.is_(None)
        )
    )
