"""The main flow across roles in a real browser, the refusals a person can hit, and screenshots of each main
page at phone and desktop widths (docs/screenshots/)."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from tests.conftest import PASSWORD
from tests.e2e.conftest import DESKTOP, PHONE
from tests.helpers import publish_book

HANGZHOU = {"latitude": 30.27, "longitude": 120.12}


def camera_picture() -> bytes:
    """A 640×480 picture standing in for the camera's photo of the fault before the repair."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (120, 160, 190)).save(out, format="JPEG")
    return out.getvalue()


def staff_login(page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def sign(page) -> None:
    """The customer signs on the technician's phone: a zigzag drawn across the signature pad."""
    pad = page.locator("#sig-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 40)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 25, box["y"] + 40 + (step % 3) * 30)
    page.mouse.up()


def customer_login(page, base: str, phone: str, tenant: str = "demo") -> None:
    page.goto(f"{base}/portal/login?t={tenant}")
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送").wait_for()
    mailbox = page.context.new_page()
    mailbox.goto(f"{base}/portal/dev-mailbox?t={tenant}")
    code = re.search(r"验证码是 (\d{6})", mailbox.locator("#mailbox").inner_text()).group(1)
    mailbox.close()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("我的家电").wait_for()


def test_customer_dispatcher_and_technician_complete_an_order(browser, live_world, screenshots: Path) -> None:
    base, world = live_world
    publish_book(base, world.demo.headers("admin"))
    customer = browser.new_context(viewport=PHONE, device_scale_factor=2, locale="zh-CN").new_page()
    dispatcher = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    tech_context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, geolocation=HANGZHOU, permissions=["geolocation"]
    )
    tech = tech_context.new_page()

    # The customer signs in with a one-time code and reports a fault.
    customer_login(customer, base, "13800000001")
    customer.screenshot(path=str(screenshots / "portal-home-phone.png"), full_page=True)
    customer.get_by_role("link", name="我要报修").first.click()
    customer.get_by_label("家电").select_option(str(world.demo.appliance_id))
    customer.get_by_label("不制冷").check()
    customer.get_by_label("补充描述").fill("冷藏室温度高，压缩机一直响")
    customer.get_by_label("期望上门时间").select_option("tomorrow_am")
    customer.screenshot(path=str(screenshots / "portal-report-phone.png"), full_page=True)
    customer.get_by_role("button", name="提交").click()
    number = customer.locator("#order-number").inner_text()
    assert re.fullmatch(r"[A-Z0-9-]+", number), number
    order_url = customer.url.split("?")[0]
    order_id = order_url.rsplit("/", 1)[1]

    # The dispatcher accepts it and assigns the best candidate with one click.
    staff_login(dispatcher, base, "dispatcher@demo")
    dispatcher.get_by_role("link", name=number).click()
    dispatcher.get_by_role("button", name="受理").click()
    dispatcher.get_by_role("heading", name="推荐工程师").wait_for()
    dispatcher.screenshot(path=str(screenshots / "console-desktop.png"), full_page=True)
    # Late in the day the technician's shift may be over: the dispatcher then overrules that soft limit.
    dispatcher.get_by_role("button", name=re.compile(r"^(派工|破例派工) 王师傅$")).first.click()
    assert "已安排师傅" in dispatcher.locator("#panel").inner_text()
    dispatcher.goto(f"{base}/console/map")
    dispatcher.locator("#map canvas").wait_for()
    dispatcher.screenshot(path=str(screenshots / "console-map-desktop.png"), full_page=True)

    # The technician acknowledges, departs, arrives and quotes.
    staff_login(tech, base, "tech01@demo")
    tech.screenshot(path=str(screenshots / "tech-today-phone.png"), full_page=True)
    tech.get_by_text(number).click()
    for button in ("接单", "出发", "到达"):
        tech.get_by_role("button", name=button, exact=True).click()
        tech.wait_for_load_state()
    # from the price book: the visit fee, the labour and the part, one tap each
    for item in ("上门检测费（市区）", "更换温控器", "温控器"):
        tech.get_by_role("button", name=f"增加 {item}", exact=True).click()
    assert tech.locator("#run-amount").inner_text() == "¥250.00"
    assert tech.locator("#run-payable").inner_text() == "¥0.00"  # the refrigerator is under warranty
    tech.screenshot(path=str(screenshots / "tech-order-phone.png"), full_page=True)
    tech.get_by_role("button", name="提交报价", exact=True).click()
    assert "¥250.00" in tech.content()

    # The customer sees the quote arrive on the live page and approves it.
    customer.get_by_text("请确认维修报价").wait_for(timeout=15_000)
    customer.screenshot(path=str(screenshots / "portal-order-phone.png"), full_page=True)
    customer.get_by_role("button", name="同意报价").click()
    customer.get_by_text("报价已确认").first.wait_for()

    # The technician starts and completes with the customer's signature drawn on the screen.
    tech.reload()
    tech.get_by_role("button", name="开始维修").click()
    # The completion form: cause, work done, advice, the quote's part prefilled, a before photo from the camera.
    assert tech.get_by_label("使用配件 1", exact=True).input_value() == "温控器"
    tech.get_by_label("故障原因").fill("温控器老化")
    tech.get_by_label("维修内容").fill("更换温控器，试机正常，冷藏室恢复制冷")
    tech.get_by_label("给客户的使用建议").fill("冰箱背部留出 10 厘米散热空间")
    tech.get_by_label("维修前照片").set_input_files(
        files=[{"name": "before.jpg", "mimeType": "image/jpeg", "buffer": camera_picture()}]
    )
    sign(tech)
    tech.screenshot(path=str(screenshots / "tech-complete-phone.png"), full_page=True)
    tech.get_by_role("button", name="完工", exact=True).click()
    assert "已完工" in tech.locator("h1").inner_text()
    assert tech.locator(".photos img").count() == 2  # the signature and the stamped before photo

    customer.get_by_text("已完工").first.wait_for(timeout=15_000)
    customer.get_by_role("link", name="服务报告", exact=True).click()
    assert "更换温控器，试机正常" in customer.content()
    assert customer.locator(".photos img").count() == 2  # the signature and the before photo
    customer.screenshot(path=str(screenshots / "portal-service-report-phone.png"), full_page=True)
    with customer.expect_download() as download:
        customer.get_by_role("link", name="下载服务报告（PDF）").click()
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf  # its Chinese font embedded
    assert download.value.suggested_filename == f"service-report-{number}.pdf"
    assert order_id

    # The customer rates the visit: the follow-up survey the completion produced.
    customer.goto(order_url)
    customer.get_by_role("link", name="评价本次服务").click()
    # one overall star row and quick tags; the aspects and the recommendation are optional, folded away
    customer.locator("#row-overall").get_by_title("非常满意").click()
    customer.locator("#rating-tags").get_by_text("专业").click()
    customer.get_by_text("分项评价（选填）").click()
    customer.get_by_label("服务态度 5", exact=True).check()
    customer.locator("#row-nps").get_by_text("10", exact=True).click()
    customer.get_by_label("意见与建议").fill("师傅很专业，讲解清楚。")
    customer.screenshot(path=str(screenshots / "portal-survey-phone.png"), full_page=True)
    customer.get_by_role("button", name="提交评价").click()
    assert "感谢您的评价" in customer.locator("#survey-message").inner_text()
    customer.goto(order_url)
    customer.get_by_text("已收到反馈").first.wait_for(timeout=15_000)

    # The same pages at the other width, and the English sign-in page.
    customer.set_viewport_size(DESKTOP)
    customer.goto(order_url)
    customer.screenshot(path=str(screenshots / "portal-order-desktop.png"), full_page=True)
    tech.set_viewport_size(DESKTOP)
    tech.screenshot(path=str(screenshots / "tech-order-desktop.png"), full_page=True)
    dispatcher.set_viewport_size(PHONE)
    dispatcher.goto(f"{base}/console?order={order_id}")
    dispatcher.screenshot(path=str(screenshots / "console-phone.png"), full_page=True)
    english = browser.new_context(viewport=PHONE, device_scale_factor=2).new_page()
    english.goto(f"{base}/login?lang=en")
    assert english.get_by_role("button", name="Sign in").is_visible()
    english.screenshot(path=str(screenshots / "login-en-phone.png"))


def test_refusals_a_person_can_hit(browser, live_world) -> None:
    base, world = live_world
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(f"{base}/portal/login")
    page.get_by_label("手机号").fill("13800000002")
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().startswith("验证码错误")

    staff = browser.new_context(viewport=DESKTOP).new_page()
    staff_login(staff, base, "tech02@demo")
    response = staff.goto(f"{base}/console")
    assert response.status == 403
    assert "无权访问" in staff.content()


def test_another_customers_order_url_is_not_found(browser, live_world) -> None:
    base, world = live_world
    first = browser.new_context(viewport=PHONE).new_page()
    customer_login(first, base, "13800000001", tenant="acme")  # demo's code was just sent: once a minute
    first.goto(f"{base}/portal/report")
    first.get_by_label("补充描述").fill("洗衣机漏水")
    first.get_by_role("button", name="提交").click()
    own = first.url.split("?")[0]

    # Another customer of the same provider, signed in, opens that URL: not found, nothing of it shown.
    other = browser.new_context(viewport=PHONE).new_page()
    customer_login(other, base, "13800000002", tenant="acme")
    response = other.goto(own)
    assert response.status == 404
    assert "出错了" in other.content() and "洗衣机漏水" not in other.content()

    # Signed out, the same URL leads to the sign-in page.
    stranger = browser.new_context(viewport=PHONE).new_page()
    stranger.goto(own)
    assert "/portal/login" in stranger.url and "洗衣机漏水" not in stranger.content()
