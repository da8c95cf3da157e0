"""Discounts and refunds: each asked for with an amount and a reason, and approved or rejected by someone
else who may approve (``Action.PAYMENTS_APPROVE`` in the permission table: the outlet manager of the
order's outlet, an admin); the requester never decides their own (403 ``self_approval``, and a CHECK
behind it). A discount is taken off what is due before payment; a refund gives back part or all of one
payment received, never more than is left of it (checked when asked and again, on the locked row, when
approved; a CHECK behind that too). Every step is written to the audit log; a retried request with the same
``Idempotency-Key`` returns the first."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock, money
from anxin.audit import trail
from anxin.auth.models import User
from anxin.exceptions import NotFound
from anxin.notify import outbox
from anxin.pricing import gateways, payments
from anxin.pricing.payment_models import (
    APPROVED,
    DISCOUNT,
    PAID,
    PARTIALLY_REFUNDED,
    REFUND,
    REFUNDED,
    REJECTED,
    REQUESTED,
    SETTLED,
    Payment,
    PaymentAdjustment,
)
from anxin.pricing.payments_errors import (
    AlreadyDecided,
    DiscountTooLarge,
    NothingDue,
    NotRefundable,
    RefundTooLarge,
    SelfApproval,
)
from anxin.work_order.exceptions import IdempotencyKeyReused
from anxin.work_order.models import WorkOrder

REFUNDED_EVENT = "payment.refunded"


def adjustments_of(db: Session, *, order: WorkOrder) -> list[PaymentAdjustment]:
    return list(
        db.scalars(
            select(PaymentAdjustment)
            .where(PaymentAdjustment.work_order_id == order.id)
            .order_by(PaymentAdjustment.id)
        )
    )


def get(db: Session, *, order: WorkOrder, id: int) -> PaymentAdjustment:
    found = db.scalar(
        select(PaymentAdjustment).where(
            PaymentAdjustment.id == id, PaymentAdjustment.work_order_id == order.id
        )
    )
    if found is None:
        raise NotFound("adjustment", "优惠或退款申请")
    return found


def _replay(db: Session, *, actor: User, idempotency: tuple[str, str] | None) -> PaymentAdjustment | None:
    if idempotency is None:
        return None
    found = db.scalar(
        select(PaymentAdjustment).where(
            PaymentAdjustment.tenant_id == actor.tenant_id,
            PaymentAdjustment.requested_by_id == actor.id,
            PaymentAdjustment.idempotency_key == idempotency[0],
        )
    )
    if found is not None and found.request_hash != idempotency[1]:
        raise IdempotencyKeyReused()
    return found


def _left_to_refund(payment: Payment) -> int:
    return payment.amount_fen - payment.refunded_fen if payment.status in SETTLED else 0


def _check_discount(db: Session, *, order: WorkOrder, amount_fen: int) -> None:
    owed = payments.due(db, order=order)
    if owed.balance_fen <= 0 or owed.paid_fen:
        raise NothingDue()
    if amount_fen > owed.balance_fen:
        raise DiscountTooLarge(due=money.yuan(owed.balance_fen))


def _check_refund(payment: Payment, amount_fen: int) -> None:
    if payment.status not in SETTLED:
        raise NotRefundable()
    left = _left_to_refund(payment)
    if amount_fen > left:
        raise RefundTooLarge(left=money.yuan(left))


def request(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    kind: str,
    amount_fen: int,
    reason: str,
    payment_id: int | None = None,
    idempotency: tuple[str, str] | None = None,
) -> tuple[PaymentAdjustment, bool]:
    """Ask for a discount on what is due, or a refund of payment ``payment_id``; ``(row, replayed)``."""
    payments.lock(db, order=order)
    earlier = _replay(db, actor=actor, idempotency=idempotency)
    if earlier is not None:
        return earlier, True
    if kind == DISCOUNT:
        _check_discount(db, order=order, amount_fen=amount_fen)
    else:
        payment = payments.get(db, order=order, id=payment_id or 0)
        _check_refund(payment, amount_fen)
    row = PaymentAdjustment(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        payment_id=payment_id if kind == REFUND else None,
        kind=kind,
        status=REQUESTED,
        amount_fen=amount_fen,
        reason=reason.strip()[:200],
        idempotency_key=idempotency[0] if idempotency else None,
        request_hash=idempotency[1] if idempotency else None,
        requested_by_id=actor.id,
        requested_at=clock.now(),
    )
    db.add(row)
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=actor,
        action=f"payment.{kind}.request",
        object_type="payment_adjustment",
        object_id=row.id,
        changes={"work_order": order.number, "amount_fen": amount_fen, "payment_id": row.payment_id},
        note=row.reason,
    )
    return row, False


def decide(
    db: Session,
    *,
    order: WorkOrder,
    adjustment: PaymentAdjustment,
    actor: User,
    approve: bool,
    note: str | None,
) -> PaymentAdjustment:
    """Approve or reject a request someone else made. An approved discount comes off what is due (it
    must still fit); an approved refund is given back through the gateway (or in cash or to the card on
    site) and counted on its payment, which becomes partially refunded or refunded."""
    payments.lock(db, order=order)
    db.refresh(adjustment)
    if adjustment.requested_by_id == actor.id:
        raise SelfApproval()
    if adjustment.status != REQUESTED:
        raise AlreadyDecided(current=adjustment.status)
    if approve and adjustment.kind == DISCOUNT:
        _check_discount(db, order=order, amount_fen=adjustment.amount_fen)
    elif approve:
        payment = payments.get(db, order=order, id=adjustment.payment_id, lock_row=True)
        db.refresh(payment)
        _check_refund(payment, adjustment.amount_fen)
        if payment.gateway is not None:
            gateways.gateway(payment.gateway).refund(
                reference=payment.reference, txn=payment.gateway_txn or "", amount_fen=adjustment.amount_fen
            )
        before = payment.status
        payment.refunded_fen += adjustment.amount_fen
        payment.status = REFUNDED if payment.refunded_fen >= payment.amount_fen else PARTIALLY_REFUNDED
        trail.record(
            db,
            tenant_id=order.tenant_id,
            actor=actor,
            action="payment.refund",
            object_type="payment",
            object_id=payment.id,
            changes={"status": [before, payment.status], "refunded_fen": payment.refunded_fen},
        )
        outbox.enqueue(
            db,
            tenant_id=order.tenant_id,
            event=REFUNDED_EVENT,
            to=[outbox.Recipient("inbox", f"customer:{order.customer_id}")],
            context={"number": order.number, "amount": money.yuan(adjustment.amount_fen, symbol=False)},
            dedupe_key=f"payment-refunded:{adjustment.id}",
            work_order_id=order.id,
        )
    adjustment.status = APPROVED if approve else REJECTED
    adjustment.decided_by_id, adjustment.decided_at = actor.id, clock.now()
    adjustment.decision_note = (note or "").strip()[:200] or None
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=actor,
        action=f"payment.{adjustment.kind}.{'approve' if approve else 'reject'}",
        object_type="payment_adjustment",
        object_id=adjustment.id,
        changes={"status": [REQUESTED, adjustment.status], "amount_fen": adjustment.amount_fen},
        note=adjustment.decision_note,
    )
    return adjustment


__all__ = ["PAID", "adjustments_of", "decide", "get", "request"]
