"""Signing up in the customer portal. A phone that is no customer's gets its code like any other (the
answer does not say whose phone it is); its right code leads here instead of the portal: a short-lived
signed cookie (``anxin_sign_up``, 15 minutes) proves the phone, and the form asks for a name, an address
(a district the tenant serves and the street) and consent to the privacy notice (``/portal/privacy``),
then makes the customer and signs them in (``customer.sign_in.sign_up``)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.keys import Purpose, derive
from anxin.customer import sign_in as portal_sign_in
from anxin.dependencies import DbSession
from anxin.web import i18n
from anxin.web.session import CsrfChecked, dump, load, sign_in
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

COOKIE = "anxin_sign_up"
SECONDS = 15 * 60

i18n.extend(
    {
        "su_title": ("注册新用户", "Sign up"),
        "su_welcome": (
            "验证成功。这个手机号还没有注册，请填写以下信息完成注册。",
            "Code accepted. This phone has no account yet: fill in the form to sign up.",
        ),
        "su_phone": ("手机号", "Phone"),
        "su_name": ("您的称呼", "Your name"),
        "su_name_hint": ("如：王先生、李女士", "e.g. Mr Wang"),
        "su_district": ("所在区县", "District"),
        "su_detail": ("详细地址", "Street address"),
        "su_detail_hint": ("街道、小区、楼栋和门牌号", "Street, estate, building and flat"),
        "su_consent": ("我已阅读并同意", "I have read and agree to the"),
        "su_privacy": ("《隐私政策》", "privacy notice"),
        "su_submit": ("注册并登录", "Sign up and sign in"),
        "su_need_consent": (
            "请先阅读并同意《隐私政策》",
            "Please read and agree to the privacy notice first",
        ),
        "su_need_fields": ("请填写称呼和详细地址", "Please give your name and street address"),
        "su_expired": (
            "注册已超时，请重新获取验证码",
            "The sign-up timed out: please ask for a new code",
        ),
        "su_done": ("注册成功，欢迎使用安心服务！", "You are signed up. Welcome!"),
        "su_new_hint": (
            "新用户输入验证码后即可注册。",
            "New here? Enter the code and you can sign up.",
        ),
        "su_demo_phone": ("演示用户手机号", "Demo customer's phone"),
        "su_resend": ("重新获取", "Send again"),
        "su_resend_in": ("秒后可重新获取", "s until you can ask again"),
        # the privacy notice
        "pn_title": ("隐私政策", "Privacy notice"),
        "pn_intro": (
            "安心服务为您安排家电的维修、安装和保养。我们只收集办理服务所需的信息，并按《个人信息保护法》保护。",
            "Anxin arranges repairs, installations and care of your appliances. We collect only what the "
            "service needs and protect it under China's Personal Information Protection Law.",
        ),
        "pn_what": ("我们收集的信息", "What we collect"),
        "pn_what_text": (
            "手机号、称呼、上门地址；您登记的家电（型号、条码、购买日期）；报修内容和您上传的照片；服务评价。",
            "Your phone, name and service address; the appliances you register (model, serial number, "
            "purchase date); your reports and the photos you upload; your ratings.",
        ),
        "pn_why": ("用途", "What it is for"),
        "pn_why_text": (
            "安排师傅上门、通知服务进度、计算保修和费用、回访服务质量。不用于与服务无关的营销。",
            "To send a technician, tell you how the service goes, work out warranty and charges, and "
            "follow up on quality. Never for marketing unrelated to the service.",
        ),
        "pn_who": ("谁能看到", "Who sees it"),
        "pn_who_text": (
            "只有为您服务的客服、调度和上门师傅；师傅和客服看到的手机号是隐藏中间四位的。",
            "Only the agents, dispatchers and technician serving you; they see your phone with its "
            "middle digits hidden.",
        ),
        "pn_rights": ("您的权利", "Your rights"),
        "pn_rights_text": (
            "您可以随时在“我的 → 我的数据”中查看、下载您的全部个人信息，或申请删除。",
            "At any time, under Me → My data, you can see and download everything we hold about you, "
            "or ask us to erase it.",
        ),
        "pn_back": ("返回", "Back"),
    }
)


def _key(request: Request) -> bytes:
    return derive(request.app.state.settings.secret_key, Purpose.PORTAL_SIGN_UP)


def start(request: Request, *, tenant: str, phone: str) -> Response:
    """After a new phone's right code: to the sign-up form, the phone proven by a signed cookie."""
    response = see_other("/portal/signup")
    value = dump(_key(request), {"tenant": tenant, "phone": phone, "exp": int(time.time()) + SECONDS})
    response.set_cookie(
        COOKIE,
        value,
        max_age=SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/portal",
    )
    return response


def _proven(request: Request) -> tuple[str, str] | None:
    """(tenant slug, phone) of a live sign-up cookie."""
    data = load(_key(request), request.cookies.get(COOKIE))
    if not data or not isinstance(data.get("phone"), str) or not isinstance(data.get("tenant"), str):
        return None
    return data["tenant"], data["phone"]


def _expired(request: Request) -> Response:
    return render(
        request,
        "portal/login.html",
        status_code=400,
        tenant="demo",
        phone="",
        step="phone",
        dev=False,
        error=i18n.translate(i18n.language(request), "su_expired"),
    )


def _form(
    request: Request,
    db: DbSession,
    *,
    tenant: str,
    phone: str,
    status_code: int = 200,
    error: str | None = None,
    notice: str | None = None,
    **kept: str,
) -> Response:
    tenant_row = auth_service.get_tenant_by_slug(db, slug=tenant)
    places = portal_sign_in.districts(db, tenant_id=tenant_row.id) if tenant_row else []
    return render(
        request,
        "portal/signup.html",
        status_code=status_code,
        phone=phone,
        districts=[d.name for d in places],
        error=error,
        notice=notice,
        kept={"name": "", "district": "", "detail": "", **kept},
    )


@router.get("/signup", response_class=HTMLResponse)
def sign_up_form(request: Request, db: DbSession) -> Response:
    proven = _proven(request)
    if proven is None:
        return see_other("/portal/login")
    tenant, phone = proven
    lang = i18n.language(request)
    return _form(request, db, tenant=tenant, phone=phone, notice=i18n.translate(lang, "su_welcome"))


@router.post("/signup", response_class=HTMLResponse)
def sign_up(
    request: Request,
    db: DbSession,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=60)] = "",
    district: Annotated[str, Form(max_length=30)] = "",
    detail: Annotated[str, Form(max_length=200)] = "",
    consent: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    proven = _proven(request)
    if proven is None:
        return _expired(request)
    tenant, phone = proven
    tenant_row = auth_service.get_tenant_by_slug(db, slug=tenant)
    if tenant_row is None:
        return _expired(request)
    lang = i18n.language(request)
    name, district, detail = name.strip(), district.strip(), detail.strip()
    problem = "su_need_fields" if not name or not detail else "su_need_consent" if consent != "yes" else None
    if problem:
        return _form(
            request,
            db,
            tenant=tenant,
            phone=phone,
            status_code=422,
            error=i18n.translate(lang, problem),
            name=name,
            district=district,
            detail=detail,
        )
    user = portal_sign_in.sign_up(
        db,
        tenant_id=tenant_row.id,
        phone=phone,
        name=name,
        address=portal_sign_in.place(db, tenant_id=tenant_row.id, district=district, detail=detail),
        consented_at=clock.now(),
    )
    response = see_other("/portal?welcome=1")
    response.delete_cookie(COOKIE, path="/portal")
    sign_in(request, response, db, user)
    return response


@router.get("/privacy", response_class=HTMLResponse)
def privacy_notice(request: Request) -> Response:
    """The privacy notice a sign-up agrees to; open to anyone."""
    return render(request, "portal/privacy.html", version=portal_sign_in.PRIVACY_NOTICE_VERSION)
