"""The dispatcher console (``/console``, desktop): open orders by SLA risk with live countdowns, filters,
and for one order its ranked candidates with reasons, one-click assign, reassign and the dispatch attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.dependencies import DbSession
from anxin.dispatch.matching import assignment, live, offers
from anxin.dispatch.matching.assignment import HARD
from anxin.technician import service as technician_service
from anxin.web import i18n, orders, parts_pages
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import actions, service
from anxin.work_order.states import OPEN

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Dispatcher = Annotated[User, Depends(page_user(Action.DISPATCH_CONSOLE))]
ASSIGNABLE = {"accepted", "assigned", "acknowledged"}
OPEN_STATES = sorted(s.value for s in OPEN)


def _queue(db: DbSession, user: User, *, area: str, category: str, state: str) -> dict:
    now = clock.now()
    statuses = [state] if state in OPEN_STATES else OPEN_STATES
    page = service.list_for(
        db, user=user, now=now, page=1, page_size=200, status=statuses, district=area or None
    )
    found = [o for o in page.items if not category or o.category_code == category]
    return {
        "orders": orders.sort_by_risk(found, now),
        "sla": {o.id: service.sla_state_of(o, now) for o in found},
        "total": page.total,
        "areas": sorted({o.district for o in page.items if o.district} | ({area} if area else set())),
    }


@router.get("", response_class=HTMLResponse)
def console(
    request: Request,
    db: DbSession,
    user: Dispatcher,
    area: str = "",
    category: str = "",
    state: str = "",
    order: int | None = None,
) -> Response:
    lang = i18n.language(request)
    queue = _queue(db, user, area=area, category=category, state=state)
    panel = _panel(db, user, order, lang) if order else None
    categories = catalog_service.get_categories(db, tenant_id=user.tenant_id)
    filters = {"area": area, "category": category, "state": state}
    return render(
        request,
        "console/console.html",
        filters=filters,
        categories=categories,
        states=OPEN_STATES,
        selected=order,
        panel=panel,
        **queue,
    )


@router.get("/queue", response_class=HTMLResponse)
def queue_fragment(
    request: Request,
    db: DbSession,
    user: Dispatcher,
    area: str = "",
    category: str = "",
    state: str = "",
    order: int | None = None,
) -> Response:
    """The queue table alone, for HTMX polling."""
    queue = _queue(db, user, area=area, category=category, state=state)
    filters = {"area": area, "category": category, "state": state}
    return render(request, "console/queue.html", filters=filters, selected=order, **queue)


def _panel(db: DbSession, user: User, order_id: int, lang: str) -> dict:
    order = service.get_for(db, user=user, id=order_id)
    result: dict = {"view": orders.view(db, user=user, order=order, lang=lang)}
    if order.status in ASSIGNABLE:
        job, ranking = live.candidates(db, order=order, now=clock.now(), limit=8)
        result["candidates"] = ranking.candidates
        refused_ids = list(ranking.refused)[:8]
        names = {
            t.id: t.name
            for t in (technician_service.get(db, tenant_id=user.tenant_id, id=i) for i in refused_ids)
        }
        result["refused"] = [
            (i, names[i], ranking.refused[i], not any(r.code in HARD for r in ranking.refused[i]))
            for i in refused_ids
        ]
    result["attempts"] = offers.attempts_of(db, order=order)
    result["parts"] = parts_pages.panel(db, user=user, order=order, forms=False)
    ids = {a.technician_id for a in result["attempts"]}
    result["attempt_names"] = {
        i: technician_service.get(db, tenant_id=user.tenant_id, id=i).name for i in ids
    }
    return result


@router.post("/orders/{order_id}/accept")
def accept(request: Request, order_id: int, db: DbSession, user: Dispatcher) -> Response:
    """Accept the report; the tenant's dispatch mode may assign it at once."""
    order = service.get_for(db, user=user, id=order_id)
    offers.accept(db, order=order, actor=user, ctx=actions.Context())
    return see_other(f"/console?order={order.id}")


@router.post("/orders/{order_id}/assign")
def assign(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Dispatcher,
    technician_id: Annotated[int, Form()],
    override: Annotated[bool, Form()] = False,
) -> Response:
    """Assign (or reassign) through the same action as the API."""
    order = service.get_for(db, user=user, id=order_id)
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=technician_id)
    order = assignment.assign(
        db, order=order, technician=technician, actor=user, ctx=actions.Context(), override=override
    )
    return see_other(f"/console?order={order.id}")


@router.post("/orders/{order_id}/unassign")
def unassign(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Dispatcher,
    reason: Annotated[str, Form(max_length=300)],
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    order = assignment.unassign(db, order=order, actor=user, ctx=actions.Context(reason=reason))
    return see_other(f"/console?order={order.id}")
