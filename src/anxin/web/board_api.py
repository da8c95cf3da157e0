"""What the schedule board's script asks (``/console/board/...``, JSON over the page session and its CSRF
token): the board's data, the checks before a drop, and the drop itself.

A drop takes the same actions, with the same checks, as the API: ``assignment.assign`` (the state table,
the outlet, the technician's qualification, suspension, shift and day) and ``actions.appoint`` (the visit
window), and answers as the API does (``work_order.api.answer``). The conflicts shown while hovering come
from ``assignment.reasons_for``, the rules ``assign`` weighs, read without the lock. An error answers in
the one error shape, its message in the page's language."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import DbSession
from anxin.dispatch.matching import assignment
from anxin.dispatch.matching.assignment import HARD
from anxin.exceptions import AnxinError
from anxin.fields import Day, Id
from anxin.technician import service as technician_service
from anxin.web import board_data, i18n
from anxin.web.board_pages import chosen_day
from anxin.web.session import CsrfFailed, LoginRequired, PageForbidden, page_user
from anxin.work_order import actions, api, service

Planner = Annotated[User, Depends(page_user(Action.ROUTES_PLAN))]


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class BoardRoute(APIRoute):
    """A route of the board's script: no session sends to sign-in as a page does; a refusal or a domain
    error answers in the one JSON error shape, in the page's language (the transaction rolled back)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def board_handler(request: Request) -> Response:
            lang = i18n.language(request)
            try:
                return await handler(request)
            except LoginRequired:
                return RedirectResponse("/login?next=/console/board", status_code=303)
            except PageForbidden:
                return _error(403, "forbidden", i18n.translate(lang, "forbidden"))
            except CsrfFailed:
                return _error(403, "csrf_failed", i18n.translate(lang, "csrf"))
            except AnxinError as exc:
                return _error(exc.status_code, exc.code, exc.message(lang))

        return board_handler


router = APIRouter(prefix="/console/board", route_class=BoardRoute, include_in_schema=False)


class BoardAssignBody(BaseModel):
    """A drop on a technician's row: assign (or hand over); with ``start_minute`` also book the visit
    window from that minute of ``date`` for ``window_minutes``."""

    technician_id: Id
    override: bool = False
    date: Day | None = None
    start_minute: int | None = Field(None, ge=0, le=24 * 60 - 1)
    window_minutes: int = Field(120, ge=30, le=12 * 60)


class BoardMoveBody(BaseModel):
    """A block moved along its own row: the visit window from ``start_minute`` of ``date``."""

    date: Day
    start_minute: int = Field(ge=0, le=24 * 60 - 1)
    window_minutes: int = Field(120, ge=30, le=12 * 60)


def _window(db: DbSession, user: User, day, start_minute: int, window_minutes: int):
    zone = tenant_clock.zone(db, user.tenant_id)
    day_start, _ = tenant_clock.day_bounds(day, zone)
    start = (day_start + timedelta(minutes=start_minute)).astimezone(zone)
    return start, start + timedelta(minutes=window_minutes)


@router.get("/data")
def board_json(
    request: Request,
    db: DbSession,
    user: Planner,
    day: Annotated[Day | None, Query(alias="date")] = None,
) -> JSONResponse:
    """The board of the day (default today): rows, their blocks and travel, the unassigned queue."""
    lang = i18n.language(request)
    return JSONResponse(board_data.board(db, user=user, day=chosen_day(db, user, day), lang=lang))


@router.get("/check")
def check(
    request: Request,
    db: DbSession,
    user: Planner,
    order_id: Annotated[Id, Query()],
    technician_id: Annotated[Id, Query()],
) -> JSONResponse:
    """What would stop the order going to the technician (hard: never; soft: only with ``override``)."""
    lang = i18n.language(request)
    order = service.get_for(db, user=user, id=order_id)
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=technician_id)
    reasons = [
        {"code": r.code, "message": r.text(lang), "hard": r.code in HARD}
        for r in assignment.reasons_for(db, order=order, technician=technician, now=clock.now())
    ]
    if user.role == Role.OUTLET_MANAGER and technician.outlet_id != user.outlet_id:
        message = "只能分派给本网点的工程师" if lang != "en" else "assign within your own outlet"
        reasons.append({"code": "outlet", "message": message, "hard": True})
    if order.technician_id == technician.id:
        message = "已是此师傅的工单" if lang != "en" else "already this technician's order"
        reasons.append({"code": "same_technician", "message": message, "hard": False})
    return JSONResponse(
        {
            "order_id": order.id,
            "technician_id": technician.id,
            "ok": not reasons,
            "hard": any(r["hard"] for r in reasons),
            "reasons": reasons,
        }
    )


async def json_body(request: Request) -> Any:
    """The request's JSON, read only after the order is found (another tenant's order is 404 whatever
    was sent); None when there is none."""
    try:
        return await request.json()
    except (ValueError, RuntimeError):  # not JSON, or a form the CSRF check has read already
        return None


RawBody = Annotated[Any, Depends(json_body)]


def parsed(model: type[BaseModel], raw: Any) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors(include_url=False)) from None


@router.post("/orders/{order_id}/assign")
def assign(order_id: Id, raw: RawBody, db: DbSession, user: Planner) -> Response:
    """Assign or hand over through ``assignment.assign``; with a start minute, then book the window."""
    order = service.get_for(db, user=user, id=order_id)
    body: BoardAssignBody = parsed(BoardAssignBody, raw)
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=body.technician_id)
    order = assignment.assign(
        db, order=order, technician=technician, actor=user, ctx=actions.Context(), override=body.override
    )
    if body.start_minute is not None:
        day = body.date or chosen_day(db, user, None)
        start, end = _window(db, user, day, body.start_minute, body.window_minutes)
        order = actions.appoint(db, order=order, actor=user, ctx=actions.Context(), start=start, end=end)
    return api.answer(order, user)


@router.post("/orders/{order_id}/appoint")
def appoint(order_id: Id, raw: RawBody, db: DbSession, user: Planner) -> Response:
    """Move the visit along its row: book the new window through ``actions.appoint``."""
    order = service.get_for(db, user=user, id=order_id)
    body: BoardMoveBody = parsed(BoardMoveBody, raw)
    start, end = _window(db, user, body.date, body.start_minute, body.window_minutes)
    order = actions.appoint(db, order=order, actor=user, ctx=actions.Context(), start=start, end=end)
    return api.answer(order, user)
