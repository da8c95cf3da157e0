"""Fixtures of the notify tests: a real local webhook receiver (on 127.0.0.1, which the tests' operator
setting admits), delivery passes against the test database, the DNS the tests play, and targets that
refuse a connection or never answer."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from anxin.notify.delivery import deliver_due
from tests.notify import fake_dns


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    answered: int
    method: str = "POST"
    path: str = ""

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers 500 to the first ``fail_first`` POSTs (to every one when ``always_fail``), then 200; with
    ``redirect_to`` set, answers 302 to that location instead. Every request is a hit, GETs too."""

    fail_first: int = 0
    always_fail: bool = False
    redirect_to: str | None = None
    hits: list[Hit] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        if self.redirect_to is not None:
            return 302
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
            state.hits.append(Hit(dict(self.headers.items()), body, code, self.command, self.path))
            self.send_response(code)
            if code == 302:
                self.send_header("Location", state.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # noqa: N815 (a redirect followed would arrive as a GET)

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


@pytest.fixture
def dns(monkeypatch) -> fake_dns.FakeDns:
    """The DNS the test plays: ``dns.answer("hooks.brand.example", fake_dns.PUBLIC)``."""
    return fake_dns.install(monkeypatch)


@pytest.fixture
def no_private_network(app, settings) -> None:
    """The operator allows no private network (the default outside the tests) for the API's requests;
    delivery passes take ``outbound_allowed_networks=[]`` themselves."""
    app.state.settings = settings.model_copy(update={"outbound_allowed_networks": []})


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port():
    """A local port that takes a connection and never answers: a request to it times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]
