"""Trade-in (以旧换新): what a tenant pays for an old appliance, what one old appliance was valued at, and
the credit that valuation gives on a new appliance's installation order. Money is integer fen.

- ``trade_in_rate``: the valuation table, one value per category, age band and condition grade;
- ``trade_in_terms``: per category, the floor (the least any old appliance of it is worth) and the
  campaign subsidy added on top;
- ``trade_in``: one per recycling order: the condition the technician recorded, the valuation computed
  from the table, the customer's acceptance and when its credit expires;
- ``trade_in_link``: the credit put against an installation order; ``active`` until released (the
  installation order cancelled, or unlinked by hand). At most one active link per trade-in and per
  installation order (partial unique indexes), so a credit is never applied twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

VALUED, ACCEPTED, VOID = "valued", "accepted", "void"
ACTIVE, RELEASED = "active", "released"


class TradeInRate(Base):
    """What the tenant pays for an old appliance of ``category_code`` in ``age_band`` and ``condition``."""

    __tablename__ = "trade_in_rate"
    __table_args__ = (
        UniqueConstraint("tenant_id", "category_code", "age_band", "condition"),
        CheckConstraint("value_fen >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    category_code: Mapped[str] = mapped_column(String(40))
    age_band: Mapped[str] = mapped_column(String(10))
    condition: Mapped[str] = mapped_column(String(10))
    value_fen: Mapped[int] = mapped_column(Integer)


class TradeInTerms(Base):
    """A category's terms beside its table: ``floor_fen``, the least any old appliance of the category is
    valued at (scrap has a value), and ``subsidy_fen``, a brand's or a campaign's subsidy added to every
    valuation of the category while it is set (``subsidy_label`` says whose, as the customer reads it)."""

    __tablename__ = "trade_in_terms"
    __table_args__ = (
        UniqueConstraint("tenant_id", "category_code"),
        CheckConstraint("floor_fen >= 0", name="floor_not_negative"),
        CheckConstraint("subsidy_fen >= 0", name="subsidy_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    category_code: Mapped[str] = mapped_column(String(40))
    floor_fen: Mapped[int] = mapped_column(Integer, default=0)
    subsidy_fen: Mapped[int] = mapped_column(Integer, default=0)
    subsidy_label: Mapped[str | None] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class TradeIn(Base):
    """The old appliance of one recycling order, valued: ``base_fen`` from the table, raised to the floor
    where it is under it, plus the subsidy, is ``value_fen``. ``valued`` until the customer accepts
    (``accepted``, from then on fixed, its credit usable until ``expires_at``); ``void`` when the recycling
    order is cancelled."""

    __tablename__ = "trade_in"
    __table_args__ = (
        Index("ix_trade_in_customer", "tenant_id", "customer_id"),
        CheckConstraint("status IN ('valued', 'accepted', 'void')", name="known_status"),
        CheckConstraint("value_fen >= 0", name="value_not_negative"),
        CheckConstraint("age_years >= 0", name="age_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    recycling_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    category_code: Mapped[str] = mapped_column(String(40))
    age_years: Mapped[int] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(10))
    condition: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(200))
    base_fen: Mapped[int] = mapped_column(Integer)
    floor_fen: Mapped[int] = mapped_column(Integer)
    subsidy_fen: Mapped[int] = mapped_column(Integer)
    subsidy_label: Mapped[str | None] = mapped_column(String(60))
    value_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=VALUED)
    valued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    valued_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TradeInLink(Base):
    """A trade-in's credit on an installation order of the same customer: ``credit_fen`` is the
    valuation. Released rows are kept (who, when, why)."""

    __tablename__ = "trade_in_link"
    __table_args__ = (
        Index(
            "uq_trade_in_link_one_active_per_trade_in",
            "trade_in_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_trade_in_link_one_active_per_order",
            "installation_order_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("status IN ('active', 'released')", name="known_status"),
        CheckConstraint("credit_fen >= 0", name="credit_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    trade_in_id: Mapped[int] = mapped_column(ForeignKey("trade_in.id"), index=True)
    installation_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    credit_fen: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    release_reason: Mapped[str | None] = mapped_column(String(200))


class TradeInBooking(Base):
    """A trade-in booked as one (``booking.book``): the recycling order of the old appliance and the
    installation order of the new one, reported together. When the customer accepts the old appliance's
    valuation, its credit goes on the paired installation order by itself (``records.accept``)."""

    __tablename__ = "trade_in_booking"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    recycling_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    installation_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
