"""The public price book (三公开): a tenant's prices in versions. A draft is edited; publishing gives it an
effective date and freezes it for good; a later version supersedes it from its own date, and every version
is kept, so the price a quote used can always be read again.

A version holds its items (visit fees, labour, parts and materials at list price) and, per item, the
prices some brands charge instead (``price_override``). Money is integer fen."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

DRAFT, PUBLISHED = "draft", "published"


class PriceBookVersion(Base):
    """One version of a tenant's price book, numbered 1, 2, … within the tenant. ``draft`` (no effective
    date, editable) or ``published`` (``effective_from`` set, never edited again). At most one draft per
    tenant (a partial unique index)."""

    __tablename__ = "price_book_version"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index(
            "uq_price_book_version_one_draft",
            "tenant_id",
            unique=True,
            sqlite_where=text("status = 'draft'"),
            postgresql_where=text("status = 'draft'"),
        ),
        CheckConstraint("status IN ('draft', 'published')", name="known_status"),
        CheckConstraint(
            "(status = 'draft' AND effective_from IS NULL) OR (status = 'published' AND effective_from IS NOT NULL)",
            name="published_has_date",
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    effective_from: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("price_book_version.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[PriceItem]] = relationship(
        back_populates="version", order_by="PriceItem.id", cascade="all, delete-orphan"
    )


class PriceItem(Base):
    """A price of the book: ``kind`` visit, labour, part or material; ``price_fen`` per ``unit``. Which
    jobs it applies to: ``category_code`` and ``service_type`` (None: every one), ``area`` (a visit fee's
    urban or suburban), ``fault`` (the labour's fault, e.g. 不制冷). ``part_code`` names the part catalog's
    part for an item of kind part (a code, not a key: the catalog may not hold it yet)."""

    __tablename__ = "price_item"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("price_book_version.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    unit: Mapped[str] = mapped_column(String(10))
    price_fen: Mapped[int] = mapped_column(Integer)
    category_code: Mapped[str | None] = mapped_column(String(40))
    service_type: Mapped[str | None] = mapped_column(String(20))
    area: Mapped[str | None] = mapped_column(String(10))
    fault: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(200))
    part_code: Mapped[str | None] = mapped_column(String(40))

    version: Mapped[PriceBookVersion] = relationship(back_populates="items")
    overrides: Mapped[list[PriceOverride]] = relationship(
        back_populates="item", order_by="PriceOverride.brand_id", cascade="all, delete-orphan"
    )


class PriceOverride(Base):
    """What one brand charges for an item instead of its price (a brand's parts or labour cost more)."""

    __tablename__ = "price_override"
    __table_args__ = (
        UniqueConstraint("item_id", "brand_id"),
        CheckConstraint("price_fen >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("price_item.id"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brand.id"))
    price_fen: Mapped[int] = mapped_column(Integer)

    item: Mapped[PriceItem] = relationship(back_populates="overrides")


REPAIR_WARRANTY_DAYS = (
    90  # a repair's own warranty on the work and the replaced part, unless the tenant sets another
)


class PricingPolicy(Base):
    """A tenant's terms for quotes: ``repair_warranty_days``, how long a repair's own warranty runs (on
    the work and the part it replaced) from its completion. Until a tenant sets its own, the default
    (``REPAIR_WARRANTY_DAYS``) holds."""

    __tablename__ = "pricing_policy"
    __table_args__ = (
        CheckConstraint("repair_warranty_days BETWEEN 0 AND 730", name="repair_warranty_days_in_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), unique=True)
    repair_warranty_days: Mapped[int] = mapped_column(Integer, default=REPAIR_WARRANTY_DAYS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ReworkChargeback(Base):
    """A rework inside the last repair's warranty is free to the customer; what it costs is charged back to
    whoever did the first repair: the first order's technician and outlet. One row per quote that priced
    such a rework (``quote_id``); the settlement counts the rows whose quote the customer approved."""

    __tablename__ = "rework_chargeback"
    __table_args__ = (
        Index("ix_rework_chargeback_outlet", "tenant_id", "outlet_id", "created_at"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), unique=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)  # the rework
    original_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
