"""The managers' dashboard (``/dashboard``): the period's KPIs against the industry targets, the daily trend,
breakdowns by area / outlet / category / brand, satisfaction per dimension, revenue by billing category, and
the Excel export (``/api/v1/analytics/kpis.xlsx`` answers the API; ``/dashboard/export.xlsx`` the page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin.analytics import export, kpis, targets
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.web import dashboard_cards, i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)

Manager = Annotated[User, Depends(page_user(Action.KPIS_READ))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

i18n.extend(
    {
        "dash_title": ("经营看板", "Manager dashboard"),
        "dash_from": ("开始日期", "From"),
        "dash_to": ("结束日期", "To"),
        "dash_show": ("查看", "Show"),
        "dash_excel": ("导出 Excel", "Excel"),
        "dash_orders": ("工单数", "Orders"),
        "dash_responded": ("30 分钟内响应", "Responded within 30 min"),
        "dash_arrived": ("4 小时内上门", "On site within 4 h"),
        "dash_completed": ("24 小时内完工", "Completed within 24 h"),
        "dash_mean_response": ("平均响应（分钟）", "Mean response (min)"),
        "dash_ftf": ("一次修复率", "First-time fix rate"),
        "dash_rework": ("返修率", "Rework rate"),
        "dash_satisfaction": ("满意率（4–5 分）", "Satisfaction (4–5)"),
        "dash_nps": ("NPS", "NPS"),
        "dash_complaints": ("千单投诉", "Complaints per 1,000 orders"),
        "dash_complaint_close": ("投诉平均关闭（小时）", "Complaint mean close (h)"),
        "dash_remote": ("远程解决率", "Remote resolution rate"),
        "dash_utilisation": ("工程师利用率", "Technician utilisation"),
        "dash_idle": ("空闲占比", "Idle share"),
        "dash_parts": ("备件满足率", "Parts fill rate"),
        "dash_trend": ("趋势", "Trend"),
        "dash_by_area": ("按区域", "By area"),
        "dash_by_outlet": ("按网点", "By outlet"),
        "dash_by_category": ("按品类", "By category"),
        "dash_by_brand": ("按品牌", "By brand"),
        "dash_dimensions": ("满意度分项（1–5）", "Satisfaction by dimension (1–5)"),
        "dash_revenue": ("按结算类别收入（元）", "Revenue by billing category (yuan)"),
        "dash_unavailable": ("暂无数据", "Not available"),
        "dash_attitude": ("服务态度", "Attitude"),
        "dash_skill": ("技术水平", "Skill"),
        "dash_punctuality": ("准时", "Punctuality"),
        "dash_promises": ("守诺", "Promises kept"),
        "dash_overall": ("总体", "Overall"),
        "dash_billing_A": ("A 用户付费", "A paid by customer"),
        "dash_billing_B": ("B 合同", "B contract"),
        "dash_billing_C": ("C 保内", "C in warranty"),
        "dash_billing_D": ("D 内部", "D internal"),
        "dash_step_week": ("按周", "weekly"),
        "dash_step_day": ("按日", "daily"),
    }
)


def _default_period(db: DbSession, user: User) -> tuple[str, str]:
    """The last 30 local days, today included."""
    today = tenant_clock.today(db, user.tenant_id)
    return str(today - timedelta(days=29)), str(today)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, db: DbSession, user: Manager, to: str | None = None) -> Response:
    first = request.query_params.get("from")  # ``from`` is a Python keyword
    if not first and not to:
        first, to = _default_period(db, user)
    scope = kpis.scope_of(db, user, first, to)
    lang = i18n.language(request)
    data = kpis.dashboard(db, scope, lang)
    goals = targets.goals_for(db, tenant_id=user.tenant_id)
    cards = dashboard_cards.cards(data["kpis"], goals, lang)  # each figure against its target
    return render(request, "dashboard/dashboard.html", data=data, period=data["period"], cards=cards)


@router.get("/export.xlsx", response_class=Response)
def export_xlsx(request: Request, db: DbSession, user: Manager, to: str | None = None) -> Response:
    scope = kpis.scope_of(db, user, request.query_params.get("from"), to)
    content = export.workbook(kpis.dashboard(db, scope, i18n.language(request)))
    name = f"anxin-kpis-{scope.period.first}-{scope.period.last}.xlsx"
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
