"""The schedule board in a real browser at desktop size: the dispatcher drags an unassigned order onto a
technician's row, the row says beforehand that the technician can take it, and after the drop the order is
a block on that row, assigned through the assign action (the API reads it assigned). The board also draws
at phone width (the time line scrolls sideways). A refused drop is tests/web/test_board.py's."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.e2e.conftest import PHONE
from tests.e2e.test_main_flow import staff_login
from tests.helpers import act, report

BOARD = {"width": 1366, "height": 900}


def test_a_dragged_card_is_assigned_to_the_technician(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    demo = world.demo
    # Given an accepted order nobody has yet
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(api, demo).json()
        accepted = act(api, demo, order["id"], "dispatcher", "accept")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["technician_id"] is None

    page = browser.new_context(viewport=BOARD).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    staff_login(page, base, "dispatcher@demo")
    page.goto(f"{base}/console/board")
    card = page.locator(f'.queue-card[data-order="{order["id"]}"]')
    card.wait_for()
    assert "响应" in card.inner_text()  # the card says which deadline it counts to
    lane = page.locator(f'.board-lane[data-tech="{demo.technician_id}"]')
    page.screenshot(path=str(screenshots / "console-board-desktop.png"), full_page=False)

    # When the dispatcher drags the card onto 王师傅's row
    card.drag_to(lane, target_position={"x": 300, "y": 20})

    # Then the row shows the order as a block, the queue lets it go, and the API reads it assigned to him
    block = lane.locator(f'.block[data-order="{order["id"]}"]')
    block.wait_for()
    assert order["number"] in block.inner_text()
    page.locator("#board-message.notice").wait_for()
    assert page.locator(f'.queue-card[data-order="{order["id"]}"]').count() == 0
    page.screenshot(path=str(screenshots / "console-board-assigned-desktop.png"), full_page=False)
    with httpx.Client(base_url=base, timeout=30) as api:
        read = api.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("dispatcher")).json()
    assert read["status"] == "assigned" and read["technician_id"] == demo.technician_id
    assert not errors, errors


def test_the_board_draws_at_phone_width(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    page = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    staff_login(page, base, "dispatcher@demo")
    page.goto(f"{base}/console/board")
    page.locator(f'.board-lane[data-tech="{world.demo.technician_id}"]').wait_for()
    # the page itself does not scroll sideways: the time line does, inside its own box
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    page.screenshot(path=str(screenshots / "console-board-phone.png"), full_page=True)


def test_a_tap_on_a_card_then_a_row_assigns_it(browser, live_world) -> None:
    """The touch fallback: no drag, a tap on the order and a tap on the technician's row."""
    base, world = live_world
    demo = world.demo
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(
            api, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
        ).json()
        assert act(api, demo, order["id"], "dispatcher", "accept").status_code == 200
    page = browser.new_context(viewport=BOARD, has_touch=True).new_page()
    staff_login(page, base, "dispatcher@demo")
    page.goto(f"{base}/console/board")
    page.locator(f'.queue-card[data-order="{order["id"]}"]').tap()
    page.locator("#board-message").get_by_text("已选中").wait_for()
    lane = page.locator(f'.board-lane[data-tech="{demo.other_technician_id}"]')
    lane.tap(position={"x": 600, "y": 40})
    lane.locator(f'.block[data-order="{order["id"]}"]').wait_for()
    with httpx.Client(base_url=base, timeout=30) as api:
        read = api.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("dispatcher")).json()
    assert read["technician_id"] == demo.other_technician_id
