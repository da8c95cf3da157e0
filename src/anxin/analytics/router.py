"""The KPI API: the period's figures (optionally grouped), the trend, and the Excel workbook."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from anxin.analytics import export, kpis
from anxin.analytics.period import check_group
from anxin.analytics.schemas import KpiReport, TrendRead
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed, language
from anxin.routing import file_response

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])

Manager = Annotated[User, Depends(allowed(Action.KPIS_READ))]
From = Annotated[str | None, Query(alias="from", description="first local date, YYYY-MM-DD")]
To = Annotated[str | None, Query(description="last local date, YYYY-MM-DD (inclusive)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/kpis", response_model=KpiReport)
def get_kpis(
    request: Request,
    db: DbSession,
    user: Manager,
    from_: From = None,
    to: To = None,
    group_by: Annotated[str | None, Query(description="area | outlet | category | brand")] = None,
) -> dict:
    group = check_group(group_by)
    scope = kpis.scope_of(db, user, from_, to)
    return kpis.report(db, scope, group, language(request))


@router.get("/trend", response_model=TrendRead)
def get_trend(db: DbSession, user: Manager, from_: From = None, to: To = None) -> dict:
    """Every KPI per day (per week for periods over 62 days)."""
    scope = kpis.scope_of(db, user, from_, to)
    return {"period": scope.period.as_dict(), "points": kpis.trend(db, scope)}


@router.get("/kpis.xlsx", response_class=Response, responses=file_response(XLSX, description="the workbook"))
def get_workbook(
    request: Request, db: DbSession, user: Manager, from_: From = None, to: To = None
) -> Response:
    scope = kpis.scope_of(db, user, from_, to)
    content = export.workbook(kpis.dashboard(db, scope, language(request)))
    name = f"anxin-kpis-{scope.period.first}-{scope.period.last}.xlsx"
    return Response(
        content, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
