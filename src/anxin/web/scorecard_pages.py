"""Technician scorecards for quality (``/console/scorecards``, desktop): every technician's month (rolling
rating, first-time fix, rework, punctuality, orders a day, revenue, points, grade, flags), the month's
service stars, and the reinstatement of a suspended technician. The same calls as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.feedback.scorecards import consequences as scorecards
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(prefix="/console/scorecards", route_class=PageRoute, include_in_schema=False)

Viewer = Annotated[User, Depends(page_user(Action.SCORECARDS_READ))]
Quality = Annotated[User, Depends(page_user(Action.SCORECARDS_REINSTATE))]

i18n.extend(
    {
        "sc_title": ("工程师质量看板", "Technician scorecards"),
        "sc_nav": ("质量看板", "Scorecards"),
        "sc_month": ("月份", "Month"),
        "sc_show": ("查看", "Show"),
        "sc_technician": ("工程师", "Technician"),
        "sc_rating": ("滚动评分", "Rolling rating"),
        "sc_ratings": ("评价数", "Ratings"),
        "sc_ftf": ("一次修复率", "First-time fix"),
        "sc_rework": ("返修率", "Rework"),
        "sc_punctuality": ("准时率", "Punctuality"),
        "sc_per_day": ("日均单量", "Orders/day"),
        "sc_completed": ("完工", "Completed"),
        "sc_revenue": ("收入", "Revenue"),
        "sc_points": ("扣分(90天)", "Points (90 d)"),
        "sc_grade": ("等级", "Grade"),
        "sc_flags": ("标记", "Flags"),
        "sc_stars": ("本月服务之星", "Service stars of the month"),
        "sc_no_stars": ("本月暂无达到最低单量的工程师", "Nobody has reached the minimum volume this month"),
        "sc_score": ("综合分", "Score"),
        "sc_rank": ("名次", "Rank"),
        "sc_reinstate": ("恢复派单", "Reinstate"),
        "sc_note": ("恢复理由", "Reason"),
        "sc_reinstated": ("已恢复自动派单", "Automatic dispatch is back on"),
        "sc_gold": ("金牌", "Gold"),
        "sc_silver": ("银牌", "Silver"),
        "sc_bronze": ("铜牌", "Bronze"),
        "sc_retraining": ("待复训", "Retraining"),
        "sc_suspended": ("已停派", "Suspended"),
        "sc_auto_dispatch_paused": ("暂停自动派单", "Auto-dispatch paused"),
        "sc_low_rating_run": ("连续低分", "Run of low ratings"),
        "sc_penalty_points": ("扣分超限", "Penalty points"),
    }
)


@router.get("", response_class=HTMLResponse)
def scorecard_page(
    request: Request, db: DbSession, user: Viewer, month: str = "", done: str = ""
) -> Response:
    found = scorecard_stats.month_for(db, user=user, month=month or None, now=clock.now())
    return render(
        request,
        "feedback/scorecards.html",
        month=found.month,
        cards=found.cards,
        stars=found.stars,
        can_reinstate=user.role in (Role.QUALITY, Role.ADMIN),
        notice=i18n.translate(i18n.language(request), "sc_reinstated") if done else None,
    )


@router.post("/{technician_id}/reinstate")
def reinstate(
    technician_id: int,
    db: DbSession,
    user: Quality,
    note: Annotated[str, Form()] = "",
    month: Annotated[str, Form()] = "",
) -> Response:
    """The same reinstatement as ``POST /api/v1/technicians/{id}/reinstate``."""
    if not note.strip():
        raise InvalidInput("note", "请填写恢复派单的理由", "give the reason for the reinstatement")
    technician = technician_service.get(db, tenant_id=user.tenant_id, id=technician_id)
    scorecards.reinstate(db, technician=technician, actor=user, note=note.strip()[:1000], now=clock.now())
    return see_other(f"/console/scorecards?month={month}&done=1" if month else "/console/scorecards?done=1")
