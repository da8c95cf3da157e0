"""The service report: completion details through the API, the report's data, the PDF bytes, and who may
download it."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from anxin.work_order import report
from anxin.work_order.models import ServiceReport, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from tests.conftest import World
from tests.helpers import act, walk
from tests.helpers import report as report_order
from tests.work_order import pictures


def png(colour: str = "white", size: tuple[int, int] = (120, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def upload(client: TestClient, world, order_id: int, role: str = "technician") -> int:
    answer = client.post(
        f"/api/v1/work-orders/{order_id}/photos",
        files={"file": ("sig.png", png(), "image/png")},
        headers=world.headers(role),
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def started(client: TestClient, world: World) -> int:
    """An order whose quote (visit 50, labour 80, part 120) was approved and whose work has started."""
    order_id = report_order(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="start")
    return order_id


DETAILS = {
    "cause": "温控器老化",
    "work_done": "更换温控器，试机正常",
    "advice": "冰箱背部留出 10 厘米散热空间",
    "parts_used": [{"name": "温控器", "quantity": 1, "amount_fen": 12000}],
}


def completed(client: TestClient, world: World) -> int:
    order_id = started(client, world)
    signature = upload(client, world.demo, order_id)
    body = {**DETAILS, "signature_photo_id": signature, "lat": 30.27, "lng": 120.12}
    answer = act(client, world.demo, order_id, "technician", "complete", body)
    assert answer.status_code == 200, answer.text
    return order_id


def test_completing_with_details_stores_the_report_and_moves_the_order_once(client, world, db) -> None:
    order_id = started(client, world)
    signature = upload(client, world.demo, order_id)

    answer = act(
        client, world.demo, order_id, "technician", "complete", {**DETAILS, "signature_photo_id": signature}
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    record = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order_id))
    assert record.cause == "温控器老化" and record.work_done == "更换温控器，试机正常"
    assert record.parts_used == [{"name": "温控器", "quantity": 1, "amount_fen": 12000}]
    assert record.signature_photo_id == signature
    completes = db.scalars(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "complete"
        )
    ).all()
    assert len(completes) == 1
    assert completes[0].payload["service_report_id"] == record.id
    assert completes[0].note == "更换温控器，试机正常"


def test_details_without_a_signature_or_work_done_are_refused_and_nothing_moves(client, world, db) -> None:
    order_id = started(client, world)

    no_signature = act(client, world.demo, order_id, "technician", "complete", DETAILS)
    signature = upload(client, world.demo, order_id)
    no_work = act(
        client,
        world.demo,
        order_id,
        "technician",
        "complete",
        {**DETAILS, "work_done": "  ", "signature_photo_id": signature},
    )

    assert no_signature.status_code == 422
    assert no_signature.json()["error"]["field"] == "signature"
    assert no_work.status_code == 422
    assert no_work.json()["error"]["field"] == "work_done"
    assert db.get(WorkOrder, order_id).status == "in_progress"
    assert db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order_id)) is None


def test_a_signature_from_another_order_is_not_accepted(client, world, db) -> None:
    order_id = started(client, world)
    who = {"customer_id": world.demo.other_customer_id, "appliance_id": world.demo.other_appliance_id}
    other_id = report_order(client, world.demo, **who).json()["id"]
    walk(client, world.demo, other_id, until="acknowledge")  # the same technician's other order
    foreign = upload(client, world.demo, other_id)

    answer = act(
        client, world.demo, order_id, "technician", "complete", {**DETAILS, "signature_photo_id": foreign}
    )

    assert answer.status_code == 404
    assert db.get(WorkOrder, order_id).status == "in_progress"


def test_the_report_data_holds_what_the_customer_should_read(client, world, db) -> None:
    order_id = completed(client, world)
    order = db.get(WorkOrder, order_id)

    data = report.data_for(db, order=order)

    assert data.number == order.number
    assert data.tenant_name == "demo service"
    assert data.customer_phone == "138****0001"
    assert data.address == "杭州市西湖区文三路 1 号"
    assert data.brand == "海尔" and "BCD-470" in data.model and data.serial == "SNDEMO0000"
    assert data.warranty == "在保"
    assert data.cause == "温控器老化" and data.advice.startswith("冰箱背部")
    assert data.parts == [{"name": "温控器", "quantity": 1, "amount_fen": 12000}]
    assert [(row.description, row.quantity, row.amount, row.payable) for row in data.quote_lines] == [
        ("上门检测费（市区）", 1, "¥50.00", "¥0.00"),
        ("更换温控器", 1, "¥80.00", "¥0.00"),
        ("温控器", 1, "¥120.00", "¥0.00"),
    ]
    assert all(row.reason.startswith("整机在保修期内") for row in data.quote_lines)
    assert (data.quote_total, data.quote_covered, data.quote_payable) == ("¥250.00", "¥250.00", "¥0.00")
    assert data.quote_reason.startswith("整机在保修期内")
    assert data.signature is not None and data.arrived_at != "—" and data.completed_at != "—"
    assert order.number in data.text()


def test_the_pdf_is_a_pdf_with_the_cjk_font_and_the_signature_image(client, world, db, settings) -> None:
    order_id = completed(client, world)
    order = db.get(WorkOrder, order_id)

    pdf = report.pdf_for(db, order=order, upload_dir=settings.upload_dir)

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/FontFile2" in pdf and b"STSong-Light" not in pdf  # the TrueType CJK font, embedded
    assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) >= 1
    assert b"/Subtype /Image" in pdf  # the customer's signature


def test_the_report_is_not_ready_before_completion(client, world) -> None:
    order_id = started(client, world)

    answer = client.get(f"/api/v1/work-orders/{order_id}/report.pdf", headers=world.demo.headers("customer"))

    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "report_not_ready"


def test_the_pdf_is_for_the_orders_customer_technician_and_staff_only(client, world) -> None:
    order_id = completed(client, world)
    url = f"/api/v1/work-orders/{order_id}/report.pdf"

    allowed = {
        role: client.get(url, headers=world.demo.headers(role))
        for role in ("customer", "technician", "agent")
    }
    refused = {
        "other_customer": client.get(url, headers=world.demo.headers("other_customer")),
        "other_technician": client.get(url, headers=world.demo.headers("other_technician")),
        "acme admin": client.get(url, headers=world.acme.headers("admin")),
    }

    for answer in allowed.values():
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF-")
    assert "attachment" in allowed["customer"].headers["content-disposition"]
    assert {name: answer.status_code for name, answer in refused.items()} == dict.fromkeys(refused, 404)


def test_an_order_completed_with_the_plain_body_still_gets_a_report(client, world, db) -> None:
    order_id = report_order(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="complete")  # {"note": …} only, as before

    data = report.data_for(db, order=db.get(WorkOrder, order_id))

    assert data.work_done == "更换温控器，试机正常"
    assert data.cause == "—" and data.signature is None


def test_the_report_speaks_english_when_asked(client, world, db, settings) -> None:
    order_id = completed(client, world)
    order = db.get(WorkOrder, order_id)

    data = report.data_for(db, order=order, lang="en")
    answer = client.get(
        f"/api/v1/work-orders/{order_id}/report.pdf?lang=en", headers=world.demo.headers("customer")
    )

    assert (data.brand, data.warranty) == ("Haier", "In warranty")
    assert report.label("en", "signature") == "Customer signature"
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-")


class Recorder:
    """Stands in for the report module's logger."""

    def __init__(self) -> None:
        self.warnings: list[tuple[str, dict]] = []

    def warning(self, event: str, **fields) -> None:
        self.warnings.append((event, fields))


def test_the_pdf_renders_when_a_stored_picture_is_garbage(client, world, db, settings, monkeypatch) -> None:
    # Given a completed order with a before photo, whose stored files were written by older code: the
    # signature is text behind JPEG's magic bytes, the before photo is cut in half
    order_id = started(client, world)
    signature = upload(client, world.demo, order_id)
    before = upload(client, world.demo, order_id)
    body = {**DETAILS, "signature_photo_id": signature, "before_photo_ids": [before]}
    assert act(client, world.demo, order_id, "technician", "complete", body).status_code == 200
    rows = {
        p.id: p for p in db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id))
    }
    (settings.upload_dir / rows[signature].storage_key).write_bytes(pictures.TEXT_AS_JPEG)
    (settings.upload_dir / rows[before].storage_key).write_bytes(pictures.truncated_jpeg())
    log = Recorder()
    monkeypatch.setattr(report, "log", log, raising=False)

    # When the customer downloads the report
    answer = client.get(f"/api/v1/work-orders/{order_id}/report.pdf", headers=world.demo.headers("customer"))

    # Then it is a whole PDF without the two pictures, and each one left out is logged
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"%PDF-") and answer.content.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" not in answer.content
    assert sorted(fields["photo_id"] for _, fields in log.warnings) == sorted([signature, before])
    assert {event for event, _ in log.warnings} == {"report_picture_unreadable"}


def test_a_readable_picture_goes_into_the_pdf_as_a_re_encoded_copy(client, world, db, settings) -> None:
    # Given a completed order whose signature was stored before uploads were re-encoded, with its EXIF
    order_id = completed(client, world)
    record = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order_id))
    photo = db.get(WorkOrderPhoto, record.signature_photo_id)
    (settings.upload_dir / photo.storage_key).write_bytes(pictures.jpeg_with_metadata())

    # When the report prints it
    printable = report.printable(photo, upload_dir=settings.upload_dir)
    pdf = report.pdf_for(db, order=db.get(WorkOrder, order_id), upload_dir=settings.upload_dir)

    # Then the PDF holds a decoded, upright copy without the phone's name
    assert printable is not None
    copy = Image.open(io.BytesIO(printable))
    assert copy.size == (100, 200) and dict(copy.getexif()) == {}
    assert b"/Subtype /Image" in pdf and b"SecretPhone" not in pdf
