"""The guarded client (anxin.outbound): public targets only (unless the operator allows a network), checked
on the address it connects to, no redirects, a total timeout, a capped body; and no other module of anxin
calls out by itself."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from anxin import outbound
from anxin.config import Settings
from anxin.dispatch.core.travel import OfflineTravel, OsrmTravel
from anxin.geo import Point
from tests.notify import fake_dns

LOOPBACK = ["127.0.0.0/8"]
SRC = Path(__file__).resolve().parents[1] / "src" / "anxin"


@pytest.fixture
def dns(monkeypatch) -> fake_dns.FakeDns:
    return fake_dns.install(monkeypatch)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class Server:
    """A local HTTP server: ``answer(path)`` gives the status, headers and body; every request is seen."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    answer: object = None

    def url(self, path: str = "/", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(answer=lambda path: (200, {}, b"ok"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            if length:
                self.rfile.read(length)
            state.seen.append(Seen(self.command, self.path, dict(self.headers.items())))
            status, headers, body = state.answer(self.path)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def raw_listener() -> Iterator[socket.socket]:
    """A bare TCP port on this machine, for servers that misbehave below HTTP."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(10)
        yield listener


# ---- what is public -------------------------------------------------------------------------------------

NOT_PUBLIC = [
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.5",
    "172.16.4.4",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # CGNAT
    "0.0.0.0",
    "224.0.0.1",  # multicast
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",  # documentation
    "198.18.0.1",  # benchmarking
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped loopback
    "::ffff:10.0.0.5",
    "::ffff:169.254.169.254",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "2001:db8::1",  # documentation
    "2001::1",  # Teredo
    "::127.0.0.1",  # IPv4-compatible (deprecated)
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_loopback_private_link_local_reserved_and_their_ipv6_wrappings_are_not_public(address):
    assert not outbound.is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address):
    assert outbound.is_public(ipaddress.ip_address(address))


# ---- registration: check_url ----------------------------------------------------------------------------

INSIDE = [
    "http://127.0.0.1:8000/x",
    "http://169.254.169.254/latest",
    "http://10.0.0.5/",
    "http://[::1]:6379/",
    "http://localhost:9000/",
    "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f.1/",  # 127.0.0.1 in hexadecimal and short
    "https://intranet.brand.example/hooks",  # resolves to a private address
    "https://mixed.brand.example/hooks",  # one public address and one private: any is enough
    "https://nowhere.brand.example/hooks",  # does not resolve
]


@pytest.mark.parametrize("url", INSIDE)
def test_a_url_inside_the_network_is_refused_at_registration(dns, url):
    # given names that resolve inside the network (or not at all)
    dns.answer("intranet.brand.example", "10.1.2.3")
    dns.answer("mixed.brand.example", fake_dns.PUBLIC, "192.168.0.7")

    # when it is checked, then it is refused as unsafe
    with pytest.raises(outbound.UnsafeUrl) as refused:
        outbound.check_url(url, allowed_networks=[])
    assert refused.value.code == "unsafe_url" and refused.value.status_code == 422
    assert "not a public internet address" in refused.value.message("en")
    assert "公网" in refused.value.message("zh")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.brand.example/",
        "http://user:secret@hooks.brand.example/",
        "http://hooks.brand.example:0/",
        "http://hooks.brand.example:70000/",
        "http:///no-host",
        "http://exa mple.com/",
        "not a url",
    ],
)
def test_a_url_that_is_not_a_plain_http_address_is_invalid(dns, url):
    dns.answer("hooks.brand.example", fake_dns.PUBLIC)
    with pytest.raises(outbound.InvalidUrl):
        outbound.check_url(url, allowed_networks=[])


def test_a_public_name_passes(dns):
    dns.answer("hooks.brand.example", fake_dns.PUBLIC)
    outbound.check_url("https://hooks.brand.example/anxin", allowed_networks=[])
    assert dns.lookups == ["hooks.brand.example"]


def test_the_operator_setting_admits_a_named_private_network_and_no_more():
    outbound.check_url("http://10.20.3.4:8080/erp", allowed_networks=["10.20.0.0/16"])
    outbound.check_url("http://[::ffff:10.20.3.4]/erp", allowed_networks=["10.20.0.0/16"])
    for url in ("http://10.21.3.4/erp", "http://127.0.0.1/", "http://169.254.169.254/"):
        with pytest.raises(outbound.UnsafeUrl):
            outbound.check_url(url, allowed_networks=["10.20.0.0/16"])


def test_the_operator_setting_reads_comma_separated_networks_and_is_empty_by_default(monkeypatch):
    monkeypatch.delenv("ANXIN_OUTBOUND_ALLOWED_NETWORKS", raising=False)
    assert Settings(_env_file=None).outbound_allowed_networks == []
    monkeypatch.setenv("ANXIN_OUTBOUND_ALLOWED_NETWORKS", "10.20.0.0/16, 192.168.5.7")
    assert Settings(_env_file=None).outbound_allowed_networks == ["10.20.0.0/16", "192.168.5.7/32"]
    monkeypatch.setenv("ANXIN_OUTBOUND_ALLOWED_NETWORKS", "the office")
    with pytest.raises(ValueError):
        Settings(_env_file=None)


# ---- calling: pinned, no redirects, a total timeout, a capped body ---------------------------------------


def test_a_request_connects_to_the_address_it_checked_and_asks_the_dns_once(monkeypatch, server):
    # given a name that answers loopback (allowed) first and the metadata address on any later lookup
    lookups = []

    def rebinding(host: str, port: int):
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1" if len(lookups) == 1 else "169.254.169.254")]

    monkeypatch.setattr(outbound, "resolve", rebinding)

    # when it is called
    answer = outbound.get(
        server.url("/x?y=1", host="rebind.brand.example"), timeout=5, allowed_networks=LOOPBACK
    )

    # then the request reached the address of the one lookup, with the name in its Host header
    assert answer.status_code == 200 and answer.content == b"ok"
    assert lookups == ["rebind.brand.example"]
    assert [(s.method, s.path) for s in server.seen] == [("GET", "/x?y=1")]
    assert server.seen[0].headers["Host"] == f"rebind.brand.example:{server.port}"


def test_a_refused_address_is_not_called(dns, server):
    dns.answer("inside.brand.example", "127.0.0.1")
    with pytest.raises(outbound.Refused):
        outbound.post(
            server.url("/", host="inside.brand.example"), content=b"{}", timeout=5, allowed_networks=[]
        )
    assert server.seen == []


def test_https_names_the_original_host_to_tls_while_connecting_to_the_checked_address(dns, raw_listener):
    # given a name that resolves to this machine, where a bare socket records the TLS greeting
    dns.answer("secure.brand.example", "127.0.0.1")
    port = raw_listener.getsockname()[1]
    greeting = bytearray()

    def record() -> None:
        connection, _ = raw_listener.accept()
        with connection:
            connection.settimeout(5)
            greeting.extend(connection.recv(16384))

    thread = threading.Thread(target=record)
    thread.start()

    # when it is called over https (the handshake cannot finish: the socket hangs up)
    with pytest.raises(outbound.NoAnswer):
        outbound.get(f"https://secure.brand.example:{port}/table", timeout=5, allowed_networks=LOOPBACK)
    thread.join(5)

    # then the connection came to the checked address, and the TLS server name was the original host
    assert greeting[:1] == b"\x16"  # a TLS handshake record
    assert b"secure.brand.example" in greeting


def test_a_redirect_is_returned_not_followed(server):
    server.answer = lambda path: (302, {"Location": "http://169.254.169.254/latest"}, b"")
    answer = outbound.post(server.url("/hook"), content=b"{}", timeout=5, allowed_networks=LOOPBACK)
    assert answer.status_code == 302
    assert [(s.method, s.path) for s in server.seen] == [("POST", "/hook")]


def test_the_body_read_is_capped(server):
    server.answer = lambda path: (200, {"Content-Type": "application/json"}, b"[" + b"1," * 50_000 + b"1]")
    answer = outbound.get(server.url("/big"), timeout=5, max_bytes=1000, allowed_networks=LOOPBACK)
    assert (len(answer.content), answer.truncated) == (1000, True)
    with pytest.raises(ValueError):
        answer.json()


def test_a_server_that_drips_its_answer_is_cut_off_at_the_total_timeout(raw_listener):
    # given a server that sends a whole answer (headers only) one byte at a time, each byte well within a
    # read timeout and all of them well beyond the total
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    port = raw_listener.getsockname()[1]

    def drip() -> None:
        connection, _ = raw_listener.accept()
        with connection:
            for byte in answer:
                try:
                    connection.sendall(bytes([byte]))
                except OSError:  # the client hung up
                    return
                time.sleep(0.1)

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()

    # when it is called with a total timeout shorter than the whole drip, then there is no answer
    with pytest.raises(outbound.NoAnswer):
        outbound.get(f"http://127.0.0.1:{port}/", timeout=0.5, allowed_networks=LOOPBACK)
    thread.join(10)


def test_connection_failures_are_no_answer(dns, raw_listener):
    dns.answer("gone.brand.example", "127.0.0.1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    silent = raw_listener.getsockname()[1]
    for url in (
        f"http://gone.brand.example:{closed}/",  # refused
        f"http://127.0.0.1:{silent}/",  # never answers
        "http://nowhere.brand.example/",  # does not resolve
    ):
        with pytest.raises(outbound.NoAnswer):
            outbound.get(url, timeout=0.5, allowed_networks=LOOPBACK)


# ---- OSRM calls through the guarded client ---------------------------------------------------------------

A = Point(30.274, 120.125)
B = Point(30.255, 120.180)
NIGHT = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 01:00 in Hangzhou
TABLE = b'{"code": "Ok", "distances": [[0, 7000], [7100, 0]], "durations": [[0, 600], [620, 0]]}'


def test_osrm_on_a_private_address_is_used_only_when_the_operator_allows_its_network(server):
    # given an OSRM server on this machine
    server.answer = lambda path: (200, {"Content-Type": "application/json"}, TABLE)

    # when the operator did not list its network, then travel falls back to the offline model unasked
    refused = OsrmTravel(server.url(), allowed_networks=[])
    assert refused.leg(A, B, NIGHT) == OfflineTravel().leg(A, B, NIGHT)
    assert server.seen == []

    # when the network is listed, then OSRM's table is used
    allowed = OsrmTravel(server.url(), allowed_networks=LOOPBACK)
    assert allowed.leg(A, B, NIGHT).metres == 7000
    assert server.seen[0].path.startswith("/table/v1/driving/120.125000,30.274000;120.180000,30.255000?")
    assert "annotations=distance%2Cduration" in server.seen[0].path


def test_osrm_that_redirects_or_fails_falls_back_to_the_offline_model(server):
    server.answer = lambda path: (301, {"Location": "http://169.254.169.254/"}, b"")
    model = OsrmTravel(server.url(), allowed_networks=LOOPBACK)
    metres, seconds = model.matrix([A, B], NIGHT)
    expected = OfflineTravel().matrix([A, B], NIGHT)
    assert np.array_equal(metres, expected[0]) and np.array_equal(seconds, expected[1])
    assert len(server.seen) == 1


# ---- nothing else calls out --------------------------------------------------------------------------------


def test_no_module_but_outbound_calls_out_over_http_by_itself():
    """import-linter forbids httpx, requests, urllib3 and aiohttp outside anxin.outbound; the standard
    library's clients (one package each to it) are looked for here."""
    client = re.compile(r"urllib\.request|urlopen|http\.client|HTTPConnection|HTTPSConnection")
    offenders = [
        f"{path.relative_to(SRC)}:{number}"
        for path in sorted(SRC.rglob("*.py"))
        if path.name != "outbound.py" or path.parent != SRC
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if client.search(line)
    ]
    assert offenders == []
