"""Settlement (结算): the brand's review of an outlet's finished orders (封单审核), the tenant's fee rules, the
outlets' monthly statements with their lines, and each technician's pay inside the outlet. Money is integer
fen; a deduction is a line with a negative ``amount_fen``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
DRAFT, CONFIRMED, DISPUTED = "draft", "confirmed", "disputed"


class ClosureReview(Base):
    """An outlet's request that the brand accept one finished order as done (``pending``), and the brand's
    answer: ``approved`` (the order is settled) or ``rejected`` with a reason (the outlet fixes and submits
    again: ``round`` counts the submissions). The evidence is the order's own (its service report, photos
    and signature), linked, not copied. One review per order."""

    __tablename__ = "closure_review"
    __table_args__ = (
        UniqueConstraint("work_order_id"),
        Index("ix_closure_review_queue", "tenant_id", "status", "submitted_at"),
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    round: Mapped[int] = mapped_column(Integer, default=1)
    note: Mapped[str | None] = mapped_column(String(300))  # the outlet's word with the submission
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(300))

    events: Mapped[list[ClosureReviewEvent]] = relationship(
        order_by="ClosureReviewEvent.id", cascade="all, delete-orphan"
    )


class ClosureReviewEvent(Base):
    """Append-only history of a review: submit, approve, reject, resubmit; who, when, why."""

    __tablename__ = "closure_review_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    review_id: Mapped[int] = mapped_column(ForeignKey("closure_review.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    round: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    note: Mapped[str | None] = mapped_column(String(300))


class FeeRule(Base):
    """One of a tenant's fee rules (see ``fees.py`` for how they add up). ``kind``:

    - ``base``: the outlet's fee per approved order, for ``service_type`` and ``category_code`` (None: any;
      the most specific rule wins);
    - ``area``: added for an order in ``area_type`` (urban, suburban: the distance band the order records);
    - ``urgent``: added for an order of ``priority`` urgent;
    - ``rework``: deducted per rework charged back to the outlet: ``amount_fen`` plus ``rate_bp`` (1/10000)
      of the rework's cost;
    - ``complaint``: deducted per upheld complaint against the outlet or its technician;
    - ``penalty_point``: deducted per penalty point of the outlet's technicians in the month;
    - ``commission``: a technician of ``level`` earns ``rate_bp`` of the fees of their orders;
    - ``deposit``: withheld from each technician's pay per month (保证金) until ``cap_fen`` is held."""

    __tablename__ = "fee_rule"
    __table_args__ = (
        Index("ix_fee_rule_tenant_kind", "tenant_id", "kind"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_in_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    kind: Mapped[str] = mapped_column(String(16))
    service_type: Mapped[str | None] = mapped_column(String(20))
    category_code: Mapped[str | None] = mapped_column(String(40))
    area_type: Mapped[str | None] = mapped_column(String(10))
    priority: Mapped[str | None] = mapped_column(String(10))
    level: Mapped[str | None] = mapped_column(String(10))
    amount_fen: Mapped[int] = mapped_column(Integer, default=0)
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    cap_fen: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Statement(Base):
    """An outlet's statement for one month (``YYYY-MM``, the tenant's zone): ``draft`` (generated, awaiting
    the outlet manager; generating again replaces its lines), ``confirmed`` (frozen for good) or
    ``disputed`` (the manager's reason; an admin resolves it back to ``draft``)."""

    __tablename__ = "settlement_statement"
    __table_args__ = (
        UniqueConstraint("tenant_id", "outlet_id", "month"),
        CheckConstraint("status IN ('draft', 'confirmed', 'disputed')", name="known_status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    outlet_id: Mapped[int] = mapped_column(ForeignKey("outlet.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    fees_fen: Mapped[int] = mapped_column(Integer, default=0)
    deductions_fen: Mapped[int] = mapped_column(Integer, default=0)  # zero or negative
    total_fen: Mapped[int] = mapped_column(Integer, default=0)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str | None] = mapped_column(String(300))
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(300))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list[StatementLine]] = relationship(
        order_by="StatementLine.id", cascade="all, delete-orphan"
    )
    pay: Mapped[list[TechnicianPay]] = relationship(order_by="TechnicianPay.id", cascade="all, delete-orphan")


class StatementLine(Base):
    """One amount of a statement: a fee of an approved order (``base``, ``area``, ``urgent``: positive) or a
    deduction (``rework``, ``complaint``, ``penalty_point``: negative), with what it is about."""

    __tablename__ = "settlement_line"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statement.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    order_number: Mapped[str | None] = mapped_column(String(24))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    description: Mapped[str] = mapped_column(String(200))
    description_en: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    amount_fen: Mapped[int] = mapped_column(Integer)


class TechnicianPay(Base):
    """A technician's pay inside the outlet for the statement's month: ``rate_bp`` of the fees of their
    orders by their level, less their reworks and penalty points and the deposit withheld."""

    __tablename__ = "technician_pay"
    __table_args__ = (UniqueConstraint("statement_id", "technician_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statement.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(10))
    orders: Mapped[int] = mapped_column(Integer, default=0)
    fees_fen: Mapped[int] = mapped_column(Integer, default=0)
    rate_bp: Mapped[int] = mapped_column(Integer, default=0)
    commission_fen: Mapped[int] = mapped_column(Integer, default=0)
    rework_fen: Mapped[int] = mapped_column(Integer, default=0)  # zero or negative, as every deduction
    penalty_points: Mapped[int] = mapped_column(Integer, default=0)
    penalty_fen: Mapped[int] = mapped_column(Integer, default=0)
    deposit_fen: Mapped[int] = mapped_column(Integer, default=0)
    deposit_held_fen: Mapped[int] = mapped_column(Integer, default=0)  # held in all, this month included
    net_fen: Mapped[int] = mapped_column(Integer, default=0)


class StatementEvent(Base):
    """Append-only history of a statement: generated, regenerated, confirmed, disputed, resolved."""

    __tablename__ = "settlement_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    statement_id: Mapped[int] = mapped_column(ForeignKey("settlement_statement.id"), index=True)
    action: Mapped[str] = mapped_column(String(12))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    note: Mapped[str | None] = mapped_column(String(300))
    total_fen: Mapped[int | None] = mapped_column(Integer)
