"""What the service report says about money, added to every report through ``work_order.report.add_section``
(``wiring.py``): the repair's own warranty (the tenant's ``repair_warranty_days`` from the completion, on the
work and the parts it replaced) and the payment (what was owed, each payment received with its method, time
and number, refunds, what is left, and the e-invoice when one was asked for). In the report's language;
money as ``¥1,234.00``, times in the tenant's zone."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlalchemy.orm import Session

from anxin import clock
from anxin.money import yuan
from anxin.pricing import payments, payments_invoice, policy
from anxin.pricing.payment_models import ISSUED, METHOD_NAMES, SETTLED
from anxin.work_order.models import WorkOrder
from anxin.work_order.report import ReportSection

WORDS = {  # key: (Chinese, English)
    "warranty_title": ("维修保修", "Repair warranty"),
    "period": ("保修期", "Period"),
    "days": ("自完工起 {days} 天，至 {until}", "{days} days from completion, until {until}"),
    "none": ("本次维修不另设保修", "This repair carries no warranty of its own"),
    "scope": ("保修范围", "Covers"),
    "scope_text": (
        "本次维修的工时和更换的配件；保修期内同一故障返修免费",
        "The work done and the parts replaced; a repeat of the same fault within the period is repaired free",
    ),
    "payment_title": ("付款", "Payment"),
    "owed": ("应付金额", "Amount due"),
    "quote_payable": ("报价应付", "Quote, you pay"),
    "discount": ("优惠", "Discount"),
    "trade_in": ("以旧换新抵扣", "Trade-in credit"),
    "paid": ("已支付", "Paid"),
    "paid_text": (
        "{amount}，{method}，{at}，交易号 {reference}",
        "{amount}, {method}, {at}, ref. {reference}",
    ),
    "refunded": ("已退款", "Refunded"),
    "balance": ("待支付", "Still to pay"),
    "settled": ("付款状态", "Status"),
    "settled_text": ("已付清", "Paid in full"),
    "nothing_due": ("本次服务无需付费", "Nothing to pay for this service"),
    "invoice": ("发票", "Invoice"),
    "invoice_issued": ("电子发票 {number}，{at} 开具", "E-invoice {number}, issued {at}"),
    "invoice_requested": (
        "已申请电子发票，开具后发送至预留邮箱",
        "E-invoice requested; sent by e-mail once issued",
    ),
}


def word(lang: str, key: str, **values: object) -> str:
    zh, en = WORDS[key]
    return (en if lang == "en" else zh).format(**values)


def _when(value: datetime | None, zone: tzinfo) -> str:
    return clock.as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"


def repair_warranty(db: Session, *, order: WorkOrder, lang: str, zone: tzinfo) -> ReportSection | None:
    """The repair's own warranty, for a completed order."""
    if order.completed_at is None:
        return None
    days = policy.repair_warranty_days(db, tenant_id=order.tenant_id)
    if days <= 0:
        rows = [(word(lang, "period"), word(lang, "none"))]
    else:
        until = (clock.as_utc(order.completed_at) + timedelta(days=days)).astimezone(zone).date()
        rows = [
            (word(lang, "period"), word(lang, "days", days=days, until=until.isoformat())),
            (word(lang, "scope"), word(lang, "scope_text")),
        ]
    return ReportSection(title=word(lang, "warranty_title"), rows=rows)


def payment(db: Session, *, order: WorkOrder, lang: str, zone: tzinfo) -> ReportSection:
    """What the customer owed and paid, by which method and when, and the invoice."""
    due = payments.due(db, order=order)
    title = word(lang, "payment_title")
    if due.owed_fen <= 0 and due.paid_fen <= 0:
        return ReportSection(
            title=title, rows=[(word(lang, "owed"), f"{yuan(0)}  {word(lang, 'nothing_due')}")]
        )
    rows = []
    if due.discount_fen or due.trade_in_fen:
        rows.append((word(lang, "quote_payable"), yuan(due.payable_fen)))
        if due.discount_fen:
            rows.append((word(lang, "discount"), yuan(-due.discount_fen)))
        if due.trade_in_fen:
            rows.append((word(lang, "trade_in"), yuan(-due.trade_in_fen)))
    rows.append((word(lang, "owed"), yuan(due.owed_fen)))
    for paid in (p for p in payments.payments_of(db, order=order) if p.status in SETTLED):
        zh, en = METHOD_NAMES.get(paid.method, ("其他方式", "Other"))
        text = word(
            lang,
            "paid_text",
            amount=yuan(paid.amount_fen),
            method=en if lang == "en" else zh,
            at=_when(paid.paid_at, zone),
            reference=paid.reference,
        )
        rows.append((word(lang, "paid"), text))
        if paid.refunded_fen:
            rows.append((word(lang, "refunded"), yuan(paid.refunded_fen)))
    if due.balance_fen > 0:
        rows.append((word(lang, "balance"), yuan(due.balance_fen)))
    else:
        rows.append((word(lang, "settled"), word(lang, "settled_text")))
    invoice = payments_invoice.of(db, order=order)
    if invoice is not None:
        if invoice.status == ISSUED and invoice.number:
            text = word(lang, "invoice_issued", number=invoice.number, at=_when(invoice.issued_at, zone))
        else:
            text = word(lang, "invoice_requested")
        rows.append((word(lang, "invoice"), text))
    return ReportSection(title=title, rows=rows)


def sections(db: Session, *, order: WorkOrder, lang: str, zone: tzinfo) -> list[ReportSection]:
    """The report's money sections: the repair warranty, then the payment."""
    warranty = repair_warranty(db, order=order, lang=lang, zone=zone)
    return [*([warranty] if warranty else []), payment(db, order=order, lang=lang, zone=zone)]
