"""Page sessions live on the server: signing out ends them for good, and a form's CSRF token passes only
with the session it was made for."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from fastapi.testclient import TestClient

from tests.conftest import CSRF_TOKEN, World, page_csrf
from tests.helpers import report


def test_signing_out_ends_the_session_so_the_old_cookie_opens_nothing(app, world: World, sign_in):
    with TestClient(app) as browser, TestClient(app) as thief:
        # Given a dispatcher signed in, and a copy of their session cookie
        sign_in(browser, "dispatcher@demo")
        copied = browser.cookies.get("anxin_session")
        assert browser.get("/console", follow_redirects=False).status_code == 200
        # When they sign out
        out = browser.post(
            "/logout", data={"csrf_token": page_csrf(browser, "/console")}, follow_redirects=False
        )
        assert out.status_code == 303 and out.headers["location"] == "/login"
        # Then the old cookie, replayed, opens no page
        thief.cookies.set("anxin_session", copied)
        assert thief.get("/console", follow_redirects=False).headers["location"].startswith("/login")


def test_a_session_ends_when_it_expires(client, world: World, sign_in):
    sign_in(client, "agent@demo")
    with time_machine.travel(timedelta(hours=12, minutes=1)):
        assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_csrf_token_of_one_session_does_not_pass_with_another(app, world: World, sign_in):
    order = None
    with TestClient(app) as first, TestClient(app) as second:
        order = report(first, world.demo).json()
        # Given two dispatchers' browsers, each signed in
        sign_in(first, "dispatcher@demo")
        sign_in(second, "dispatcher@demo")
        first_token = page_csrf(first, "/console")
        # When the second browser posts with the first session's token and CSRF cookie
        for name in ("anxin_csrf",):
            if first.cookies.get(name):
                second.cookies.set(name, first.cookies.get(name))
        answer = second.post(f"/console/orders/{order['id']}/accept", data={"csrf_token": first_token})
        # Then it is refused
        assert answer.status_code == 403 and "页面已过期" in answer.text
        header = second.post(f"/console/orders/{order['id']}/accept", headers={"X-CSRF-Token": first_token})
        assert header.status_code == 403
        # While its own token, in the form or in htmx's header, passes
        own = CSRF_TOKEN.search(second.get("/console").text).group(1)
        assert (
            second.post(f"/console/orders/{order['id']}/accept", headers={"X-CSRF-Token": own}).status_code
            == 200
        )


def test_a_sign_in_changes_the_csrf_token(client, world: World, sign_in):
    before = page_csrf(client)
    sign_in(client, "agent@demo")
    after = page_csrf(client, "/console")
    assert before != after
    refused = client.post("/logout", data={"csrf_token": before}, follow_redirects=False)
    assert refused.status_code == 403


def test_a_cookie_with_bytes_outside_ascii_is_no_session_not_an_error(app, world: World):
    # A stranger's Cookie header may carry any byte; the server reads it as Latin-1.
    with TestClient(app, raise_server_exceptions=False) as stranger:
        forged = "anxin_session=e30.\xff\xfe; anxin_csrf=abc.\xe9".encode("latin-1")
        page = stranger.get("/console", headers={"cookie": forged}, follow_redirects=False)
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        form = stranger.post(
            "/logout", headers={"cookie": forged}, data={"csrf_token": "x"}, follow_redirects=False
        )
        assert form.status_code in (303, 403)
    with TestClient(app, raise_server_exceptions=False) as browser:
        browser.get("/login")  # a CSRF cookie of its own
        wrong = browser.post("/login", data={"csrf_token": "令牌", "username": "a", "password": "b"})
        assert wrong.status_code == 403
