"""An appliance's health on the pages (``telemetry.health``).

- ``/pages/appliances/{id}/health``: the health card, a fragment the console's order panel (agents,
  dispatchers, admins) and the technician's order page (remote diagnosis before leaving) load with htmx:
  the last readings checked against their ranges, the error codes of the last 30 days with their meaning,
  open alerts, the failure prediction in words, and a 7-day chart (ECharts, ``static/health.js``). A
  customer asking for it gets their own plain-words card.
- ``/portal/appliances/{id}``: the customer's appliance page: 运行正常 / 发现异常：… with the knowledge
  base's self-help steps, and a temperature chart; no code, no internal value, no prediction.
- ``iot_flags``: the console's "设备预警" badge on proactive orders (channel ``iot``), with the cause of the
  alert the order was opened from."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.dependencies import DbSession
from anxin.fields import Id
from anxin.telemetry import health
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Reader = Annotated[User, Depends(page_user(Action.APPLIANCE_HEALTH))]
Customer = Annotated[User, Depends(page_user(Action.PORTAL))]

CUSTOMER_UNITS = {"°C"}  # what a customer's chart shows: temperatures, which anyone reads

i18n.extend(
    {
        "hl_title": ("设备健康", "Appliance health"),
        "hl_remote": ("远程诊断", "Remote diagnosis"),
        "hl_offline": ("未联网", "Not connected"),
        "hl_last": ("最近上报", "Last report"),
        "hl_metric": ("指标", "Metric"),
        "hl_value": ("读数", "Value"),
        "hl_range": ("合理范围", "Plausible range"),
        "hl_ok": ("正常", "Normal"),
        "hl_bad": ("异常", "Abnormal"),
        "hl_codes": ("近 30 天故障码", "Error codes, last 30 days"),
        "hl_code_times": ("{n} 次", "{n} times"),
        "hl_code_unknown": ("知识库暂无此故障码", "Not in the knowledge base"),
        "hl_no_codes": ("近 30 天无故障码", "No error codes in 30 days"),
        "hl_alerts": ("未处理预警", "Open alerts"),
        "hl_no_alerts": ("无未处理预警", "No open alerts"),
        "hl_prediction": ("故障预测", "Failure prediction"),
        "hl_chart": ("近 7 天趋势（每小时均值）", "Last 7 days (hourly averages)"),
        "hl_chart_customer": ("近 7 天温度", "Temperatures, last 7 days"),
        "hl_tips": ("您可以先试试", "You can try first"),
        "hl_report": ("需要师傅上门？立即报修", "Need a visit? Report it"),
        "hl_status": ("设备状态", "Status"),
        "hl_view": ("查看设备状态", "View its status"),
        "hl_back": ("返回我的家电", "Back to my appliances"),
        "hl_iot": ("设备预警", "Device alert"),
        "hl_offline_hint": (
            "这台家电没有联网，暂无运行数据。",
            "This appliance is not connected: no data yet.",
        ),
    }
)


def _chart(found: health.Health, *, customer: bool, lang: str) -> dict[str, Any] | None:
    """What ``health.js`` draws: the hours in the tenant's zone and one line per metric (a customer's:
    temperatures only); None when there is nothing to draw."""
    series = [s for s in found.series if not customer or s.unit in CUSTOMER_UNITS]
    if not found.hours or not series:
        return None
    return {
        "hours": [h.isoformat() for h in found.hours],
        "series": [{"name": f"{s.label} ({s.unit})", "values": s.values} for s in series],
        "selected": 2,  # lines shown at first (the others a click on the legend away)
        "lang": lang,
    }


def _context(request: Request, db: DbSession, user: User, appliance_id: int) -> dict[str, Any]:
    lang = i18n.language(request)
    appliance = health.readable(db, user=user, appliance_id=appliance_id)
    customer = user.role == Role.CUSTOMER
    found = health.health(db, appliance=appliance, lang=lang, customer=customer, at=clock.now())
    return {
        "h": found,
        "appliance": appliance,
        "customer": customer,
        "chart": _chart(found, customer=customer, lang=lang),
    }


@router.get("/pages/appliances/{appliance_id}/health", response_class=HTMLResponse)
def card(request: Request, appliance_id: Id, db: DbSession, user: Reader) -> Response:
    """The health card (a fragment); a customer's in plain words."""
    return render(request, "health/_card.html", **_context(request, db, user, appliance_id))


@router.get("/portal/appliances/{appliance_id}", response_class=HTMLResponse)
def portal_appliance(request: Request, appliance_id: Id, db: DbSession, user: Customer) -> Response:
    """The customer's appliance: its name and warranty, and its health in plain words."""
    context = _context(request, db, user, appliance_id)
    appliance = context["appliance"]
    lang = i18n.language(request)
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=user.tenant_id, id=appliance.product_model_id
    )
    warranty = appliance_service.warranty(db, appliance=appliance, on=clock.now().date(), model=model)
    name = f"{category.name_en if lang == 'en' else category.name_zh} · {model.name}"
    return render(request, "health/portal.html", appliance_name=name, warranty=warranty, **context)


def iot_flags(db: DbSession, *, user: User, orders: list[Any], lang: str) -> dict[int, str]:
    """The orders among ``orders`` a device alert stands behind: proactive orders (channel ``iot``) and
    open orders an alert was converted into (the intake reuses an open order of the same service type),
    each with the cause of its alert in words ("" when the order names no alert)."""
    causes = health.iot_causes(db, tenant_id=user.tenant_id, order_ids=[o.id for o in orders])
    flagged = [o.id for o in orders if o.channel == "iot" or o.id in causes]
    return {i: (causes[i][1] if lang == "en" else causes[i][0]) if i in causes else "" for i in flagged}
