"""The schedule board (``/console/board``, desktop): a row per technician for the chosen day, their visits
as blocks on a time line with the travel between them, and the unassigned queue beside it by deadline.
Drawn by ``/static/board.js`` from ``/console/board/data``; a drop goes through ``board_api`` (the same
actions and checks as the API's ``assign`` and ``appoint``). Who sees it is ``Action.ROUTES_PLAN``'s row
(dispatchers, admins, an outlet manager for their outlet's technicians and orders)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.fields import Day
from anxin.web import board_data, i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render

router = APIRouter(prefix="/console", route_class=PageRoute, include_in_schema=False)

Planner = Annotated[User, Depends(page_user(Action.ROUTES_PLAN))]


def chosen_day(db: DbSession, user: User, day: date | None) -> date:
    return day or tenant_clock.today(db, user.tenant_id, clock.now())


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    db: DbSession,
    user: Planner,
    day: Annotated[Day | None, Query(alias="date")] = None,
) -> Response:
    lang = i18n.language(request)
    data = board_data.board(db, user=user, day=chosen_day(db, user, day), lang=lang)
    words = {
        key: i18n.translate(lang, key)
        for key in (
            "bd_pick_row",
            "bd_checking",
            "bd_ok",
            "bd_overlap",
            "bd_saved",
            "bd_failed",
            "bd_override",
            "bd_cancel",
            "bd_off",
            "bd_suspended",
            "bd_window",
            "bd_late",
            "bd_none",
            "bd_no_technicians",
            "bq_left",
            "bd_deadline",
            "bq_overdue",
        )
    }
    return render(request, "console/board.html", board=data, words=words)
