"""The dispatcher's map (``/console/map``): open orders and technicians on their coordinates, drawn by
ECharts on plain longitude/latitude axes (no tile layer: none can be reached offline), and the day's planned
routes (the current day plans: a line per technician through their stops in sequence), which can be hidden.
``/console/map/data`` answers the same as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.dispatch.planning import reads
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render
from anxin.work_order import service
from anxin.work_order.states import OPEN

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Dispatcher = Annotated[User, Depends(page_user(Action.DISPATCH_CONSOLE))]
PALETTE = ("#7c3aed", "#db2777", "#ea580c", "#16a34a", "#0891b2", "#4f46e5", "#ca8a04", "#be123c", "#0d9488")

i18n.extend(
    {
        "map_routes": ("当日计划路线", "Today's planned routes"),
        "map_no_plan": ("今日暂无路线计划", "No route plan today"),
    }
)


def routes_for_today(db: DbSession, *, user: User, technicians: list) -> list[dict]:
    """Each technician's stops of today, in sequence, from the newest current plan that routes them."""
    zone = tenant_clock.zone(db, user.tenant_id)
    today = clock.now().astimezone(zone).date()
    plans = reads.search(db, tenant_id=user.tenant_id, day=today, status="current")
    known = {tech.id: tech for tech in technicians}
    routes: dict[int, dict] = {}
    for plan in plans:  # newest first: a technician's newest plan wins
        rows = reads.stops_with_places(db, tenant_id=user.tenant_id, plan_id=plan.id)
        taken = set(routes)
        for stop, number, lat, lng in rows:
            tech = known.get(stop.technician_id)
            if tech is None or stop.technician_id in taken:
                continue
            route = routes.get(stop.technician_id)
            if route is None:
                start = [[tech.home_lng, tech.home_lat, tech.name, None]] if tech.home_lat is not None else []
                route = routes[stop.technician_id] = {
                    "technician_id": tech.id,
                    "name": tech.name,
                    "plan_id": plan.id,
                    "points": start,
                }
            label = (
                f"{tech.name} #{stop.sequence} {number} {clock.as_utc(stop.arrive_at).astimezone(zone):%H:%M}"
            )
            route["points"].append([lng, lat, label, stop.work_order_id])
    result = sorted(routes.values(), key=lambda r: r["technician_id"])
    for index, route in enumerate(result):
        route["colour"] = PALETTE[index % len(PALETTE)]
    return result


def map_data(db: DbSession, *, user: User, lang: str) -> dict:
    now = clock.now()
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
    return {
        "points": points,
        "names": names,
        "routes": routes_for_today(db, user=user, technicians=technicians),
    }


@router.get("/map", response_class=HTMLResponse)
def map_view(request: Request, db: DbSession, user: Dispatcher) -> Response:
    return render(request, "console/map.html", **map_data(db, user=user, lang=i18n.language(request)))


@router.get("/map/data")
def map_json(request: Request, db: DbSession, user: Dispatcher) -> JSONResponse:
    return JSONResponse(map_data(db, user=user, lang=i18n.language(request)))
