"""Sign-in throttles: wrong passwords per account and client, a clear 429, one password verification for
every refusal, and lock-outs that do not lock the real person out."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from anxin.auth import security
from anxin.auth.models import User
from tests.conftest import PASSWORD, World, page_csrf


def tighten(monkeypatch, name: str, limit: int) -> None:
    """Lower one of ``auth.limits``'s rules to ``limit`` attempts in its window."""
    from anxin.auth import limits
    from anxin.auth.throttle import Rule

    rule = getattr(limits, name)
    monkeypatch.setattr(limits, name, Rule(rule.name, limit, rule.window))


def token(client: TestClient, username: str, password: str = PASSWORD, **headers):
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password, "grant_type": "password"},
        headers=headers,
    )


def from_address(app, address: str) -> TestClient:
    return TestClient(app, client=(address, 50000))


def test_five_wrong_passwords_lock_the_account_on_that_client_with_a_clear_429(app, world: World, db):
    with from_address(app, "203.0.113.7") as stranger:
        # Given four wrong passwords for the admin from one address
        for _ in range(4):
            assert token(stranger, "admin@demo", "wrong").status_code == 401
        # When the fifth is wrong too
        fifth = token(stranger, "admin@demo", "wrong")
        # Then it is refused with 429, a Retry-After and a message in Chinese (English on request)
        assert fifth.status_code == 429
        assert fifth.json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(fifth.headers["retry-after"]) <= 15 * 60
        assert "错误次数过多" in fifth.json()["error"]["message"]
        english = token(stranger, "admin@demo", PASSWORD, **{"Accept-Language": "en"})
        assert english.status_code == 429 and "Too many attempts" in english.json()["error"]["message"]
    # the counts were kept although every refused request was rolled back
    assert db.scalar(select(func.count()).select_from(text("sign_in_attempt"))) >= 5 * 3
    # And the admin on their own client still signs in
    with from_address(app, "198.51.100.20") as own:
        assert token(own, "admin@demo").status_code == 200


def test_the_lock_lets_go_when_its_window_has_passed(app, world: World):
    with from_address(app, "203.0.113.7") as stranger:
        for _ in range(5):
            token(stranger, "admin@demo", "wrong")
        assert token(stranger, "admin@demo").status_code == 429
        with time_machine.travel(timedelta(minutes=16)):
            assert token(stranger, "admin@demo").status_code == 200


def test_an_account_tried_from_many_clients_is_locked_at_its_ceiling(app, world: World, monkeypatch):
    tighten(monkeypatch, "PASSWORD_ACCOUNT", 3)
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3"):
        with from_address(app, address) as client:
            token(client, "agent@demo", "wrong")
    with from_address(app, "203.0.113.4") as client:
        assert token(client, "agent@demo").status_code == 429


def test_one_client_trying_many_accounts_is_stopped(app, world: World, monkeypatch):
    tighten(monkeypatch, "PASSWORD_CLIENT", 3)
    with from_address(app, "203.0.113.9") as sprayer:
        for name in ("agent", "dispatcher", "nobody"):
            assert token(sprayer, f"{name}@demo", "wrong").status_code in (401, 429)
        assert token(sprayer, "quality@demo").status_code == 429


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(app, world: World):
    # Given a client that names a new address in X-Forwarded-For on every try
    with from_address(app, "203.0.113.7") as stranger:
        for index in range(5):
            token(stranger, "admin@demo", "wrong", **{"X-Forwarded-For": f"192.0.2.{index}"})
        # Then the header does not give it fresh counts
        assert token(stranger, "admin@demo", **{"X-Forwarded-For": "192.0.2.99"}).status_code == 429
    # But behind a trusted proxy the forwarded address is the client's
    app.state.settings.trusted_proxies = "10.0.0.1"
    with from_address(app, "10.0.0.1") as proxy:
        for _ in range(5):
            token(proxy, "dispatcher@demo", "wrong", **{"X-Forwarded-For": "192.0.2.1"})
        assert token(proxy, "dispatcher@demo", **{"X-Forwarded-For": "192.0.2.1"}).status_code == 429
        assert (
            token(proxy, "dispatcher@demo", **{"X-Forwarded-For": "192.0.2.2, 10.0.0.1"}).status_code == 200
        )


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """Every argon2 verification the sign-in runs, by the hash it checks."""
    calls: list[str] = []
    hasher = security._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, password_hash, password):
            calls.append(password_hash)
            return hasher.verify(password_hash, password)

    monkeypatch.setattr(security, "_hasher", Counting())
    return calls


def test_an_unknown_account_costs_one_password_verification_like_a_known_one(
    client, world: World, db, verifications
):
    # Given an inactive user and a customer's code-only account beside the known ones
    db.get(User, world.demo.users["quality"].id).is_active = False
    db.get(User, world.demo.users["other_customer"].id).password_hash = "!"
    db.commit()
    for login in (
        "admin@demo",  # a known account, wrong password
        "nobody@demo",  # an unknown name
        "admin@nowhere",  # an unknown tenant
        "admin",  # no tenant at all
        "quality@demo",  # inactive
        "customer02@demo",  # no password of its own
    ):
        verifications.clear()
        # When someone signs in with a wrong password
        assert token(client, login, "wrong").status_code == 401
        # Then exactly one argon2 verification ran
        assert len(verifications) == 1, login


def test_the_sign_in_page_shows_the_throttle_in_the_page(client, world: World):
    # Given four wrong passwords on the staff sign-in page
    csrf = page_csrf(client)
    for _ in range(4):
        page = client.post("/login", data={"login": "agent@demo", "password": "wrong", "csrf_token": csrf})
        assert page.status_code == 401 and "账号或密码错误" in page.text
    # When the fifth is wrong too
    locked = client.post("/login", data={"login": "agent@demo", "password": "wrong", "csrf_token": csrf})
    # Then the form comes back with the throttle's message, 429 and Retry-After
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "错误次数过多" in locked.text and 'name="login"' in locked.text
    right = client.post("/login", data={"login": "agent@demo", "password": PASSWORD, "csrf_token": csrf})
    assert right.status_code == 429


def test_a_right_password_forgets_the_wrong_ones_before_it(client, world: World):
    for _ in range(4):
        token(client, "admin@demo", "wrong")
    assert token(client, "admin@demo").status_code == 200
    for _ in range(4):
        assert token(client, "admin@demo", "wrong").status_code == 401
