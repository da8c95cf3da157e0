"""A sign-in whose reads another writer made stale still signs in. On SQLite a sign-in's transaction
begins deferred (it counts a refusal on a connection of its own), and the password takes a while to check:
a job that commits meanwhile must not turn a right password into 409 ``busy``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from anxin.auth import service as auth_service
from tests.conftest import PASSWORD, World, page_csrf


def another_writes(engine) -> None:
    with engine.begin() as other:  # a real change: SQLite writes nothing for a no-op
        other.execute(text("UPDATE tenant SET name = name || '.'"))


def commit_meanwhile(monkeypatch, engine) -> list[int]:
    """While the password is checked, another connection commits a write (as a job does)."""
    check = auth_service.verify_password
    writes: list[int] = []

    def check_while_another_writes(stored: str, password: str) -> bool:
        another_writes(engine)
        writes.append(1)
        return check(stored, password)

    monkeypatch.setattr(auth_service, "verify_password", check_while_another_writes)
    return writes


def test_the_api_token_survives_a_write_committed_while_the_password_is_checked(
    client, world: World, engine, monkeypatch
):
    writes = commit_meanwhile(monkeypatch, engine)
    answer = client.post(
        "/api/v1/auth/token",
        data={"username": "agent@demo", "password": PASSWORD, "grant_type": "password"},
    )
    assert writes == [1]
    assert answer.status_code == 200, answer.text
    assert answer.json()["access_token"]


def test_the_sign_in_page_survives_a_write_committed_while_the_password_is_checked(
    client, world: World, engine, monkeypatch
):
    writes = commit_meanwhile(monkeypatch, engine)
    token = page_csrf(client)
    answer = client.post(
        "/login",
        data={"login": "dispatcher@demo", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert writes == [1]
    assert answer.status_code == 303, answer.text
    assert client.get("/console", follow_redirects=False).status_code == 200


def test_the_portal_code_survives_a_write_committed_while_it_is_checked(
    app, world: World, engine, monkeypatch
):
    from anxin.customer import sign_in as portal_sign_in

    app.state.dev_mailbox = True
    with TestClient(app) as browser:
        token = page_csrf(browser, "/portal/login")
        browser.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        code = re.findall(r"验证码是 (\d{6})", browser.get("/portal/dev-mailbox").text)[0]
        find = portal_sign_in.customer_service.get_by_phone
        writes: list[int] = []

        def find_while_another_writes(*args, **kwargs):
            another_writes(engine)
            writes.append(1)
            return find(*args, **kwargs)

        monkeypatch.setattr(portal_sign_in.customer_service, "get_by_phone", find_while_another_writes)
        answer = browser.post(
            "/portal/login",
            data={"phone": "13800000001", "code": code, "csrf_token": token},
            follow_redirects=False,
        )
        assert writes == [1]
        assert answer.status_code == 303, answer.text
        assert browser.get("/portal", follow_redirects=False).status_code == 200
