"""The e-invoice: the customer (or the service desk on their behalf) asks for one once the order is paid,
with the invoice's title, an optional taxpayer id (a company's 统一社会信用代码) and the e-mail it goes to;
the invoice provider (``gateways.invoice_provider``) issues it for what was paid less refunds, and the
invoice moves from requested to issued with its number. One invoice per order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.pricing import gateways, payments
from anxin.pricing.payment_models import ISSUED, REQUESTED, PaymentInvoice
from anxin.pricing.payments_errors import InvoiceExists, NotPaidYet
from anxin.work_order.models import WorkOrder


def of(db: Session, *, order: WorkOrder) -> PaymentInvoice | None:
    return db.scalar(select(PaymentInvoice).where(PaymentInvoice.work_order_id == order.id))


def request(
    db: Session, *, order: WorkOrder, actor: User, title: str, tax_id: str | None, email: str
) -> PaymentInvoice:
    """Ask for the order's e-invoice and have the provider issue it (without a provider configured the
    request is recorded and waits). 409 ``not_paid`` before the order is paid, 409 ``invoice_exists`` for
    a second one."""
    payments.lock(db, order=order)
    existing = of(db, order=order)
    if existing is not None:
        raise InvoiceExists(number=existing.number or "—")
    owed = payments.due(db, order=order)
    amount = owed.paid_fen - owed.refunded_fen
    if owed.paid_fen <= 0 or owed.balance_fen > 0 or amount <= 0:
        raise NotPaidYet()
    provider = gateways.invoice_provider()
    invoice = PaymentInvoice(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        status=REQUESTED,
        title=title.strip()[:100],
        tax_id=(tax_id or "").strip().upper() or None,
        email=email.strip()[:254],
        amount_fen=amount,
        provider=provider.name if provider else "",
        requested_by_id=actor.id,
        requested_at=clock.now(),
    )
    db.add(invoice)
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=actor,
        action="invoice.request",
        object_type="payment_invoice",
        object_id=invoice.id,
        changes={"work_order": order.number, "amount_fen": amount, "email": trail.hidden(invoice.email)},
    )
    if provider is None:  # recorded; issued once a provider is configured
        return invoice
    invoice.number = provider.issue(
        key=invoice.id,
        title=invoice.title,
        tax_id=invoice.tax_id,
        email=invoice.email,
        amount_fen=amount,
        on=tenant_clock.today(db, order.tenant_id),
    )[:40]
    invoice.status, invoice.issued_at = ISSUED, clock.now()
    db.flush()
    trail.record(
        db,
        tenant_id=order.tenant_id,
        actor=None,
        action="invoice.issue",
        object_type="payment_invoice",
        object_id=invoice.id,
        changes={"status": [REQUESTED, ISSUED], "number": invoice.number, "provider": provider.name},
    )
    return invoice
