"""What a customer pays for an order at the end of the visit, and what is taken off or given back.

- ``payment``: one attempt to collect what is due, by WeChat Pay or Alipay through a gateway (``pending``
  until the gateway's signed notification says it was paid) or in cash or by bank card, recorded by the
  technician on site (``paid`` at once). At most one pending payment per order (a partial unique index);
  ``refunded_fen`` never exceeds ``amount_fen`` (a CHECK).
- ``payment_adjustment``: a discount (before payment) or a refund (of a paid payment), each with its reason,
  who asked and who approved or rejected it; a requester never decides their own.
- ``payment_invoice``: the e-invoice the customer asks for after paying, issued by the invoice provider.

Money is integer fen throughout."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

METHODS = ("wechat", "alipay", "cash", "card")
GATEWAY_METHODS = ("wechat", "alipay")  # paid by the customer scanning a code
METHOD_NAMES = {  # what a person reads: Chinese, English
    "wechat": ("微信支付", "WeChat Pay"),
    "alipay": ("支付宝", "Alipay"),
    "cash": ("现金", "Cash"),
    "card": ("银行卡", "Bank card"),
}
PENDING, PAID, FAILED, CANCELLED = "pending", "paid", "failed", "cancelled"
PARTIALLY_REFUNDED, REFUNDED = "partially_refunded", "refunded"
PAYMENT_STATUSES = (PENDING, PAID, FAILED, CANCELLED, PARTIALLY_REFUNDED, REFUNDED)
SETTLED = (PAID, PARTIALLY_REFUNDED, REFUNDED)  # money was received
DISCOUNT, REFUND = "discount", "refund"
REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"
ISSUED = "issued"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Payment(Base):
    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("reference"),
        UniqueConstraint("tenant_id", "created_by_id", "idempotency_key", name="uq_payment_idempotency"),
        Index(
            "uq_payment_one_pending",
            "work_order_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        CheckConstraint(_in("method", METHODS), name="known_method"),
        CheckConstraint(_in("status", PAYMENT_STATUSES), name="known_status"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("refunded_fen >= 0 AND refunded_fen <= amount_fen", name="refund_within_amount"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    quote_id: Mapped[int | None] = mapped_column(ForeignKey("quote.id"))
    method: Mapped[str] = mapped_column(String(10))
    gateway: Mapped[str | None] = mapped_column(String(20))  # the gateway that collects it (None: on site)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    amount_fen: Mapped[int] = mapped_column(Integer)
    refunded_fen: Mapped[int] = mapped_column(Integer, default=0)
    reference: Mapped[str] = mapped_column(String(40))  # our number for it, given to the gateway
    code_url: Mapped[str | None] = mapped_column(String(300))  # what the QR code holds
    gateway_txn: Mapped[str | None] = mapped_column(String(64))  # the gateway's transaction number
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # failed or cancelled


class PaymentAdjustment(Base):
    __tablename__ = "payment_adjustment"
    __table_args__ = (
        UniqueConstraint(
            "tenant_id", "requested_by_id", "idempotency_key", name="uq_payment_adjustment_idempotency"
        ),
        CheckConstraint(_in("kind", (DISCOUNT, REFUND)), name="known_kind"),
        CheckConstraint(_in("status", (REQUESTED, APPROVED, REJECTED)), name="known_status"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
        CheckConstraint("kind = 'discount' OR payment_id IS NOT NULL", name="refund_names_payment"),
        CheckConstraint(
            "decided_by_id IS NULL OR decided_by_id <> requested_by_id", name="not_decided_by_requester"
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"), index=True)  # a refund's
    kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=REQUESTED)
    amount_fen: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(200))


class PaymentInvoice(Base):
    __tablename__ = "payment_invoice"
    __table_args__ = (
        UniqueConstraint("work_order_id"),
        UniqueConstraint("tenant_id", "number"),
        CheckConstraint(_in("status", (REQUESTED, ISSUED)), name="known_status"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    status: Mapped[str] = mapped_column(String(10), default=REQUESTED)
    title: Mapped[str] = mapped_column(String(100))
    tax_id: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    amount_fen: Mapped[int] = mapped_column(Integer)
    provider: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(40))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
