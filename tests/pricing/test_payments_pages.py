"""Payment on the pages: the customer pays by a code to scan (the demo's button completes it) and asks for
the e-invoice; the technician records cash on site; staff approve someone else's discount; each role's page
for its own orders only, in Chinese with English on request, nothing internal shown to the customer."""

from __future__ import annotations

import re

from sqlalchemy import select

from anxin.pricing.payment_models import Payment, PaymentAdjustment, PaymentInvoice
from tests.conftest import page_csrf, page_session
from tests.pricing.test_payments_api import CUSTOMER, PAYABLE, payable_order


def as_(client, world, who: str) -> None:
    client.cookies.clear()
    page_session(client, world.users[who])


def post(client, path: str, data: dict | None = None, *, page: str):
    return client.post(
        path, data={"csrf_token": page_csrf(client, page)} | (data or {}), follow_redirects=False
    )


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_customer_pays_by_wechat_with_the_demo_button_and_gets_the_invoice(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    as_(client, demo, CUSTOMER)
    # the order page links to the payment from the approved quote, and loads the line about it
    order_page = client.get(f"/portal/orders/{order_id}")
    assert f'href="/portal/orders/{order_id}/pay"' in order_page.text
    assert f'hx-get="/portal/orders/{order_id}/pay/summary"' in order_page.text
    summary = visible(client.get(f"/portal/orders/{order_id}/pay/summary").text)
    assert "待付款" in summary and "待付 ¥250.00" in summary and "去付款" in summary
    url = f"/portal/orders/{order_id}/pay"
    page = client.get(url)
    assert page.status_code == 200
    text = visible(page.text)
    for shown in ("付款", "应付金额", "¥250.00", "待付款", "微信支付", "支付宝"):
        assert shown in text, shown
    for internal in ("unpaid", "wechat", "pending", "payable_fen"):
        assert internal not in text, internal
    # When the customer picks WeChat Pay, the code to scan is on the page
    assert post(client, url, {"method": "wechat"}, page=url).status_code == 303
    page = client.get(url)
    assert "<svg" in page.text and "请使用微信支付扫码支付" in visible(page.text)
    # A customer cannot record cash
    refused = post(client, url, {"method": "cash"}, page=url)
    assert refused.status_code == 422
    # And the demo's button completes it as the gateway's signed notification would
    assert post(client, f"{url}/demo", page=url).status_code == 303
    paid = visible(client.get(url).text)
    assert "已付款" in paid and "已付清" in paid
    row = db.scalars(select(Payment)).one()
    assert (row.method, row.status, row.amount_fen) == ("wechat", "paid", PAYABLE)
    # The invoice, asked for once paid, is issued with its number
    form = {"title": "李四", "tax_id": "", "email": "lisi@example.com"}
    bad = post(client, f"/portal/orders/{order_id}/invoice", form | {"email": "not-an-address"}, page=url)
    assert bad.status_code == 422 and "email" in bad.text
    assert post(client, f"/portal/orders/{order_id}/invoice", form, page=url).status_code == 303
    db.rollback()  # a fresh read of what the requests committed
    number = db.scalars(select(PaymentInvoice.number)).one()
    shown = visible(client.get(url).text)
    summary = visible(client.get(f"/portal/orders/{order_id}/pay/summary").text)
    assert "已付款" in summary and "已付 ¥250.00" in summary and number in summary
    assert number in shown and "已开具" in shown and "lisi@example.com" in shown
    english = visible(client.get(url, params={"lang": "en"}).text)
    assert "Paid in full" in english and "WeChat Pay" in english and "Issued" in english


def test_the_technician_records_cash_on_site(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    as_(client, demo, "technician")
    assert f'href="/tech/orders/{order_id}/pay"' in client.get(f"/tech/orders/{order_id}").text
    url = f"/tech/orders/{order_id}/pay"
    page = visible(client.get(url).text)
    assert "已收现金 ¥250.00" in page and "已收银行卡 ¥250.00" in page
    assert post(client, url, {"method": "cash"}, page=url).status_code == 303
    row = db.scalars(select(Payment)).one()
    assert (row.method, row.status, row.created_by_id) == ("cash", "paid", demo.users["technician"].id)
    assert "已付清" in visible(client.get(url).text)


def test_staff_approve_someone_elses_discount_and_never_their_own(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    desk = f"/console/orders/{order_id}/payments"
    as_(client, demo, "agent")
    asked = post(
        client, f"/console/orders/{order_id}/discounts", {"amount": "30", "reason": "老客户优惠"}, page=desk
    )
    assert asked.status_code == 303
    adjustment = db.scalars(select(PaymentAdjustment)).one()
    assert (adjustment.kind, adjustment.amount_fen, adjustment.status) == ("discount", 3000, "requested")
    # the agent may not approve; the outlet manager may
    assert (
        post(client, f"/console/orders/{order_id}/adjustments/{adjustment.id}/approve", page=desk).status_code
        == 403
    )
    as_(client, demo, "outlet_manager")
    page = client.get(desk)
    assert "老客户优惠" in page.text and "批准" in page.text
    assert (
        post(client, f"/console/orders/{order_id}/adjustments/{adjustment.id}/approve", page=desk).status_code
        == 303
    )
    assert "¥220.00" in visible(client.get(desk).text)
    # the manager's own request shows no buttons and is refused if forced
    assert (
        post(
            client, f"/console/orders/{order_id}/discounts", {"amount": "10", "reason": "自己"}, page=desk
        ).status_code
        == 303
    )
    db.rollback()
    own = db.scalars(select(PaymentAdjustment).order_by(PaymentAdjustment.id.desc())).first()
    assert "本人申请，需他人审批" in visible(client.get(desk).text)
    forced = post(client, f"/console/orders/{order_id}/adjustments/{own.id}/approve", page=desk)
    assert forced.status_code == 403


def test_each_page_is_for_its_own_orders(client, world):
    demo = world.demo
    order_id = payable_order(client, demo)
    for who, path in (
        ("customer", f"/portal/orders/{order_id}/pay"),  # customer01: not their order
        ("other_technician", f"/tech/orders/{order_id}/pay"),
    ):
        as_(client, demo, who)
        assert client.get(path).status_code == 404, (who, path)
    as_(client, world.acme, "admin")
    assert client.get(f"/console/orders/{order_id}/payments").status_code == 404
    as_(client, demo, CUSTOMER)
    assert client.get(f"/console/orders/{order_id}/payments").status_code == 403
