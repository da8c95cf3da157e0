"""Browser tests: a live uvicorn server on a free port over a temporary SQLite database seeded with the test
world, and Debian's Chromium driven headless by Playwright. Skipped, saying why, when either is missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from anxin import migrate
from anxin.auth.security import hash_password
from anxin.database import make_engine, make_sessionmaker
from tests.conftest import PASSWORD, SECRET, World, build_tenant

CHROMIUM = os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 860}


def _unavailable(reason: str) -> None:
    """Skip, saying why; with ``ANXIN_E2E=required`` (CI) a missing browser fails the run instead."""
    if os.environ.get("ANXIN_E2E") == "required":
        pytest.fail(f"browser tests required but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def built_world(folder: Path, prepare: Callable[[Any, World], None] | None = None) -> tuple[str, World]:
    """A migrated SQLite database in ``folder`` holding the world (two tenants with one user per role),
    with what ``prepare(session, world)`` adds; its URL and the world."""
    url = f"sqlite:///{folder}/e2e.sqlite3"
    migrate.upgrade(url)
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    hashed = hash_password(PASSWORD)
    world = World(demo=build_tenant(session, "demo", hashed), acme=build_tenant(session, "acme", hashed))
    if prepare is not None:
        prepare(session, world)
    session.commit()
    session.close()
    engine.dispose()
    return url, world


@pytest.fixture(scope="module")
def live_world(tmp_path_factory) -> Iterator[tuple[str, World]]:
    """A server at a base URL, and the world it serves (two tenants with one user per role)."""
    folder = tmp_path_factory.mktemp("e2e")
    url, world = built_world(folder)
    with serving(folder, url) as base:
        yield base, world


@contextmanager
def serving(folder: Path, url: str) -> Iterator[str]:
    """An app server over the database at ``url`` (its log and uploads in ``folder``), until the block
    ends; its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "ANXIN_DATABASE_URL": url,
        "ANXIN_UPLOAD_DIR": str(folder / "uploads"),
        "ANXIN_DEV_MAILBOX": "1",
        "ANXIN_SECRET_KEY": SECRET,  # the world's API tokens are signed with it
        "ANXIN_LOG_LEVEL": "WARNING",
    }
    log = open(folder / "server.log", "wb")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "anxin.main:create_app", "--factory", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(1200):  # up to two minutes: a loaded machine imports the app slowly
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the server did not start: {(folder / 'server.log').read_text()[-2000:]}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator:
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright; never `playwright install`)")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium fonts-wqy-microhei)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    """Where the screenshots go: ``docs/screenshots/`` with ``ANXIN_SCREENSHOTS=1`` (to refresh the README's
    pictures), else a temporary folder, so an ordinary test run leaves the tree as it was."""
    if os.environ.get("ANXIN_SCREENSHOTS") != "1":
        return tmp_path_factory.mktemp("screenshots")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# What Chromium writes to a page's console when the Content-Security-Policy refuses something.
POLICY_VIOLATION = "Content Security Policy"


@pytest.fixture(autouse=True)
def no_policy_violations(request, monkeypatch) -> Iterator[list[str]]:
    """Every page a browser test opens runs under the app's Content-Security-Policy without a violation:
    a refused inline script, handler, eval, style or source shows in the page's console, and fails the test
    that opened the page (at its teardown)."""
    seen: list[str] = []
    if "browser" not in request.fixturenames:
        yield seen
        return
    browser = request.getfixturevalue("browser")
    new_context = browser.new_context

    def watched(*args, **kwargs):
        context = new_context(*args, **kwargs)
        context.on(
            "console",
            lambda message: (
                seen.append(f"{message.location.get('url')}: {message.text}")
                if POLICY_VIOLATION in message.text
                else None
            ),
        )
        return context

    monkeypatch.setattr(browser, "new_context", watched)
    yield seen
    assert not seen, "\n".join(seen)
