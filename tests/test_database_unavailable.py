"""When the database is gone (a restart, a refused connection), a request gets the one error shape with a
503 it may retry, never a bare 500; a lock held too long stays 409 ``busy``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError


class ServerGone(Exception):
    """What the driver raises when the server closed the connection."""


def broken(message: str):
    """A session factory whose every session fails as the driver does when the database is away."""

    def factory():
        raise OperationalError("SELECT 1", {}, ServerGone(message))

    return factory


@pytest.fixture
def away(app, monkeypatch):
    def cut(message: str) -> None:
        for name in ("sessionmaker", "read_sessionmaker"):
            monkeypatch.setattr(app.state, name, broken(message))

    return cut


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_database_that_is_gone_is_503_in_the_error_shape(app, world, away, lang):
    headers = {**world.demo.headers("agent"), "Accept-Language": lang}
    with TestClient(app, raise_server_exceptions=False) as client:
        away("server closed the connection unexpectedly")
        answer = client.get("/api/v1/work-orders", headers=headers)
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "5"
    error = answer.json()["error"]
    assert error["code"] == "database_unavailable"
    assert ("try again" in error["message"]) == (lang == "en")


def test_a_lock_held_too_long_is_still_409_busy(app, world, away):
    with TestClient(app, raise_server_exceptions=False) as client:
        away("database is locked")
        answer = client.get("/api/v1/work-orders", headers=world.demo.headers("agent"))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "busy"
