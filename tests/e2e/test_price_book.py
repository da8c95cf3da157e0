"""The price book in a real browser: the customer's 收费标准 on a phone (375 px, nothing wider than the
screen) and on a desktop, and the admin's console, with screenshots (docs/screenshots/ with
``ANXIN_SCREENSHOTS=1``). The demo city's items are published over the API, as an admin would."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from anxin.demo import price_book as demo_book
from tests.dates import local_today
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_main_flow import customer_login, staff_login


def _bodies() -> list[dict]:
    """The demo city's version 1, as the API's item bodies."""
    bodies = []
    for item in demo_book._items(tenant_id=0, version_id=0):
        body = {
            "code": item.code,
            "kind": item.kind,
            "name": item.name,
            "unit": item.unit,
            "price_fen": item.price_fen,
            "category": item.category_code,
            "service_type": item.service_type,
            "area": item.area,
            "fault": item.fault,
            "note": item.note,
        }
        bodies.append({key: value for key, value in body.items() if value is not None})
    return bodies


@pytest.fixture(scope="module")
def published(live_world) -> dict:
    base, world = live_world
    with httpx.Client(base_url=base, headers=world.demo.headers("admin"), timeout=10) as api:
        version = api.post("/api/v1/price-book/versions", json={"note": "首版收费标准"}).json()
        haier = next(b["id"] for b in api.get("/api/v1/catalog/brands").json() if b["code"] == "haier")
        for body in _bodies():
            if body["code"] == "PART-RF-01":
                body["brand_prices"] = [{"brand_id": haier, "price_fen": 98000}]
            answer = api.post(f"/api/v1/price-book/versions/{version['id']}/items", json=body)
            assert answer.status_code == 201, answer.text
        done = api.post(
            f"/api/v1/price-book/versions/{version['id']}/publish",
            json={"effective_from": local_today().isoformat()},
        )
        assert done.status_code == 200, done.text
        draft = api.post("/api/v1/price-book/versions", json={"note": "上调空调清洗工时"}).json()
    return {"version": version, "draft": draft}


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_customer_reads_the_prices_on_a_phone_and_a_desktop(
    browser, live_world, published, screenshots: Path
):
    base, _ = live_world
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    customer_login(phone, base, "13800000001")
    phone.get_by_role("link", name="收费标准").click()
    phone.get_by_role("heading", name="收费标准").wait_for()
    assert "上门检测费（市区）" in phone.content() and "¥50.00/次" in phone.content()
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(screenshots / "portal-price-book-phone.png"), full_page=True)
    phone.get_by_label("品类").select_option("air_conditioner")
    phone.get_by_label("服务类型").select_option("repair")
    phone.get_by_role("button", name="查看").click()
    phone.get_by_text("补加冷媒（加氟）").first.wait_for()
    text = phone.locator("main").inner_text()
    assert "¥65.00/米" in text and "¥60.00/千克" in text and "挂机深度清洗" not in text
    assert fits(phone, PHONE["width"])
    phone.screenshot(path=str(screenshots / "portal-price-book-ac-phone.png"), full_page=True)
    # the same customer's session on a desktop (a second code so soon would be refused)
    desktop = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", storage_state=phone.context.storage_state()
    ).new_page()
    desktop.goto(f"{base}/portal/price-book?category=refrigerator")
    assert "海尔品牌 ¥980.00" in desktop.locator("main").inner_text()
    assert fits(desktop, DESKTOP["width"])
    desktop.screenshot(path=str(screenshots / "portal-price-book-desktop.png"), full_page=True)


def test_the_admin_edits_a_draft_on_the_console(browser, live_world, published, screenshots: Path):
    base, _ = live_world
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    staff_login(page, base, "admin@demo")
    page.goto(f"{base}/console/price-book")
    assert "生效中" in page.locator("#versions").inner_text()
    page.screenshot(path=str(screenshots / "console-price-book-desktop.png"), full_page=True)
    page.get_by_role("link", name="继续编辑草稿").click()
    page.locator("#item-AC-CLEAN-WALL").get_by_role("link", name="编辑").click()
    page.get_by_label("价格（元）").fill("90")
    page.screenshot(path=str(screenshots / "console-price-item-desktop.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    page.get_by_text("已保存").wait_for()
    assert "¥90.00/台" in page.locator("#item-AC-CLEAN-WALL").inner_text()
    page.screenshot(path=str(screenshots / "console-price-draft-desktop.png"))
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    staff_login(phone, base, "admin@demo")
    phone.goto(f"{base}/console/price-book")
    phone.screenshot(path=str(screenshots / "console-price-book-phone.png"), full_page=True)
