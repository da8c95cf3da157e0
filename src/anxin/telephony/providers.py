"""The pluggable edge of relay numbers (隐私号): the telephony provider that binds a relay number to two
parties, AXB style (阿里云号码隐私保护 ``BindAxb``, 腾讯云 and the carriers' number-protection services):
the customer (A) and the technician (B) both dial the relay (X) and reach each other, each seeing only X.

A ``TelephonyProvider`` is a ``Protocol`` with a registry read by name from the settings
(``ANXIN_TELEPHONY_PROVIDER``), as ``pricing.gateways`` chooses the payment gateway. None is configured
by default: no relay is bound, the pages show no call button and ``GET …/relay`` answers 409
``no_telephony_provider``. The only provider built in is the demo's (``demo``), which never leaves the
machine: it hands out numbers of the pool ``170xxxxxxxx`` and logs each bridge (masked) to the log; the
audit log's ``relay.*`` rows (written by ``relay.py`` whichever the provider) name who is bridged to
whom through which number. A real provider would call its vendor's API through ``anxin.outbound`` only,
and raise ``ProviderFailed`` when the vendor refuses or cannot be reached."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from anxin.config import get_settings
from anxin.masking import mask_phone
from anxin.telephony.exceptions import NoTelephonyProvider

log = structlog.get_logger(__name__)


class ProviderFailed(Exception):
    """The provider refused or could not be reached; nothing was bound, changed or unbound."""


@dataclass(frozen=True)
class Bound:
    """What the provider bound: the relay number and its own id of the binding."""

    relay_number: str
    subscription_id: str


class TelephonyProvider(Protocol):
    name: str

    def bind(self, *, key: int, party_a: str, party_b: str, expires_at: datetime) -> Bound:
        """Bind a relay number to ``party_a`` (the customer) and ``party_b`` (the technician) until
        ``expires_at``; ``key`` is the binding's own id (unique), for the provider's records."""
        ...

    def rebind(self, *, subscription_id: str, party_b: str | None, expires_at: datetime) -> None:
        """Change the technician's side (``party_b``; None: unchanged) and the expiry of a binding,
        keeping its relay number: the old technician's phone no longer reaches anyone through it."""
        ...

    def unbind(self, *, subscription_id: str) -> None:
        """Release a binding: its relay number reaches nobody any more."""
        ...


# -- the demo ---------------------------------------------------------------------------------------------

POOL_PREFIX = "170"  # the demo's pool: 170 and eight digits (a virtual operators' range)


class DemoProvider:
    """Binds locally: the relay number is ``170`` and the binding's key in eight digits, so two live
    bindings never share one; every bind, rebind and unbind is logged (debug) with the numbers masked."""

    name = "demo"

    def bind(self, *, key: int, party_a: str, party_b: str, expires_at: datetime) -> Bound:
        number = f"{POOL_PREFIX}{key % 10**8:08d}"
        log.debug(
            "telephony.demo.bind",
            relay=number,
            customer=mask_phone(party_a),
            technician=mask_phone(party_b),
            expires_at=expires_at.isoformat(),
        )
        return Bound(relay_number=number, subscription_id=f"DEMO-{key}")

    def rebind(self, *, subscription_id: str, party_b: str | None, expires_at: datetime) -> None:
        log.debug(
            "telephony.demo.rebind",
            subscription=subscription_id,
            technician=mask_phone(party_b) if party_b else "(unchanged)",
            expires_at=expires_at.isoformat(),
        )

    def unbind(self, *, subscription_id: str) -> None:
        log.debug("telephony.demo.unbind", subscription=subscription_id)


PROVIDERS: dict[str, Callable[[], TelephonyProvider]] = {"demo": DemoProvider}


def configured() -> str:
    """The configured provider's name (``ANXIN_TELEPHONY_PROVIDER``); empty when there is none."""
    return get_settings().telephony_provider


def provider(name: str | None = None) -> TelephonyProvider:
    """The provider named ``name``, by default the configured one; 409 ``no_telephony_provider`` when none
    is configured. An unknown name is a configuration error (``LookupError``)."""
    chosen = name or configured()
    if not chosen:
        raise NoTelephonyProvider()
    if chosen not in PROVIDERS:
        raise LookupError(f"no telephony provider {chosen!r}; known: {', '.join(sorted(PROVIDERS))}")
    return PROVIDERS[chosen]()
