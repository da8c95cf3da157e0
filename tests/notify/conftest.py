"""Fixtures of the notify tests: a real local webhook receiver, delivery passes against the test database."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from anxin.notify.delivery import deliver_due


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` POSTs (to every one when ``always_fail``), then 200."""

    fail_first: int = 0
    always_fail: bool = False
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        if self.always_fail or len(self.hits) < self.fail_first:
            return 500
        return 200


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            code = state.answer()
            state.hits.append(Hit(dict(self.headers.items()), body, code))
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/anxin"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def deliver(sessionmaker_, settings):
    """One delivery pass against the test database (at the clock's now)."""

    def run(**overrides):
        return deliver_due(sessionmaker_, settings=settings.model_copy(update=overrides))

    return run
