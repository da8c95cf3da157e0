from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

DEFAULT_ZONE = "Asia/Shanghai"  # a tenant's zone unless it sets another


class Tenant(Base):
    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_ZONE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (UniqueConstraint("tenant_id", "username"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    username: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A customer user acts for one customer record, a technician user for one technician record,
    # an outlet manager for one outlet.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Bumped when the user's tokens must all end (a new password, deactivation): a token carries the
    # generation it was issued in and is refused once it differs (auth/sessions.py).
    token_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class LoginCode(Base):
    """A one-time code sent to a customer's phone. Only its hash is kept. Wrong guesses are counted by the
    sign-in throttles (``SignInAttempt``); ``attempts`` and ``locked_until`` are no longer written."""

    __tablename__ = "login_code"
    __table_args__ = (Index("ix_login_code_tenant_phone", "tenant_id", "phone"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    phone: Mapped[str] = mapped_column(String(11))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The message as sent, kept only when the dev mailbox is on (demo and development), never in production.
    dev_message: Mapped[str | None] = mapped_column(String(200))


class AuthSession(Base):
    """A page session: made at sign-in, ended at sign-out, a new password or deactivation, and void after
    ``expires_at``. The browser's cookie holds the random session id; only its hash is kept here."""

    __tablename__ = "auth_session"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RevokedToken(Base):
    """An API token ended before its expiry (sign-out), by its ``jti``; kept until the token would have
    expired anyway."""

    __tablename__ = "revoked_token"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SignInAttempt(Base):
    """One counted attempt under one throttle key (a wrong password, a wrong code, a code sent), written in
    a transaction of its own so a refused sign-in's count stays. ``key`` is an HMAC of what is counted
    (account, phone, client address), never the value itself."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (Index("ix_sign_in_attempt_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    key: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
