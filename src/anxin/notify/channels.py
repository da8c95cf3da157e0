"""The channels behind one small interface: ``send(db, message, rendered, settings)`` returns when the
message is handed over and raises ``DeliveryFailed`` when it is not. Inbox writes a row in the delivery's
transaction; email speaks SMTP; webhook POSTs signed JSON through the guarded client (``anxin.outbound``);
SMS and WeChat go through a pluggable backend whose default logs the text (and counts as sent).

A webhook's failure reads the same for every cause the admin should not tell apart (``last_error`` is what
admins see in the outbox): ``TARGET_REFUSED`` when the host now resolves to an address that is not public
(dead at once), ``NO_ANSWER`` for every connection-level failure (no DNS answer, refused, reset, timeout,
TLS), ``delivery failed: HTTP <status>`` for an answer that is not 2xx (a redirect included: it is not
followed). The cause is in the server's log."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import outbound
from anxin.config import Settings
from anxin.masking import mask_phone
from anxin.notify.models import InboxItem, OutboxMessage, WebhookEndpoint
from anxin.notify.templates import Rendered

log = structlog.get_logger("anxin.notify")

TARGET_REFUSED = "target refused: not a public address"
NO_ANSWER = "delivery failed: no answer"
WEBHOOK_ANSWER_BYTES = 4096  # a receiver's answer is not used: read a little, then hang up


class DeliveryFailed(Exception):
    """The channel could not hand the message over. ``permanent``: retrying cannot help (dead at once)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


class Channel(Protocol):
    def send(self, db: Session, message: OutboxMessage, rendered: Rendered, settings: Settings) -> None: ...


class InboxChannel:
    def send(self, db: Session, message: OutboxMessage, rendered: Rendered, settings: Settings) -> None:
        kind, _, ident = message.recipient.partition(":")
        if kind not in ("user", "customer", "technician") or not ident.isdigit():
            raise DeliveryFailed(f"not an inbox address: {message.recipient!r}", permanent=True)
        exists = db.scalar(select(InboxItem.id).where(InboxItem.outbox_message_id == message.id))
        if exists is not None:
            return
        db.add(
            InboxItem(
                tenant_id=message.tenant_id,
                recipient=message.recipient,
                event=message.event,
                title=rendered.title,
                body=rendered.body,
                link=rendered.link,
                outbox_message_id=message.id,
                work_order_id=message.work_order_id,
            )
        )
        db.flush()


class EmailChannel:
    def send(self, db: Session, message: OutboxMessage, rendered: Rendered, settings: Settings) -> None:
        mail = EmailMessage()
        mail["From"] = settings.smtp_from
        mail["To"] = message.recipient
        mail["Subject"] = rendered.title
        mail["Message-ID"] = f"<{hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]}@anxin>"
        text = rendered.body + (f"\n\n{rendered.link}" if rendered.link else "")
        mail.set_content(text)
        try:
            with smtplib.SMTP(
                settings.smtp_host, settings.smtp_port, timeout=settings.webhook_timeout_seconds
            ) as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"recipient refused: {exc}", permanent=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"smtp: {exc}") from exc


def signature(secret: str, body: bytes) -> str:
    """The ``X-Anxin-Signature`` header value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(message: OutboxMessage) -> bytes:
    """The same bytes on every try of one message (no send time inside), so a receiver can compare."""
    payload = {
        "id": message.dedupe_key,
        "event": message.event,
        "tenant_id": message.tenant_id,
        "work_order_id": message.work_order_id,
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "data": message.context,
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()


class WebhookChannel:
    def send(self, db: Session, message: OutboxMessage, rendered: Rendered, settings: Settings) -> None:
        kind, _, ident = message.recipient.partition(":")
        endpoint = (
            db.scalar(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id == int(ident), WebhookEndpoint.tenant_id == message.tenant_id
                )
            )
            if kind == "endpoint" and ident.isdigit()
            else None
        )
        if endpoint is None or not endpoint.active:
            raise DeliveryFailed(f"no active webhook endpoint {message.recipient!r}", permanent=True)
        body = webhook_body(message)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Anxin-Webhook/1",
            "X-Anxin-Event": message.event,
            "X-Anxin-Delivery": message.dedupe_key,
            "X-Anxin-Signature": signature(endpoint.secret, body),
        }
        try:
            answer = outbound.post(
                endpoint.url,
                content=body,
                headers=headers,
                timeout=settings.webhook_timeout_seconds,
                max_bytes=WEBHOOK_ANSWER_BYTES,
                allowed_networks=settings.outbound_allowed_networks,
            )
        except outbound.Refused as exc:
            log.warning(
                "notify.webhook_refused", endpoint_id=endpoint.id, message_id=message.id, cause=str(exc)
            )
            raise DeliveryFailed(TARGET_REFUSED, permanent=True) from exc
        except outbound.NoAnswer as exc:
            log.warning(
                "notify.webhook_no_answer", endpoint_id=endpoint.id, message_id=message.id, cause=str(exc)
            )
            raise DeliveryFailed(NO_ANSWER) from exc
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(f"delivery failed: HTTP {answer.status_code}")


TextBackend = Callable[[str, str, Rendered, dict[str, Any]], None]


def logging_backend(channel: str, address: str, rendered: Rendered, context: dict[str, Any]) -> None:
    """The default SMS/WeChat backend: the rendered text goes to the log, to a masked number; it counts as
    sent."""
    log.info("notify.text", channel=channel, to=mask_phone(address), title=rendered.title, body=rendered.body)


# Replace an entry (``set_backend("sms", my_gateway)``) to send through a real gateway; a backend raises
# ``DeliveryFailed`` when the gateway refuses.
BACKENDS: dict[str, TextBackend] = {"sms": logging_backend, "wechat": logging_backend}


def set_backend(channel: str, backend: TextBackend) -> None:
    if channel not in BACKENDS:
        raise ValueError(f"no pluggable backend for {channel!r}")
    BACKENDS[channel] = backend


class TextChannel:
    def __init__(self, name: str) -> None:
        self.name = name

    def send(self, db: Session, message: OutboxMessage, rendered: Rendered, settings: Settings) -> None:
        BACKENDS[self.name](self.name, message.recipient, rendered, message.context or {})


CHANNELS: dict[str, Channel] = {
    "inbox": InboxChannel(),
    "email": EmailChannel(),
    "webhook": WebhookChannel(),
    "sms": TextChannel("sms"),
    "wechat": TextChannel("wechat"),
}
