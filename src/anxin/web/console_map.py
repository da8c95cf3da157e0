"""The dispatcher's map (``/console/map``): open orders and technicians on their coordinates, drawn by
ECharts on plain longitude/latitude axes (no tile layer: none can be reached offline)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render
from anxin.work_order import service
from anxin.work_order.states import OPEN

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Dispatcher = Annotated[User, Depends(page_user(Role.DISPATCHER, Role.OUTLET_MANAGER, Role.ADMIN, Role.AGENT))]


@router.get("/map", response_class=HTMLResponse)
def map_view(request: Request, db: DbSession, user: Dispatcher) -> Response:
    now = clock.now()
    lang = i18n.language(request)
    page = service.list_for(
        db, user=user, now=now, page=1, page_size=200, status=sorted(s.value for s in OPEN)
    )
    points: dict[str, list] = {"on_track": [], "at_risk": [], "breached": [], "technician": []}
    for order in page.items:
        if order.address_id is None:
            continue
        address = customer_service.get_address(db, tenant_id=user.tenant_id, id=order.address_id)
        state = service.sla_state_of(order, now) or "on_track"
        label = f"{order.number} · {i18n.translate(lang, order.status)}"
        points[state].append([address.lng, address.lat, label, order.id])
    outlet = user.outlet_id if user.role == Role.OUTLET_MANAGER else None
    technicians = technician_service.search(
        db, tenant_id=user.tenant_id, skill=None, outlet_id=outlet, page=1, page_size=500
    ).items
    for tech in technicians:
        lat, lng = (
            (tech.last_lat, tech.last_lng) if tech.last_lat is not None else (tech.home_lat, tech.home_lng)
        )
        if lat is not None and lng is not None:
            points["technician"].append([lng, lat, tech.name, None])
    names = {key: i18n.translate(lang, key) for key in points}
    return render(request, "console/map.html", points=points, names=names)
