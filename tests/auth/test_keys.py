"""One key per purpose, derived from the configured secret; the server and the workers refuse the demo's
key and short ones."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from typer.testing import CliRunner

from anxin import clock
from anxin.cli import app as cli
from anxin.config import get_settings
from tests.conftest import SECRET, World, page_session

STRONG = "a-long-random-operator-key-0123456789abcdefghijklmnop"


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """What the CLI got as far as starting: the server or the huey consumer (stubbed, never run)."""
    import uvicorn

    from anxin import jobs

    calls: list[str] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append("server"))
    monkeypatch.setattr(jobs, "run_worker", lambda *args, **kwargs: calls.append("worker"))
    yield calls
    get_settings.cache_clear()


def run(monkeypatch, args: list[str], secret: str | None):
    if secret is None:
        monkeypatch.delenv("ANXIN_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("ANXIN_SECRET_KEY", secret)
    monkeypatch.setenv("ANXIN_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
    get_settings.cache_clear()
    return CliRunner().invoke(cli, args)


@pytest.mark.parametrize("command", [["serve", "--sweep-every", "0"], ["worker"]])
def test_the_server_and_the_workers_refuse_to_start_with_the_demo_key(monkeypatch, started, command):
    # Given no ANXIN_SECRET_KEY (the default is the demo's public key)
    # When the operator starts the server or a worker
    result = run(monkeypatch, command, secret=None)
    # Then it exits with 2 before anything starts, saying why in both languages on stderr
    assert result.exit_code == 2, result.output
    assert started == []
    assert "ANXIN_SECRET_KEY" in result.stderr and "演示密钥" in result.stderr
    assert "Refusing to start" in result.stderr


def test_the_server_refuses_a_key_shorter_than_32_bytes(monkeypatch, started):
    result = run(monkeypatch, ["serve", "--sweep-every", "0"], secret="short-key-of-31-bytes-012345678")
    assert result.exit_code == 2 and started == []
    assert "32" in result.stderr


def test_the_server_and_the_workers_start_with_a_key_of_their_own(monkeypatch, started):
    assert run(monkeypatch, ["serve", "--sweep-every", "0"], secret=STRONG).exit_code == 0
    assert run(monkeypatch, ["worker"], secret=STRONG).exit_code == 0
    assert started == ["server", "worker"]


def test_each_purpose_has_its_own_key():
    from anxin.auth import keys
    from anxin.config import DEMO_SECRET_KEY

    derived = {keys.derive(SECRET, purpose) for purpose in keys.Purpose}
    assert len(derived) == len(keys.Purpose) and SECRET.encode() not in derived
    assert keys.problem(DEMO_SECRET_KEY) is not None and keys.problem(STRONG) is None


def test_a_token_signed_with_the_raw_secret_is_refused(client, world: World):
    # Given a token with every claim right, signed with the configured secret itself
    admin = world.demo.users["admin"]
    issued = clock.now()
    claims = {
        "sub": str(admin.id),
        "tid": admin.tenant_id,
        "role": "admin",
        "gen": 0,
        "jti": "forged",
        "iat": issued,
        "exp": issued + timedelta(minutes=5),
    }
    forged = jwt.encode(claims, SECRET, algorithm="HS256")
    # When it is presented to the API, then it is refused; a token the API issued passes
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/api/v1/me", headers=world.demo.headers("admin")).status_code == 200


def test_a_session_cookie_signed_with_the_token_key_is_refused_by_the_pages(client, world: World):
    from anxin.auth import keys
    from anxin.web.session import SESSION_COOKIE, dump, load

    # Given a live page session of the dispatcher
    value = page_session(client, world.demo.users["dispatcher"])
    assert client.get("/console", follow_redirects=False).status_code == 200
    # When its payload is signed with the API tokens' key instead of the sessions' key
    payload = load(keys.derive(SECRET, keys.Purpose.PAGE_SESSION), value)
    payload["exp"] = int(time.time()) + 600
    client.cookies.set(SESSION_COOKIE, dump(keys.derive(SECRET, keys.Purpose.API_TOKEN), payload))
    # Then the pages send the browser to sign in
    answer = client.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_a_survey_link_signed_with_the_raw_secret_is_refused(client, world: World, db):
    import base64
    import hashlib
    import hmac
    import json

    from anxin.feedback.followup import surveys
    from tests.feedback.helpers import completed_order, survey_of

    survey = survey_of(db, completed_order(client, world.demo))
    expires = int(clock.as_utc(survey.expires_at).timestamp())
    raw = json.dumps({"t": survey.tenant_id, "s": survey.id, "e": expires}, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    secret = get_settings().secret_key  # jobs sign survey links with the process's settings
    for key in (secret.encode(), ("survey:" + secret).encode()):  # the raw secret, the key used before
        signature = base64.urlsafe_b64encode(hmac.new(key, body.encode(), hashlib.sha256).digest())
        assert client.get(f"/s/{body}.{signature.decode().rstrip('=')}").status_code == 403
    assert client.get(surveys.link(survey)).status_code == 200
