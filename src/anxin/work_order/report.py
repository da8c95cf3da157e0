"""The service report: what the technician records on completion (cause, work done, advice, parts used,
before/after photos, the customer's signature) and the PDF the customer downloads (ReportLab with a
TrueType CJK font embedded as a subset, ``report_font``: any viewer shows it, no system font needed).

``complete`` stores the details and moves the order through ``actions.perform(action="complete")`` once;
``data_for`` gathers what the report shows (tested as data: CID fonts encode the PDF's text); ``render_pdf``
lays it out. Other domains add their own parts of the report through ``add_section`` (registered in
``wiring.py``: the repair's own warranty and the payment come from pricing, which this hub may not import).
A stored picture is decoded in full again before it goes into the PDF (``printable``): a file
that is gone or unreadable (written by older code, or damaged on disk) is logged and shown as a note, so one
bad picture never keeps the customer from the report."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import structlog
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant, User
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.exceptions import AnxinError, InvalidInput
from anxin.masking import mask_phone as mask
from anxin.money import yuan
from anxin.technician import service as technician_service
from anxin.work_order import actions, photos, report_font, service
from anxin.work_order.models import ServiceReport, WorkOrder, WorkOrderPhoto
from anxin.work_order.schemas import ActionBody

FONT = report_font.NAME  # the font the report asks for; ``report_font.register`` says which it got
PRINT_SIDE = 1200  # pixels: sharp at 300 dpi in the report's largest box (70 mm), and keeps the PDF small
log = structlog.get_logger(__name__)


class ReportNotReady(AnxinError):
    status_code = 409
    code = "report_not_ready"
    message_zh = "工单尚未完工，暂无服务报告"
    message_en = "The order is not completed yet; there is no service report"


class PartUsed(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    quantity: int = Field(1, ge=1, le=999)
    amount_fen: int = Field(0, ge=0, le=10_000_000)


class CompleteBody(ActionBody):
    """``POST …/complete``: the plain body (note, coordinates) still works; with ``work_done`` the details
    are stored as the order's service report (the signature uploaded first as a photo of the order)."""

    cause: str = Field("", max_length=200)
    work_done: str | None = Field(None, max_length=2000)
    advice: str | None = Field(None, max_length=2000)
    parts_used: list[PartUsed] = Field(default_factory=list, max_length=50)
    signature_photo_id: int | None = None
    before_photo_ids: list[int] = Field(default_factory=list, max_length=20)
    after_photo_ids: list[int] = Field(default_factory=list, max_length=20)

    def has_details(self) -> bool:
        return bool(self.work_done or self.signature_photo_id or self.cause or self.parts_used)


@dataclass
class Completion:
    work_done: str
    signature_photo_id: int | None
    cause: str = ""
    advice: str | None = None
    parts_used: list[dict] = field(default_factory=list)  # {name, quantity, amount_fen}
    before_photo_ids: list[int] = field(default_factory=list)
    after_photo_ids: list[int] = field(default_factory=list)


def complete(
    db: Session, *, order: WorkOrder, actor: User, details: Completion, ctx: actions.Context
) -> WorkOrder:
    """Store the completion details and complete the order (refused with the field when work done or the
    signature is missing, or when a photo is not this order's)."""
    actions.check_allowed(order, "complete", actor)
    work_done = (details.work_done or "").strip()
    if not work_done:
        raise InvalidInput("work_done", "请填写维修内容", "describe the work done")
    if details.signature_photo_id is None:
        raise InvalidInput("signature", "请客户签名", "the customer's signature is missing")
    for photo_id in [details.signature_photo_id, *details.before_photo_ids, *details.after_photo_ids]:
        photos.get(db, order=order, id=photo_id)
    record = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order.id))
    if record is None:
        record = ServiceReport(tenant_id=order.tenant_id, work_order_id=order.id, created_by_id=actor.id)
        db.add(record)
    record.cause = details.cause.strip()[:200]
    record.work_done = work_done
    record.advice = (details.advice or "").strip() or None
    record.parts_used = list(details.parts_used)
    record.signature_photo_id = details.signature_photo_id
    record.before_photo_ids = list(details.before_photo_ids)
    record.after_photo_ids = list(details.after_photo_ids)
    db.flush()
    if ctx.note is None:
        ctx.note = work_done[:500]
    return actions.perform(
        db, order=order, action="complete", actor=actor, ctx=ctx, payload={"service_report_id": record.id}
    )


def get_record(db: Session, *, order: WorkOrder) -> ServiceReport | None:
    return db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order.id))


LABELS = {
    "title": ("上门服务报告", "Service report"),
    "order": ("工单号", "Order"),
    "customer": ("客户", "Customer"),
    "address": ("地址", "Address"),
    "appliance": ("家电", "Appliance"),
    "serial": ("序列号", "Serial"),
    "warranty": ("保修状态", "Warranty"),
    "fault": ("故障描述", "Fault"),
    "reported": ("报修时间", "Reported"),
    "arrived": ("到达时间", "Arrived"),
    "completed": ("完工时间", "Completed"),
    "technician": ("服务工程师", "Technician"),
    "cause": ("故障原因", "Cause"),
    "work_done": ("维修内容", "Work done"),
    "parts": ("使用配件", "Parts used"),
    "quantity": ("数量", "Qty"),
    "amount": ("金额", "Amount"),
    "quote": ("已确认报价", "Approved quote"),
    "total": ("合计", "Total"),
    "item": ("项目", "Item"),
    "covered": ("保修/合同承担", "Covered"),
    "payable": ("客户支付", "You pay"),
    "advice": ("使用建议", "Advice"),
    "before": ("维修前", "Before"),
    "after": ("维修后", "After"),
    "signature": ("客户签名", "Customer signature"),
    "generated": ("报告生成时间", "Generated"),
    "unreadable": ("图片无法显示", "Picture unavailable"),
    "in_warranty": ("在保", "In warranty"),
    "key_parts_only": ("仅核心部件在保", "Key parts only"),
    "out_of_warranty": ("过保", "Out of warranty"),
}


def label(lang: str, key: str) -> str:
    zh, en = LABELS.get(key, (key, key))
    return en if lang == "en" else zh


@dataclass(frozen=True)
class ReportSection:
    """A part of the report another domain writes, in the report's language: a heading, rows of label and
    value, and an optional note under them."""

    title: str
    rows: list[tuple[str, str]]
    note: str | None = None


SectionWriter = Callable[..., list[ReportSection]]  # (db, *, order, lang, zone) -> sections
_section_writers: dict[str, SectionWriter] = {}


def add_section(name: str, writer: SectionWriter) -> None:
    """Register ``writer`` for every report (safe to call again with the same name)."""
    _section_writers[name] = writer


@dataclass
class ReportData:
    lang: str
    tenant_name: str
    number: str
    customer_name: str
    customer_phone: str  # masked
    address: str
    brand: str
    model: str
    serial: str
    warranty: str
    fault: str
    reported_at: str
    arrived_at: str
    completed_at: str
    technician: str
    cause: str
    work_done: str
    advice: str
    parts: list[dict]
    quote_lines: list[QuoteRow]  # the approved quote, itemised
    quote_total: str | None
    quote_covered: str | None
    quote_payable: str | None
    quote_reason: str | None  # what is covered and why, in the report's language
    before: list[WorkOrderPhoto]
    after: list[WorkOrderPhoto]
    signature: WorkOrderPhoto | None
    generated_at: str
    sections: list[ReportSection] = field(default_factory=list)  # the repair warranty, the payment, …

    def text(self) -> str:
        """Every word the report shows, for search and tests."""
        values = [v for v in vars(self).values() if isinstance(v, str)]
        for section in self.sections:
            values += [section.title, *(text for row in section.rows for text in row)]
            values += [section.note] if section.note else []
        values += [p["name"] for p in self.parts]
        values += [text for row in self.quote_lines for text in (row.description, row.reason) if text]
        return "\n".join(values)


@dataclass(frozen=True)
class QuoteRow:
    """A line of the approved quote as the report prints it: the money as ``¥1,234.00``."""

    description: str
    quantity: int
    amount: str
    covered: str
    payable: str
    reason: str | None  # why it is covered, in the report's language


def _row(line, lang: str) -> QuoteRow:  # noqa: ANN001 - a QuoteLine
    return QuoteRow(
        description=line.description,
        quantity=line.quantity,
        amount=yuan(line.amount_fen),
        covered=yuan(line.covered_fen),
        payable=yuan(line.payable_fen),
        reason=line.coverage_reason_en if lang == "en" else line.coverage_reason,
    )


def _of_kind(by_id: dict[int, WorkOrderPhoto], ids: list[int], kind: str) -> list[WorkOrderPhoto]:
    """The photos named on completion and those uploaded earlier as ``kind``, in upload order."""
    return [p for p in by_id.values() if p.id in ids or p.kind == kind]


def data_for(db: Session, *, order: WorkOrder, lang: str = "zh", now: datetime | None = None) -> ReportData:
    """What the report of a completed order shows; ``ReportNotReady`` (409) before completion."""
    if order.completed_at is None:
        raise ReportNotReady()
    tenant_id = order.tenant_id
    zone = tenant_clock.zone(db, tenant_id)

    def when(value: datetime | None) -> str:
        return clock.as_utc(value).astimezone(zone).strftime("%Y-%m-%d %H:%M") if value else "—"

    tenant = db.get(Tenant, tenant_id)
    customer = customer_service.get(db, tenant_id=tenant_id, id=order.customer_id)
    address = (
        customer_service.get_address(db, tenant_id=tenant_id, id=order.address_id)
        if order.address_id
        else None
    )
    appliance = appliance_service.get(db, tenant_id=tenant_id, id=order.appliance_id)
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=tenant_id, id=appliance.product_model_id
    )
    brand = catalog_service.get_brand(db, tenant_id=tenant_id, id=model.brand_id)
    technician = (
        technician_service.get(db, tenant_id=tenant_id, id=order.technician_id)
        if order.technician_id
        else None
    )
    record = get_record(db, order=order)
    done = next((e for e in reversed(service.events(db, order=order)) if e.action == "complete"), None)
    quote = actions.latest_quote(db, order=order)
    approved = quote if quote is not None and quote.status == "approved" else None
    by_id = {p.id: p for p in photos.list_for(db, order=order)}
    signature = by_id.get(record.signature_photo_id) if record and record.signature_photo_id else None
    if signature is None:  # completed on the page before the report existed: the signature photo
        signature = next((p for p in by_id.values() if p.kind == "signature"), None)
    return ReportData(
        lang=lang,
        tenant_name=tenant.name if tenant else "",
        number=order.number,
        customer_name=customer.name,
        customer_phone=mask(customer.phone or ""),
        address=f"{address.city}{address.district}{address.detail}" if address else "—",
        brand=brand.name_en if lang == "en" else brand.name_zh,
        model=f"{model.name} ({model.model_code}) / {category.name_en if lang == 'en' else category.name_zh}",
        serial=appliance.serial_number or "—",
        warranty=label(lang, order.warranty_status),
        fault=order.fault_description,
        reported_at=when(order.created_at),
        arrived_at=when(order.on_site_at),
        completed_at=when(order.completed_at),
        technician=technician.name if technician else "—",
        cause=(record.cause if record else "") or "—",
        work_done=(record.work_done if record else (done.note if done else None)) or "—",
        advice=(record.advice if record else None) or "—",
        parts=list(record.parts_used) if record else [],
        quote_lines=[_row(line, lang) for line in approved.lines] if approved else [],
        quote_total=yuan(approved.total_fen) if approved else None,
        quote_covered=yuan(approved.covered_fen) if approved else None,
        quote_payable=yuan(approved.payable_fen) if approved else None,
        quote_reason=(approved.coverage_reason_en if lang == "en" else approved.coverage_reason)
        if approved
        else None,
        before=_of_kind(by_id, record.before_photo_ids if record else [], "before"),
        after=_of_kind(by_id, record.after_photo_ids if record else [], "after"),
        signature=signature,
        generated_at=when(now or clock.now()),
        sections=[
            section
            for writer in _section_writers.values()
            for section in writer(db, order=order, lang=lang, zone=zone)
        ],
    )


def printable(photo: WorkOrderPhoto, *, upload_dir: Path) -> bytes | None:
    """The stored picture decoded in full and re-encoded at most ``PRINT_SIDE`` pixels wide and high, or
    None (logged) when its file is gone or cannot be decoded."""
    try:
        picture = photos.read((upload_dir / photo.storage_key).read_bytes())
    except (OSError, photos.Unreadable) as error:
        log.warning(
            "report_picture_unreadable",
            photo_id=photo.id,
            work_order_id=photo.work_order_id,
            error=f"{type(error).__name__}: {error}",
        )
        return None
    picture.image.thumbnail((PRINT_SIDE, PRINT_SIDE))
    return photos.encode(picture.image, picture.content_type).data


def render_pdf(data: ReportData, *, upload_dir: Path) -> bytes:
    """The report as an A4 PDF."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle

    font = report_font.register()
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=17, leading=24, spaceAfter=4)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=3)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.grey)
    lang = data.lang

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    def grid(rows: list[list], widths: list[float], header: bool = False) -> Table:
        table = Table(rows, colWidths=widths)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c8d0d8")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f5")))
        table.setStyle(TableStyle(style))
        return table

    def picture(photo: WorkOrderPhoto, width: float, height: float) -> Image | Paragraph:
        clean = printable(photo, upload_dir=upload_dir)
        if clean is None:
            return p(label(lang, "unreadable"), small)
        image = Image(io.BytesIO(clean))
        scale = min(width / image.imageWidth, height / image.imageHeight)
        image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
        image.hAlign = "LEFT"
        return image

    facts = [
        ("order", data.number),
        ("customer", f"{data.customer_name}  {data.customer_phone}"),
        ("address", data.address),
        ("appliance", f"{data.brand} {data.model}"),
        ("serial", data.serial),
        ("warranty", data.warranty),
        ("fault", data.fault),
        ("reported", data.reported_at),
        ("arrived", data.arrived_at),
        ("completed", data.completed_at),
        ("technician", data.technician),
        ("cause", data.cause),
        ("work_done", data.work_done),
    ]
    story = [
        p(data.tenant_name, small),
        p(f"{label(lang, 'title')}  {data.number}", title),
        grid([[p(label(lang, k)), p(v)] for k, v in facts], [32 * mm, 138 * mm]),
    ]
    if data.parts:
        rows = [[p(label(lang, "parts")), p(label(lang, "quantity")), p(label(lang, "amount"))]]
        rows += [
            [p(x["name"]), p(str(x.get("quantity", 1))), p(yuan(x.get("amount_fen", 0)))] for x in data.parts
        ]
        story += [p(label(lang, "parts"), heading), grid(rows, [110 * mm, 25 * mm, 35 * mm], header=True)]
    if data.quote_lines:
        keys = ("item", "quantity", "amount", "covered", "payable")
        rows = [[p(label(lang, key)) for key in keys]]
        for row in data.quote_lines:
            item = [p(row.description)] + ([p(row.reason, small)] if row.reason else [])
            rows.append([item, p(str(row.quantity)), p(row.amount), p(row.covered), p(row.payable)])
        rows.append(
            [
                p(label(lang, "total")),
                p(""),
                p(data.quote_total or ""),
                p(data.quote_covered or ""),
                p(data.quote_payable or ""),
            ]
        )
        widths = [74 * mm, 14 * mm, 27 * mm, 28 * mm, 27 * mm]
        story += [p(label(lang, "quote"), heading), grid(rows, widths, header=True)]
        if data.quote_reason:
            story.append(p(data.quote_reason, small))
    for section in data.sections:
        story += [
            p(section.title, heading),
            grid([[p(k), p(v)] for k, v in section.rows], [32 * mm, 138 * mm]),
        ]
        if section.note:
            story.append(p(section.note, small))
    story += [p(label(lang, "advice"), heading), p(data.advice)]
    for key, group in (("before", data.before), ("after", data.after)):
        if group:  # a heading stays with its pictures
            pictures = Table([[picture(x, 40 * mm, 30 * mm) for x in group[:4]]], hAlign="LEFT")
            story.append(KeepTogether([p(label(lang, key), heading), pictures]))
    signature = picture(data.signature, 70 * mm, 30 * mm) if data.signature else p("—")
    story.append(KeepTogether([p(label(lang, "signature"), heading), signature]))

    def footer(canvas, document) -> None:  # noqa: ANN001 - ReportLab's page callback
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        text = f"{data.tenant_name}  |  {data.number}  |  {label(lang, 'generated')} {data.generated_at}"
        canvas.drawString(20 * mm, 10 * mm, text)
        canvas.drawRightString(A4[0] - 20 * mm, 10 * mm, str(document.page))
        canvas.restoreState()

    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"{label(lang, 'title')} {data.number}",
        author=data.tenant_name,
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def pdf_for(db: Session, *, order: WorkOrder, upload_dir: Path, lang: str = "zh") -> bytes:
    return render_pdf(data_for(db, order=order, lang=lang), upload_dir=upload_dir)
