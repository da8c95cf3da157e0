"""The price book's pages: the customer's 收费标准 (Chinese names and yuan, nothing internal, filtered,
refusing unknown codes) and the admins' console (draft, add, change, remove, publish, discard), each for
its own role only."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.pricing.models import PriceBookVersion, PriceItem
from tests.conftest import page_csrf, page_session
from tests.dates import days_ahead, local_today
from tests.pricing.helpers import ITEMS, brand_id, published_book

PORTAL = "/portal/price-book"
CONSOLE = "/console/price-book"


def as_customer(client: TestClient, world) -> None:
    client.cookies.clear()
    page_session(client, world.demo.users["customer"])


def test_the_customer_reads_the_prices_in_chinese_and_yuan_with_nothing_internal(client, world):
    published_book(client, world.demo)
    as_customer(client, world)
    page = client.get(PORTAL)
    assert page.status_code == 200
    text = page.text
    for shown in (
        "收费标准",
        f"本价目表自 {local_today().isoformat()} 起执行",
        "上门检测费（市区）",
        "¥50.00/次",
        "¥80.00/次",
        "市区",
        "保修期内免收",
        "补加冷媒（加氟）",
        "维修 · 不制冷",
        "铜管 φ6/φ9.52",
        "¥65.00/米",
        "¥60.00/千克",
        "海尔品牌 ¥150.00",
        "工时费",
        "辅材",
        "空调",
        "冰箱",
    ):
        assert shown in text, shown
    # no codes, enum names or ids of the book: only the filters' option values carry codes
    visible = re.sub(r"<[^>]+>", " ", text)
    for internal in (
        "VISIT-URBAN",
        "AC-GAS",
        "RF-TH-01",
        "labour",
        "metre",
        "suburban",
        "price_fen",
        "brand_id",
    ):
        assert internal not in text, internal
    for internal in ("air_conditioner", "refrigerator", "repair", "cleaning"):
        assert internal not in visible, internal
    assert "/items/" not in text and "version" not in visible.lower()


def test_the_customer_filters_by_category_and_service(client, world):
    published_book(client, world.demo)
    as_customer(client, world)
    fridge = client.get(PORTAL, params={"category": "refrigerator", "service_type": "repair"}).text
    assert "更换温控器" in fridge and "温控器" in fridge and "上门检测费（市区）" in fridge
    assert "铜管" not in fridge and "加氟" not in fridge and "挂机深度清洗" not in fridge
    assert '<option value="refrigerator" selected>' in fridge
    unknown = client.get(PORTAL, params={"category": "spaceship"})
    assert unknown.status_code == 422 and "category" in unknown.text and "未知的选项" in unknown.text
    english = client.get(PORTAL, params={"service_type": "teleport", "lang": "en"})
    assert english.status_code == 422 and "not one of the choices" in english.text


def test_before_a_book_is_published_the_page_says_so(client, world):
    as_customer(client, world)
    assert "收费标准尚未公布" in client.get(PORTAL).text


def test_the_page_in_english(client, world):
    published_book(client, world.demo)
    as_customer(client, world)
    page = client.get(PORTAL, params={"lang": "en"}).text
    for shown in ("Prices", "Visit fee", "Labour", "Materials", "¥50.00 / job", "¥65.00 / metre", "Urban"):
        assert shown in page, shown


def test_the_portal_links_to_the_prices(client, world):
    as_customer(client, world)
    assert 'href="/portal/price-book"' in client.get("/portal").text
    assert 'href="/portal/price-book"' in client.get("/portal/report").text


def test_the_portal_page_is_the_customers_and_the_console_the_admins(client, world, sign_in):
    client.cookies.clear()
    assert client.get(PORTAL, follow_redirects=False).headers["location"].startswith("/portal/login")
    assert client.get(CONSOLE, follow_redirects=False).headers["location"].startswith("/login")
    sign_in(client, "dispatcher@demo")
    assert client.get(PORTAL).status_code == 403
    assert client.get(CONSOLE).status_code == 403
    as_customer(client, world)
    assert client.get(CONSOLE).status_code == 403


def test_the_admin_drafts_edits_and_publishes_on_the_console(client, world, sign_in, db):
    sign_in(client, "admin@demo")
    token = page_csrf(client, CONSOLE)
    haier = brand_id(client, world.demo)
    assert "尚无价目表" in client.get(CONSOLE).text
    # a new draft
    made = client.post(
        f"{CONSOLE}/versions", data={"note": "首版", "csrf_token": token}, follow_redirects=False
    )
    assert made.status_code == 303
    url = made.headers["location"]
    version_id = int(url.rsplit("/", 1)[1])
    page = client.get(url).text
    assert "第 1 版" in page and "草稿" in page and 'id="add-item"' in page and 'id="publish"' in page
    # an item in yuan, with haier's own price
    form = {
        "code": "MAT-PIPE",
        "kind": "material",
        "name": " 铜管 φ6/φ9.52 ",
        "unit": "metre",
        "price": "65.5",
        "category": "air_conditioner",
        "service_type": "",
        "area": "",
        "fault": "",
        "note": "含保温棉",
        "part_code": "",
        "brand_id": [str(haier)],
        "brand_price": ["70"],
        "csrf_token": token,
    }
    added = client.post(f"{url}/items", data=form, follow_redirects=False)
    assert added.status_code == 303, added.text
    item = db.scalars(select(PriceItem).where(PriceItem.version_id == version_id)).one()
    assert (item.name, item.price_fen, item.unit, item.category_code, item.service_type) == (
        "铜管 φ6/φ9.52",
        6550,
        "metre",
        "air_conditioner",
        None,
    )
    assert [(o.brand_id, o.price_fen) for o in item.overrides] == [(haier, 7000)]
    listed = client.get(url).text
    assert "¥65.50/米" in listed and "海尔 ¥70.00" in listed
    # a wrong amount is refused on a page of its own, and nothing changes
    bad = client.post(f"{url}/items", data=form | {"code": "X", "price": "12.345"})
    assert bad.status_code == 422 and "金额格式有误" in bad.text
    # change it on its own page: no brand price any more
    edit = client.get(f"{url}/items/{item.id}").text
    assert 'value="65.50"' in edit and 'value="70.00"' in edit
    changed = client.post(
        f"{url}/items/{item.id}", data=form | {"price": "66", "brand_price": [""]}, follow_redirects=False
    )
    assert changed.status_code == 303
    db.rollback()  # a new transaction: what the requests committed
    item = db.get(PriceItem, item.id)
    assert item.price_fen == 6600 and item.overrides == []
    # a second item, removed again
    client.post(
        f"{url}/items", data=form | {"code": "MAT-R32", "name": "冷媒 R32", "unit": "kg", "price": "60"}
    )
    db.rollback()
    r32 = db.scalars(select(PriceItem).where(PriceItem.code == "MAT-R32")).one()
    assert client.post(f"{url}/items/{r32.id}/remove", data={"csrf_token": token}).status_code == 200
    db.rollback()
    assert db.scalars(select(PriceItem.code).where(PriceItem.version_id == version_id)).all() == ["MAT-PIPE"]
    # publish from tomorrow: the version is frozen and its page has no forms
    published = client.post(
        f"{url}/publish", data={"effective_from": days_ahead(1).isoformat(), "csrf_token": token}
    )
    assert published.status_code == 200 and "已发布" in published.text and "待生效" in published.text
    assert 'id="add-item"' not in published.text and 'id="frozen"' in published.text
    again = client.post(f"{url}/items", data=form | {"code": "LATE"})
    assert again.status_code == 409 and "已发布，不能再修改" in again.text
    versions = client.get(CONSOLE).text
    assert "第 1 版" in versions and "待生效" in versions and days_ahead(1).isoformat() in versions


def test_the_admin_discards_a_draft_and_the_form_refuses_a_past_date(client, world, sign_in, db):
    published_book(client, world.demo)
    sign_in(client, "admin@demo")
    token = page_csrf(client, CONSOLE)
    made = client.post(f"{CONSOLE}/versions", data={"csrf_token": token}, follow_redirects=False)
    url = made.headers["location"]
    assert "第 2 版" in client.get(url).text
    past = client.post(
        f"{url}/publish", data={"effective_from": days_ahead(-1).isoformat(), "csrf_token": token}
    )
    assert past.status_code == 422 and "生效日期应在" in past.text
    garbled = client.post(f"{url}/publish", data={"effective_from": "明天", "csrf_token": token})
    assert garbled.status_code == 422 and "YYYY-MM-DD" in garbled.text
    # while a draft is open the list leads to it rather than to a new one
    listing = client.get(CONSOLE).text
    assert 'id="open-draft"' in listing and 'id="new-draft"' not in listing
    second = client.post(f"{CONSOLE}/versions", data={"csrf_token": token})
    assert second.status_code == 409 and "已有一份草稿" in second.text
    gone = client.post(f"{url}/discard", data={"csrf_token": token})
    assert gone.status_code == 200 and "草稿已放弃" in gone.text
    db.rollback()
    assert db.scalars(select(PriceBookVersion.number)).all() == [1]
    assert client.get(url).status_code == 404


def test_a_form_without_its_csrf_token_changes_nothing(client, world, sign_in, db):
    sign_in(client, "admin@demo")
    answer = client.post(f"{CONSOLE}/versions", data={"note": "x"})
    assert answer.status_code == 403
    assert db.scalars(select(PriceBookVersion)).all() == []


def test_the_console_lists_another_tenants_version_as_not_found(client, world, sign_in):
    acme = published_book(client, world.acme)
    sign_in(client, "admin@demo")
    assert client.get(f"{CONSOLE}/versions/{acme['id']}").status_code == 404
    item = acme["items"][0]["id"]
    assert client.get(f"{CONSOLE}/versions/{acme['id']}/items/{item}").status_code == 404
    token = page_csrf(client, CONSOLE)
    for path in (f"/items/{item}/remove", "/discard", "/publish"):
        answer = client.post(f"{CONSOLE}/versions/{acme['id']}{path}", data={"csrf_token": token})
        assert answer.status_code in (404, 422), (path, answer.status_code)
        assert "海尔" not in answer.text and ITEMS[0]["name"] not in answer.text


def test_the_console_leads_the_admin_to_the_price_book(client, world, sign_in):
    sign_in(client, "admin@demo")
    assert 'href="/console/price-book"' in client.get("/console").text
    client.cookies.clear()
    sign_in(client, "dispatcher@demo")
    assert 'href="/console/price-book"' not in client.get("/console").text
