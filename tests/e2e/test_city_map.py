"""The dispatcher's map in a real browser: the city's districts drawn as the base map (the vendored GeoJSON
registered with ECharts and painted on the canvas), the open order on it with a tooltip in Chinese, at
desktop (1366×900) and phone (390×844) sizes; the staff navigation folding behind 菜单 on a phone; the
admin landing on the dashboard's target cards."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.test_main_flow import staff_login
from tests.helpers import report

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# How many pixels of the canvas carry the districts' fill (#eef4f6, map.js): a drawn base map has many.
DISTRICT_PIXELS = """() => {
  const canvas = document.querySelector('#map canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - 238) < 3 && Math.abs(data[i + 1] - 244) < 3 && Math.abs(data[i + 2] - 246) < 3) n++;
  }
  return n;
}"""


def open_map(page, base: str) -> None:
    page.goto(f"{base}/console/map")
    page.locator('#map[data-drawn="geo"]').wait_for()


def test_the_map_draws_the_citys_districts_with_the_orders_on_them(browser, live_world, screenshots: Path):
    base, world = live_world
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(api, world.demo).json()
    errors: list[str] = []
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(page, base, "dispatcher@demo")
    page.wait_for_url(f"{base}/console")

    open_map(page, base)

    assert page.evaluate("() => Boolean(echarts.getMap('hangzhou'))")  # the districts are registered
    assert page.locator("#map").get_attribute("data-map") == "hangzhou"
    assert page.evaluate(DISTRICT_PIXELS) > 10_000  # and painted
    assert "没有临平区、钱塘区" in page.locator("#map-boundaries").inner_text()
    # the order's point, where the map puts its address, opens a tooltip in Chinese
    x, y = page.evaluate(
        """([lng, lat]) => echarts.getInstanceByDom(document.getElementById('map'))
             .convertToPixel({ geoIndex: 0 }, [lng, lat])""",
        [120.12, 30.27],  # the customer's address (tests/conftest.py)
    )
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    tooltip = page.locator("#map div").filter(has_text=order["number"]).last
    tooltip.wait_for()
    assert "状态：已报修" in tooltip.inner_text() and "师傅：" in tooltip.inner_text()
    page.screenshot(path=str(screenshots / "console-map-districts-desktop.png"))

    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    phone.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(phone, base, "dispatcher@demo")
    phone.wait_for_url(f"{base}/console")
    open_map(phone, base)
    assert phone.evaluate(DISTRICT_PIXELS) > 10_000
    width = phone.evaluate("() => document.querySelector('#map canvas').getBoundingClientRect().width")
    assert width <= PHONE["width"]  # the map fits the phone's width
    phone.screenshot(path=str(screenshots / "console-map-districts-phone.png"), full_page=True)
    assert not errors, errors


def test_the_staff_menu_folds_on_a_phone_and_the_admin_lands_on_the_cards(
    browser, live_world, screenshots: Path
):
    base, _ = live_world
    phone = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    staff_login(phone, base, "admin@demo")
    phone.wait_for_url(f"{base}/dashboard")
    board = phone.get_by_role("link", name="排班看板")
    assert not board.is_visible()  # folded behind 菜单
    phone.locator("label.menu-button").click()
    board.wait_for()
    phone.screenshot(path=str(screenshots / "staff-menu-phone.png"))
    board.click()
    phone.wait_for_url(f"{base}/console/board")

    desktop = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    staff_login(desktop, base, "admin@demo")
    desktop.wait_for_url(f"{base}/dashboard")
    cards = desktop.locator("#kpi-cards .kpi-card")
    assert cards.count() == 16
    assert desktop.locator("#kpi-cards .kpi-card.rated").count() == 11
    # a group of the menu opens on a click, and its links lead on
    desktop.locator(".staff-group .group-label", has_text="调度").click()
    desktop.get_by_role("link", name="地图").click()
    desktop.wait_for_url(f"{base}/console/map")
    desktop.goto(f"{base}/dashboard")
    desktop.screenshot(path=str(screenshots / "dashboard-cards-desktop.png"))
