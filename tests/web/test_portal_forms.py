"""The portal's forms as a customer uses them: the appliance by category → brand → model (or its typed
code) in the report and register forms, symptom chips per category from the knowledge base (no "不制冷"
for a water heater) whose words are not written twice, the reported photo on the order page, days named
今天/明天/后天 with the weekday, the app's tab bar and unread badge, and the rating of one overall star
with quick tags (the four aspects optional)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.catalog import service as catalog_service
from anxin.feedback.models import Survey
from anxin.knowledge import service as knowledge_service
from anxin.notify import inbox
from anxin.notify.models import InboxItem
from anxin.web import portal_forms
from anxin.work_order.models import WorkOrder
from tests.access_world import PNG
from tests.conftest import CSRF_TOKEN, World, page_session
from tests.feedback.helpers import completed_order, fresh, survey_of, token_of


@pytest.fixture
def heater(db, world: World) -> dict:
    """The tenant's knowledge base loaded, and a water heater model of its own brand."""
    tenant_id = world.demo.tenant.id
    knowledge_service.load_seed(db, tenant_id=tenant_id)
    brand = catalog_service.create_brand(
        db, tenant_id=tenant_id, code="aosmith", name_zh="史密斯", name_en="A.O. Smith"
    )
    model = catalog_service.create_product_model(
        db,
        tenant_id=tenant_id,
        brand_id=brand.id,
        category_code="water_heater",
        model_code="E60VDP-C",
        name="史密斯电热水器 60L",
        warranty_months=36,
        key_part_months={},
    )
    db.commit()
    return {"brand": brand.id, "model": model.id}


def _customer(client: TestClient, world: World) -> str:
    page_session(client, world.demo.users["customer"])
    return CSRF_TOKEN.search(client.get("/portal/report").text).group(1)


def _catalog(page: str) -> dict:
    raw = re.search(r'<script type="application/json" class="catalog-data">(.*?)</script>', page, re.S)
    return json.loads(raw.group(1))


def test_the_report_form_offers_the_cascading_picker_and_the_categorys_chips(
    client: TestClient, world: World, heater: dict
) -> None:
    _customer(client, world)
    page = client.get("/portal/report").text
    catalog = _catalog(page)
    assert {"code": "water_heater", "name": "热水器"} in catalog["categories"]
    assert {"id": heater["brand"], "name": "史密斯"} in catalog["brands"]
    assert {
        "id": heater["model"],
        "code": "E60VDP-C",
        "name": "史密斯电热水器 60L",
        "category": "water_heater",
        "brand": heater["brand"],
    } in catalog["models"]
    assert "其他家电（选择品类、品牌、型号）" in page and 'list="model-codes"' in page
    # the customer's refrigerator is chosen first: its chips, with "不制冷"
    assert 'value="not_cooling"' in page and "结霜结冰" in page
    chips = json.loads(re.search(r'data-chips="([^"]*)"', page).group(1).replace("&#34;", '"'))
    assert "不制冷" not in [words for _code, words in chips["water_heater"]]
    assert "不加热/不制热" in [words for _code, words in chips["water_heater"]]
    assert "安装" not in [words for entries in chips.values() for _code, words in entries]


def test_a_water_heaters_report_form_has_no_not_cooling_chip(
    client: TestClient, world: World, heater: dict, db
) -> None:
    appliance = appliance_service.create(
        db,
        tenant_id=world.demo.tenant.id,
        customer_id=world.demo.customer_id,
        product_model_id=heater["model"],
        serial_number="WH0001",
        purchase_date=date(2025, 3, 1),
        purchase_channel="jd",
    )
    db.commit()
    _customer(client, world)
    page = client.get(f"/portal/report?appliance={appliance.id}").text
    row = re.search(r'<div class="chip-row">(.*?)</div>', page, re.S).group(1)
    assert "不加热/不制热" in row and "不制冷" not in row


def test_a_new_appliance_reported_by_its_typed_model_code(
    client: TestClient, world: World, heater: dict, db
) -> None:
    token = _customer(client, world)
    answer = client.post(
        "/portal/report",
        data={
            "model_code": " e60vdp-c ",
            "purchase_date": "2024-05-01",
            "symptom": ["not_heating"],
            "description": "洗澡水不热",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    order_id = int(re.search(r"/portal/orders/(\d+)", answer.headers["location"]).group(1))
    fresh(db)
    order = db.get(WorkOrder, order_id)
    appliance = db.get(Appliance, order.appliance_id)
    assert appliance.customer_id == world.demo.customer_id and appliance.product_model_id == heater["model"]
    assert appliance.purchase_date == date(2024, 5, 1)
    assert order.fault_description == "不加热/不制热；洗澡水不热"
    # no serial number yet: the home page does not show an empty one
    home = client.get("/portal").text
    assert "史密斯电热水器 60L" in home and "序列号  ·" not in home and "序列号 ·" not in home


def test_a_new_appliance_by_the_picker_and_what_is_missing_is_said(
    client: TestClient, world: World, heater: dict, db
) -> None:
    token = _customer(client, world)
    base = {"description": "不加热/不制热", "symptom": "not_heating", "csrf_token": token}
    no_model = client.post("/portal/report", data={**base, "purchase_date": "2024-05-01"})
    assert no_model.status_code == 422 and "请选择家电型号" in no_model.text
    unknown = client.post(
        "/portal/report", data={**base, "model_code": "NOPE-1", "purchase_date": "2024-05-01"}
    )
    assert unknown.status_code == 422 and "没有找到这个型号" in unknown.text
    no_date = client.post("/portal/report", data={**base, "product_model_id": str(heater["model"])})
    assert no_date.status_code == 422 and "请填写购买日期" in no_date.text
    made = client.post(
        "/portal/report",
        data={**base, "product_model_id": str(heater["model"]), "purchase_date": "2024-05-01"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    fresh(db)
    order = db.scalar(select(WorkOrder).order_by(WorkOrder.id.desc()))
    assert order.fault_description == "不加热/不制热"  # the chip's words the page wrote are not doubled


def test_the_reported_photo_is_on_the_customers_order_page(client: TestClient, world: World) -> None:
    token = _customer(client, world)
    answer = client.post(
        "/portal/report",
        data={"appliance_id": str(world.demo.appliance_id), "description": "冰箱不制冷", "csrf_token": token},
        files={"photo": ("fault.png", PNG, "image/png")},
        follow_redirects=False,
    )
    order_path = answer.headers["location"].split("?")[0]
    page = client.get(order_path).text
    assert "您上传的照片" in page
    photo = re.search(r'<img src="(/pages/orders/\d+/photos/\d+)"', page).group(1)
    assert client.get(photo).status_code == 200
    # and the dispatcher sees it on the order's panel, beside the customer's words
    order_id = int(order_path.rstrip("/").split("/")[-1])
    page_session(client, world.demo.users["dispatcher"])
    panel = client.get(f"/console?order={order_id}").text
    shown = re.search(r'id="panel-reported-photos">.*?<img src="(/pages/orders/\d+/photos/\d+)"', panel, re.S)
    assert shown is not None and shown.group(1) == photo
    assert client.get(photo).status_code == 200


def test_registering_an_appliance_by_its_typed_model_code(
    client: TestClient, world: World, heater: dict, db
) -> None:
    token = _customer(client, world)
    page = client.get("/portal/appliances/new").text
    assert 'id="pick-category"' in page and "史密斯电热水器 60L" in page
    made = client.post(
        "/portal/appliances",
        data={
            "model_code": "E60VDP-C",
            "serial_number": "WH0002",
            "purchase_date": "2025-01-05",
            "purchase_channel": "jd",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    fresh(db)
    assert (
        db.scalar(select(Appliance).where(Appliance.serial_number == "WH0002")).product_model_id
        == heater["model"]
    )


@pytest.mark.parametrize(
    ("day", "zh", "en"),
    [
        (date(2026, 12, 5), "今天 12-05 周六", "Today 12-05 Sat"),
        (date(2026, 12, 6), "明天 12-06 周日", "Tomorrow 12-06 Sun"),
        (date(2026, 12, 7), "后天 12-07 周一", "The day after tomorrow 12-07 Mon"),
        (date(2026, 12, 8), "12-08 周二", "12-08 Tue"),
    ],
)
def test_days_are_named_as_people_say_them(day: date, zh: str, en: str) -> None:
    assert portal_forms.day_words(day, date(2026, 12, 5), "zh") == zh
    assert portal_forms.day_words(day, date(2026, 12, 5), "en") == en


def test_the_tab_bar_and_the_unread_badge_that_clears(client: TestClient, world: World, db) -> None:
    _customer(client, world)
    home = client.get("/portal").text
    for label, href in (
        ("服务", "/portal"),
        ("报修", "/portal/report"),
        ("消息", "/portal/inbox"),
        ("我的", "/portal/me"),
    ):
        assert f'href="{href}"' in home and label in home
    assert 'hx-get="/portal/unread"' in home
    user = world.demo.users["customer"]
    recipient = inbox.addresses(user)[0]
    db.add_all(
        InboxItem(
            tenant_id=user.tenant_id,
            recipient=recipient,
            event="work_order.created",
            title=f"消息{n}",
            body="您的报修已登记",
        )
        for n in range(2)
    )
    db.commit()
    assert client.get("/portal/unread").text == "2"
    item = db.scalar(select(InboxItem).where(InboxItem.recipient == recipient))
    token = CSRF_TOKEN.search(client.get("/portal/inbox").text).group(1)
    client.post(f"/portal/inbox/{item.id}/read", data={"csrf_token": token})
    assert client.get("/portal/unread").text == "1"
    me = client.get("/portal/me").text
    assert "在线客服" in me and 'href="/portal/assistant"' in me and "138****0001" in me


def test_one_overall_star_and_tags_rate_the_visit_and_lead_back(client: TestClient, world: World, db) -> None:
    order_id = completed_order(client, world.demo)
    path = f"/s/{token_of(db, order_id)}"
    page = client.get(path)
    assert "哪些方面让您满意" in page.text and "分项评价（选填）" in page.text
    token = CSRF_TOKEN.search(page.text).group(1)
    done = client.post(path, data={"overall": "5", "tag": ["on_time", "tidy"], "csrf_token": token})
    assert done.status_code == 200 and "感谢您的评价" in done.text
    assert f'href="/portal/orders/{order_id}"' in done.text and 'href="/portal"' in done.text
    survey: Survey = survey_of(db, order_id)
    assert survey.status == "answered" and survey.overall == 5
    assert (survey.attitude, survey.skill, survey.punctuality, survey.promises) == (5, 5, 5, 5)
    assert survey.nps is None and survey.comment == "【准时、干净整洁】"


def test_under_four_stars_the_tags_say_what_should_be_better(client: TestClient, world: World, db) -> None:
    order_id = completed_order(client, world.demo)
    path = f"/s/{token_of(db, order_id)}"
    page = client.get(path).text
    assert "哪些方面需要改进" in page and "没修好" in page
    token = CSRF_TOKEN.search(page).group(1)
    # a praise tag picked before the stars went down to one is dropped
    tags = ["late", "not_fixed", "tidy"]
    done = client.post(path, data={"overall": "1", "tag": tags, "comment": "还是漏水", "csrf_token": token})
    assert done.status_code == 200
    assert survey_of(db, order_id).comment == "【需改进：迟到、没修好】还是漏水"


def test_one_low_star_promises_a_call_and_rated_aspects_are_kept(
    client: TestClient, world: World, db
) -> None:
    order_id = completed_order(client, world.demo)
    path = f"/s/{token_of(db, order_id)}"
    token = CSRF_TOKEN.search(client.get(path).text).group(1)
    done = client.post(
        path, data={"overall": "2", "punctuality": "1", "nps": "3", "comment": "迟到", "csrf_token": token}
    )
    assert done.status_code == 200 and "24 小时内" in done.text
    survey = survey_of(db, order_id)
    assert (survey.overall, survey.punctuality, survey.attitude, survey.nps) == (2, 1, 2, 3)
    missing = client.post(
        f"/s/{token_of(db, completed_order(client, world.demo))}", data={"csrf_token": token}
    )
    assert missing.status_code == 422


def test_the_report_forms_windows_name_the_day_and_weekday(client: TestClient, world: World) -> None:
    _customer(client, world)
    page = client.get("/portal/report").text
    assert re.search(r'<option value="today_pm">今天 \d\d-\d\d 周. 下午 14–18 点</option>', page)
    assert re.search(r'<option value="tomorrow_am">明天 \d\d-\d\d 周. 上午 9–12 点</option>', page)
    english = client.get("/portal/report?lang=en").text
    assert re.search(r'<option value="tomorrow_pm">Tomorrow \d\d-\d\d \w{3} 14:00–18:00</option>', english)
