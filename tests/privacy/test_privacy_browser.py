"""The personal-data pages in a real browser, at phone and desktop size: the customer reads what is held,
downloads it and asks to be erased; the admin finds the request, erases, and reads the audit log. Every
page fits its screen and shows words, not codes. Screenshots go where tests/e2e's go."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import DESKTOP, PHONE, browser, live_world, no_policy_violations, screenshots  # noqa: F401
from tests.e2e.test_main_flow import customer_login, staff_login

# Codes a person should never read: snake_case words, dotted codes (customer.erase), i18n keys (pd_…)
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\.[a-z_]+\b")


def fits_and_speaks(page) -> None:
    """The page needs no sideways scrolling and its main text holds no code."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url
    # the values the audit log shows as stored (an account's name, a URL, a policy's JSON) are data, not words
    text = page.evaluate(
        "() => { const main = document.querySelector('main').cloneNode(true);"
        " main.querySelectorAll('.value').forEach((e) => e.remove()); return main.innerText; }"
    )
    assert not CODE.search(text), (page.url, CODE.findall(text)[:5])


def test_a_customer_asks_and_an_admin_erases(browser, live_world, screenshots: Path, tmp_path: Path) -> None:  # noqa: F811
    base, _ = live_world
    # The customer, on a phone, finds "my data" on the portal's home page
    customer = browser.new_context(
        viewport=PHONE, device_scale_factor=2, locale="zh-CN", accept_downloads=True
    ).new_page()
    customer_login(customer, base, "13800000002")
    customer.get_by_role("link", name="我的数据").click()
    customer.locator("#held").wait_for()
    fits_and_speaks(customer)
    customer.screenshot(path=str(screenshots / "portal-my-data-phone.png"), full_page=True)
    # downloads everything held about them
    with customer.expect_download() as download:
        customer.get_by_role("link", name="下载全部数据（JSON）").click()
    saved = tmp_path / "mine.json"
    download.value.save_as(saved)
    document = json.loads(saved.read_text())
    assert document["customer"]["phone"] == "13800000002" and document["format"] == "anxin.personal-data/1"
    # and asks to be erased
    customer.get_by_label("原因（选填）").fill("不再使用")
    customer.get_by_role("button", name="我已了解，申请删除").click()
    customer.get_by_text("已收到您的删除申请").first.wait_for()
    fits_and_speaks(customer)
    customer.set_viewport_size(DESKTOP)
    fits_and_speaks(customer)
    customer.screenshot(path=str(screenshots / "portal-my-data-requested-desktop.png"), full_page=True)

    # The admin, at a desk, finds the request and erases
    admin = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    staff_login(admin, base, "admin@demo")
    admin.goto(f"{base}/console/privacy")
    fits_and_speaks(admin)
    admin.screenshot(path=str(screenshots / "console-privacy-desktop.png"), full_page=True)
    admin.locator("#requests").get_by_role("link", name="打开").click()
    admin.locator("#summary").wait_for()
    assert "138****0002" in admin.locator("#summary").inner_text()
    fits_and_speaks(admin)
    admin.locator("#pd-erase-reason").fill("客户在线申请")
    admin.get_by_role("button", name="永久删除个人信息").click()
    admin.get_by_text("已删除该客户的个人信息").wait_for()
    fits_and_speaks(admin)
    admin.screenshot(path=str(screenshots / "console-privacy-erased-desktop.png"), full_page=True)
    # and reads the audit log, at a desk and on a phone
    admin.goto(f"{base}/console/audit")
    admin.locator("#audit").get_by_text("删除客户个人信息").first.wait_for()
    fits_and_speaks(admin)
    admin.screenshot(path=str(screenshots / "console-audit-desktop.png"), full_page=True)
    admin.set_viewport_size(PHONE)
    for path in ("/console/audit", "/console/privacy", "/console/audit?lang=en"):
        admin.goto(f"{base}{path}")
        fits_and_speaks(admin)
    admin.goto(f"{base}/console/audit")
    admin.screenshot(path=str(screenshots / "console-audit-phone.png"), full_page=True)

    # The erased customer's session has ended
    customer.goto(f"{base}/portal/my-data")
    customer.wait_for_url(re.compile(r"/portal/login"))
