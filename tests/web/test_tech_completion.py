"""The technician's completion form (cause, work done, advice, parts used, before/after photos, the
signature), its refusals, stamped photos from the app, the customer's PDF download, the day report and the
map's routes."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

import time_machine
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from anxin.work_order.models import ServiceReport, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from tests.conftest import World, page_csrf
from tests.helpers import act, report, walk
from tests.work_order import pictures


def picture(fmt: str = "JPEG", colour: str = "white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(out, format=fmt)
    return out.getvalue()


SIGNATURE = "data:image/png;base64," + base64.b64encode(picture("PNG")).decode()


def started(client: TestClient, world: World) -> int:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="start")
    return order_id


def form(token: str, **overrides) -> dict:
    return {
        "csrf_token": token,
        "cause": "温控器老化",
        "note": "更换温控器，试机正常",
        "advice": "冰箱背部留出散热空间",
        "used_name": ["温控器", ""],
        "used_qty": ["1", "1"],
        "used_amount": ["120", ""],
        "signature": SIGNATURE,
        "lat": "30.2701",
        "lng": "120.1202",
        **overrides,
    }


def test_the_form_offers_the_details_with_the_quotes_parts_prefilled(client, world, sign_in) -> None:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")

    page = client.get(f"/tech/orders/{order_id}")

    assert page.status_code == 200
    for field in ('name="cause"', 'name="note"', 'name="advice"', 'name="used_qty"', 'id="sig-pad"'):
        assert field in page.text
    assert 'name="before_photo" accept="image/*" capture="environment"' in page.text
    assert 'value="温控器"' in page.text and 'value="120.00"' in page.text  # the approved quote's part
    assert "far-warning" not in page.text  # arrived at the address


def test_completing_through_the_form_stores_the_report_and_stamped_photos(client, world, db, sign_in) -> None:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    answer = client.post(
        f"/tech/orders/{order_id}/complete",
        data=form(token),
        files=[
            ("before_photo", ("before.jpg", picture(), "image/jpeg")),
            ("after_photo", ("after.jpg", picture(colour="grey"), "image/jpeg")),
        ],
        follow_redirects=False,
    )

    assert answer.status_code == 303, answer.text
    assert db.get(WorkOrder, order_id).status == "completed"
    record = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order_id))
    assert (record.cause, record.work_done, record.advice) == (
        "温控器老化",
        "更换温控器，试机正常",
        "冰箱背部留出散热空间",
    )
    assert record.parts_used == [{"name": "温控器", "quantity": 1, "amount_fen": 12000}]
    shots = {
        p.id: p for p in db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id))
    }
    assert shots[record.signature_photo_id].kind == "signature"
    (before,), (after,) = record.before_photo_ids, record.after_photo_ids
    for photo_id, kind in ((before, "before"), (after, "after")):
        photo = shots[photo_id]
        assert photo.kind == kind and photo.stamped
        assert (photo.lat, photo.lng, photo.technician_id) == (30.2701, 120.1202, world.demo.technician_id)
    completes = db.scalars(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "complete"
        )
    ).all()
    assert len(completes) == 1 and (completes[0].lat, completes[0].lng) == (30.2701, 120.1202)


def test_a_missing_signature_or_work_done_is_refused_and_nothing_is_stored(
    client, world, db, sign_in
) -> None:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    unsigned = client.post(f"/tech/orders/{order_id}/complete", data=form(token, signature=""))
    undone = client.post(f"/tech/orders/{order_id}/complete", data=form(token, note="  "))

    assert unsigned.status_code == 422 and "请客户签名" in unsigned.text
    assert undone.status_code == 422 and "请填写维修内容" in undone.text
    assert db.get(WorkOrder, order_id).status == "in_progress"
    assert db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)).all() == []
    assert db.scalar(select(ServiceReport)) is None


def test_another_technician_or_the_wrong_state_is_refused(client, world, db, sign_in) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")  # on site, quote not yet approved
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    early = client.post(f"/tech/orders/{order_id}/complete", data=form(token))
    sign_in(client, "tech02@demo")
    token = page_csrf(client, "/tech")
    stranger = client.post(f"/tech/orders/{order_id}/complete", data=form(token))

    assert early.status_code == 409
    assert stranger.status_code == 404
    assert db.get(WorkOrder, order_id).status == "on_site"
    assert db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)).all() == []


def test_a_photo_from_the_app_is_stamped_with_its_kind_and_place(
    client, world, db, settings, sign_in
) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    original = picture()

    answer = client.post(
        f"/tech/orders/{order_id}/photos",
        data={"csrf_token": token, "kind": "before", "lat": "30.27", "lng": "120.12"},
        files={"file": ("p.jpg", original, "image/jpeg")},
        follow_redirects=False,
    )

    assert answer.status_code == 303, answer.text
    photo = db.scalar(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id))
    assert photo.stamped and photo.kind == "before" and (photo.lat, photo.lng) == (30.27, 120.12)
    assert photo.taken_at is not None and photo.technician_id == world.demo.technician_id
    kept = (settings.upload_dir / photo.storage_key).read_bytes()
    assert kept != original and Image.open(io.BytesIO(kept)).height > 120


def test_a_signature_that_is_not_a_picture_is_refused_and_the_order_stays_open(
    client, world, db, sign_in
) -> None:
    # Given an order in progress and a 'signature' that is markup behind PNG's magic bytes
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    fake = b"\x89PNG\r\n\x1a\n" + b"<svg onload=alert(1)></svg>"
    signature = "data:image/png;base64," + base64.b64encode(fake).decode()

    # When the form is sent with it
    answer = client.post(f"/tech/orders/{order_id}/complete", data=form(token, signature=signature))

    # Then it is refused, nothing is stored and the order is still in progress
    assert answer.status_code == 422 and "完整可读" in answer.text
    assert db.get(WorkOrder, order_id).status == "in_progress"
    assert db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)).all() == []


def test_a_pixel_bomb_from_the_camera_is_refused_as_too_many_pixels(client, world, db, sign_in) -> None:
    # Given an order on site and a crafted PNG of a few dozen bytes declaring 100 000 × 100 000 pixels
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    # When the app sends it as a photo
    answer = client.post(
        f"/tech/orders/{order_id}/photos",
        data={"csrf_token": token, "kind": "before"},
        files={"file": ("bomb.png", pictures.pixel_bomb(100_000, 100_000), "image/png")},
        follow_redirects=False,
    )

    # Then the page says the photo has too many pixels, and no photo is recorded
    assert answer.status_code == 422 and "像素过多" in answer.text
    assert db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)).all() == []


def completed(client: TestClient, world: World, sign_in) -> int:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    assert (
        client.post(f"/tech/orders/{order_id}/complete", data=form(token), follow_redirects=False).status_code
        == 303
    )
    return order_id


def test_the_customer_downloads_the_pdf_from_the_order_page(client, world, sign_in) -> None:
    order_id = completed(client, world, sign_in)
    sign_in(client, "customer01@demo")

    page = client.get(f"/portal/orders/{order_id}")
    pdf = client.get(f"/portal/orders/{order_id}/report.pdf")

    assert f'href="/portal/orders/{order_id}/report.pdf"' in page.text
    printable = client.get(f"/portal/orders/{order_id}/service-report").text
    assert "温控器老化" in printable and "冰箱背部留出散热空间" in printable and "× 1" in printable
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and "attachment" in pdf.headers["content-disposition"]
    sign_in(client, "customer02@demo")
    assert client.get(f"/portal/orders/{order_id}/report.pdf").status_code == 404


def test_the_pdf_is_not_ready_before_completion(client, world, sign_in) -> None:
    order_id = started(client, world)
    sign_in(client, "customer01@demo")

    answer = client.get(f"/portal/orders/{order_id}/report.pdf")

    assert answer.status_code == 409 and "尚未完工" in answer.text
    assert f'href="/portal/orders/{order_id}/report.pdf"' not in client.get(f"/portal/orders/{order_id}").text


def plan_today(sessionmaker_, world: World, order_ids: list[int]) -> int:
    """A current day plan for today routing the demo technician through ``order_ids`` in that order."""
    from zoneinfo import ZoneInfo

    from anxin import clock
    from anxin.dispatch.models import DispatchPlan, PlanStop

    now = clock.now()
    with sessionmaker_() as session:
        plan = DispatchPlan(
            tenant_id=world.demo.tenant.id,
            plan_date=now.astimezone(ZoneInfo("Asia/Shanghai")).date(),
            status="current",
            solver="test",
            seconds=0.1,
            stats={},
        )
        session.add(plan)
        session.flush()
        for sequence, order_id in enumerate(order_ids, start=1):
            at = now + timedelta(hours=sequence)
            session.add(
                PlanStop(
                    plan_id=plan.id,
                    technician_id=world.demo.technician_id,
                    sequence=sequence,
                    work_order_id=order_id,
                    arrive_at=at,
                    start_at=at,
                    end_at=at + timedelta(minutes=45),
                    travel_metres=1000,
                    travel_seconds=600,
                )
            )
        session.commit()
        return plan.id


def test_the_map_data_has_no_routes_without_a_plan(client, world, sign_in) -> None:
    report(client, world.demo)
    sign_in(client, "dispatcher@demo")

    data = client.get("/console/map/data").json()

    assert data["routes"] == []
    assert len(data["points"]["on_track"]) == 1
    assert "今日暂无路线计划" in client.get("/console/map").text


def test_the_map_draws_todays_planned_route_in_sequence(client, world, sessionmaker_, sign_in) -> None:
    first = report(client, world.demo).json()
    second = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()
    plan_id = plan_today(sessionmaker_, world, [second["id"], first["id"]])
    sign_in(client, "dispatcher@demo")

    data = client.get("/console/map/data").json()
    page = client.get("/console/map").text

    (route,) = data["routes"]
    assert route["plan_id"] == plan_id and route["name"] == "王师傅"
    assert [p[3] for p in route["points"]] == [None, second["id"], first["id"]]  # from home, then in sequence
    assert route["points"][0][:2] == [120.13, 30.26]
    assert 'id="show-routes"' in page
    sign_in(client, "dispatcher@acme")
    assert client.get("/console/map/data").json()["routes"] == []  # another tenant's plan is not drawn


def test_the_day_report_counts_todays_orders_travel_and_revenue(client, world, sign_in) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="complete")  # departs from 30.25,120.15, arrives at 30.27,120.12
    sign_in(client, "tech01@demo")

    page = client.get("/tech/day")

    assert page.status_code == 200
    assert "<dt>完工单数</dt><dd>1</dd>" in page.text
    assert "¥250.00" in page.text
    assert 'id="day-km"' in page.text and "0.0 km" not in page.text


def test_the_technician_sees_when_an_arrival_was_recorded_far_from_the_address(
    client, world, sign_in
) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="depart")
    act(client, world.demo, order_id, "technician", "arrive", {"lat": 30.30, "lng": 120.12})
    sign_in(client, "tech01@demo")

    page = client.get(f"/tech/orders/{order_id}").text

    assert 'class="flash error far-warning"' in page and "距离地址过远" in page


def test_the_technician_reads_the_appliances_service_history_before_a_rework_visit(
    client: TestClient, world: World, sign_in
) -> None:
    # Given the refrigerator was repaired last week and fails again
    demo = world.demo
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=False):
        first = report(client, demo, fault_description="冰箱冷藏室不制冷（第一次）").json()
        walk(client, demo, first["id"], until="complete")
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False):
        again = report(client, demo, fault_description="冰箱又不制冷了").json()
        assert again["is_rework"]
        walk(client, demo, again["id"], until="assign")
        # When the assigned technician opens the new order
        sign_in(client, "tech01@demo")
        page = client.get(f"/tech/orders/{again['id']}")
    # Then the earlier visit is listed, and the history is open because this is a rework
    assert page.status_code == 200
    history = page.text[page.text.index('id="history"') :]
    assert '<details id="history" open>' in page.text
    assert "冰箱冷藏室不制冷（第一次）" in history and "2026-11-20" in history
