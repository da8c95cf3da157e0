"""The one way out: every outbound HTTP call (webhooks, OSRM; later telephony or a language model) goes
through this module, and no other module of anxin imports an HTTP client (an import-linter contract).

Only public targets. ``check_url`` (when an address is registered) and every request (when it is called)
read the URL (http or https, a host, no user name or password, a port from 1 to 65535), resolve the host
and refuse the target when ANY address it resolves to is not public: loopback, private, link-local, shared
(CGNAT 100.64/10), reserved, documentation, benchmarking, multicast or unspecified; also in an IPv6 wrapping
(IPv4-mapped ``::ffff:a.b.c.d``, 6to4 ``2002::/16``, NAT64 ``64:ff9b::/96``) and however the host is spelled
(``2130706433`` and ``0x7f.1`` are judged by the address the resolver reads them as). The operator may allow
named networks (``ANXIN_OUTBOUND_ALLOWED_NETWORKS``: a brand's own systems, an OSRM server on a private
network); none by default.

A request connects to the address it has just checked, never to a second lookup that a rebinding DNS could
answer differently: the URL it sends carries the address, the ``Host`` header and (for https) the TLS server
name, and so the certificate's check, carry the host as written. It follows no redirect (a 3xx is the
answer), ignores proxy settings in the environment, ends after ``timeout`` seconds in all (a watchdog shuts
the connection down at the deadline, so a server that drips its answer cannot hold the caller; only the
resolver's own lookup is outside its reach) and reads at most ``max_bytes`` of the body, undecoded.

Failures: ``Refused`` (not a target we call) and ``NoAnswer`` (no DNS answer, connection refused or reset,
a timeout, TLS, a broken answer). Their text names the host and the cause: it is for the server's log, not
for the people who registered the address.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx

from anxin.config import get_settings
from anxin.exceptions import AnxinError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_MAX_BYTES = 1024 * 1024
USER_AGENT = "Anxin/1"

# Not public, whatever the running Python's ``is_global`` says (it changed between releases).
_NOT_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network", 0.0.0.0
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (CGNAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
)
# Global unicast; all else is not public (::1, ::, fc00::/7, fe80::/10, ff00::/8, …).
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "2001::/23",  # IETF protocol assignments: Teredo, benchmarking, ORCHID
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")


class OutboundError(Exception):
    """A call that did not happen or got no answer; the text is for the log."""


class Refused(OutboundError):
    """Not a target we call: not a public address, or not a URL we accept."""

    def __init__(self, reason: str, *, malformed: bool = False) -> None:
        super().__init__(reason)
        self.malformed = malformed


class NoAnswer(OutboundError):
    """No DNS answer, connection refused or reset, a timeout, a TLS failure, a broken answer."""


class InvalidUrl(AnxinError):
    status_code = 422
    code = "invalid_url"
    message_zh = (
        "地址必须是 http:// 或 https:// 开头的网址，含主机名，不含用户名或密码，端口在 1 到 65535 之间"
    )
    message_en = "The address must be an http:// or https:// URL with a host, no user name or password, and a port from 1 to 65535"


class UnsafeUrl(AnxinError):
    status_code = 422
    code = "unsafe_url"
    message_zh = "该地址不是公网地址（本机、内网、链路本地或保留地址，或无法解析），出于安全考虑不能使用"
    message_en = "The address is not a public internet address (loopback, private, link-local or reserved, or it does not resolve), so it cannot be used"

    def __init__(self, reason: str = "") -> None:
        super().__init__()
        self.reason = reason  # for the server's log only


@dataclass(frozen=True)
class Response:
    """What came back: the status, the headers, and at most ``max_bytes`` of the body as sent (not
    decompressed: requests ask for ``identity``)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    truncated: bool = False

    def json(self) -> Any:
        """The body as JSON; ``ValueError`` when it is not, or was cut at the limit."""
        if self.truncated:
            raise ValueError("the answer was longer than the limit")
        return json.loads(self.content)


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # ASCII (IDNA), lower case, an IPv6 address without brackets
    port: int
    authority: str  # the Host header: the host (and port) as written


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address; an IPv6 form wrapping an IPv4 address is judged
    by the IPv4 address inside."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return is_public(inner)
        return (
            address in _GLOBAL_UNICAST_V6
            and not any(address in network for network in _NOT_PUBLIC_V6)
            and address.is_global
            and not address.is_multicast
        )
    return (
        not any(address in network for network in _NOT_PUBLIC_V4)
        and address.is_global
        and not address.is_multicast
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@lru_cache(maxsize=32)
def _parse_networks(networks: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(n.strip(), strict=False) for n in networks if n.strip())


def _networks(allowed_networks: Sequence[str] | None) -> tuple[IPNetwork, ...]:
    if allowed_networks is None:
        allowed_networks = get_settings().outbound_allowed_networks
    return _parse_networks(tuple(allowed_networks))


def _permitted(address: IPAddress, networks: Sequence[IPNetwork]) -> bool:
    if is_public(address):
        return True
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        candidates.append(address.ipv4_mapped)
    return any(c in n for c in candidates for n in networks if c.version == n.version)


def _parse(url: str) -> _Target:
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii").lower()
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise Refused(f"not a URL: {exc}", malformed=True) from None
    if parsed.scheme not in ("http", "https"):
        raise Refused(f"scheme {parsed.scheme!r} is not http or https", malformed=True)
    if parsed.userinfo:
        raise Refused("a user name or password in the URL", malformed=True)
    if not host or (":" not in host and not _HOST_NAME.fullmatch(host)):
        raise Refused(f"no valid host in the URL: {host!r}", malformed=True)
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 1 <= port <= 65535:
        raise Refused(f"port {port} is out of range", malformed=True)
    return _Target(url=parsed, host=host, port=port, authority=parsed.netloc.decode("ascii"))


def resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses ``host`` resolves to, in the resolver's order (an address is itself); ``OSError``
    when it does not resolve. Tests replace this function to play a DNS."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[IPAddress] = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if family in (socket.AF_INET, socket.AF_INET6):
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            if address not in found:
                found.append(address)
    return found


def _checked(target: _Target, networks: Sequence[IPNetwork]) -> list[IPAddress]:
    """The addresses to connect to, each one checked; refused when any of them is not permitted."""
    try:
        addresses = resolve(target.host, target.port)
    except (OSError, UnicodeError) as exc:
        raise NoAnswer(f"{target.host} does not resolve: {exc}") from None
    if not addresses:
        raise NoAnswer(f"{target.host} does not resolve")
    for address in addresses:
        if not _permitted(address, networks):
            raise Refused(f"{target.host} resolves to {address}, which is not a public address")
    return [
        a.ipv4_mapped if isinstance(a, ipaddress.IPv6Address) and a.ipv4_mapped is not None else a
        for a in addresses
    ]


def check_url(url: str, *, allowed_networks: Sequence[str] | None = None) -> None:
    """Refuse a URL that a request would refuse: ``InvalidUrl`` when it is not an http(s) URL we accept,
    ``UnsafeUrl`` when its host resolves to an address that is not public (or not at all).
    ``allowed_networks``: the operator's setting when None."""
    try:
        _checked(_parse(url), _networks(allowed_networks))
    except Refused as exc:
        if exc.malformed:
            raise InvalidUrl() from None
        raise UnsafeUrl(str(exc)) from None
    except NoAnswer as exc:
        raise UnsafeUrl(str(exc)) from None


class _ConnectFailed(Exception):
    """Nothing was sent: the next address may be tried."""


class _Watchdog:
    """Shuts the request's connections down at the deadline, whatever httpx is waiting for then."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: keep a duplicate of each new connection's socket."""
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        if sock is None:
            return
        with self._lock:
            duplicate = sock.dup()
            self._sockets.append(duplicate)
            if self.fired:
                self._shut(duplicate)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            for sock in self._sockets:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _send(
    method: str,
    target: _Target,
    address: IPAddress,
    *,
    content: bytes | None,
    params: Mapping[str, str] | None,
    headers: Mapping[str, str] | None,
    seconds: float,
    max_bytes: int,
) -> Response:
    pinned = target.url.copy_with(host=str(address))
    sent_headers = httpx.Headers({"User-Agent": USER_AGENT, "Accept-Encoding": "identity"})
    sent_headers.update(headers or {})
    sent_headers["Host"] = target.authority
    deadline = time.monotonic() + seconds
    with (
        _Watchdog(seconds) as watchdog,
        httpx.Client(follow_redirects=False, trust_env=False, timeout=httpx.Timeout(seconds)) as client,
    ):
        extensions: dict[str, Any] = {"trace": watchdog.trace}
        if target.url.scheme == "https":
            extensions["sni_hostname"] = target.host.rstrip(".")
        request = client.build_request(
            method, pinned, content=content, params=params, headers=sent_headers, extensions=extensions
        )
        try:
            answer = client.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if watchdog.fired:
                raise NoAnswer(f"{target.host} ({address}): no answer within {seconds:.1f} s") from None
            raise _ConnectFailed(f"{target.host} ({address}): {type(exc).__name__}: {exc}") from None
        except (httpx.HTTPError, OSError) as exc:
            raise NoAnswer(_failure(target, address, exc, watchdog, seconds)) from None
        try:
            body = bytearray()
            truncated = False
            for chunk in answer.iter_raw():
                body += chunk
                if len(body) > max_bytes:
                    del body[max_bytes:]
                    truncated = True
                    break
                if time.monotonic() > deadline:
                    raise NoAnswer(f"{target.host} ({address}): no answer within {seconds:.1f} s")
        except (httpx.HTTPError, OSError) as exc:
            raise NoAnswer(_failure(target, address, exc, watchdog, seconds)) from None
        finally:
            answer.close()
        return Response(answer.status_code, dict(answer.headers), bytes(body), truncated)


def _failure(target: _Target, address: IPAddress, exc: Exception, watchdog: _Watchdog, seconds: float) -> str:
    if watchdog.fired:
        return f"{target.host} ({address}): no answer within {seconds:.1f} s"
    return f"{target.host} ({address}): {type(exc).__name__}: {exc}"


def request(
    method: str,
    url: str,
    *,
    timeout: float,
    content: bytes | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed_networks: Sequence[str] | None = None,
) -> Response:
    """One request to a checked, pinned address (the next resolved address when one cannot be connected
    to), ``timeout`` seconds in all. Raises ``Refused`` or ``NoAnswer``; any HTTP status is an answer.
    ``allowed_networks``: the operator's setting when None."""
    deadline = time.monotonic() + timeout
    target = _parse(url)
    addresses = _checked(target, _networks(allowed_networks))
    failure = f"{target.host}: no answer within {timeout:.1f} s"
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            return _send(
                method,
                target,
                address,
                content=content,
                params=params,
                headers=headers,
                seconds=remaining,
                max_bytes=max_bytes,
            )
        except _ConnectFailed as exc:
            failure = str(exc)
    raise NoAnswer(failure)


def post(
    url: str,
    *,
    content: bytes,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed_networks: Sequence[str] | None = None,
) -> Response:
    return request(
        "POST",
        url,
        content=content,
        headers=headers,
        timeout=timeout,
        max_bytes=max_bytes,
        allowed_networks=allowed_networks,
    )


def get(
    url: str,
    *,
    timeout: float,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    allowed_networks: Sequence[str] | None = None,
) -> Response:
    return request(
        "GET",
        url,
        params=params,
        headers=headers,
        timeout=timeout,
        max_bytes=max_bytes,
        allowed_networks=allowed_networks,
    )
