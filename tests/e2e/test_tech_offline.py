"""The technician works through a dead zone, in Chromium: the app's service worker keeps today's orders, the
phone loses its signal (``context.set_offline``), the order opens from the copy with the time it was
saved, depart and arrive are queued with their keys and shown in the queue, a third action waits for an
order the dispatcher takes back meanwhile; the signal returns, the queue is sent in order, the order has
moved once per action, and the refused one says why in Chinese. Screenshots at 390×844."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_main_flow import HANGZHOU, staff_login
from tests.helpers import act, report, walk

PHONE_390 = {"width": 390, "height": 844}


def test_the_technician_works_through_a_dead_zone(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    api = httpx.Client(base_url=base, timeout=30)
    # Given two orders acknowledged by tech01 (the second for another appliance service: not a duplicate)
    first = report(api, world.demo).json()["id"]
    walk(api, world.demo, first, until="acknowledge")
    second = report(api, world.demo, service_type="installation", fault_description="新机安装").json()["id"]
    assert second != first
    walk(api, world.demo, second, until="acknowledge")
    numbers = {i: api.get(f"/api/v1/work-orders/{i}", headers=world.demo.headers("agent")).json()["number"]
               for i in (first, second)}  # fmt: skip

    context = browser.new_context(
        viewport=PHONE_390, device_scale_factor=2, locale="zh-CN", geolocation=HANGZHOU,
        permissions=["geolocation"], service_workers="allow",
    )  # fmt: skip
    page = context.new_page()
    staff_login(page, base, "tech01@demo")
    page.wait_for_url(f"{base}/tech")
    # the app installs its service worker and keeps today's orders while the signal is there
    page.locator("html[data-offline-ready]").wait_for(state="attached", timeout=30000)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{base}/tech/sw.js"
    assert (
        page.evaluate("document.querySelector('link[rel=manifest]').href")
        == f"{base}/tech/manifest.webmanifest"
    )

    # When the signal goes
    context.set_offline(True)
    page.goto(f"{base}/tech/orders/{first}")

    # Then the order opens from the copy, saying so, with its details
    banner = page.locator("#offline-banner")
    banner.wait_for()
    assert banner.inner_text().startswith("离线：显示 ") and banner.inner_text().endswith(" 保存的内容")
    assert numbers[first] in page.locator("#order-head h1").inner_text()
    assert page.locator("#order-head").get_by_text("冰箱不制冷").count() >= 1
    page.screenshot(path=str(screenshots / "tech-offline-order-phone.png"), full_page=True)

    # When the technician departs and arrives without a signal
    page.get_by_role("button", name="出发", exact=True).click()
    queue = page.locator("#offline-queue")
    queue.get_by_text("待发送 1 项").wait_for()
    assert "出发 · " + numbers[first] in queue.inner_text() and "等待网络" in queue.inner_text()
    assert page.locator("#order-status").inner_text() == "师傅在路上（待发送）"
    page.get_by_role("button", name="到达", exact=True).click()
    queue.get_by_text("待发送 2 项").wait_for()
    page.screenshot(path=str(screenshots / "tech-offline-queue-phone.png"), full_page=True)

    # and departs for the second order, which the dispatcher takes back meanwhile
    page.goto(f"{base}/tech/orders/{second}")
    page.get_by_role("button", name="出发", exact=True).click()
    queue.get_by_text("待发送 3 项").wait_for()
    taken = act(api, world.demo, second, "dispatcher", "unassign", {"reason": "客户改约，重新派工"})
    assert taken.status_code == 200, taken.text
    # nothing reached the server while offline
    assert api.get(f"/api/v1/work-orders/{first}", headers=world.demo.headers("agent")).json()["status"] == (
        "acknowledged"
    )

    # When the signal returns
    context.set_offline(False)

    # Then the queue is sent in order: the first order moved once per action, the second says why it was not
    failed = queue.locator(".offline-item.state-failed")
    failed.wait_for(timeout=30000)
    assert "工单已不在您的名下" in failed.inner_text() and numbers[second] in failed.inner_text()
    assert queue.locator(".offline-item.state-sent").count() == 2
    assert queue.locator("h2").inner_text() == "未能发送 1 项"
    assert banner.inner_text().startswith("已恢复网络：此页是 ")
    # the page no longer guesses for the refused order: its status as last seen, no next-step button
    assert page.locator("#order-status").inner_text() == "师傅已接单"
    assert page.get_by_role("button", name="到达", exact=True).count() == 0
    page.screenshot(path=str(screenshots / "tech-offline-sent-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "tech-offline-sent-desktop.png"))
    page.set_viewport_size(PHONE_390)
    order = api.get(f"/api/v1/work-orders/{first}", headers=world.demo.headers("agent")).json()
    assert order["status"] == "on_site"
    events = api.get(f"/api/v1/work-orders/{first}/events", headers=world.demo.headers("agent")).json()
    moves = [e["action"] for e in (events["items"] if isinstance(events, dict) else events)]
    assert moves.count("depart") == 1 and moves.count("arrive") == 1

    # and the order's page, online, shows where it is; the refused action is discarded by the technician
    page.goto(f"{base}/tech/orders/{first}")
    assert page.locator("#order-status").inner_text() == "师傅已到达"
    assert not page.locator("#offline-banner").is_visible()
    page.get_by_role("button", name="删除").click()
    page.get_by_role("button", name="清除已发送").click()
    page.locator("#offline-queue").wait_for(state="hidden")
    context.close()
