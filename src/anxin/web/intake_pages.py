"""The agents' intake desk (``/console/intake``): a phone report taken on the call. The agent finds the
customer by phone, picks the appliance, types the customer's words, and sees triage's suggestion live
(``/console/intake/triage``, an htmx fragment: category and fault, how sure, the alternatives, an error
code's meaning, the skill and the likely parts). The agent keeps the suggestion or chooses another
category and fault; the order goes through the same intake action as the API, and a choice other than
what triage made of the order is kept as a training label (``knowledge.labels.correct``), which also
holds matching to the chosen fault's skill."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.knowledge import labels
from anxin.knowledge import service as knowledge_service
from anxin.knowledge.handlers import for_order
from anxin.masking import mask_phone
from anxin.web import assistant_pages, i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import actions

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Agent = Annotated[User, Depends(page_user(Action.TRIAGE_CORRECT))]
SERVICE_TYPES = ("repair", "maintenance", "installation", "cleaning", "relocation", "inspection")

i18n.extend(
    {
        "in_title": ("电话报修", "Phone report"),
        "in_phone": ("客户手机号", "Customer's phone"),
        "in_find": ("查找客户", "Find the customer"),
        "in_no_customer": (
            "未找到该手机号的客户，请先登记客户",
            "No customer with this phone; register them first",
        ),
        "in_no_appliance": ("该客户尚未登记家电", "This customer has no registered appliance"),
        "in_which": ("报修哪台家电", "Which appliance"),
        "in_service": ("服务类型", "Service"),
        "in_words": ("客户描述（原话）", "The customer's words"),
        "in_words_hint": ("边听边记，系统实时给出分诊建议", "Type as you listen; triage suggests as you go"),
        "in_suggest": ("分诊建议", "Triage suggests"),
        "in_suggest_none": ("输入至少两个字后显示建议", "Type two characters or more for a suggestion"),
        "in_pair": ("品类与故障（可更改）", "Category and fault (change if wrong)"),
        "in_pair_hint": (
            "若建议不对，请选择正确的故障；您的选择会用于改进分诊",
            "If the suggestion is wrong, choose the right fault; your choice teaches triage",
        ),  # noqa: E501
        "in_changed": ("已按您的选择", "Your choice"),
        "in_alternatives": ("其他可能", "Also possible"),
        "in_submit": ("创建工单", "Create the order"),
        "in_new": ("电话报修", "Phone report"),
    }
)


def _pairs(db: DbSession, tenant_id: int) -> list[tuple[str, str]]:
    return sorted({(e.category, e.fault) for e in knowledge_service.all_entries(db, tenant_id=tenant_id)})


def _pair(value: str) -> tuple[str, str] | None:
    category, _, fault = (value or "").partition("|")
    return (category, fault) if category and fault else None


def _appliances(db: DbSession, user: User, customer_id: int, lang: str) -> list[dict[str, Any]]:
    out = []
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        name = category.name_en if lang == "en" else category.name_zh
        out.append({"id": appliance.id, "name": f"{name} · {model.name}", "serial": appliance.serial_number})
    return out


@router.get("/console/intake", response_class=HTMLResponse)
def intake_form(request: Request, db: DbSession, user: Agent, phone: str = "") -> Response:
    """Find the customer by phone; then the report form with the live suggestion."""
    phone = "".join(c for c in phone if c.isdigit())[:11]
    customer = None
    if len(phone) == 11:
        customer = customer_service.get_by_phone(db, tenant_id=user.tenant_id, phone=phone)
    appliances = _appliances(db, user, customer.id, i18n.language(request)) if customer else []
    return render(
        request,
        "console/intake.html",
        phone=phone,
        customer=customer,
        customer_phone=mask_phone(customer.phone) if customer else "",
        appliances=appliances,
        service_types=SERVICE_TYPES,
        pairs=_pairs(db, user.tenant_id) if appliances else [],
        chosen=None,
        touched=False,
    )


@router.get("/console/intake/triage", response_class=HTMLResponse)
def intake_triage(
    request: Request,
    db: DbSession,
    user: Agent,
    description: str = "",
    appliance_id: str = "",
    pair: str = "",
    touched: str = "",
) -> Response:
    """The live suggestion while the agent types (htmx, debounced): the category-and-fault choice follows
    triage until the agent changes it (``touched``), then keeps the agent's choice."""
    found = assistant_pages.suggestion(db, user, description, appliance_id)
    pairs = _pairs(db, user.tenant_id)
    chosen = _pair(pair) if touched == "1" else None
    if chosen not in pairs:
        chosen = None
    suggested = (found["category"], found["fault"]) if found else None
    return render(
        request,
        "console/_intake_triage.html",
        found=found,
        pairs=pairs,
        chosen=chosen or suggested,
        suggested=suggested,
        touched=chosen is not None,
    )


@router.post("/console/intake")
def intake_submit(
    request: Request,
    db: DbSession,
    user: Agent,
    customer_id: Annotated[Id, Form()],
    appliance_id: Annotated[Id, Form()],
    description: Annotated[str, Form(max_length=1000)] = "",
    service_type: Annotated[str, Form()] = "repair",
    pair: Annotated[str, Form(max_length=80)] = "",
    touched: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """The order through the intake action (channel hotline); the agent's category and fault, when they
    differ from what triage made of the order, correct it and are kept as a label."""
    words = description.strip()
    if not words:
        raise InvalidInput("description", "请填写客户描述", "type the customer's words")
    if service_type not in SERVICE_TYPES:
        raise InvalidInput("service_type", "服务类型不正确", "unknown service type")
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=customer_id)
    intake = actions.Intake(
        customer_id=customer.id,
        appliance_id=appliance_id,
        service_type=service_type,
        channel="hotline",
        fault_description=words,
    )
    result = actions.create_order(db, actor=user, intake=intake)
    chosen = _pair(pair) if touched == "1" else None  # untouched, the choice only followed triage
    if result.created and chosen is not None:
        row = for_order(db, order_id=result.order.id)
        if row is None or (row.category, row.fault) != chosen:
            labels.correct(db, order=result.order, actor=user, category=chosen[0], fault=chosen[1])
    return see_other(f"/console?order={result.order.id}")
