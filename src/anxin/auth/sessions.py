"""Sign-ins the server can end: page sessions and API tokens.

A page session is a row (``AuthSession``) made at sign-in; the browser's signed cookie holds its random
id, and every page request reads the row, so signing out ends it at once in every process. An API token
is stateless until it is revoked: signing out records its ``jti`` (``RevokedToken``), and a new password
or deactivation moves the user's token generation on, which ends every token issued before. A process
that verified a token in the last ``ANXIN_AUTH_CACHE_SECONDS`` may honour it that much longer
(``auth/token_cache.py``); the process that revokes it forgets it at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from anxin.auth import service as auth_service
from anxin.auth.models import AuthSession, RevokedToken, User

KEEP_ENDED = timedelta(days=1)  # ended and expired session rows are deleted after this


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


# -- page sessions ----------------------------------------------------------------------------------------


def start(db: Session, *, user: User, now: datetime, lifetime: timedelta) -> str:
    """A new session for ``user``; returns its id, for the cookie (only its hash is stored)."""
    db.execute(delete(AuthSession).where(AuthSession.expires_at < now - KEEP_ENDED))
    session_id = secrets.token_urlsafe(32)
    db.add(
        AuthSession(
            token_hash=_hash(session_id),
            tenant_id=user.tenant_id,
            user_id=user.id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.flush()
    return session_id


def session_user(db: Session, *, session_id: str, now: datetime) -> User | None:
    """The active user of a live session (not ended, not expired); None otherwise."""
    row = db.execute(
        select(AuthSession.user_id, AuthSession.tenant_id).where(
            AuthSession.token_hash == _hash(session_id),
            AuthSession.ended_at.is_(None),
            AuthSession.expires_at > now,
        )
    ).first()
    if row is None:
        return None
    return auth_service.get_active_user(db, id=row.user_id, tenant_id=row.tenant_id)


def end(db: Session, *, session_id: str, now: datetime) -> None:
    """End one session (sign-out)."""
    db.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == _hash(session_id), AuthSession.ended_at.is_(None))
        .values(ended_at=now)
    )


# -- API tokens ---------------------------------------------------------------------------------------------


def token_user(db: Session, claims: dict[str, Any]) -> User | None:
    """The active user a verified token's claims name, unless the token was revoked or issued before the
    user's tokens were last ended."""
    user = auth_service.get_active_user(db, id=int(claims["sub"]), tenant_id=claims["tid"])
    if user is None or claims.get("gen", 0) != (user.token_generation or 0):
        return None
    revoked = db.scalar(select(RevokedToken.id).where(RevokedToken.jti == claims["jti"]))
    return None if revoked is not None else user


def revoke_token(db: Session, claims: dict[str, Any], *, now: datetime) -> None:
    """End one token (its ``jti``) before its expiry."""
    db.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    if db.scalar(select(RevokedToken.id).where(RevokedToken.jti == claims["jti"])) is None:
        db.add(
            RevokedToken(
                jti=claims["jti"],
                user_id=int(claims["sub"]),
                revoked_at=now,
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        )
        db.flush()


# -- everything of one user -------------------------------------------------------------------------------


def end_all(db: Session, *, user: User, now: datetime) -> None:
    """End every page session and API token of ``user`` (a new password, deactivation)."""
    user.token_generation = (user.token_generation or 0) + 1
    db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    db.flush()
