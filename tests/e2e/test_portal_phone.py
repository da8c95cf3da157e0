"""A new customer on a phone (390×844) in a real browser: signs up with the code of a phone that is no
customer's yet (the resend button counting down), reports a fault from the bottom tab bar with the
cascading category → brand → model picker and the category's symptom chips, and sees the order with the
photo they took; the same pages at a desktop width. Screenshots of each step."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.conftest import DESKTOP
from tests.e2e.test_main_flow import camera_picture

PHONE_390 = {"width": 390, "height": 844}
NEW_PHONE = "13912340000"


def _code(page, base: str) -> str:
    mailbox = page.context.new_page()
    mailbox.goto(f"{base}/portal/dev-mailbox?t=demo")
    found = re.findall(r"验证码是 (\d{6})", mailbox.locator("#mailbox").inner_text())
    mailbox.close()
    return found[0]


def test_a_new_customer_signs_up_and_reports_on_a_phone(browser, live_world, screenshots: Path) -> None:
    base, _world = live_world
    page = browser.new_context(viewport=PHONE_390, device_scale_factor=2, locale="zh-CN").new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # Sign in with a phone that is no customer's: the code is sent, the resend button counts down.
    page.goto(f"{base}/portal/login?t=demo")
    page.get_by_label("手机号").fill(NEW_PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送").wait_for()
    resend = page.locator("#send-code")
    assert resend.is_disabled() and "秒后可重新获取" in resend.inner_text()
    page.screenshot(path=str(screenshots / "portal-code-phone.png"), full_page=True)
    page.get_by_label("验证码").fill(_code(page, base))
    page.get_by_role("button", name="登录").click()

    # The right code of a new phone: sign up with a name, an address and consent to the privacy notice.
    page.get_by_role("heading", name="注册新用户").wait_for()
    assert "139****0000" in page.locator("#signup-phone").inner_text()
    page.get_by_label("您的称呼").fill("周先生")
    page.get_by_label("所在区县").select_option("西湖区")
    page.get_by_label("详细地址").fill("文三路 90 号 3 幢 502")
    page.screenshot(path=str(screenshots / "portal-signup-phone.png"), full_page=True)
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="注册并登录").click()
    page.get_by_role("heading", name="我的工单").wait_for()

    # The bottom tab bar: fixed at the bottom of the phone's screen.
    bar = page.locator("#tabbar")
    box = bar.bounding_box()
    assert box is not None and abs(box["y"] + box["height"] - PHONE_390["height"]) < 2
    page.screenshot(path=str(screenshots / "portal-home-new-phone.png"))
    bar.get_by_role("link", name="报修").click()

    # No appliance yet: category → brand → model, then the category's chips.
    page.get_by_label("品类").select_option(label="冰箱")
    assert page.get_by_label("品牌").input_value() != ""  # the one brand with a refrigerator, chosen
    assert "对开门冰箱" in page.locator("#pick-model option:checked").inner_text()
    chips = page.locator("#symptom-chips .chip-row")
    assert "不制冷" in chips.inner_text() and "打不着火" not in chips.inner_text()
    chips.get_by_text("不制冷").click()
    chips.get_by_text("结霜结冰").click()
    assert page.get_by_label("补充描述").input_value() == "不制冷；结霜结冰"
    chips.get_by_text("结霜结冰").click()  # tapped again: out of the description
    assert page.get_by_label("补充描述").input_value() == "不制冷"
    # the model code typed finds the same model
    page.get_by_label("或直接输入型号").fill("bcd-470")
    assert "对开门冰箱" in page.locator(".picker-found").inner_text()
    page.get_by_label("购买日期").fill("2025-06-01")
    page.get_by_label("补充描述").press_sequentially("，冷藏室不凉")
    page.locator("#photo").set_input_files(
        files=[{"name": "fault.jpg", "mimeType": "image/jpeg", "buffer": camera_picture()}]
    )
    page.screenshot(path=str(screenshots / "portal-report-picker-phone.png"), full_page=True)
    page.get_by_role("button", name="提交").click()

    # The order: its number, the appliance, the fault and the photo taken.
    number = page.locator("#order-number").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]+", number), number
    assert "对开门冰箱" in page.content() and "冷藏室不凉" in page.content()
    page.locator("#reported-photos img").first.wait_for()
    page.screenshot(path=str(screenshots / "portal-order-new-phone.png"), full_page=True)

    # Reporting again: the appliance just registered is offered first, with its category's chips.
    page.locator("#tabbar").get_by_role("link", name="报修").click()
    assert "对开门冰箱" in page.locator("#appliance_id option:checked").inner_text()
    assert page.locator("#new-appliance").is_hidden()
    assert "不制冷" in page.locator("#symptom-chips .chip-row").inner_text()
    page.get_by_label("报修哪台家电").select_option(label="其他家电（选择品类、品牌、型号）")
    assert page.locator("#pick-category").is_visible()

    # 我的: the customer-service entry.
    page.locator("#tabbar").get_by_role("link", name="我的").click()
    assert page.locator("#customer-service").get_attribute("href") == "/portal/assistant"
    page.screenshot(path=str(screenshots / "portal-me-phone.png"), full_page=True)

    # The same pages at a desktop width: the tab bar is a row under the page, not fixed.
    desk = page.context.browser.new_context(viewport=DESKTOP, locale="zh-CN")
    desk.add_cookies(page.context.cookies())
    wide = desk.new_page()
    wide.goto(f"{base}/portal/report")
    wide.screenshot(path=str(screenshots / "portal-report-desktop.png"), full_page=True)
    wide.goto(page.url.replace("/portal/me", "/portal"))
    assert wide.locator("#tabbar").evaluate("el => getComputedStyle(el).position") != "fixed"
    wide.screenshot(path=str(screenshots / "portal-home-desktop.png"), full_page=True)
    desk.close()
    assert not errors, errors
