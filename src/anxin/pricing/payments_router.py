"""Payments' API, under the order (tagged with the orders' routes):

- ``GET /api/v1/work-orders/{id}/payments``: what is due, the payments, discounts and refunds, the invoice;
- ``POST …/payments`` ``{"method"}``: collect what is left (a code to scan, or cash or card on site), with an
  optional ``Idempotency-Key``; ``POST …/payments/{payment_id}/cancel``; ``GET …/payments/{payment_id}/qr.svg``;
- ``POST …/discounts``, ``POST …/refunds``, ``POST …/adjustments/{adjustment_id}/approve|reject``;
- ``POST …/invoice``: the e-invoice of a paid order;

and the gateways' notifications, ``POST /api/v1/payment-notifications/{gateway}``, open to anyone and
believed only when signed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id
from anxin.pricing import payments, payments_adjust, payments_invoice
from anxin.pricing.payment_models import DISCOUNT, REFUND
from anxin.pricing.payments_schemas import (
    AdjustmentDecisionBody,
    AdjustmentRead,
    DiscountBody,
    DueRead,
    InvoiceBody,
    InvoiceRead,
    NotificationAck,
    NotificationBody,
    PaymentBody,
    PaymentRead,
    PaymentsRead,
    RefundBody,
)
from anxin.routing import errors, file_response, json_response, operation_id
from anxin.work_order.actions import request_fingerprint
from anxin.work_order.api import CurrentWorkOrder

router = APIRouter(
    prefix="/api/v1/work-orders", tags=["work orders"], generate_unique_id_function=operation_id
)
notify_router = APIRouter(prefix="/api/v1/payment-notifications", tags=["payments"])
Reader = Annotated[User, Depends(allowed(Action.PAYMENTS_READ))]
Collector = Annotated[User, Depends(allowed(Action.PAYMENTS_COLLECT))]
Adjuster = Annotated[User, Depends(allowed(Action.PAYMENTS_ADJUST))]
Approver = Annotated[User, Depends(allowed(Action.PAYMENTS_APPROVE))]
InvoiceRequester = Annotated[User, Depends(allowed(Action.INVOICES_REQUEST))]
IdempotencyKey = Annotated[
    str | None, Header(max_length=100, description="a retried request returns the first")
]
REPLAYED = {200: {"description": "a retried request with the same Idempotency-Key: the first answer"}}


def payment_read(order_id: int, payment) -> PaymentRead:  # noqa: ANN001 - a Payment
    read = PaymentRead.model_validate(payment)
    if payment.status == "pending" and payment.code_url:
        read.qr_url = f"/api/v1/work-orders/{order_id}/payments/{payment.id}/qr.svg"
    else:
        read.code_url = None
    return read


@router.get("/{order_id}/payments", response_model=PaymentsRead)
def list_payments(order: CurrentWorkOrder, db: DbSession, user: Reader):
    """What is due on the order (the approved quote's payable total less approved discounts and trade-in
    credit), every payment, every discount and refund asked for, and the e-invoice."""
    invoice = payments_invoice.of(db, order=order)
    return PaymentsRead(
        due=DueRead(**payments.due(db, order=order).__dict__),
        payments=[payment_read(order.id, p) for p in payments.payments_of(db, order=order)],
        adjustments=[
            AdjustmentRead.model_validate(a) for a in payments_adjust.adjustments_of(db, order=order)
        ],
        invoice=InvoiceRead.model_validate(invoice) if invoice else None,
    )


@router.post("/{order_id}/payments", response_model=PaymentRead, status_code=201, responses=REPLAYED)
def create_payment(
    body: PaymentBody,
    order: CurrentWorkOrder,
    db: DbSession,
    user: Collector,
    idempotency_key: IdempotencyKey = None,
):
    """Collect what is left to pay, whole. ``wechat`` or ``alipay``: a pending payment with its code to scan
    (``qr_url``), paid when the gateway's signed notification arrives; ``cash`` or ``card``: recorded as paid
    by the technician (or staff) on site; a customer may only pay by a code (403
    ``method_not_for_customer``). 409 ``nothing_due`` when the order is free or paid, 409
    ``not_payable_yet`` before the approved quote's work has begun."""
    fingerprint = request_fingerprint(body.model_dump(mode="json") | {"order": order.id})
    payment, replayed = payments.start(
        db,
        order=order,
        actor=user,
        method=body.method,
        idempotency=(idempotency_key, fingerprint) if idempotency_key else None,
    )
    read = payment_read(order.id, payment)
    read.replayed = replayed
    return json_response(read, status_code=200 if replayed else 201)


@router.post("/{order_id}/payments/{payment_id}/cancel", response_model=PaymentRead)
def cancel_payment(payment_id: Id, order: CurrentWorkOrder, db: DbSession, user: Collector):
    """Withdraw a pending payment (409 ``payment_closed`` once it is paid, failed or cancelled)."""
    payment = payments.get(db, order=order, id=payment_id)
    return payment_read(order.id, payments.cancel(db, order=order, payment=payment, actor=user))


@router.get(
    "/{order_id}/payments/{payment_id}/qr.svg",
    response_class=Response,
    responses={**file_response("image/svg+xml", description="the QR code to scan"), **errors(409)},
)
def payment_qr(payment_id: Id, order: CurrentWorkOrder, db: DbSession, user: Reader):
    """The code a pending WeChat Pay or Alipay payment is paid by, as SVG (409 ``no_payment_code``
    otherwise)."""
    payment = payments.get(db, order=order, id=payment_id)
    return Response(
        payments.qr_svg(payment), media_type="image/svg+xml", headers={"Cache-Control": "no-store"}
    )


def _adjustment(db, order, user, kind, body, idempotency_key, payment_id=None) -> Response:  # noqa: ANN001
    fingerprint = request_fingerprint(body.model_dump(mode="json") | {"order": order.id, "kind": kind})
    row, replayed = payments_adjust.request(
        db,
        order=order,
        actor=user,
        kind=kind,
        amount_fen=body.amount_fen,
        reason=body.reason,
        payment_id=payment_id,
        idempotency=(idempotency_key, fingerprint) if idempotency_key else None,
    )
    read = AdjustmentRead.model_validate(row)
    read.replayed = replayed
    return json_response(read, status_code=200 if replayed else 201)


@router.post("/{order_id}/discounts", response_model=AdjustmentRead, status_code=201, responses=REPLAYED)
def request_discount(
    body: DiscountBody,
    order: CurrentWorkOrder,
    db: DbSession,
    user: Adjuster,
    idempotency_key: IdempotencyKey = None,
):
    """Ask for a discount off what is due, with the reason (an outlet manager or admin other than the
    requester approves it). 422 ``discount_exceeds_due`` for more than is left to pay."""
    return _adjustment(db, order, user, DISCOUNT, body, idempotency_key)


@router.post("/{order_id}/refunds", response_model=AdjustmentRead, status_code=201, responses=REPLAYED)
def request_refund(
    body: RefundBody,
    order: CurrentWorkOrder,
    db: DbSession,
    user: Adjuster,
    idempotency_key: IdempotencyKey = None,
):
    """Ask for a refund of a payment received, with the reason. 422 ``refund_exceeds_paid`` for more than
    is left of the payment; 409 ``not_refundable`` for one not received."""
    return _adjustment(db, order, user, REFUND, body, idempotency_key, payment_id=body.payment_id)


@router.post("/{order_id}/adjustments/{adjustment_id}/{decision}", response_model=AdjustmentRead)
def decide_adjustment(
    adjustment_id: Id,
    decision: Annotated[str, Path(pattern="^(approve|reject)$")],
    order: CurrentWorkOrder,
    db: DbSession,
    user: Approver,
    body: AdjustmentDecisionBody | None = None,
):
    """Approve or reject a discount or refund someone else asked for (403 ``self_approval`` for one's own,
    409 ``already_decided``). An approved refund is given back at once and may never exceed what is left of
    the payment."""
    adjustment = payments_adjust.get(db, order=order, id=adjustment_id)
    decided = payments_adjust.decide(
        db,
        order=order,
        adjustment=adjustment,
        actor=user,
        approve=decision == "approve",
        note=body.note if body else None,
    )
    return AdjustmentRead.model_validate(decided)


@router.post("/{order_id}/invoice", response_model=InvoiceRead, status_code=201)
def request_invoice(body: InvoiceBody, order: CurrentWorkOrder, db: DbSession, user: InvoiceRequester):
    """Ask for the e-invoice of a paid order (title, optional taxpayer id, e-mail); the invoice provider
    issues it and its number comes back. 409 ``not_paid`` before payment, 409 ``invoice_exists`` after the
    first."""
    invoice = payments_invoice.request(
        db, order=order, actor=user, title=body.title, tax_id=body.tax_id, email=body.email
    )
    return InvoiceRead.model_validate(invoice)


@notify_router.post("/{gateway}", response_model=NotificationAck)
def payment_notification(
    gateway: Annotated[str, Path(max_length=20, pattern="^[a-z][a-z0-9_]*$")],
    body: NotificationBody,
    db: DbSession,
):
    """A payment gateway's notification that a payment was paid or failed. Open to anyone (no token), and
    believed only when ``sign`` verifies (403 ``invalid_signature``); the same notification twice changes
    nothing."""
    fields = body.model_dump(exclude={"sign"})
    payment = payments.notified(db, gateway_name=gateway, fields=fields, sign=body.sign)
    return NotificationAck(status=payment.status)
