"""The portal's one-time codes: a stranger's wrong codes lock only the stranger's client, the real customer
on their own client still gets and uses a code, and per-phone, per-client and per-tenant budgets bound the
abuse."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World, page_csrf

PHONE = "13800000001"


@pytest.fixture
def portal_app(app):
    app.state.dev_mailbox = True
    return app


class Browser:
    """A portal visitor from one address."""

    def __init__(self, app, address: str) -> None:
        self.client = TestClient(app, client=(address, 50000))
        self.client.__enter__()
        self.csrf = page_csrf(self.client, "/portal/login")

    def ask(self, phone: str = PHONE):
        return self.client.post("/portal/code", data={"phone": phone, "csrf_token": self.csrf})

    def enter(self, code: str, phone: str = PHONE):
        return self.client.post(
            "/portal/login",
            data={"phone": phone, "code": code, "csrf_token": self.csrf},
            follow_redirects=False,
        )

    def last_code(self) -> str:
        return re.findall(r"验证码是 (\d{6})", self.client.get("/portal/dev-mailbox").text)[0]

    def close(self) -> None:
        self.client.__exit__(None, None, None)


@pytest.fixture
def browser(portal_app):
    opened: list[Browser] = []

    def open_from(address: str) -> Browser:
        opened.append(Browser(portal_app, address))
        return opened[-1]

    yield open_from
    for item in opened:
        item.close()


def tighten(monkeypatch, name: str, limit: int) -> None:
    """Lower one of ``auth.limits``'s rules to ``limit`` attempts in its window."""
    from anxin.auth import limits
    from anxin.auth.throttle import Rule

    rule = getattr(limits, name)
    monkeypatch.setattr(limits, name, Rule(rule.name, limit, rule.window))


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


def test_a_strangers_wrong_codes_do_not_lock_the_customer_out(browser, world: World):
    customer, stranger = browser("198.51.100.20"), browser("203.0.113.7")
    # Given the customer asked for a code on their phone
    assert customer.ask().status_code == 200
    code = customer.last_code()
    # When a stranger from another address asks for one too and guesses wrong five times
    assert stranger.ask().status_code == 200
    for _ in range(4):
        assert stranger.enter(wrong(code)).status_code == 400
    locked = stranger.enter(wrong(code))
    # Then the stranger is locked out, with the throttle's message and Retry-After
    assert locked.status_code == 429 and "错误次数过多" in locked.text and "retry-after" in locked.headers
    assert stranger.enter(code).status_code == 429
    # And the customer's code, asked for before the stranger's, still signs them in
    signed = customer.enter(code)
    assert signed.status_code == 303 and signed.headers["location"] == "/portal"


def test_the_customer_gets_a_new_code_while_a_stranger_is_locked(browser, world: World):
    stranger, customer = browser("203.0.113.7"), browser("198.51.100.20")
    stranger.ask()
    for _ in range(5):
        stranger.enter("999999")
    assert customer.ask().status_code == 200
    assert customer.enter(customer.last_code()).status_code == 303


def test_wrong_codes_from_many_clients_lock_the_phone_at_its_ceiling(browser, world: World, monkeypatch):
    tighten(monkeypatch, "CODE_WRONG_PHONE", 3)
    customer = browser("198.51.100.20")
    customer.ask()
    code = customer.last_code()
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        browser(address).enter(wrong(code))
    assert customer.enter(code).status_code == 429


def test_one_phone_gets_a_bounded_number_of_codes_from_all_clients(browser, world: World, monkeypatch):
    tighten(monkeypatch, "CODE_SENT_PHONE", 2)
    assert browser("203.0.113.1").ask().status_code == 200
    assert browser("203.0.113.2").ask().status_code == 200
    refused = browser("203.0.113.3").ask()
    assert refused.status_code == 429 and "错误次数过多" in refused.text


def test_one_client_asks_for_a_bounded_number_of_codes_for_all_phones(browser, world: World, monkeypatch):
    tighten(monkeypatch, "CODE_SENT_CLIENT", 2)
    bomber = browser("203.0.113.9")
    assert bomber.ask("13900000101").status_code == 200
    assert bomber.ask("13900000102").status_code == 200
    assert bomber.ask("13900000103").status_code == 429


def test_a_tenant_sends_at_most_its_hourly_budget_of_codes(browser, world: World, portal_app):
    # Given a budget of two codes an hour
    portal_app.state.settings.otp_hourly_budget = 2
    assert browser("203.0.113.1").ask("13900000101").status_code == 200
    assert browser("203.0.113.2").ask("13900000102").status_code == 200
    # When a third phone asks from a third address, then the budget refuses it
    refused = browser("203.0.113.3").ask(PHONE)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) <= 3600


def test_unknown_phones_are_answered_and_counted_as_known_ones(browser, world: World):
    visitor = browser("203.0.113.7")
    assert visitor.ask("13999999999").status_code == 200  # no such customer: the same answer
    assert visitor.ask("13999999999").status_code == 429  # and the same once-a-minute limit
