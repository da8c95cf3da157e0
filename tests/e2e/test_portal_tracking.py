"""The customer watches their technician on the way, on a phone (390×844) in a real browser: the arrival as
"预计 14:35 到达" with how fresh the position is, the technician's photo beside their name, and a map of
Hangzhou's districts with the technician, the customer's home and the line between them, which moves when the
technician reports a new position, without the page being reloaded. The same page in English and at a
desktop width. Screenshots of each."""

from __future__ import annotations

import io
from pathlib import Path

import httpx

from anxin.demo.avatars import draw
from tests.e2e.conftest import DESKTOP
from tests.e2e.test_main_flow import customer_login, staff_login
from tests.helpers import act, report, walk

PHONE_390 = {"width": 390, "height": 844}


def avatar() -> bytes:
    out = io.BytesIO()
    draw(1).save(out, format="JPEG")
    return out.getvalue()


def on_the_way(base: str, world) -> int:
    """customer01's refrigerator reported, assigned to tech01 (whose photo is set), who set off and reported
    where they are; the order's id."""
    demo = world.demo
    with httpx.Client(base_url=base, timeout=20) as api:
        face = api.put(
            f"/api/v1/technicians/{demo.technician_id}/photo",
            files={"file": ("me.jpg", avatar(), "image/jpeg")},
            headers=demo.headers("technician"),
        )
        assert face.status_code == 200, face.text
        order = report(api, demo)
        assert order.status_code == 201, order.text
        order_id = order.json()["id"]
        walk(api, demo, order_id, until="acknowledge")
        moved = act(api, demo, order_id, "technician", "depart", {"lat": 30.31, "lng": 120.21})
        assert moved.status_code == 200, moved.text
        report_position(api, world, 30.31, 120.21)
    return order_id


def loaded(page, selector: str) -> None:
    """Wait until the image at ``selector`` has loaded with real pixels (it loads after the page does)."""
    page.wait_for_function(
        "s => { const i = document.querySelector(s); return !!i && i.complete && i.naturalWidth > 0; }",
        arg=selector,
    )


def report_position(api: httpx.Client, world, lat: float, lng: float) -> None:
    here = api.post(
        "/api/v1/technicians/me/location",
        json={"lat": lat, "lng": lng},
        headers=world.demo.headers("technician"),
    )
    assert here.status_code == 200, here.text


def test_the_customer_watches_the_technician_come_on_a_phone(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    order_id = on_the_way(base, world)
    page = browser.new_context(viewport=PHONE_390, device_scale_factor=2, locale="zh-CN").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    customer_login(page, base, "13800000001")

    page.goto(f"{base}/portal/orders/{order_id}")
    card = page.locator("#tracking")
    card.wait_for(state="visible")
    headline = page.locator("#track-text").inner_text()
    assert headline.startswith("预计 ") and headline.endswith(" 到达"), headline
    basis = page.locator("#track-basis").inner_text()
    assert "更新" in basis and "公里" in basis, basis
    page.locator("#track-map canvas").first.wait_for()  # ECharts drew the districts, the two points, the line
    loaded(page, "#technician-photo")
    # the script's data: words and two points, nothing internal
    data = page.request.get(f"{base}/portal/orders/{order_id}/track").json()
    assert set(data) == {
        "on_the_way",
        "waiting",
        "estimate",
        "text",
        "basis",
        "technician",
        "home",
        "labels",
        "refresh_seconds",
        "base_map",
    }
    assert data["technician"] == [120.21, 30.31] and data["labels"]["home"] == "您家"
    # the tenant's customers live in Hangzhou: its districts, the file the console's map reads too
    assert data["base_map"] == {"key": "hangzhou", "url": "/static/vendor/hangzhou-districts.geojson"}
    assert "id" not in str(data["labels"]) and "score" not in page.content()
    page.locator("#tracking").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "portal-en-route-phone.png"), full_page=True)

    # the technician moves on: the map and the words follow on the next poll, the page is not reloaded
    page.evaluate("window.__stayed = true")
    with httpx.Client(base_url=base, timeout=20) as api:
        report_position(api, world, 30.28, 120.13)
    page.wait_for_function(
        "() => { const c = echarts.getInstanceByDom(document.getElementById('track-map'));"
        " const s = c && c.getOption().series.find((x) => x.type === 'effectScatter');"
        " return s && s.data[0].value[0] === 120.13; }",
        timeout=60_000,
    )
    assert page.evaluate("window.__stayed === true")
    page.screenshot(path=str(screenshots / "portal-en-route-moved-phone.png"), full_page=True)

    # in English, and at a desktop width
    page.goto(f"{base}/portal/orders/{order_id}?lang=en")
    page.locator("#track-map canvas").first.wait_for()
    assert page.locator("#track-text").inner_text().startswith("Arriving about ")
    page.screenshot(path=str(screenshots / "portal-en-route-phone-en.png"), full_page=True)
    page.goto(f"{base}/portal/orders/{order_id}?lang=zh")
    desktop = browser.new_context(
        viewport=DESKTOP, locale="zh-CN", storage_state=page.context.storage_state()
    )
    wide = desktop.new_page()
    wide.on("pageerror", lambda error: errors.append(str(error)))
    wide.goto(f"{base}/portal/orders/{order_id}")
    wide.locator("#track-map canvas").first.wait_for()
    wide.screenshot(path=str(screenshots / "portal-en-route-desktop.png"), full_page=True)
    assert not errors, errors


def test_the_technician_takes_their_photo_in_the_app(browser, live_world, screenshots: Path) -> None:
    base, _world = live_world
    page = browser.new_context(viewport=PHONE_390, device_scale_factor=2, locale="zh-CN").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(page, base, "tech02@demo")
    page.locator("#my-photo-link").wait_for()
    page.screenshot(path=str(screenshots / "tech-today-phone.png"))
    page.locator("#my-photo-link").click()
    page.get_by_role("heading", name="我的照片").wait_for()
    assert "还没有照片" in page.locator("#my-photo").inner_text()

    page.get_by_label("拍照或选择照片").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": avatar()}]
    )
    page.get_by_role("button", name="保存照片").click()
    page.get_by_text("照片已更新").wait_for()
    loaded(page, "#my-photo img")
    page.screenshot(path=str(screenshots / "tech-photo-phone.png"), full_page=True)
    assert not errors, errors
