"""Queries and small changes behind the notify API: the outbox as admins see it, webhook endpoints."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import outbound
from anxin.audit import trail
from anxin.exceptions import NotFound
from anxin.notify.exceptions import BadWebhookUrl
from anxin.notify.models import OutboxMessage, WebhookEndpoint
from anxin.notify.outbox import forget_endpoints
from anxin.pagination import Page, paginate

log = structlog.get_logger("anxin.notify")


def outbox(
    db: Session, *, tenant_id: int, status: str | None, page: int, page_size: int
) -> Page[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id)
    if status:
        query = query.where(OutboxMessage.status == status)
    return paginate(db, query.order_by(OutboxMessage.id.desc()), page=page, page_size=page_size)


def endpoints(db: Session, *, tenant_id: int) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.active.is_(True)
    )
    return list(db.scalars(query.order_by(WebhookEndpoint.id)))


def create_endpoint(
    db: Session,
    *,
    tenant_id: int,
    url: str,
    events: list[str],
    secret: str | None = None,
    description: str | None = None,
    allowed_networks: Sequence[str] | None = None,
    actor: trail.Actor | None = None,
) -> WebhookEndpoint:
    """Register an endpoint. Its URL must name a public address (``outbound.check_url``: ``invalid_url`` for
    user info or a bad port, ``unsafe_url`` for loopback, private, link-local and reserved targets unless
    inside ``allowed_networks``, the operator's setting); delivery checks again when it connects."""
    if not url.startswith(("http://", "https://")):
        raise BadWebhookUrl()
    try:
        outbound.check_url(url, allowed_networks=allowed_networks)
    except outbound.UnsafeUrl as exc:
        log.info("notify.webhook_url_refused", tenant_id=tenant_id, url=url, reason=exc.reason)
        raise
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id,
        url=url,
        secret=secret or secrets.token_hex(24),
        events=sorted({e.strip() for e in events if e.strip()}) or ["*"],
        description=description,
        active=True,
    )
    db.add(endpoint)
    db.flush()
    forget_endpoints(db)
    trail.record(  # the secret is a credential: never in the log
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="webhook.create",
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        changes=trail.changes(None, trail.snapshot(endpoint, AUDITED)),
    )
    return endpoint


AUDITED = ("url", "events", "description", "active")


def deactivate_endpoint(
    db: Session, *, tenant_id: int, endpoint_id: int, actor: trail.Actor | None = None
) -> None:
    """Stops deliveries to it (rows not yet sent go dead); the row stays for the outbox's history."""
    endpoint = db.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id,
            WebhookEndpoint.tenant_id == tenant_id,
            WebhookEndpoint.active.is_(True),
        )
    )
    if endpoint is None:
        raise NotFound("webhook endpoint", "Webhook")
    endpoint.active = False
    db.flush()
    forget_endpoints(db)
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="webhook.deactivate",
        object_type="webhook_endpoint",
        object_id=endpoint.id,
        changes=trail.changes({"active": True}, {"active": False}),
    )
