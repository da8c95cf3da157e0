"""The audit log's one writer, ``record``, and its reads.

Every change staff make outside an order's own moves (which ``work_order.events`` records) is written here
by the service or action that makes it, in the same transaction, never by a router: a new route that
calls the service is recorded without knowing it. The writers today: customers and their addresses
(``customer.service``), brands and product models with their warranty terms (``catalog.service``), the SLA
policy (``work_order.service.set_policy``), dispatch policies (``dispatch.matching.policies``), webhook
endpoints (``notify.service``), passwords and deactivations (``auth.accounts``, the ``anxin users``
commands), reinstatements (``feedback.scorecards.consequences``), complaint decisions
(``feedback.complaints.desk``), the price book's drafts, items and publications (``pricing.editing``),
and the personal-data exports, erasure requests and erasures (``privacy``). Infrastructure: any domain
may call it; it knows no role and no domain.

Personal values never enter the log in clear (``changes(..., personal=...)`` masks them), so erasing a
customer never needs to edit a row of it; and no row is ever edited: there is no update or delete here,
and the database refuses both (migration 0012)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit.models import AuditEvent
from anxin.pagination import Page, paginate

HIDDEN = "***"  # what the log keeps of a personal value that has no masked form (an address's street)


class Actor(Protocol):
    """Who acted: a user of the app (``auth.models.User``) or an ``Operator``."""

    id: int | None
    role: str


@dataclass(frozen=True)
class Operator:
    """Someone at the server's command line (``anxin users password``): no account of the app."""

    command: str
    id: None = None
    role: str = "operator"


def hidden(value: Any) -> Any:
    """A personal value with no masked form: whether there was one, not what it was."""
    return HIDDEN if value not in (None, "") else value


def _plain(value: Any) -> Any:
    """``value`` as JSON holds it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return clock.as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The values of ``fields`` of ``obj``, as JSON holds them."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    personal: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """``{field: {"before": …, "after": …}}`` for each field whose value differs (a creation has no
    ``before``, a removal no ``after``). A field named in ``personal`` is kept only in the form its
    function gives (``masking.mask_phone``, ``masking.mask_name``, ``hidden``)."""
    before, after, personal = before or {}, after or {}, personal or {}
    diff: dict[str, dict[str, Any]] = {}
    for name in [*before, *(key for key in after if key not in before)]:
        old, new = _plain(before.get(name)), _plain(after.get(name))
        if old == new:
            continue
        shown = personal.get(name)
        if shown is not None:
            old, new = shown(old), shown(new)
        diff[name] = {"before": old, "after": new}
    return diff


def request_id() -> str | None:
    """The id of the request being served (``observability.RequestContext``), None outside one."""
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value)[:64] if value else None


def _name(actor: Actor | None) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, Operator):
        return actor.command[:120]
    if actor.role == "customer":  # a customer's account name holds their phone: named by record instead
        return f"customer:{getattr(actor, 'customer_id', None) or '?'}"
    return str(getattr(actor, "username", None) or f"user:{actor.id}")[:120]


def record(
    db: Session,
    *,
    tenant_id: int,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: int | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str | None = None,
) -> AuditEvent:
    """Append one row to the audit log, in the caller's transaction. ``actor`` None is the platform
    itself (seeding, the demo city, a job); every route passes its caller."""
    row = AuditEvent(
        tenant_id=tenant_id,
        occurred_at=clock.now(),
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else "system",
        actor_name=_name(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        changes=dict(changes or {}),
        note=note,
        request_id=request_id(),
    )
    db.add(row)
    db.flush()
    return row


# -- reads -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    actor_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def search(db: Session, *, tenant_id: int, filters: Filters, page: int, page_size: int) -> Page[AuditEvent]:
    """The tenant's audit events, newest first. ``action`` matches a whole action or a prefix ending in
    ``.`` (``catalog.`` for every catalog change)."""
    query = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if filters.action:
        if filters.action.endswith("."):
            query = query.where(AuditEvent.action.startswith(filters.action, autoescape=True))
        else:
            query = query.where(AuditEvent.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.actor_id is not None:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.since is not None:
        query = query.where(AuditEvent.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.occurred_at < filters.until)
    return paginate(db, query.order_by(AuditEvent.id.desc()), page=page, page_size=page_size)
