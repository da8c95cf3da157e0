"""The in-app inbox on the pages: what the outbox delivered to the signed-in person (``notify.inbox``),
newest first; opening a message marks it read. Customers read theirs in the portal, staff and
technicians at ``/inbox``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin import links
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import DbSession
from anxin.notify import inbox
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Worker = Annotated[User, Depends(page_user(Action.INBOX_AT_WORK))]

i18n.extend(
    {
        "inbox": ("消息", "Messages"),
        "inbox_unread": ("未读", "unread"),
        "inbox_empty": ("暂无消息", "No messages yet"),
        "inbox_read": ("标为已读", "Mark read"),
        "inbox_open": ("查看", "Open"),
    }
)


def _page(request: Request, db: DbSession, user: User, base: str) -> Response:
    found = inbox.items(db, user=user)
    texts = inbox.in_language(db, found, i18n.language(request))  # each message in the reader's language
    return render(
        request,
        "inbox.html",
        items=[(item, links.site_path(item.link), texts.get(item.id)) for item in found],
        unread=inbox.unread_count(db, user=user),
        base=base,
        mobile=user.role in (Role.CUSTOMER, Role.TECHNICIAN),
    )


def _read(db: DbSession, user: User, item_id: int, base: str) -> Response:
    item = inbox.mark_read(db, user=user, item_id=item_id)
    return see_other(links.site_path(item.link) or base)


@router.get("/portal/inbox", response_class=HTMLResponse)
def portal_inbox(request: Request, db: DbSession, user: Customer) -> Response:
    return _page(request, db, user, "/portal/inbox")


@router.post("/portal/inbox/{item_id}/read")
def portal_read(request: Request, item_id: int, db: DbSession, user: Customer) -> Response:
    return _read(db, user, item_id, "/portal/inbox")


@router.get("/inbox", response_class=HTMLResponse)
def staff_inbox(request: Request, db: DbSession, user: Worker) -> Response:
    return _page(request, db, user, "/inbox")


@router.post("/inbox/{item_id}/read")
def staff_read(request: Request, item_id: int, db: DbSession, user: Worker) -> Response:
    return _read(db, user, item_id, "/inbox")
