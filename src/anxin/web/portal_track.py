"""The customer's view of their technician on the way (portal): the arrival in words and how fresh it is,
and while the order is en route a map of the city's districts with the technician's position, the
customer's door and the line between them (``static/portal_track.js`` draws it with ECharts and asks
``/portal/orders/{id}/track`` again every ``REFRESH_SECONDS``); the technician's photo beside their name.

What the customer gets names no id, no score and no other technician: the estimate's words
(``dispatch.planning.tracking``), two points and two labels."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, SettingsDep
from anxin.dispatch.planning import tracking
from anxin.technician import photo
from anxin.technician import service as technician_service
from anxin.technician.models import Technician
from anxin.web import city_maps, i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute
from anxin.work_order import service
from anxin.work_order.models import WorkOrder

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)
Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
REFRESH_SECONDS = 30

i18n.extend(
    {
        "track_map": ("师傅位置地图", "Map of your technician's way"),
        "track_you": ("您家", "Your home"),
        "track_tech": ("{surname}师傅", "Your technician"),
        "track_note": (
            "地图每 30 秒自动更新；直线仅示意方向，实际路线以道路为准。",
            "The map refreshes every 30 seconds; the straight line shows the direction, not the road.",
        ),
        "track_photo": ("师傅照片", "Your technician's photo"),
    }
)


def technician_of(db: DbSession, order: WorkOrder) -> Technician | None:
    if order.technician_id is None:
        return None
    return technician_service.get(db, tenant_id=order.tenant_id, id=order.technician_id)


def state(db: DbSession, *, order: WorkOrder, lang: str) -> dict[str, Any]:
    """What the page shows and its script reads: the arrival's words, and while en route the points."""
    t = tracking.track(db, order=order, now=clock.now())
    here, door = t.position, t.destination
    technician = technician_of(db, order)
    surname = technician.name[:1] if technician else ""
    on_the_way = order.status == "en_route"
    return {
        "on_the_way": on_the_way,
        "waiting": order.status in tracking.WAITING,
        "estimate": t.eta.source in ("live", "plan"),  # a time, not the window the page shows anyway
        "text": tracking.headline(t, lang),
        "basis": tracking.basis(t, lang) or "",
        "technician": [here.lng, here.lat] if on_the_way and here else None,
        "home": [door.lng, door.lat] if door and (door.lat or door.lng) else None,
        "labels": {
            "technician": i18n.translate(lang, "track_tech").format(surname=surname),
            "home": i18n.translate(lang, "track_you"),
        },
        "refresh_seconds": REFRESH_SECONDS,
        # the tenant's city's districts ({key, url}), or none: the points alone
        "base_map": _base_map(db, order.tenant_id),
    }


def _base_map(db: DbSession, tenant_id: int) -> dict[str, str] | None:
    city = city_maps.for_tenant(db, tenant_id=tenant_id)
    return {"key": city.key, "url": city.url} if city else None


@router.get("/orders/{order_id}/track")
def track(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    """The arrival and the map's points, as JSON for the order page's script."""
    order = service.get_for(db, user=user, id=order_id)
    body = state(db, order=order, lang=i18n.language(request))
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/orders/{order_id}/technician-photo")
def technician_photo(order_id: int, db: DbSession, user: Customer, settings: SettingsDep) -> Response:
    """The photo of the technician assigned to the customer's order (404 without one)."""
    order = service.get_for(db, user=user, id=order_id)
    served = photo.served(technician_of(db, order), upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)
