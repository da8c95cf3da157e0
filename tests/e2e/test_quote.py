"""The quote in a real browser: the technician picks from the price book on a phone (search, steppers, the
running total), the customer reads the itemised quote with what the warranty covers and why, on a phone
(375 px, nothing wider than the screen) and on a desktop; screenshots in docs/screenshots/ with
``ANXIN_SCREENSHOTS=1``. customer02's refrigerator is out of its whole-unit warranty, its compressor still
covered: the compressor is free, the labour and the visit are paid."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_main_flow import customer_login, staff_login
from tests.helpers import HAPPY_PATH, publish_book


@pytest.fixture(scope="module")
def order_on_site(live_world) -> int:
    """customer02's refrigerator reported and the technician on site, the book published and the part
    catalog's compressor a key part."""
    base, world = live_world
    demo = world.demo
    publish_book(base, demo.headers("admin"))
    with httpx.Client(base_url=base, timeout=10) as api:
        part = {"code": "RF-COMP-01", "name": "压缩机", "list_price_fen": 95000, "key_part": "compressor"}
        made = api.post("/api/v1/parts", json=part, headers=demo.headers("admin"))
        assert made.status_code == 201, made.text
        body = {
            "customer_id": demo.other_customer_id,
            "appliance_id": demo.other_appliance_id,
            "service_type": "repair",
            "channel": "hotline",
            "fault_description": "冰箱不制冷，压缩机不启动",
        }
        order = api.post("/api/v1/work-orders", json=body, headers=demo.headers("agent")).json()
        for role, action, step in HAPPY_PATH:
            if action == "assign":
                step = {"technician_id": demo.technician_id}
            answer = api.post(
                f"/api/v1/work-orders/{order['id']}/{action}", json=step, headers=demo.headers(role)
            )
            assert answer.status_code == 200, (action, answer.text)
            if action == "arrive":
                return order["id"]
    raise AssertionError("never on site")


def fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_technician_quotes_from_the_book_and_the_customer_reads_it(
    browser, live_world, order_on_site: int, screenshots: Path
) -> None:
    base, _ = live_world
    tech = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    staff_login(tech, base, "tech01@demo")
    tech.goto(f"{base}/tech/orders/{order_on_site}")

    # search narrows the list; the steppers count; the running total splits covered and payable
    tech.get_by_label("搜索项目名称").fill("压缩机")
    assert tech.locator(".quote-item:visible").count() == 2  # the labour and the part
    tech.get_by_role("button", name="增加 更换压缩机", exact=True).click()
    tech.get_by_role("button", name="增加 压缩机", exact=True).click()
    tech.get_by_label("搜索项目名称").fill("")
    tech.get_by_role("button", name="增加 上门检测费（市区）", exact=True).click()
    for _ in range(3):
        tech.get_by_role("button", name="增加 冷媒 R600a", exact=True).click()
    tech.get_by_role("button", name="减少 冷媒 R600a", exact=True).click()
    assert tech.get_by_label("冷媒 R600a 数量").input_value() == "2"
    assert tech.locator("#run-amount").inner_text() == "¥1,400.00"  # 50 + 280 + 950 + 2 × 60
    assert tech.locator("#run-covered").inner_text() == "¥950.00"  # the compressor
    assert tech.locator("#run-payable").inner_text() == "¥450.00"
    assert fits(tech, PHONE["width"])
    tech.locator("#quote-panel").screenshot(path=str(screenshots / "tech-quote-phone.png"))
    tech.get_by_role("button", name="提交报价", exact=True).click()
    # the order page after the submission (reading it at once may still read the page before)
    tech.locator("#order-status").filter(has_text="待确认报价").wait_for()
    assert "压缩机在核心部件保修期内" in tech.content()

    # the customer, on a phone and on a desktop
    page = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    customer_login(page, base, "13800000002")
    page.goto(f"{base}/portal/orders/{order_on_site}")
    page.get_by_text("请确认维修报价").wait_for(timeout=15_000)
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        page.set_viewport_size(viewport)
        table = page.locator(".quote-table")
        assert "压缩机在核心部件保修期内" in table.inner_text()
        assert page.locator("#quote-payable").inner_text() == "¥450.00"
        assert "其余费用需自付" in page.locator("#quote-reason").inner_text()
        assert fits(page, viewport["width"])
        page.screenshot(path=str(screenshots / f"portal-quote-{name}.png"), full_page=True)

    # the customer approves: the quote stands, and cannot change any more
    page.get_by_role("button", name="同意报价").click()
    page.get_by_text("报价已确认").first.wait_for()
    tech.reload()
    assert tech.locator("#quote-form").count() == 0
