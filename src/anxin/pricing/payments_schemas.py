"""Payments' shapes in the API. Money is integer fen; methods, statuses and kinds are codes (the pages
translate them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id

Method = Literal["wechat", "alipay", "cash", "card"]
PaymentStatus = Literal["pending", "paid", "failed", "cancelled", "partially_refunded", "refunded"]
DueStatus = Literal["none", "unpaid", "pending", "paid", "partially_refunded", "refunded"]
# a quote has up to 50 lines of at most 100,000 yuan each: what is paid or given back stays below this
MAX_PAYMENT_FEN = 500_000_000
Fen = Annotated[int, Field(ge=1, le=MAX_PAYMENT_FEN, description="integer fen (分)")]
Reason = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]


class PaymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    method: Method = Field(
        description="wechat or alipay (a code to scan; the customer's choice), cash or card (recorded on "
        "site by the technician)"
    )


class PaymentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    method: Method
    status: PaymentStatus
    amount_fen: int
    refunded_fen: int
    reference: str = Field(description="the payment's number, as the gateway knows it")
    code_url: str | None = Field(description="what the QR code holds, while pending (wechat, alipay)")
    qr_url: str | None = Field(default=None, description="the QR code as SVG, while pending")
    created_at: datetime
    paid_at: datetime | None
    replayed: bool = Field(False, description="returned for a retried request with the same Idempotency-Key")


class AdjustmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: Literal["discount", "refund"]
    status: Literal["requested", "approved", "rejected"]
    amount_fen: int
    reason: str
    payment_id: int | None
    requested_by_id: int
    requested_at: datetime
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str | None
    replayed: bool = False


class InvoiceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    status: Literal["requested", "issued"]
    title: str
    tax_id: str | None
    email: str
    amount_fen: int
    number: str | None
    requested_at: datetime
    issued_at: datetime | None


class DueRead(BaseModel):
    payable_fen: int = Field(description="the approved quote's payable total")
    discount_fen: int = Field(description="approved discounts")
    trade_in_fen: int = Field(description="trade-in credit applied to this order")
    owed_fen: int
    paid_fen: int = Field(description="received, refunds not deducted")
    refunded_fen: int
    balance_fen: int = Field(description="left to pay")
    status: DueStatus
    payable_now: bool = Field(description="the order is at the stage where payment is taken")


class PaymentsRead(BaseModel):
    """The order's money: what is due, every payment, every discount and refund asked for, the invoice."""

    due: DueRead
    payments: list[PaymentRead]
    adjustments: list[AdjustmentRead]
    invoice: InvoiceRead | None


class DiscountBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: Fen
    reason: Reason


class RefundBody(DiscountBody):
    payment_id: Id = Field(description="the payment to give back from")


class AdjustmentDecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=200)


class InvoiceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=100, pattern=r"\S", description="个人 or the company's name")
    tax_id: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Za-z]{15,20}$",
        description="the company's taxpayer id (统一社会信用代码), 15 to 20 letters and digits",
    )
    email: str = Field(
        max_length=254, pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$", description="where the e-invoice goes"
    )


class NotificationBody(BaseModel):
    """A gateway's notification that a payment was paid or failed, signed (``sign``: HMAC-SHA256 in hex of
    the other fields sorted by name, ``key=value`` joined by ``&``)."""

    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=40)
    txn: str = Field(min_length=1, max_length=64)
    amount_fen: int = Field(ge=1, le=MAX_PAYMENT_FEN)
    status: Literal["paid", "failed"]
    sign: str = Field(min_length=1, max_length=128)


class NotificationAck(BaseModel):
    result: Literal["ok"] = "ok"
    status: PaymentStatus
