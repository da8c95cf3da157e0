"""API tokens the server can end: signing out revokes the caller's token, a new password or deactivation
ends every token of the user; another process honours a token it verified for at most the cache's
seconds."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from anxin import clock
from anxin.auth import token_cache
from anxin.auth.models import User
from anxin.cli import app as cli
from anxin.config import get_settings
from anxin.main import create_app
from tests.conftest import PASSWORD, World


def bearer(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post(
        "/api/v1/auth/token", data={"username": username, "password": PASSWORD, "grant_type": "password"}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_signing_out_revokes_the_callers_token_at_once(client, world: World):
    # Given two tokens of the agent, both used (so both verified and cached)
    first, second = bearer(client, "agent@demo"), bearer(client, "agent@demo")
    assert client.get("/api/v1/me", headers=first).status_code == 200
    assert client.get("/api/v1/me", headers=second).status_code == 200
    # When the first signs out
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 204
    # Then it is refused at once in this process, the other still works
    refused = client.get("/api/v1/me", headers=first)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
    assert client.post("/api/v1/auth/logout", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_another_process_honours_a_revoked_token_at_most_for_its_cache_seconds(
    client, world: World, settings, monkeypatch
):
    # Given a second server process on the same database that verified the token
    other = create_app(settings)
    try:
        with TestClient(other) as elsewhere:
            headers = bearer(client, "agent@demo")
            assert elsewhere.get("/api/v1/me", headers=headers).status_code == 200
            # When the token signs out in the first process
            assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
            # Then the second refuses it once its check is older than ANXIN_AUTH_CACHE_SECONDS
            later = time.monotonic() + other.state.token_cache.ttl
            monkeypatch.setattr(token_cache.time, "monotonic", lambda: later)
            assert elsewhere.get("/api/v1/me", headers=headers).status_code == 401
    finally:
        other.state.engine.dispose()


def test_a_new_password_ends_every_token_and_session_of_the_user(client, world: World, db, sign_in):
    headers = bearer(client, "dispatcher@demo")
    sign_in(client, "dispatcher@demo")
    assert client.get("/console", follow_redirects=False).status_code == 200
    # When the dispatcher's password changes
    from anxin.auth import accounts

    accounts.set_password(
        db, user=db.get(User, world.demo.users["dispatcher"].id), password="new-pass-1", now=clock.now()
    )
    db.commit()
    # Then the old token and the page session are refused, and the new password signs in
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.get("/console", follow_redirects=False).headers["location"].startswith("/login")
    fresh = client.post(
        "/api/v1/auth/token",
        data={"username": "dispatcher@demo", "password": "new-pass-1", "grant_type": "password"},
    )
    assert (
        client.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {fresh.json()['access_token']}"}
        ).status_code
        == 200
    )


def test_the_operator_deactivates_an_account_from_the_command_line(
    client, world: World, database_url, monkeypatch, db
):
    headers = bearer(client, "quality@demo")
    monkeypatch.setenv("ANXIN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["users", "deactivate", "quality@demo"])
        missing = CliRunner().invoke(cli, ["users", "deactivate", "nobody@demo"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert missing.exit_code == 1
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    db.expire_all()
    assert db.get(User, world.demo.users["quality"].id).is_active is False


def test_a_revoked_token_cannot_record_a_phone_follow_up(client, world: World):
    # Given an agent who signed out (the survey answer also takes a link's token, so its route reads the
    # caller itself rather than through CurrentUser)
    headers = bearer(client, "agent@demo")
    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    # When the old token records a phone follow-up
    answer = client.post(
        "/api/v1/work-orders/1/survey",
        json={"attitude": 5, "skill": 5, "punctuality": 5, "promises": 5, "overall": 5, "nps": 10},
        headers=headers,
    )
    # Then it is refused as signed out
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "not_authenticated"
