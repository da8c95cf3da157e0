"""The notify API: the caller's in-app inbox; for admins, the outbox (dead letters, redelivery by hand)
and the tenant's webhook endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import CurrentUser, DbSession, SettingsDep, allowed
from anxin.fields import Id
from anxin.notify import delivery, inbox, service
from anxin.notify.schemas import (
    InboxItemRead,
    InboxRead,
    OutboxMessageRead,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointRead,
)
from anxin.pagination import PageNumber, PageRead, PageSize

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Admin = Annotated[User, Depends(allowed(Action.NOTIFICATIONS_MANAGE))]


@router.get("/inbox", response_model=InboxRead)
def my_inbox(
    db: DbSession,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    unread: bool = False,
) -> InboxRead:
    """The caller's messages, newest first, and how many are unread."""
    items = inbox.items(db, user=user, limit=limit, unread_only=unread)
    return InboxRead(
        items=[InboxItemRead.model_validate(i) for i in items], unread=inbox.unread_count(db, user=user)
    )


@router.post("/inbox/{item_id}/read", response_model=InboxItemRead)
def read_item(item_id: Id, db: DbSession, user: CurrentUser):
    return inbox.mark_read(db, user=user, item_id=item_id)


@router.get("/notifications/outbox", response_model=PageRead[OutboxMessageRead])
def list_outbox(
    db: DbSession,
    user: Admin,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    status: Annotated[str | None, Query(pattern="^(pending|sending|sent|failed|dead)$")] = None,
):
    result = service.outbox(db, tenant_id=user.tenant_id, status=status, page=page, page_size=page_size)
    return PageRead[OutboxMessageRead](
        items=[OutboxMessageRead.model_validate(m) for m in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.post("/notifications/outbox/{message_id}/redeliver", response_model=OutboxMessageRead)
def redeliver(message_id: Id, db: DbSession, user: Admin):
    """Put a dead message back in the queue; the worker tries it again at its next pass."""
    return delivery.redeliver(db, tenant_id=user.tenant_id, message_id=message_id, actor=user)


@router.get("/notifications/webhooks", response_model=list[WebhookEndpointRead])
def list_webhooks(db: DbSession, user: Admin):
    return service.endpoints(db, tenant_id=user.tenant_id)


@router.post("/notifications/webhooks", response_model=WebhookEndpointCreated, status_code=201)
def create_webhook(body: WebhookEndpointCreate, db: DbSession, user: Admin, settings: SettingsDep):
    """Register an endpoint; 422 ``unsafe_url`` when its host is not a public address."""
    return service.create_endpoint(
        db,
        tenant_id=user.tenant_id,
        allowed_networks=settings.outbound_allowed_networks,
        actor=user,
        **body.model_dump(),
    )


@router.delete("/notifications/webhooks/{endpoint_id}", status_code=204)
def delete_webhook(endpoint_id: Id, db: DbSession, user: Admin) -> Response:
    service.deactivate_endpoint(db, tenant_id=user.tenant_id, endpoint_id=endpoint_id, actor=user)
    return Response(status_code=204)
