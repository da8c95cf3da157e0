"""The technician's daily report (``/tech/day``): orders completed today, time on site, travel time and the
approved quotes' revenue, read from the orders' own timestamps and quotes."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.dispatch.core.travel import Leg, TravelModel, travel_model
from anxin.dispatch.matching.live import order_point
from anxin.geo import Point
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render
from anxin.work_order import actions, service
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import DONE

router = APIRouter(prefix="/tech", route_class=PageRoute, include_in_schema=False)

Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]


def _travel_leg(db: DbSession, order: WorkOrder, model: TravelModel) -> Leg | None:
    """The road from where the technician set off to where they arrived (the coordinates stamped on the
    depart and arrive events; the address when the arrival has none), by the travel model."""
    stamped = {
        e.action: e
        for e in service.events(db, order=order)
        if e.action in ("depart", "arrive") and e.lat is not None
    }
    start = stamped.get("depart")
    if start is None or start.lng is None:
        return None
    end = stamped.get("arrive")
    there = Point(end.lat, end.lng) if end is not None and end.lng is not None else order_point(order, db)
    return model.leg(Point(start.lat, start.lng), there, start.occurred_at)


@router.get("/day", response_class=HTMLResponse)
def day_report(request: Request, db: DbSession, user: Tech) -> Response:
    now = clock.now()
    zone = tenant_clock.zone(db, user.tenant_id)
    today = now.astimezone(zone).date()
    page = service.list_for(
        db, user=user, now=now, page=1, page_size=200, status=sorted(s.value for s in DONE)
    )
    done = [
        o
        for o in page.items
        if o.completed_at is not None and clock.as_utc(o.completed_at).astimezone(zone).date() == today
    ]
    on_site = travel = timedelta()
    revenue = metres = 0
    rows = []
    model = travel_model(getattr(request.app.state.settings, "osrm_url", None), zone.key)
    for order in done:
        leg = _travel_leg(db, order, model)
        metres += leg.metres if leg else 0
        site = (order.completed_at - order.on_site_at) if order.on_site_at else timedelta()
        road = (
            (order.on_site_at - order.en_route_at) if order.on_site_at and order.en_route_at else timedelta()
        )
        quote = actions.latest_quote(db, order=order)
        fen = quote.total_fen if quote is not None and quote.status == "approved" else 0
        on_site, travel, revenue = on_site + site, travel + road, revenue + fen
        rows.append(
            {
                "order": order,
                "site": int(site.total_seconds() // 60),
                "road": int(road.total_seconds() // 60),
                "fen": fen,
                "km": round(leg.metres / 1000, 1) if leg else None,
            }
        )
    totals = {
        "count": len(done),
        "site": int(on_site.total_seconds() // 60),
        "road": int(travel.total_seconds() // 60),
        "fen": revenue,
        "km": round(metres / 1000, 1),
    }
    return render(request, "tech/day.html", rows=rows, totals=totals, today=today)
