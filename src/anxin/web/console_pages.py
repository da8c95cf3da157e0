"""The dispatcher console (``/console``, desktop): open orders by SLA risk with live countdowns, filters,
and for one order its ranked candidates with reasons, one-click assign, reassign and the dispatch attempts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.dependencies import DbSession
from anxin.dispatch.matching import assignment, live, offers
from anxin.dispatch.matching.assignment import HARD
from anxin.technician import service as technician_service
from anxin.web import health_pages, i18n, orders, parts_pages, queue_view
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import actions, appointment, photos, service
from anxin.work_order.states import OPEN

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Dispatcher = Annotated[User, Depends(page_user(Action.DISPATCH_CONSOLE))]
ASSIGNABLE = {"accepted", "assigned", "acknowledged"}
OPEN_STATES = sorted(s.value for s in OPEN)


def _queue(
    db: DbSession, user: User, *, area: str, category: str, state: str, lang: str = "zh", q: str = ""
) -> dict:
    now = clock.now()
    statuses = [state] if state in OPEN_STATES else OPEN_STATES
    page = service.list_for(
        db, user=user, now=now, page=1, page_size=200, status=statuses, district=area or None
    )
    found = [o for o in page.items if not category or o.category_code == category]
    found = queue_view.matches(db, user=user, found=found, q=q)  # number, phone or name
    return {
        "deadlines": queue_view.deadlines(db, found, now),  # which clock the countdown counts to
        "customers": queue_view.customer_columns(db, user=user, found=found),
        "technicians": queue_view.technician_names(db, user=user, found=found),
        "category_names": {
            c.code: (c.name_en if lang == "en" else c.name_zh)
            for c in catalog_service.get_categories(db, tenant_id=user.tenant_id)
        },
        "iot": health_pages.iot_flags(db, user=user, orders=found, lang=lang),  # 设备预警 and its cause
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
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    lang = i18n.language(request)
    queue = _queue(db, user, area=area, category=category, state=state, lang=lang, q=q)
    panel = _panel(db, user, order, lang) if order else None
    categories = catalog_service.get_categories(db, tenant_id=user.tenant_id)
    filters = {"area": area, "category": category, "state": state, "q": q}
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
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The queue table alone, for HTMX polling."""
    queue = _queue(db, user, area=area, category=category, state=state, lang=i18n.language(request), q=q)
    filters = {"area": area, "category": category, "state": state, "q": q}
    return render(request, "console/queue.html", filters=filters, selected=order, **queue)


def _panel(db: DbSession, user: User, order_id: int, lang: str) -> dict:
    order = service.get_for(db, user=user, id=order_id)
    result: dict = {"view": orders.view(db, user=user, order=order, lang=lang)}
    result["deadline"] = queue_view.deadline_of(db, order, clock.now())  # which clock the countdown counts to
    result["iot"] = health_pages.iot_flags(db, user=user, orders=[order], lang=lang)
    # the customer's own photos of the fault (a technician's are stamped with their id, or signatures)
    result["reported_photos"] = [
        p
        for p in photos.list_for(db, order=order)
        if p.kind is None and p.technician_id is None and p.erased_at is None
    ]
    if order.status in ASSIGNABLE:
        job, ranking = live.candidates(db, order=order, now=clock.now(), limit=8)
        result["candidates"] = ranking.candidates
        result["candidate_rows"] = queue_view.candidate_rows(
            ranking.candidates,
            current_id=order.technician_id,
            now=clock.now(),
            zone=tenant_clock.zone(db, user.tenant_id),
            lang=lang,
        )
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
    if order.status in ("assigned", "acknowledged"):  # the appointment step's booking clock
        result["booking"] = appointment.booking_clock(db, order)
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
    return see_other(queue_view.back_to_console(request, order.id))


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
    return see_other(queue_view.back_to_console(request, order.id))


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
    return see_other(queue_view.back_to_console(request, order.id))
