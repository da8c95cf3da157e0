"""The pluggable edges of payments: the payment gateway that collects WeChat Pay and Alipay, and the
e-invoice provider. Each is a ``Protocol`` with a registry read by name from the settings
(``ANXIN_PAYMENT_GATEWAY``, ``ANXIN_INVOICE_PROVIDER``); the only implementations built in are the local
demo ones, which never leave the machine (nothing here calls a service outside it).

A real gateway answers a payment request with a code URL (WeChat's native pay ``weixin://wxpay/…``,
Alipay's precreate ``qr_code``) that the customer's phone scans, and later calls back with a signed
notification. The demo gateway does the same locally: its code URL names the payment's reference, and its
notification is signed with HMAC-SHA256 under a key of its own (``auth.keys.Purpose.PAYMENT_NOTIFY``), so
a stranger cannot mark an order paid; the demo "customer scanned and paid" button builds such a
notification (``DemoGateway.notification``) and passes it through the same check as any callback."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from anxin.auth import keys
from anxin.config import get_settings
from anxin.pricing.payments_errors import NoGateway


class BadSignature(Exception):
    """A notification whose signature does not verify."""


@dataclass(frozen=True)
class Notification:
    """What a gateway says happened to a payment: ``status`` paid or failed, ``txn`` its own number."""

    reference: str
    txn: str
    amount_fen: int
    status: str


class Gateway(Protocol):
    name: str

    def create(self, *, reference: str, method: str, amount_fen: int, description: str) -> str:
        """Ask for a payment; the code URL a QR code carries for the customer to scan."""
        ...

    def verify(self, fields: dict[str, str | int], sign: str) -> Notification:
        """The notification a callback carries, if its signature verifies (``BadSignature`` otherwise)."""
        ...

    def refund(self, *, reference: str, txn: str, amount_fen: int) -> str:
        """Give ``amount_fen`` of a paid payment back to the customer; the gateway's refund number."""
        ...


class InvoiceProvider(Protocol):
    name: str

    def issue(
        self, *, key: int, title: str, tax_id: str | None, email: str, amount_fen: int, on: date
    ) -> str:
        """Issue an e-invoice (sent by the provider to ``email``); its number."""
        ...


# -- the demo ---------------------------------------------------------------------------------------------


def signed_message(fields: dict[str, str | int]) -> str:
    """The text a notification's signature covers: its fields sorted by name, ``key=value`` joined by
    ``&`` (as WeChat Pay's and Alipay's notifications are signed)."""
    return "&".join(f"{name}={fields[name]}" for name in sorted(fields))


class DemoGateway:
    """Collects nothing: a code URL naming the payment, notifications signed with the demo key."""

    name = "demo"

    def _sign(self, fields: dict[str, str | int]) -> str:
        return keys.digest(get_settings().secret_key, keys.Purpose.PAYMENT_NOTIFY, signed_message(fields))

    def create(self, *, reference: str, method: str, amount_fen: int, description: str) -> str:
        return f"https://pay.demo.anxin.invalid/{method}/{reference}?amount_fen={amount_fen}"

    def notification(self, *, reference: str, amount_fen: int, status: str = "paid") -> tuple[dict, str]:
        """What the gateway would post once the customer scanned and paid: the fields and their sign."""
        fields: dict[str, str | int] = {
            "reference": reference,
            "txn": f"DEMO{secrets.token_hex(8).upper()}",
            "amount_fen": amount_fen,
            "status": status,
        }
        return fields, self._sign(fields)

    def verify(self, fields: dict[str, str | int], sign: str) -> Notification:
        if not hmac.compare_digest(self._sign(fields), str(sign)):
            raise BadSignature()
        return Notification(
            reference=str(fields["reference"]),
            txn=str(fields["txn"]),
            amount_fen=int(fields["amount_fen"]),
            status=str(fields["status"]),
        )

    def refund(self, *, reference: str, txn: str, amount_fen: int) -> str:
        return f"DEMOREFUND{secrets.token_hex(6).upper()}"


class DemoInvoiceProvider:
    """Issues invoice numbers locally: ``DEMO`` and the day and the invoice's own key."""

    name = "demo"

    def issue(
        self, *, key: int, title: str, tax_id: str | None, email: str, amount_fen: int, on: date
    ) -> str:
        return f"DEMO{on:%Y%m%d}{key:08d}"


GATEWAYS: dict[str, Callable[[], Gateway]] = {"demo": DemoGateway}
INVOICE_PROVIDERS: dict[str, Callable[[], InvoiceProvider]] = {"demo": DemoInvoiceProvider}


def configured() -> str:
    """The configured gateway's name (``ANXIN_PAYMENT_GATEWAY``); empty when there is none."""
    return get_settings().payment_gateway


def gateway(name: str | None = None) -> Gateway:
    """The gateway named ``name``, by default the configured one; 409 ``no_payment_gateway`` when none is
    configured (nothing is ever collected through the demo's unless it is chosen by name)."""
    chosen = name or configured()
    if not chosen:
        raise NoGateway()
    if chosen not in GATEWAYS:
        raise LookupError(f"no payment gateway {chosen!r}; known: {', '.join(sorted(GATEWAYS))}")
    return GATEWAYS[chosen]()


def invoice_provider() -> InvoiceProvider | None:
    """The configured e-invoice provider (``ANXIN_INVOICE_PROVIDER``); None when there is none, and the
    customer's request waits for one."""
    chosen = get_settings().invoice_provider
    if not chosen:
        return None
    if chosen not in INVOICE_PROVIDERS:
        raise LookupError(f"no invoice provider {chosen!r}; known: {', '.join(sorted(INVOICE_PROVIDERS))}")
    return INVOICE_PROVIDERS[chosen]()
