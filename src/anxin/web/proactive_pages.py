"""Proactive service on the pages: the customer's contact preferences in the portal (``/portal/contact``:
consent to proactive contact, the household), a customer's page for agents with the profile's chips
(``/console/customers/{id}``), and the admins' alert policy and campaigns (``/console/proactive``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.masking import mask_phone
from anxin.proactive import campaigns, consent, policy, profile
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
ProfileReader = Annotated[User, Depends(page_user(Action.CUSTOMER_PROFILE))]
PolicyAdmin = Annotated[User, Depends(page_user(Action.ALERT_POLICY))]
CampaignAdmin = Annotated[User, Depends(page_user(Action.CAMPAIGNS))]

i18n.extend(
    {
        "px_contact": ("服务提醒与家庭情况", "Service reminders and household"),
        "px_consent": ("同意主动服务提醒", "Proactive service reminders"),
        "px_consent_hint": (
            "家电联网后，如果发现故障或到了清洗保养的时候，我们会给您发消息、附上自助处理方法，必要时直接安排师傅上门。"
            "不同意也不影响您正常报修。",
            "When a connected appliance shows a fault or is due for cleaning, we send you a message with what you can "
            "do yourself, and arrange a visit where needed. Saying no does not affect your repairs.",
        ),
        "px_household": ("家庭人数", "People at home"),
        "px_household_unset": ("不填写", "Rather not say"),
        "px_elderly": ("家中有老人", "An elderly person lives here"),
        "px_infant": ("家中有婴幼儿", "An infant lives here"),
        "px_save": ("保存", "Save"),
        "px_saved": ("已保存", "Saved"),
        "px_customer": ("客户画像", "Customer profile"),
        "px_consent_yes": ("已同意主动服务", "Agreed to proactive service"),
        "px_consent_no": (
            "未同意主动服务（告警只由客服处理）",
            "No proactive contact (alerts left to staff)",
        ),
        "px_no_tags": ("暂无足够数据生成标签", "Not enough data for tags yet"),
        "px_policy": ("告警处理策略", "Alert policy"),
        "px_policy_hint": (
            "设备告警产生时按原因、再按级别、最后按默认处理。通知和派单都只对同意主动服务的客户生效，其余告警留给客服。",
            "An alert follows its cause, then its severity, then the default. Messages and orders reach only "
            "customers who agreed to proactive service; the rest stay with staff.",
        ),
        "px_default": ("默认", "Default"),
        "px_by_cause": ("按告警原因", "By cause"),
        "px_inherit": ("按级别/默认", "Follow severity/default"),
        "px_campaigns": ("季节关怀活动", "Seasonal campaigns"),
        "px_run_ac": ("立即执行空调清洗关怀", "Run the AC cleaning campaign now"),
        "px_min_hours": ("运行小时数达到", "Run hours from"),
        "px_season": ("季度", "Season"),
        "px_counts": ("结果", "Result"),
        "px_none_yet": ("还没有执行过", "Not run yet"),
        "px_count_candidates": ("空调总数", "Air conditioners"),
        "px_count_offered": ("已发送优惠", "Offered"),
        "px_count_no_consent": ("未授权跳过", "No consent"),
        "px_count_cleaned_this_year": ("今年已清洗", "Cleaned this year"),
        "px_count_low_run_hours": ("运行时长不足", "Low run hours"),
        "px_count_already_offered": ("本季已发送", "Already offered"),
        "px_profile_link": ("客户画像", "Profile"),
    }
    | {f"px_action_{k}": v for k, v in policy.ACTION_NAMES.items()}
    | {f"px_severity_{k}": v for k, v in policy.SEVERITIES.items()}
)


# --- the customer's side -------------------------------------------------------------------------------


@router.get("/portal/contact", response_class=HTMLResponse)
def contact_page(request: Request, db: DbSession, user: Customer, saved: str = "") -> Response:
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    household = consent.household_of(db, customer_id=customer.id)
    return render(
        request,
        "proactive/contact.html",
        granted=consent.has_consent(db, customer_id=customer.id),
        size=household.size if household else None,
        customer=customer,
        notice=i18n.translate(i18n.language(request), "px_saved") if saved else None,
    )


@router.post("/portal/contact")
def contact_save(
    db: DbSession,
    user: Customer,
    granted: Annotated[str, Form()] = "",
    size: Annotated[str, Form()] = "",
    elderly: Annotated[str, Form()] = "",
    infant: Annotated[str, Form()] = "",
) -> Response:
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    if size.strip() and not size.strip().isdigit():
        raise InvalidInput("size", "家庭人数应在1到20之间", "A household has 1 to 20 people")
    consent.set_consent(db, customer=customer, actor=user, granted=bool(granted))
    consent.declare_household(
        db,
        customer=customer,
        actor=user,
        size=int(size) if size.strip() else None,
        elderly=bool(elderly),
        infant=bool(infant),
    )
    return see_other("/portal/contact?saved=1")


# --- the agents' side ----------------------------------------------------------------------------------


@router.get("/console/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(request: Request, customer_id: Id, db: DbSession, user: ProfileReader) -> Response:
    """The customer for agents, dispatchers and admins: the profile's chips and the consent (the phone
    number whole for agents only, masked for the others: ``customer.visibility``)."""
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=customer_id)
    found = profile.profile(db, customer=customer)
    phone = customer.phone if user.role == "agent" else mask_phone(customer.phone)
    return render(request, "proactive/customer.html", customer=customer, phone=phone, profile=found)


# --- the admins' side ----------------------------------------------------------------------------------


@router.get("/console/proactive", response_class=HTMLResponse)
def proactive_page(request: Request, db: DbSession, user: PolicyAdmin, saved: str = "") -> Response:
    from anxin.telemetry import rules  # noqa: PLC0415  (the causes the tenant's rules name)

    return render(
        request,
        "proactive/admin.html",
        policy=policy.read(db, tenant_id=user.tenant_id),
        rules=rules.list_rules(db, tenant_id=user.tenant_id),
        actions=policy.ACTIONS,
        severities=list(policy.SEVERITIES),
        campaigns=campaigns.recent(db, tenant_id=user.tenant_id),
        count_names=campaigns.COUNTS,
        notice=i18n.translate(i18n.language(request), "px_saved") if saved else None,
    )


@router.post("/console/proactive/policy")
async def policy_save(request: Request, db: DbSession, user: PolicyAdmin) -> Response:
    form = await request.form()
    chosen = {
        "default": str(form.get("default") or "none"),
        "by_severity": {
            s: str(form[f"severity_{s}"]) for s in policy.SEVERITIES if form.get(f"severity_{s}")
        },
        "by_cause": {
            str(key)[6:]: str(value)
            for key, value in form.items()
            if str(key).startswith("cause_") and value and len(str(key)) <= 66
        },
    }
    policy.replace(db, actor=user, policy=chosen)
    return see_other("/console/proactive?saved=1")


@router.post("/console/proactive/campaigns")
def campaign_run(
    db: DbSession, user: CampaignAdmin, min_run_hours: Annotated[int, Form(ge=1, le=200_000)] = 800
) -> Response:
    campaigns.run(db, tenant_id=user.tenant_id, actor=user, min_run_hours=min_run_hours)
    return see_other("/console/proactive?saved=1")
