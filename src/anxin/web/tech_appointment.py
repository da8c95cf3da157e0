"""The technician's appointment step and live order page.

- ``POST /tech/orders/{id}/appointment``: the window agreed with the customer on the call (a day, from, to,
  in the tenant's zone) and a note, as ``POST /api/v1/work-orders/{id}/appointment`` records it; a window
  refused comes back in the form with the error beside it.
- ``GET /tech/orders/{id}/version``: the order's version and status, polled by ``static/tech_live.js``
  every 15 seconds; when the order changed (the customer approved the quote, the dispatcher moved it) the
  page reloads, or shows "订单有更新" with a refresh button while a form on it is being filled in.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.web import i18n, orders, tech_keep, tech_offline
from anxin.web.session import page_user
from anxin.web.templating import see_other
from anxin.work_order import appointment, service

# the moves take idempotency keys (the offline queue sends them; tech_offline.guard)
router = APIRouter(
    route_class=tech_offline.OfflineRoute,
    include_in_schema=False,
    dependencies=[Depends(tech_offline.guard, scope="function")],
)

Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("date", "请选择日期", "pick a day") from None


def _time(text: str, field: str) -> time:
    typed = text.strip()
    try:
        if len(typed) != 5:
            raise ValueError(typed)
        return time.fromisoformat(typed)
    except ValueError:
        raise InvalidInput(field, "请填写时间，如 14:00", "give a time such as 14:00") from None


def window_from(form: dict[str, str], zone: str) -> tuple[datetime, datetime]:
    """The window typed in the form (``date``, ``from``, ``to``) as aware datetimes in ``zone``."""
    from zoneinfo import ZoneInfo

    day = _day(form.get("date", ""))
    start = datetime.combine(day, _time(form.get("from", ""), "from"), tzinfo=ZoneInfo(zone))
    end = datetime.combine(day, _time(form.get("to", ""), "to"), tzinfo=ZoneInfo(zone))
    return start, end


# the domain's field names as the form names them
FORM_FIELDS = {"start_at": "from", "end_at": "to"}


@router.post("/tech/orders/{order_id}/appointment")
async def book(request: Request, order_id: int, db: DbSession, user: Tech) -> Response:
    form = {key: str(value) for key, value in (await request.form()).items() if isinstance(value, str)}
    order = service.get_for(db, user=user, id=order_id)
    zone = tenant_clock.zone_name(db, order.tenant_id)
    note = form.get("note", "").strip()
    kept = tech_keep.Kept(
        form="appointment",
        values={k: form.get(k, "") for k in ("date", "from", "to")} | {"note": note[:200]},
    )
    try:
        if len(note) > appointment.NOTE_MAX:
            raise InvalidInput("note", "备注最多 200 字", "a note is at most 200 characters")
        start, end = window_from(form, zone)
        appointment.book(
            db,
            order=order,
            actor=user,
            ctx=orders.context_from({"version": form.get("version")}),
            start=start,
            end=end,
            note=note,
        )
    except InvalidInput as exc:  # nothing was changed: the form comes back with the error beside its field
        field = str(exc.params.get("field"))
        tech_keep.problem(kept, exc, i18n.language(request), as_field=FORM_FIELDS.get(field, field))
        return tech_keep.render_order(request, db, user, order, kept=kept)
    return see_other(f"/tech/orders/{order.id}#appointment")


@router.get("/tech/orders/{order_id}/version")
def version(request: Request, order_id: int, db: DbSession, user: Tech) -> JSONResponse:
    """What the open page compares with its own: the order's version and status (and the status in words)."""
    order = service.get_for(db, user=user, id=order_id)
    words = i18n.translate(i18n.language(request), order.status)
    body = {"version": order.version, "status": order.status, "status_text": words}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
