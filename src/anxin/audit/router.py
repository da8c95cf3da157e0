"""The audit log for admins: read only. There is no route that changes or removes an entry."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AfterValidator

from anxin.audit import trail
from anxin.audit.schemas import AuditEventRead
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id, Instant
from anxin.pagination import PageNumber, PageRead, PageSize

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])
Admin = Annotated[User, Depends(allowed(Action.AUDIT_READ))]
Word = Annotated[str | None, Query(max_length=60, pattern=r"^[a-z_.\-]+$")]


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2026-12-05T08:00:00+08:00")
    return value


Moment = Annotated[Instant, AfterValidator(_aware)]  # written out, with its offset


@router.get("", response_model=PageRead[AuditEventRead])
def list_audit_events(
    db: DbSession,
    user: Admin,
    action: Word = None,
    object_type: Word = None,
    object_id: Id | None = None,
    actor_id: Id | None = None,
    since: Moment | None = None,
    until: Moment | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    """The tenant's audit log, newest first. ``action`` is a whole action (``customer.erase``) or a prefix
    ending in a dot (``catalog.``); ``since`` and ``until`` bound ``occurred_at`` (until excluded)."""
    filters = trail.Filters(
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_id=actor_id,
        since=since,
        until=until,
    )
    found = trail.search(db, tenant_id=user.tenant_id, filters=filters, page=page, page_size=page_size)
    return PageRead[AuditEventRead](
        items=[AuditEventRead.model_validate(row) for row in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
    )
