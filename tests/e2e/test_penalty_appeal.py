"""Fair evidence in a real browser: the technician's phone reports its position with its accuracy, an arrival
4.5 km from the address (±50 m) costs points and (under a strict policy) suspends automatic dispatch; the
technician sees why at once in the app, appeals from the phone, quality overturns it on the desk and the app
shows the points withdrawn and dispatch restored. Screenshots: the technician's page at phone size, the
quality desk at desktop size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anxin.feedback.models import QualityPolicy
from tests.conftest import World
from tests.e2e.conftest import built_world, serving
from tests.e2e.test_main_flow import staff_login
from tests.helpers import report, walk

PHONE_390 = {"width": 390, "height": 844}
DESKTOP_1366 = {"width": 1366, "height": 900}
FAR = {"latitude": 30.3105, "longitude": 120.12, "accuracy": 50}  # 4.5 km north of 文三路 1 号


@pytest.fixture(scope="module")
def strict_world(tmp_path_factory) -> Iterator[tuple[str, World]]:
    """The test world served, demo's policy suspending at 2 points (one far arrival)."""
    folder = tmp_path_factory.mktemp("appeal")

    def strict(session, world: World) -> None:
        session.add(
            QualityPolicy(
                tenant_id=world.demo.tenant.id, points_far_evidence=2, warning_points=2, suspension_points=2
            )
        )

    url, world = built_world(folder, strict)
    with serving(folder, url) as base:
        yield base, world


def test_the_technician_appeals_a_penalty_and_quality_overturns_it(browser, strict_world, screenshots: Path):
    base, world = strict_world
    demo = world.demo
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(api, demo).json()
        walk(api, demo, order["id"], until="depart")

    # The technician arrives with the phone's position: 4.5 km off, accurate to ±50 m
    phone = browser.new_context(
        viewport=PHONE_390,
        device_scale_factor=2,
        locale="zh-CN",
        geolocation=FAR,
        permissions=["geolocation"],
    )
    tech = phone.new_page()
    errors: list[str] = []
    tech.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(tech, base, "tech01@demo")
    tech.goto(f"{base}/tech/orders/{order['id']}")
    arrive = tech.locator(f'form[action="/tech/orders/{order["id"]}/act/arrive"]')
    tech.wait_for_function(
        "f => f.querySelector('[name=accuracy_m]').value !== ''", arg=arrive.element_handle()
    )
    arrive.get_by_role("button", name="到达").click()
    tech.get_by_text("距离地址过远").first.wait_for()
    assert "定位精度 ±50" in tech.content()

    # and the app tells them at once: the banner, the penalty with its reason, the suspension
    tech.goto(f"{base}/tech")
    tech.locator("#suspension-banner").wait_for()
    tech.locator("#suspension-banner").click()
    tech.get_by_role("heading", name="我的扣分与申诉").wait_for()
    reason = "到达位置距客户地址约 4.5 公里（定位精度 ±50 米）"
    assert reason in tech.locator("#penalties").inner_text()
    assert "扣分达到停派线" in tech.locator("#suspension").inner_text()
    tech.get_by_text("申诉", exact=True).click()
    tech.get_by_label("申诉理由").fill("定位漂移，实际已到客户家门口，客户可以证明。")
    tech.screenshot(path=str(screenshots / "tech-penalties-phone.png"), full_page=True)
    tech.get_by_role("button", name="提交申诉").click()
    tech.get_by_text("申诉已提交，质检处理后会通知您").wait_for()
    assert "申诉处理中" in tech.locator("#penalties").inner_text()

    # Quality sees the open appeal on the desk and overturns it
    desk = browser.new_context(viewport=DESKTOP_1366).new_page()
    desk.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(desk, base, "quality@demo")
    desk.goto(f"{base}/console/appeals")
    row = desk.locator("#open-appeals tbody tr").first
    assert "定位漂移" in row.inner_text() and "当前停派" in row.inner_text()
    row.get_by_label("撤销扣分").check()
    row.get_by_label("处理意见").fill("已电话核实客户，师傅按时到场，定位漂移。")
    desk.screenshot(path=str(screenshots / "console-appeals-desktop.png"), full_page=True)
    row.get_by_role("button", name="提交处理").click()
    desk.get_by_text("已处理，已通知工程师").wait_for()
    assert "已因此恢复派单" in desk.locator("#decided-appeals").inner_text()

    # and the technician's app shows the points withdrawn and dispatch restored
    tech.goto(f"{base}/tech/penalties")
    assert tech.locator("#points").inner_text() == "0"
    assert "正常接单中" in tech.locator("#suspension").inner_text()
    assert "已撤销扣分" in tech.locator("#penalties").inner_text()
    tech.locator("#history").wait_for(state="attached")
    tech.screenshot(path=str(screenshots / "tech-penalties-done-phone.png"), full_page=True)
    tech.goto(f"{base}/tech")
    assert tech.locator("#suspension-banner").count() == 0
    assert not errors, errors
