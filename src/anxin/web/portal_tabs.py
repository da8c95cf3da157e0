"""The portal as an app: the bottom tab bar's pieces that need the server. ``/portal/me`` (我的: who I am,
my address, the customer-service chat, my appliances, plans, prices, my data, the privacy notice, sign
out) and ``/portal/unread`` (the 消息 tab's badge: the unread count of the inbox, polled by htmx; it
clears as the messages are opened, ``inbox_pages``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.notify import inbox
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]

i18n.extend(
    {
        "tab_nav": ("底部导航", "App tabs"),
        "tab_service": ("服务", "Service"),
        "tab_report": ("报修", "Report"),
        "tab_messages": ("消息", "Messages"),
        "tab_me": ("我的", "Me"),
        "me_title": ("我的", "Me"),
        "me_service": ("在线客服", "Customer service"),
        "me_service_hint": (
            "智能客服随时在线，可转人工",
            "The assistant is always on; ask for an agent any time",
        ),
        "me_address": ("服务地址", "Service address"),
        "me_appliances": ("登记新家电", "Register an appliance"),
        "me_privacy": ("隐私政策", "Privacy notice"),
        "me_language": ("切换语言", "Language"),
        "me_unread": ("条未读消息", "unread messages"),
    }
)


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, db: DbSession, user: Customer) -> Response:
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    return render(request, "portal/me.html", customer=customer, address=next(iter(customer.addresses), None))


@router.get("/unread", response_class=HTMLResponse)
def unread(request: Request, db: DbSession, user: Customer) -> Response:
    """The badge's text: the count of unread messages, nothing when there are none."""
    count = inbox.unread_count(db, user=user)
    shown = "" if count == 0 else ("99+" if count > 99 else str(count))
    return HTMLResponse(shown, headers={"Cache-Control": "no-store"})
