"""Before a visit (remote diagnosis): the appliance's history as an htmx fragment
(``/pages/orders/{id}/history``) on the technician's order page and the console's order panel: earlier
orders with their date, fault, outcome and the parts replaced (``knowledge.visit_aids``). The likely parts
with the van's stock are in the triage card (``knowledge_pages.order_card``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.fields import MAX_ID
from anxin.knowledge import visit_aids
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render
from anxin.work_order import service as order_service

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Reader = Annotated[User, Depends(page_user(Action.ORDER_TRIAGE_READ))]

i18n.extend(
    {
        "vh_title": ("这台家电的维修记录", "This appliance's service history"),
        "vh_none": ("首次服务，没有更早的工单", "First visit: no earlier order"),
        "vh_fault": ("故障", "Fault"),
        "vh_outcome": ("结果", "Outcome"),
        "vh_cause": ("原因", "Cause"),
        "vh_parts": ("更换配件", "Parts replaced"),
        "vh_no_parts": ("未换配件", "No part replaced"),
        "vh_rework": ("返修", "Rework"),
        "lp_title": ("可能需要的配件", "Parts likely needed"),
        "lp_corrected": ("客服已更正", "Corrected by the agent"),
        "lp_in_van": ("车载库存 {n}", "{n} in the van"),
        "lp_not_in_van": ("车上没有", "Not in the van"),
        "lp_not_in_catalog": ("配件目录中无此编码", "Not in the parts catalog"),
        "lp_no_van": (
            "未分派师傅或师傅没有车载库，出发前请到网点领料",
            "No van stock known: collect the parts at the outlet",
        ),  # noqa: E501
        "lp_hint_request": (
            "车上缺少的配件，出发前请到网点领取或申请调拨",
            "Collect what the van lacks at the outlet, or request a transfer",
        ),  # noqa: E501
    }
)


@router.get("/pages/orders/{order_id}/history", response_class=HTMLResponse)
def history(request: Request, order_id: int, db: DbSession, user: Reader) -> Response:
    """The appliance's earlier orders (of an order the caller may see: 404 otherwise)."""
    order = order_service.get_for(db, user=user, id=min(max(order_id, 1), MAX_ID))
    visits = visit_aids.appliance_history(
        db, tenant_id=order.tenant_id, appliance_id=order.appliance_id, before=order
    )
    return render(request, "_appliance_history.html", visits=visits, rework=bool(order.is_rework))
