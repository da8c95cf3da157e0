"""The technician never loses work: a refused form (completion, quote, parts, appointment) comes back with
everything typed, the photos already taken kept, and the error beside its field, not on an error page.
Also the appointment step's card, the live page's version, one header line and the quote's kinds."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from anxin.pricing.models import PriceItem
from anxin.work_order.models import Quote, ServiceReport, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from tests.conftest import page_csrf
from tests.helpers import act, book, report, walk
from tests.web.test_tech_completion import SIGNATURE, form, picture, started

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def photos_of(db, order_id: int) -> list[WorkOrderPhoto]:
    return db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)).all()


def test_a_completion_without_signature_comes_back_filled_in_with_the_error_beside_it(
    client, world, db, sign_in
) -> None:
    # Given an order in progress and a completion form typed in full, with a photo before, but unsigned
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    typed = form(
        token, signature="", note="更换温控器，试机正常", advice="背部留出散热空间", cause="温控器老化"
    )

    # When it is sent
    answer = client.post(
        f"/tech/orders/{order_id}/complete",
        data=typed,
        files=[("before_photo", ("before.jpg", picture(), "image/jpeg"))],
    )

    # Then the order page comes back (not an error page) with the error beside the signature pad
    assert answer.status_code == 422
    assert 'id="complete-form"' in answer.text and 'id="sig-pad"' in answer.text
    error = re.search(
        r'<p class="field-error" id="signature-error" role="alert"\s*([^>]*)>([^<]*)</p>', answer.text
    )
    assert error is not None and "hidden" not in error.group(1) and error.group(2) == "请客户签名"
    # everything typed is kept
    assert ">更换温控器，试机正常</textarea>" in answer.text
    assert ">背部留出散热空间</textarea>" in answer.text
    assert 'value="温控器老化"' in answer.text
    assert 'name="used_name" aria-label="使用配件 1" placeholder="配件名称" value="温控器"' in answer.text
    # the photo taken is stored and kept in the form, the order is still open
    kept = photos_of(db, order_id)
    assert len(kept) == 1 and kept[0].kind == "before"
    assert f'name="kept_before" value="{kept[0].id}"' in answer.text
    assert db.get(WorkOrder, order_id).status == "in_progress"
    assert db.scalar(select(ServiceReport)) is None

    # When the customer signs and the form is sent again with the kept photo
    again = client.post(
        f"/tech/orders/{order_id}/complete",
        data={**typed, "signature": SIGNATURE, "kept_before": str(kept[0].id)},
        follow_redirects=False,
    )

    # Then the order is completed and the report has the photo taken the first time
    assert again.status_code == 303
    db.rollback()  # a new snapshot: the request committed
    assert db.get(WorkOrder, order_id).status == "completed"
    assert db.scalar(select(ServiceReport)).before_photo_ids == [kept[0].id]


def test_a_missing_work_done_keeps_the_signature_and_the_other_fields(client, world, db, sign_in) -> None:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    answer = client.post(f"/tech/orders/{order_id}/complete", data=form(token, note=" "))

    assert answer.status_code == 422
    assert '<p class="field-error" id="note-error" role="alert">请填写维修内容</p>' in answer.text
    assert 'aria-invalid="true" aria-describedby="note-error"' in answer.text
    assert f'name="signature" value="{SIGNATURE}"' in answer.text  # signed once: not asked again
    assert "已保留客户签名" in answer.text
    assert photos_of(db, order_id) == []  # the signature is stored only with the completion


def test_a_kept_photo_of_another_order_is_not_taken(client, world, sign_in) -> None:
    order_id = started(client, world)
    other_id = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()["id"]
    walk(client, world.demo, other_id, until="arrive")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{other_id}")
    client.post(
        f"/tech/orders/{other_id}/photos",
        data={"csrf_token": token, "kind": "before"},
        files={"file": ("a.jpg", picture(), "image/jpeg")},
    )
    token = page_csrf(client, f"/tech/orders/{order_id}")

    answer = client.post(f"/tech/orders/{order_id}/complete", data={**form(token), "kept_before": "1"})

    assert answer.status_code == 404


def published_book(sessionmaker_, world, **names: str) -> None:
    """The test price book, published, its items renamed by code (``names``)."""
    with sessionmaker_() as session:
        ids = book(session, world.demo.tenant.id)
        for code, name in names.items():
            session.get(PriceItem, ids[code.replace("_", "-")]).name = name
        session.commit()


def test_a_refused_quote_comes_back_as_typed(client, world, db, sign_in, sessionmaker_) -> None:
    published_book(sessionmaker_, world)
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")
    sign_in(client, "tech01@demo")
    page = client.get(f"/tech/orders/{order_id}")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    item = re.search(r'name="(qty_\d+)"', page.text).group(1)

    answer = client.post(
        f"/tech/orders/{order_id}/quote",
        data={"csrf_token": token, item: "2", "other_desc": "清洗冷凝器", "other_amount": ""},
    )

    assert answer.status_code == 422
    assert "请填写手填项目的单价" in answer.text and 'id="quote-error"' in answer.text
    assert (
        'value="清洗冷凝器"' in answer.text
        and f'name="{item}" class="qty" inputmode="numeric"' in answer.text
    )
    assert re.search(rf'id="qty-\d+" name="{item}"[^>]*value="2"', answer.text)
    assert '<details id="quote-panel" open>' in answer.text
    assert db.scalar(select(Quote).where(Quote.work_order_id == order_id)) is None


def test_the_quote_menu_names_the_visit_fee_once(client, world, sign_in, sessionmaker_) -> None:
    published_book(sessionmaker_, world, VISIT_URBAN="上门费")  # the kind's name and the item's
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")
    sign_in(client, "tech01@demo")

    page = client.get(f"/tech/orders/{order_id}").text

    menu = page[page.index('id="quote-items"') : page.index('id="quote-none"')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", menu))
    assert text.count("上门费") == 1 and "上门费 ¥50.00" in text
    assert "工时费" in text  # a kind with its own items keeps its heading


def test_the_appointment_card_offers_the_call_and_the_booking_clock(client, world, sign_in) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = report(client, world.demo).json()["id"]
        walk(client, world.demo, order_id, until="acknowledge")
        sign_in(client, "tech01@demo")

        page = client.get(f"/tech/orders/{order_id}").text
        day = client.get("/tech").text

    card = page[page.index('id="appointment"') :]
    assert 'href="tel:' in card and "致电客户" in card
    assert "预约时限" in card and "目标 120 分钟内预约" in card
    assert 'data-due="2026-12-07T04:00:00+00:00"' in card  # assigned at 10:00, the default 120 minutes
    assert 'name="date"' in card and 'name="from"' in card and 'name="to"' in card
    assert "预约时限" in day and 'data-due="2026-12-07T04:00:00+00:00"' in day


def test_booking_through_the_page_records_the_window_and_shows_it_in_words(
    client, world, db, sign_in
) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = report(client, world.demo).json()["id"]
        walk(client, world.demo, order_id, until="acknowledge")
        sign_in(client, "tech01@demo")
        token = page_csrf(client, f"/tech/orders/{order_id}")

        answer = client.post(
            f"/tech/orders/{order_id}/appointment",
            data={
                "csrf_token": token,
                "date": "2026-12-08",
                "from": "14:00",
                "to": "16:00",
                "note": "到前电话",
            },
            follow_redirects=False,
        )
        page = client.get(f"/tech/orders/{order_id}").text
        sign_in(client, "customer01@demo")
        portal = client.get(f"/portal/orders/{order_id}").text
        sign_in(client, "dispatcher@demo")
        console = client.get(f"/console?order={order_id}").text

    assert answer.status_code == 303
    order = db.get(WorkOrder, order_id)
    assert order.appointment_start_at == datetime(2026, 12, 8, 6, 0, tzinfo=UTC)
    assert order.appointment_note == "到前电话"
    assert "已约定：明天 12月8日（周二）14:00–16:00" in page and "已在 0 分钟内预约" in page
    assert "明天 12月8日（周二）14:00–16:00" in portal and "上门时间已约定" in portal
    assert "到前电话" not in portal  # the note is the technician's
    assert "明天 12月8日（周二）14:00–16:00" in console and "到前电话" in console


def test_a_refused_window_comes_back_with_the_error_beside_it(client, world, db, sign_in) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = report(client, world.demo).json()["id"]
        walk(client, world.demo, order_id, until="acknowledge")
        sign_in(client, "tech01@demo")
        token = page_csrf(client, f"/tech/orders/{order_id}")

        past = client.post(
            f"/tech/orders/{order_id}/appointment",
            data={
                "csrf_token": token,
                "date": "2026-12-06",
                "from": "14:00",
                "to": "16:00",
                "note": "客户在外地",
            },
        )
        inverted = client.post(
            f"/tech/orders/{order_id}/appointment",
            data={"csrf_token": token, "date": "2026-12-08", "from": "16:00", "to": "14:00"},
        )
        no_time = client.post(
            f"/tech/orders/{order_id}/appointment",
            data={"csrf_token": token, "date": "2026-12-08", "from": "", "to": "14:00"},
        )

    assert past.status_code == 422 and 'id="ap-from-error">预约时间已经过去' in past.text
    assert 'value="2026-12-06"' in past.text and 'value="客户在外地"' in past.text
    assert inverted.status_code == 422 and 'id="ap-to-error">结束时间须晚于开始时间' in inverted.text
    assert no_time.status_code == 422 and "请填写时间" in no_time.text
    assert db.get(WorkOrder, order_id).appointed_at is None
    assert db.scalar(select(WorkOrderEvent).where(WorkOrderEvent.action == "appoint")) is None


def test_the_live_page_sees_the_customers_approval_as_a_new_version(client, world, sign_in) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="quote")
    sign_in(client, "tech01@demo")
    page = client.get(f"/tech/orders/{order_id}").text
    before = client.get(f"/tech/orders/{order_id}/version").json()

    act(client, world.demo, order_id, "customer", "approve-quote")
    after = client.get(f"/tech/orders/{order_id}/version")

    assert f'data-version="{before["version"]}"' in page and 'src="/static/tech_live.js"' in page
    assert 'id="live-banner" role="status" hidden' in page
    assert after.headers["cache-control"] == "no-store"
    assert after.json()["version"] == before["version"] + 1
    assert (before["status"], after.json()["status"]) == ("quoted", "quote_approved")
    assert after.json()["status_text"] == "报价已确认"


def test_the_phone_header_stays_on_one_line(client, world, sign_in) -> None:
    sign_in(client, "tech01@demo")

    page = client.get("/tech").text

    assert 'href="/static/tech.css"' in page
    css = client.get("/static/tech.css").text
    assert "body.mobile .topbar { flex-wrap: nowrap;" in css


def test_an_unparsable_parts_quantity_comes_back_beside_the_form(client, world, db, sign_in) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="arrive")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")

    answer = client.post(
        f"/tech/orders/{order_id}/parts", data={"csrf_token": token, "part_id": "1", "quantity": "两个"}
    )

    assert answer.status_code == 422
    assert 'id="parts-error"' in answer.text and "须为 1 到 1000 的整数" in answer.text
    assert 'id="complete-form"' not in answer.text and 'id="order-head"' in answer.text
