"""The quality loop in a real browser: a customer's low rating reaches the agents' task queue and
quality's complaint desk, quality registers the draft, the scorecards and the manager dashboard show the
visit, and the dashboard exports to Excel. Screenshots of each page go to docs/screenshots/."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
from openpyxl import load_workbook

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_main_flow import customer_login, staff_login
from tests.helpers import report, walk


def test_a_low_rating_reaches_the_desk_and_the_dashboard(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    demo = world.demo
    # Given an order completed through the API
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(api, demo).json()
        walk(api, demo, order["id"], until="complete")

    # When the customer rates the visit poorly on the survey page
    customer = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    customer_login(customer, base, "13800000001")
    customer.goto(f"{base}/portal/orders/{order['id']}")
    customer.get_by_role("link", name="评价本次服务").click()
    # one overall star row (two: 不满意, and the quick tags turn to what should be better); the aspects are
    # optional, one given here
    customer.locator("#row-overall").get_by_title("不满意", exact=True).click()
    customer.locator("#improve-tags").get_by_text("迟到").click()
    customer.get_by_text("分项评价（选填）").click()
    customer.get_by_label("准时上门 1", exact=True).check()
    customer.locator("#row-nps").get_by_text("3", exact=True).click()
    customer.get_by_label("意见与建议").fill("师傅迟到一个多小时，也没提前说。")
    customer.get_by_role("button", name="提交评价").click()
    customer.locator("#survey-message").wait_for()
    customer.screenshot(path=str(screenshots / "portal-survey-done-phone.png"), full_page=True)

    # Then the agents have a callback to make
    agent = browser.new_context(viewport=DESKTOP).new_page()
    staff_login(agent, base, "agent@demo")
    agent.goto(f"{base}/console/tasks")
    agent.get_by_text(f"低分回电 {order['number']}").wait_for()
    agent.screenshot(path=str(screenshots / "console-tasks-desktop.png"), full_page=True)

    # and quality finds the complaint draft on its desk (where it lands after signing in) and registers it
    quality = browser.new_context(viewport=DESKTOP).new_page()
    staff_login(quality, base, "quality@demo")
    quality.wait_for_url(f"{base}/console/complaints")
    quality.get_by_role("cell", name="草稿").first.wait_for()
    quality.screenshot(path=str(screenshots / "console-complaints-desktop.png"), full_page=True)
    quality.locator("table a").first.click()
    assert "准时上门" in quality.content() or "timeliness" in quality.content()
    quality.get_by_role("button", name="登记", exact=True).click()
    assert quality.locator("#complaint-status").inner_text() == "已登记"
    assert quality.locator("h1").inner_text().startswith("CP")  # numbered on registration
    quality.screenshot(path=str(screenshots / "console-complaint-desktop.png"), full_page=True)

    # and the technician's scorecard carries the rating
    quality.goto(f"{base}/console/scorecards")
    quality.get_by_role("heading", name="工程师质量看板").wait_for()
    assert "王师傅" in quality.content()
    quality.screenshot(path=str(screenshots / "console-scorecards-desktop.png"), full_page=True)

    # and the manager's dashboard shows the order, with its charts drawn, and exports it
    admin = browser.new_context(viewport=DESKTOP).new_page()
    errors: list[str] = []
    admin.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(admin, base, "admin@demo")
    admin.goto(f"{base}/dashboard")
    admin.get_by_role("heading", name="经营看板").wait_for()
    admin.locator("#chart-trend canvas").wait_for()
    assert not errors, errors
    admin.screenshot(path=str(screenshots / "dashboard-desktop.png"), full_page=True)
    with admin.expect_download() as download:
        admin.get_by_role("link", name="导出 Excel").click()
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert len(workbook.sheetnames) >= 3
    first = workbook[workbook.sheetnames[0]]
    cells = [str(c) for row in first.iter_rows(values_only=True) for c in row if c is not None]
    assert any("满意" in c or "satisfaction" in c for c in cells), cells[:20]
