"""Contracts on the pages. The customer's side in the portal (``/portal/contracts``): their extended
warranties and care plans with the visits and claims left, the renewal offer and its button, and buying
a plan for one of their appliances. The admins' side in the console (``/console/service-plans``): the
plans, to create, change, retire and put back on sale. The same functions as the API, audited alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from anxin import money
from anxin.appliance import service as appliance_service
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.contract import contracts, plans, views
from anxin.contract.models import ServicePlan
from anxin.contract.schemas import PlanUpdate, ServicePlanCreate
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Admin = Annotated[User, Depends(page_user(Action.SERVICE_PLANS_MANAGE))]

i18n.extend(
    {f"ct_cat_{code.value}": names for code, names in CATEGORY_NAMES.items()}
    | {
        "ct_title": ("我的延保与保养", "My warranties and care plans"),
        "ct_link": ("延保与保养套餐", "Extended warranties and care plans"),
        "ct_kind_extended_warranty": ("延长保修", "Extended warranty"),
        "ct_kind_care": ("保养套餐", "Care plan"),
        "ct_status_active": ("生效中", "Active"),
        "ct_status_expired": ("已到期", "Expired"),
        "ct_status_cancelled": ("已退保", "Cancelled"),
        "ct_number": ("合同号", "Contract"),
        "ct_period": ("保障期", "Cover"),
        "ct_price": ("价格", "Price"),
        "ct_visits_left": ("剩余上门次数", "Visits left"),
        "ct_claims": ("已使用", "Claims"),
        "ct_claims_unlimited": ("保障期内不限次数", "Unlimited claims in the term"),
        "ct_none": ("您还没有购买延保或保养套餐", "You have no extended warranty or care plan yet"),
        "ct_offer": (
            "续约优惠：{price}，保障延续至 {until}",
            "Renewal offer: {price}, covered until {until}",
        ),
        "ct_offer_discount": ("优惠 {n}%", "{n}% off"),
        "ct_renew": ("立即续约", "Renew now"),
        "ct_renewed": ("已续约", "Renewed"),
        "ct_refund": ("退款", "Refund"),
        "ct_buy_for": ("为我的家电购买", "Buy for my appliances"),
        "ct_buy": ("购买套餐", "Buy a plan"),
        "ct_choose_plan": ("选择套餐", "Choose a plan"),
        "ct_no_plans": ("暂无适用于这台家电的套餐", "No plan fits this appliance"),
        "ct_purchase_price": (
            "购机发票金额（元，延保按此分档定价）",
            "Invoice price (yuan; sets an extended warranty's band)",
        ),
        "ct_band": ("购机价 {up_to} 以内：{price}", "Bought for up to {up_to}: {price}"),
        "ct_band_top": ("购机价更高：{price}", "Bought for more: {price}"),
        "ct_term": ("{months} 个月", "{months} months"),
        "ct_visits": ("含 {n} 次上门{service}", "{n} visits: {service}"),
        "ct_ew_rule": (
            "整机保修，保障期内维修不限次数；在原厂保修期内购买的，自原厂保修到期次日起生效。",
            "The whole unit, unlimited repairs in the term; bought within the factory warranty, it starts when "
            "that ends.",
        ),
        "ct_done_bought": ("购买成功", "Bought"),
        "ct_done_renewed": ("续约成功", "Renewed"),
        "ct_svc_cleaning": ("清洗", "Cleaning"),
        "ct_svc_maintenance": ("保养", "Maintenance"),
        "ct_order": ("工单", "Order"),
        # the work-order channel of a care plan's scheduled visit (``contract.schedule.CHANNEL``)
        "channel_care_plan": ("保养套餐预约", "Care plan visit"),
        # the console
        "ct_plans": ("服务套餐", "Service plans"),
        "ct_plans_hint": (
            "延保按购机价格分档定价（1 至 4 年）；保养套餐按年定价，含若干次上门，系统按期自动生成上门工单。",
            "Extended warranties are priced by purchase-price band (1 to 4 years); care plans have a yearly "
            "price and a number of visits, whose orders the platform creates on schedule.",
        ),
        "ct_code": ("编码", "Code"),
        "ct_kind": ("类型", "Kind"),
        "ct_name": ("名称", "Name"),
        "ct_name_zh": ("名称（中文）", "Name (Chinese)"),
        "ct_name_en": ("名称（英文）", "Name (English)"),
        "ct_description": ("说明", "Description"),
        "ct_category": ("适用品类", "Category"),
        "ct_all_categories": ("全部品类", "Every category"),
        "ct_term_months": ("期限（月）", "Term (months)"),
        "ct_care_price": ("保养套餐价格（元）", "Care plan price (yuan)"),
        "ct_bands": (
            "延保价格档（按购机价格分档，从低到高；最后一档上限留空）",
            "Price bands (by purchase price, low to high; the last without a limit)",
        ),
        "ct_band_up": ("购机价上限（元）", "Bought for up to (yuan)"),
        "ct_band_price": ("延保价格（元）", "Price (yuan)"),
        "ct_visit_count": ("上门次数", "Visits"),
        "ct_service_type": ("上门内容", "Visits do"),
        "ct_max_age": ("最长机龄（月，可空）", "Oldest appliance (months, optional)"),
        "ct_renewal_discount": ("续约优惠（%）", "Renewal discount (%)"),
        "ct_state": ("状态", "State"),
        "ct_plan_active": ("在售", "On sale"),
        "ct_plan_retired": ("已停售", "Retired"),
        "ct_create": ("新建套餐", "New plan"),
        "ct_save": ("保存", "Save"),
        "ct_edit": ("编辑", "Edit"),
        "ct_retire": ("停售", "Retire"),
        "ct_reinstate": ("恢复销售", "Put back on sale"),
        "ct_saved": ("已保存", "Saved"),
        "ct_back": ("返回套餐列表", "Back to the plans"),
        "ct_price_col": ("价格", "Price"),
        "ct_bands_summary": ("{n} 档：{low}–{high}", "{n} bands: {low}–{high}"),
    }
)

CATEGORIES = [code.value for code in CategoryCode]


def _appliances(db: DbSession, user: User, lang: str) -> dict[int, tuple[str, str]]:
    """The customer's appliances: ``{id: (name, category code)}``."""
    found = {}
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=user.customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        found[appliance.id] = (
            f"{category.name_en if lang == 'en' else category.name_zh} · {model.name}",
            category.code,
        )
    return found


# -- the customer's contracts ----------------------------------------------------------------------------


@router.get("/portal/contracts", response_class=HTMLResponse)
def portal_contracts(request: Request, db: DbSession, user: Customer, done: str = "") -> Response:
    """My contracts, the newest first, with what is left of each and the renewal offer."""
    today = tenant_clock.today(db, user.tenant_id)
    page = contracts.list_contracts(db, user=user, page=1, page_size=100)
    lang = i18n.language(request)
    notices = {"bought": "ct_done_bought", "renewed": "ct_done_renewed"}
    return render(
        request,
        "contract/portal.html",
        contracts=views.read_many(db, page.items, today=today),
        appliances=_appliances(db, user, lang),
        notice=i18n.translate(lang, notices[done]) if done in notices else None,
        yuan=money.yuan,
    )


@router.get("/portal/contracts/buy", response_class=HTMLResponse)
def portal_buy(request: Request, db: DbSession, user: Customer, appliance: Id) -> Response:
    """The plans that fit one of my appliances, to buy one."""
    lang = i18n.language(request)
    mine = _appliances(db, user, lang)
    if appliance not in mine:
        appliance_service.get(db, tenant_id=user.tenant_id, id=appliance, customer_id=user.customer_id or -1)
    name, category = mine[appliance]
    return render(
        request,
        "contract/buy.html",
        appliance_id=appliance,
        appliance_name=name,
        plans=plans.list_plans(db, tenant_id=user.tenant_id, category=category),
        yuan=money.yuan,
    )


def _yuan(text: str, field: str) -> int | None:
    """Yuan as typed to integer fen (empty: None)."""
    if not text.strip():
        return None
    try:
        return money.parse_yuan(text, most=1_000_000)
    except ValueError:
        raise InvalidInput(
            field, "金额格式有误（0 至 1,000,000 元）", "not an amount (0 to 1,000,000 yuan)"
        ) from None


@router.post("/portal/contracts")
def portal_sell(
    db: DbSession,
    user: Customer,
    appliance_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    plan_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    purchase_price: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    contracts.sell(
        db,
        user=user,
        appliance_id=appliance_id,
        plan_id=plan_id,
        purchase_price_fen=_yuan(purchase_price, "purchase_price"),
    )
    return see_other("/portal/contracts?done=bought")


@router.post("/portal/contracts/{contract_id}/renew")
def portal_renew(contract_id: Id, db: DbSession, user: Customer) -> Response:
    contract = contracts.get(db, user=user, id=contract_id)
    contracts.renew(db, user=user, contract=contract)
    return see_other("/portal/contracts?done=renewed")


# -- the admins' plans -----------------------------------------------------------------------------------


@router.get("/console/service-plans", response_class=HTMLResponse)
def plans_page(request: Request, db: DbSession, user: Admin) -> Response:
    return render(
        request,
        "contract/plans.html",
        plans=plans.list_plans(db, tenant_id=user.tenant_id, retired=True),
        plan=None,
        categories=CATEGORIES,
        yuan=money.yuan,
    )


@router.get("/console/service-plans/{service_plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, service_plan_id: Id, db: DbSession, user: Admin, done: str = "") -> Response:
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    notice = i18n.translate(i18n.language(request), "ct_saved") if done == "saved" else None
    return render(
        request, "contract/plan.html", plan=plan, categories=CATEGORIES, notice=notice, yuan=money.yuan
    )


class PlanForm:
    """A plan's form as posted: prices in yuan, the bands as pairs of ``band_up`` and ``band_price``."""

    def __init__(
        self,
        code: Annotated[str, Form(max_length=40)] = "",
        kind: Annotated[str, Form(max_length=20)] = "",
        name_zh: Annotated[str, Form(max_length=80)] = "",
        name_en: Annotated[str, Form(max_length=80)] = "",
        description: Annotated[str, Form(max_length=400)] = "",
        category: Annotated[str, Form(max_length=40)] = "",
        term_months: Annotated[str, Form(max_length=4)] = "",
        price: Annotated[str, Form(max_length=20)] = "",
        visits: Annotated[str, Form(max_length=4)] = "",
        service_type: Annotated[str, Form(max_length=20)] = "",
        max_age_months: Annotated[str, Form(max_length=4)] = "",
        renewal_discount_percent: Annotated[str, Form(max_length=4)] = "",
        band_up: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies the default)
        band_price: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> None:
        bands = []
        for up, price_text in list(zip(band_up, band_price, strict=False))[:10]:
            if price_text.strip():
                bands.append({"up_to_fen": _yuan(up, "bands"), "price_fen": _yuan(price_text, "bands")})
        self.values = {
            "code": code.strip(),
            "kind": kind,
            "name_zh": name_zh.strip(),
            "name_en": name_en.strip(),
            "description": description.strip(),
            "category_code": category or None,
            "term_months": term_months.strip() or "0",
            "price_fen": _yuan(price, "price"),
            "bands": bands,
            "visits": visits.strip() or "0",
            "service_type": service_type or None,
            "max_age_months": max_age_months.strip() or None,
            "renewal_discount_percent": renewal_discount_percent.strip() or "0",
        }

    def parsed(self, model: type[ServicePlanCreate] | type[PlanUpdate]):
        values = (
            self.values
            if model is ServicePlanCreate
            else {k: v for k, v in self.values.items() if k not in ("code", "kind")}
        )
        try:
            return model.model_validate(values)
        except ValidationError as invalid:
            problem = invalid.errors()[0]
            field = str(problem["loc"][0]) if problem["loc"] else "form"
            raise InvalidInput(field, "填写有误，请检查", "check this field") from None


Posted = Annotated[PlanForm, Depends()]


@router.post("/console/service-plans")
def create_plan(form: Posted, db: DbSession, user: Admin) -> Response:
    plan = plans.create(db, tenant_id=user.tenant_id, body=form.parsed(ServicePlanCreate), actor=user)
    return see_other(f"/console/service-plans/{plan.id}?done=saved")


@router.post("/console/service-plans/{service_plan_id}")
def update_plan(service_plan_id: Id, form: Posted, db: DbSession, user: Admin) -> Response:
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    plans.update(db, plan=plan, fields=form.parsed(PlanUpdate), actor=user)
    return see_other(f"/console/service-plans/{service_plan_id}?done=saved")


@router.post("/console/service-plans/{service_plan_id}/retire")
def retire_plan(service_plan_id: Id, db: DbSession, user: Admin) -> Response:
    _status(db, user, service_plan_id, "retired")
    return see_other(f"/console/service-plans/{service_plan_id}?done=saved")


@router.post("/console/service-plans/{service_plan_id}/reinstate")
def reinstate_plan(service_plan_id: Id, db: DbSession, user: Admin) -> Response:
    _status(db, user, service_plan_id, "active")
    return see_other(f"/console/service-plans/{service_plan_id}?done=saved")


def _status(db: DbSession, user: User, service_plan_id: int, status: str) -> ServicePlan:
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    return plans.set_status(db, plan=plan, status=status, actor=user)
