"""A DNS the tests play: names answer what the test says, and may change their answer between lookups
(as a rebinding DNS would). Addresses and ``localhost`` resolve as the machine resolves them; any other
name does not resolve, so no test asks the real network."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

# A public address for names that must pass the check; nothing in the tests connects to it.
PUBLIC = "93.184.215.14"
_NUMERIC = re.compile(r"[0-9a-fx.:]+")


@dataclass
class FakeDns:
    names: dict[str, list[str]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def answer(self, name: str, *addresses: str) -> None:
        self.names[name] = list(addresses)

    real: Callable[[str, int], list] | None = None

    def __call__(self, host: str, port: int) -> list:
        self.lookups.append(host)
        if host in self.names:
            return [ipaddress.ip_address(a) for a in self.names[host]]
        if self.real is not None and (host == "localhost" or _NUMERIC.fullmatch(host)):
            return self.real(host, port)
        raise socket.gaierror(socket.EAI_NONAME, f"{host}: not a name in the test DNS")


def install(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    """The guarded client's resolver is the fake for the test."""
    from anxin import outbound

    dns = FakeDns(real=outbound.resolve)
    monkeypatch.setattr(outbound, "resolve", dns)
    return dns
