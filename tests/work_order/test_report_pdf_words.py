"""The service report as a customer's viewer sees it: the Chinese font embedded in the PDF (a viewer
without any CJK font still shows every word), the words extracted from the PDF itself, the repair's own
warranty and the payment with its method, time and invoice."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from anxin import clock
from anxin.pricing import policy
from anxin.work_order import report, report_font
from anxin.work_order.models import WorkOrder
from tests.pricing.test_payments_api import CUSTOMER, pay, payable_order
from tests.work_order.test_report import completed

STANDARD_FONTS = {"/Helvetica", "/Times-Roman", "/Courier", "/Symbol", "/ZapfDingbats"}


def fonts_of(pdf: bytes) -> list[dict]:
    """Every font the PDF's pages use, with its descriptor (resolved)."""
    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            found.append({"font": font, "descriptor": descriptor.get_object() if descriptor else None})
    return found


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_font_in_the_report_is_embedded_and_the_chinese_reads_back(client, world, db, settings) -> None:
    # Given a completed order of the demo customer (in warranty: nothing to pay)
    order_id = completed(client, world)
    order = db.get(WorkOrder, order_id)

    # When its report is printed
    pdf = report.pdf_for(db, order=order, upload_dir=settings.upload_dir)

    # Then the text is set in a TrueType font whose file is inside the PDF, and every other font is one of
    # the standard fonts every viewer has (ReportLab declares Helvetica on each page)
    fonts = fonts_of(pdf)
    embedded = [f for f in fonts if f["descriptor"] is not None and "/FontFile2" in f["descriptor"]]
    assert embedded and all(f["font"]["/Subtype"] == "/TrueType" for f in embedded)
    others = {f["font"]["/BaseFont"] for f in fonts if f not in embedded}
    assert others <= STANDARD_FONTS, others
    assert b"STSong-Light" not in pdf
    # And the words come back out of the PDF as the customer reads them
    text = text_of(pdf)
    for words in ("上门服务报告", order.number, "温控器老化", "更换温控器，试机正常", "客户签名", "海尔"):
        assert words in text, words
    # And the repair's own warranty and the payment are stated
    assert "维修保修" in text and "自完工起 90 天" in text
    assert "本次服务无需付费" in text


def test_the_report_states_the_payment_its_method_time_and_invoice(client, world, db, settings) -> None:
    # Given customer02's order (nothing covered: ¥250.00), paid in cash to the technician, with an invoice
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    assert pay(client, demo, order_id, "cash", who="technician").status_code == 201
    asked = client.post(
        f"/api/v1/work-orders/{order_id}/invoice",
        json={"title": "李四", "email": "li@example.com"},
        headers=demo.headers(CUSTOMER),
    )
    assert asked.status_code == 201, asked.text
    invoice = asked.json()
    # And the tenant gives its repairs 180 days of warranty
    policy.set_terms(db, tenant_id=demo.tenant.id, repair_warranty_days=180)
    db.flush()
    order = db.get(WorkOrder, order_id)

    # When the report is made, in Chinese and in English
    data = report.data_for(db, order=order)
    english = report.data_for(db, order=order, lang="en")
    pdf = report.pdf_for(db, order=order, upload_dir=settings.upload_dir)

    # Then it names the warranty's end, the amount, the method, the time and the invoice's number
    until = (clock.as_utc(order.completed_at) + timedelta(days=180)).astimezone(ZoneInfo("Asia/Shanghai"))
    titles = [section.title for section in data.sections]
    assert titles == ["维修保修", "付款"]
    payment = dict(data.sections[1].rows)
    assert payment["应付金额"] == "¥250.00"
    assert payment["已支付"].startswith("¥250.00，现金，") and "交易号" in payment["已支付"]
    assert payment["付款状态"] == "已付清"
    assert invoice["number"] in payment["发票"]
    warranty = dict(data.sections[0].rows)
    assert warranty["保修期"].startswith("自完工起 180 天，至 ")
    assert warranty["保修期"].endswith(until.date().isoformat())
    text = text_of(pdf)
    for words in ("维修保修", "自完工起 180 天", "付款", "¥250.00，现金", "已付清", invoice["number"]):
        assert words in text, words
    assert [section.title for section in english.sections] == ["Repair warranty", "Payment"]
    assert dict(english.sections[1].rows)["Paid"].startswith("¥250.00, Cash, ")


def test_without_the_packaged_font_the_report_still_renders(monkeypatch) -> None:
    # Given a brand's own TrueType font named in the environment that cannot be read
    monkeypatch.setenv("ANXIN_REPORT_FONT", "/nonexistent/font.ttf")
    from reportlab.pdfbase import pdfmetrics

    monkeypatch.setattr(pdfmetrics, "_fonts", dict(pdfmetrics._fonts))
    monkeypatch.delitem(pdfmetrics._fonts, report_font.NAME, raising=False)

    # When the report registers its font, it falls back to the CID font rather than failing
    assert report_font.register() == report_font.FALLBACK
