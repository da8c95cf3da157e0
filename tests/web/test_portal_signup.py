"""Signing up in the portal: a phone that is no customer's gets its code like a customer's (the same
answer), and its right code leads to the sign-up form (name, district, street, consent to the privacy
notice) that makes the customer in the tenant and signs them in; no sign-up without consent or without
the proof of the code; the resend button counts down."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.auth.models import User
from anxin.customer.models import Customer
from tests.conftest import World, page_csrf

NEW_PHONE = "13912345678"


@pytest.fixture
def portal_app(app):
    app.state.dev_mailbox = True
    return app


@pytest.fixture
def browser(portal_app):
    with TestClient(portal_app) as client:
        yield client


def _code(client: TestClient, phone: str) -> str:
    box = client.get("/portal/dev-mailbox").text
    assert phone[-4:] in box or "验证码是" in box
    return re.findall(r"验证码是 (\d{6})", box)[0]


def _proven(client: TestClient, phone: str = NEW_PHONE) -> str:
    """Ask for a code for ``phone`` and enter it; returns the CSRF token of the sign-in form."""
    token = page_csrf(client, "/portal/login")
    sent = client.post("/portal/code", data={"phone": phone, "csrf_token": token})
    assert sent.status_code == 200
    answer = client.post(
        "/portal/login",
        data={"phone": phone, "code": _code(client, phone), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    return token


def test_a_new_phone_gets_the_same_answer_as_a_customers(browser: TestClient, world: World) -> None:
    token = page_csrf(browser, "/portal/login")
    known = browser.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
    new = browser.post("/portal/code", data={"phone": NEW_PHONE, "csrf_token": token})
    assert known.status_code == new.status_code == 200
    assert "验证码已发送" in known.text and "验证码已发送" in new.text
    # the resend button counts down 60 seconds (static/portal.js) on both
    for page in (known, new):
        assert 'data-countdown="60"' in page.text and "秒后可重新获取" in page.text


def test_a_new_phones_right_code_leads_to_sign_up_and_makes_the_customer(
    browser: TestClient, world: World, db
) -> None:
    _proven(browser)
    form = browser.get("/portal/signup")
    assert form.status_code == 200
    assert "注册新用户" in form.text and "《隐私政策》" in form.text and 'href="/portal/privacy"' in form.text
    assert "139****5678" in form.text  # the phone, masked
    assert "西湖区" in form.text  # a district the tenant serves
    token = page_csrf(browser, "/portal/signup")
    done = browser.post(
        "/portal/signup",
        data={
            "name": "赵女士",
            "district": "西湖区",
            "detail": "文一路 8 号 2 幢 301",
            "consent": "yes",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/portal")
    home = browser.get(done.headers["location"])
    assert home.status_code == 200 and "赵女士" in home.text and "注册成功" in home.text
    customer = db.scalar(
        select(Customer).where(Customer.tenant_id == world.demo.tenant.id, Customer.phone == NEW_PHONE)
    )
    assert customer is not None and customer.name == "赵女士"
    address = customer.addresses[0]
    assert (address.district, address.detail) == ("西湖区", "文一路 8 号 2 幢 301")
    assert (address.lat, address.lng) == (30.27, 120.12)  # the district's centre, from what the tenant has
    user = db.scalar(select(User).where(User.customer_id == customer.id))
    assert user.role == "customer" and user.tenant_id == world.demo.tenant.id
    consent = db.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "customer.privacy_consent", AuditEvent.object_id == customer.id
        )
    )
    assert consent is not None and consent.actor_id == user.id
    # the proof is spent: the sign-up form is gone, a second sign-up is refused
    assert browser.get("/portal/signup", follow_redirects=False).status_code == 303


def test_no_sign_up_without_consent_and_what_was_typed_stays(browser: TestClient, world: World, db) -> None:
    _proven(browser)
    token = page_csrf(browser, "/portal/signup")
    refused = browser.post(
        "/portal/signup",
        data={"name": "赵女士", "district": "西湖区", "detail": "文一路 8 号", "csrf_token": token},
    )
    assert refused.status_code == 422
    assert "请先阅读并同意《隐私政策》" in refused.text
    assert 'value="赵女士"' in refused.text and 'value="文一路 8 号"' in refused.text
    missing = browser.post(
        "/portal/signup", data={"name": " ", "detail": "", "consent": "yes", "csrf_token": token}
    )
    assert missing.status_code == 422 and "请填写称呼和详细地址" in missing.text
    assert db.scalar(select(Customer).where(Customer.phone == NEW_PHONE)) is None


def test_sign_up_needs_the_codes_proof(browser: TestClient, world: World, db) -> None:
    assert browser.get("/portal/signup", follow_redirects=False).headers["location"] == "/portal/login"
    token = page_csrf(browser, "/portal/login")
    forged = "eyJ0ZW5hbnQiOiJkZW1vIiwicGhvbmUiOiIxMzkxMjM0NTY3OCIsImV4cCI6OTk5OTk5OTk5OX0.bad"
    browser.cookies.set("anxin_sign_up", forged, path="/portal")
    refused = browser.post(
        "/portal/signup",
        data={"name": "冒名", "district": "西湖区", "detail": "x 路", "consent": "yes", "csrf_token": token},
    )
    assert refused.status_code == 400 and "注册已超时" in refused.text
    assert db.scalar(select(Customer).where(Customer.phone == NEW_PHONE)) is None


def test_a_wrong_code_of_a_new_phone_is_wrong_and_counted(browser: TestClient, world: World) -> None:
    token = page_csrf(browser, "/portal/login")
    browser.post("/portal/code", data={"phone": NEW_PHONE, "csrf_token": token})
    code = _code(browser, NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    answer = browser.post("/portal/login", data={"phone": NEW_PHONE, "code": wrong, "csrf_token": token})
    assert answer.status_code == 400 and "验证码错误" in answer.text
    assert browser.get("/portal/signup", follow_redirects=False).status_code == 303


def test_a_customers_right_code_still_signs_in(browser: TestClient, world: World) -> None:
    token = page_csrf(browser, "/portal/login")
    browser.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
    answer = browser.post(
        "/portal/login",
        data={"phone": "13800000001", "code": _code(browser, "13800000001"), "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/portal"


def test_the_privacy_notice_is_open_to_anyone(client: TestClient, world: World) -> None:
    page = client.get("/portal/privacy")
    assert page.status_code == 200 and "隐私政策" in page.text and "我的数据" in page.text
    english = client.get("/portal/privacy?lang=en")
    assert "Privacy notice" in english.text and "Personal Information Protection Law" in english.text
