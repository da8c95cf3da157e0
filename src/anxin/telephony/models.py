"""The relay binding (隐私号绑定): one row per number a provider bound for an order, AXB style: the
customer (A) and the assigned technician (B) both dial the relay number (X) and reach each other.

The row keeps the parties by record (``customer_id``, ``technician_id``) and only in masked form
(``138****8000``) for the bridge's log, never a whole number. ``status``: ``active`` while the order is
open with a technician; ``closing`` once the order is finished or cancelled, until ``expires_at`` (the
grace period a customer may still call back in); ``released`` when the provider was asked to unbind.
``unbound_at`` is set once the provider confirmed the unbinding (a release the provider refused is tried
again by the sweep). One active or closing binding per order (a partial unique index)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

LIVE = ("active", "closing")


class RelayBinding(Base):
    __tablename__ = "relay_binding"
    __table_args__ = (
        Index(
            "uq_relay_binding_one_live_per_order",
            "work_order_id",
            unique=True,
            sqlite_where=text("status IN ('active', 'closing')"),
            postgresql_where=text("status IN ('active', 'closing')"),
        ),
        Index("ix_relay_binding_due", "status", "expires_at"),
        Index("ix_relay_binding_number", "relay_number", "status"),
        CheckConstraint("status IN ('active', 'closing', 'released')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    relay_number: Mapped[str] = mapped_column(String(20))
    subscription_id: Mapped[str] = mapped_column(String(64))  # the provider's id of the binding
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    customer_masked: Mapped[str] = mapped_column(String(20))
    technician_masked: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="active")
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rebinds: Mapped[int] = mapped_column(default=0)  # times the technician side was changed
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(String(30))
    unbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
