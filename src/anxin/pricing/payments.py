"""Payment at the end of the visit. What the customer owes is the approved quote's ``payable_fen``, less
the approved discounts and the trade-in credit (``tradein.credit``); it is collected whole by one payment:
by WeChat Pay or Alipay through the gateway (``gateways``: pending until its signed notification says
paid), or in cash or by bank card, recorded by the technician on site (paid at once). A new payment
cancels the order's pending one; a paid order is not paid again. Each change locks the order's row first,
so two clients racing cannot both collect, and is written to the audit log; the customer hears of a
payment received through the outbox. Money is integer fen.

Discounts and refunds are ``payments_adjust``, the e-invoice ``payments_invoice``."""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass

import segno
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock, money
from anxin.audit import trail
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import NotFound
from anxin.notify import outbox
from anxin.pricing import gateways
from anxin.pricing.payment_models import (
    APPROVED,
    CANCELLED,
    DISCOUNT,
    FAILED,
    GATEWAY_METHODS,
    METHOD_NAMES,
    PAID,
    PENDING,
    SETTLED,
    Payment,
    PaymentAdjustment,
)
from anxin.pricing.payments_errors import (
    AmountMismatch,
    BadNotification,
    MethodNotForCustomer,
    NoQrCode,
    NothingDue,
    NotPayableYet,
    PaymentClosed,
)
from anxin.tradein import credit
from anxin.work_order.exceptions import IdempotencyKeyReused
from anxin.work_order.models import Quote, WorkOrder
from anxin.work_order.states import Status

# Payment is taken once the approved quote's work has begun: on site, at completion, or afterwards.
PAYABLE_STATES = frozenset({Status.IN_PROGRESS, Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED})
STATE_WORDS = {
    PAID: ("收款", "paid"),
    CANCELLED: ("取消", "cancelled"),
    FAILED: ("失败", "failed"),
    "partially_refunded": ("部分退款", "partly refunded"),
    "refunded": ("退款", "refunded"),
}
RECEIVED_EVENT = "payment.received"


@dataclass(frozen=True)
class Due:
    """What the order comes to: the approved quote's ``payable_fen``, less ``discount_fen`` (approved
    discounts) and ``trade_in_fen``, is ``owed_fen``; ``paid_fen`` of it was received (refunds aside),
    ``balance_fen`` is left to pay. ``status``: none (nothing to pay), unpaid, pending (a code waits to be
    scanned), paid, partially_refunded or refunded."""

    payable_fen: int
    discount_fen: int
    trade_in_fen: int
    owed_fen: int
    paid_fen: int
    refunded_fen: int
    balance_fen: int
    status: str
    payable_now: bool  # the order is at the stage where payment is taken


def approved_quote(db: Session, *, order: WorkOrder) -> Quote | None:
    return db.scalar(
        select(Quote)
        .where(Quote.work_order_id == order.id, Quote.status == "approved")
        .order_by(Quote.id.desc())
        .limit(1)
    )


def payments_of(db: Session, *, order: WorkOrder) -> list[Payment]:
    return list(db.scalars(select(Payment).where(Payment.work_order_id == order.id).order_by(Payment.id)))


def due(db: Session, *, order: WorkOrder) -> Due:
    quote = approved_quote(db, order=order)
    payable = quote.payable_fen if quote is not None else 0
    discount = db.scalar(
        select(func.coalesce(func.sum(PaymentAdjustment.amount_fen), 0)).where(
            PaymentAdjustment.work_order_id == order.id,
            PaymentAdjustment.kind == DISCOUNT,
            PaymentAdjustment.status == APPROVED,
        )
    )
    trade_in = credit.credit_fen(db, tenant_id=order.tenant_id, order_id=order.id) if payable else 0
    owed = max(0, payable - int(discount) - max(0, int(trade_in)))
    payments = payments_of(db, order=order)
    settled = [p for p in payments if p.status in SETTLED]
    paid = sum(p.amount_fen for p in settled)
    refunded = sum(p.refunded_fen for p in settled)
    balance = max(0, owed - paid)
    if settled:
        status = settled[-1].status
    elif any(p.status == PENDING for p in payments):
        status = PENDING
    else:
        status = "unpaid" if owed else "none"
    return Due(
        payable_fen=payable,
        discount_fen=int(discount),
        trade_in_fen=max(0, int(trade_in)),
        owed_fen=owed,
        paid_fen=paid,
        refunded_fen=refunded,
        balance_fen=balance,
        status=status,
        payable_now=order.status in PAYABLE_STATES and quote is not None,
    )


def lock(db: Session, *, order: WorkOrder) -> WorkOrder:
    """The order's row, locked until the transaction ends (PostgreSQL; SQLite serialises writers)."""
    db.execute(select(WorkOrder.id).where(WorkOrder.id == order.id).with_for_update())
    return order


def get(db: Session, *, order: WorkOrder, id: int, lock_row: bool = False) -> Payment:
    query = select(Payment).where(Payment.id == id, Payment.work_order_id == order.id)
    payment = db.scalar(query.with_for_update() if lock_row else query)
    if payment is None:
        raise NotFound("payment", "付款记录")
    return payment


def _replay(db: Session, *, actor: User, key: str, fingerprint: str) -> Payment | None:
    found = db.scalar(
        select(Payment).where(
            Payment.tenant_id == actor.tenant_id,
            Payment.created_by_id == actor.id,
            Payment.idempotency_key == key,
        )
    )
    if found is not None and found.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return found


def start(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    method: str,
    idempotency: tuple[str, str] | None = None,
) -> tuple[Payment, bool]:
    """Collect what is left to pay on ``order`` by ``method``; ``(payment, replayed)``. WeChat Pay and
    Alipay: a pending payment with the gateway's code URL (the order's earlier pending one is cancelled).
    Cash and card: recorded as paid by the technician (or staff) on site; a customer may not. A retried
    request with the same ``Idempotency-Key`` returns the first payment; a different body with it is 422."""
    lock(db, order=order)
    if idempotency is not None:
        earlier = _replay(db, actor=actor, key=idempotency[0], fingerprint=idempotency[1])
        if earlier is not None:
            return earlier, True
    if actor.role == Role.CUSTOMER and method not in GATEWAY_METHODS:
        raise MethodNotForCustomer()
    owed = due(db, order=order)
    if not owed.payable_now:
        raise NotPayableYet(current=order.status)
    if owed.balance_fen <= 0:
        raise NothingDue()
    now = clock.now()
    for pending in db.scalars(
        select(Payment).where(Payment.work_order_id == order.id, Payment.status == PENDING).with_for_update()
    ):
        pending.status, pending.closed_at = CANCELLED, now
        trail.record(
            db,
            tenant_id=order.tenant_id,
            actor=actor,
            action="payment.cancel",
            object_type="payment",
            object_id=pending.id,
            changes={"status": [PENDING, CANCELLED]},
            note="superseded",
        )
    db.flush()
    quote = approved_quote(db, order=order)
    payment = Payment(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        quote_id=quote.id if quote else None,
        method=method,
        amount_fen=owed.balance_fen,
        refunded_fen=0,
        reference=f"AX{now:%Y%m%d}{secrets.token_hex(10).upper()}",
        idempotency_key=idempotency[0] if idempotency else None,
        request_hash=idempotency[1] if idempotency else None,
        created_by_id=actor.id,
        created_at=now,
    )
    if method in GATEWAY_METHODS:
        gateway = gateways.gateway()
        payment.gateway, payment.status = gateway.name, PENDING
        payment.code_url = gateway.create(
            reference=payment.reference,
            method=method,
            amount_fen=payment.amount_fen,
            description=order.number,
        )
    else:
        payment.status, payment.paid_at = PAID, now
    db.add(payment)
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=actor,
        action="payment.create",
        object_type="payment",
        object_id=payment.id,
        changes={"work_order": order.number, "method": method, "amount_fen": payment.amount_fen}
        | {"status": payment.status},
    )
    if payment.status == PAID:
        _tell_customer(db, order=order, payment=payment)
    return payment, False


def cancel(db: Session, *, order: WorkOrder, payment: Payment, actor: User) -> Payment:
    """Withdraw a pending payment (the customer changed their mind, or pays another way)."""
    lock(db, order=order)
    db.refresh(payment)
    if payment.status != PENDING:
        _closed(payment)
    payment.status, payment.closed_at = CANCELLED, clock.now()
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=actor,
        action="payment.cancel",
        object_type="payment",
        object_id=payment.id,
        changes={"status": [PENDING, CANCELLED]},
    )
    return payment


def _closed(payment: Payment) -> None:
    zh, en = STATE_WORDS.get(payment.status, (payment.status, payment.status))
    raise PaymentClosed(state=zh, state_en=en, current=payment.status)


def notified(db: Session, *, gateway_name: str, fields: dict, sign: str) -> Payment:
    """A gateway's notification: verified by its signature (403 ``invalid_signature`` otherwise), then
    the payment it names is paid (or failed). The same notification again changes nothing; one for a
    payment cancelled meanwhile is refused (409), for the gateway to give the money back."""
    if gateway_name != gateways.configured():  # only the gateway in use may report a payment
        raise NotFound("payment gateway", "支付渠道")
    gateway = gateways.gateway(gateway_name)
    try:
        note = gateway.verify(fields, sign)
    except (BadNotification, gateways.BadSignature, KeyError, ValueError):
        raise BadNotification() from None
    payment = db.scalar(
        select(Payment).where(Payment.reference == note.reference, Payment.gateway == gateway.name)
    )
    if payment is None:
        raise NotFound("payment", "付款记录")
    order = db.get(WorkOrder, payment.work_order_id)
    lock(db, order=order)
    db.refresh(payment)
    if note.amount_fen != payment.amount_fen:
        raise AmountMismatch()
    if payment.status in SETTLED and payment.gateway_txn == note.txn:
        return payment  # the gateway retried its notification
    if payment.status != PENDING:
        _closed(payment)
    now = clock.now()
    before = payment.status
    if note.status == PAID:
        payment.status, payment.paid_at, payment.gateway_txn = PAID, now, note.txn[:64]
    else:
        payment.status, payment.closed_at, payment.gateway_txn = FAILED, now, note.txn[:64]
    db.flush()
    trail.record(
        db,
        tenant_id=payment.tenant_id,
        actor=None,
        action="payment.notified",
        object_type="payment",
        object_id=payment.id,
        changes={"status": [before, payment.status], "gateway": gateway.name},
    )
    if payment.status == PAID:
        _tell_customer(db, order=order, payment=payment)
    return payment


def demo_scan(db: Session, *, order: WorkOrder, payment: Payment) -> Payment:
    """The demo's "customer scanned and paid": the demo gateway's signed notification for ``payment``,
    taken through the same check as any callback. Only the demo gateway can do this."""
    if payment.status != PENDING:
        _closed(payment)
    if payment.gateway != "demo":
        raise NotFound("payment gateway", "支付渠道")
    gateway = gateways.DemoGateway()
    fields, sign = gateway.notification(reference=payment.reference, amount_fen=payment.amount_fen)
    return notified(db, gateway_name="demo", fields=fields, sign=sign)


def _tell_customer(db: Session, *, order: WorkOrder, payment: Payment) -> None:
    outbox.enqueue(
        db,
        tenant_id=order.tenant_id,
        event=RECEIVED_EVENT,
        to=[outbox.Recipient("inbox", f"customer:{order.customer_id}")],
        context={"number": order.number, "amount": money.yuan(payment.amount_fen, symbol=False)}
        | {"method": METHOD_NAMES[payment.method][0], "method_en": METHOD_NAMES[payment.method][1]},
        dedupe_key=f"payment-received:{payment.id}",
        work_order_id=order.id,
    )


def qr_svg(payment: Payment, *, inline: bool = False) -> str:
    """The QR code of a pending WeChat Pay or Alipay payment, as SVG (``inline``: for an HTML page)."""
    if payment.status != PENDING or not payment.code_url:
        raise NoQrCode()
    code = segno.make(payment.code_url, error="m")
    if inline:
        return code.svg_inline(scale=5, border=2, title="QR", dark="#111")
    buffer = io.BytesIO()
    code.save(buffer, kind="svg", scale=6, border=2, xmldecl=True)
    return buffer.getvalue().decode()
