"""Tables the pages need beyond the domains': one-time sign-in codes for the customer portal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime


class LoginCode(Base):
    """A one-time code sent to a customer's phone. Only its hash is kept; wrong guesses are counted and
    lock the code (and new codes for the phone) until ``locked_until``."""

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
