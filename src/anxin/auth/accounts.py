"""What a person does with their account: sign in with a password (throttled, ``auth/limits.py``), and what
ends every sign-in of an account: a new password, deactivation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import database
from anxin.audit import trail
from anxin.auth import limits, sessions
from anxin.auth import service as auth_service
from anxin.auth.exceptions import BadCredentials
from anxin.auth.models import Tenant, User
from anxin.auth.security import hash_password


def sign_in(db: Session, *, login: str, password: str, client: str, secret: str, now: datetime) -> User:
    """The user ``login`` (``name@tenant``) names when ``password`` is theirs. Raises ``TooManyAttempts``
    while a throttle of the account or the client holds, before the password is looked at, and
    ``BadCredentials`` for any wrong name, tenant or password (each counted)."""
    limits.before_password(db, secret=secret, login=login, client=client, now=now)
    user = auth_service.authenticate(db, login=login, password=password)
    if user is None:
        limits.password_wrong(db, secret=secret, login=login, client=client, now=now)
        raise BadCredentials()
    database.write_from_here(db)  # the password took a while: write with the lock, not on stale reads
    limits.password_right(db, secret=secret, login=login, client=client)
    return user


def find(db: Session, *, login: str) -> User | None:
    """The user ``name@tenant`` names, active or not."""
    name, _, slug = login.rpartition("@")
    return db.scalar(
        select(User)
        .join(Tenant, Tenant.id == User.tenant_id)
        .where(Tenant.slug == slug, User.username == name)
    )


def set_password(
    db: Session, *, user: User, password: str, now: datetime, actor: trail.Actor | None = None
) -> None:
    """A new password; every page session and API token of the user ends. The audit log records that
    it was set (never the password nor its hash)."""
    user.password_hash = hash_password(password)
    sessions.end_all(db, user=user, now=now)
    trail.record(
        db,
        tenant_id=user.tenant_id,
        actor=actor,
        action="user.password",
        object_type="user",
        object_id=user.id,
        changes={"password": {"before": trail.HIDDEN, "after": trail.HIDDEN}},
    )


def deactivate(db: Session, *, user: User, now: datetime, actor: trail.Actor | None = None) -> None:
    """The user can no longer sign in; every page session and API token of theirs ends."""
    was_active = user.is_active
    user.is_active = False
    sessions.end_all(db, user=user, now=now)
    trail.record(
        db,
        tenant_id=user.tenant_id,
        actor=actor,
        action="user.deactivate",
        object_type="user",
        object_id=user.id,
        changes=trail.changes({"is_active": was_active}, {"is_active": False}),
    )
