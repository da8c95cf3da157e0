"""The pages under the app's Content-Security-Policy in a real browser: their scripts (static files only)
run, the live order page still polls and holds while the customer types, and the API's documentation
page runs its own inline script. Any violation fails the test (``no_policy_violations``)."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_main_flow import customer_login
from tests.helpers import report, walk

HOLDS = """() => {
    const live = document.getElementById("live");
    const event = new CustomEvent("htmx:confirm", {bubbles: true, cancelable: true, detail: {elt: live}});
    live.dispatchEvent(event);
    return event.defaultPrevented;
}"""


def test_the_live_order_page_polls_and_holds_under_the_policy(browser, live_world, no_policy_violations):
    base, world = live_world
    # given an order assigned to a technician, and its customer on the order page
    with httpx.Client(base_url=base, timeout=30) as api:
        order = report(
            api,
            world.demo,
            customer_id=world.demo.other_customer_id,
            appliance_id=world.demo.other_appliance_id,
        ).json()
        walk(api, world.demo, order["id"], until="assign")
    page = browser.new_context(viewport=PHONE, locale="zh-CN").new_page()
    customer_login(page, base, "13800000002")

    # when the page is open long enough for one poll
    with page.expect_response(lambda r: r.url.endswith(f"/portal/orders/{order['id']}/live"), timeout=15_000):
        page.goto(f"{base}/portal/orders/{order['id']}")

    # then the poll ran (HTMX under the policy), and it holds while the cancel form is open
    assert page.evaluate(HOLDS) is False
    page.locator("#live details summary").first.click()
    assert page.evaluate(HOLDS) is True
    assert page.evaluate("() => typeof htmx") == "object"
    assert not no_policy_violations


def test_the_api_documentation_runs_under_its_own_policy(browser, live_world, no_policy_violations):
    base, _ = live_world
    page = browser.new_context(viewport=DESKTOP).new_page()
    # when the documentation pages open (their bundles come from a CDN, which may be out of reach here)
    for path in ("/docs", "/redoc"):
        response = page.goto(f"{base}{path}")
        page.wait_for_load_state("load")
        # then they are served with their policy and nothing of them is refused by it
        assert response.status == 200
        assert "https://cdn.jsdelivr.net" in response.headers["content-security-policy"]
    assert not no_policy_violations
