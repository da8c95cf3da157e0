"""The customer portal (``/portal``, mobile-first): sign in with phone and a one-time code, my appliances
with warranty, report a fault (the order number at once), the order page with a live timeline, quote
approve/decline and cancel while allowed. The same actions as the JSON API."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth import codes, tenant_clock
from anxin.auth import service as auth_service
from anxin.auth.exceptions import TooManyAttempts
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.customer import sign_in as portal_sign_in
from anxin.dependencies import ClientAddress, DbSession, SettingsDep
from anxin.dispatch.planning import plans
from anxin.exceptions import InvalidInput, NotFound
from anxin.fields import Id
from anxin.technician import photo as technician_photo
from anxin.web import i18n, orders, portal_forms, portal_signup, portal_track, relay_view
from anxin.web.session import CsrfChecked, page_user, sign_in
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import actions, photos, service
from anxin.work_order import report as service_reports

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
PHONE = r"^1\d{10}$"
ETA_STATES = {"assigned", "acknowledged", "en_route"}
WINDOWS = {"today_pm": (0, 14, 18), "tomorrow_am": (1, 9, 12), "tomorrow_pm": (1, 14, 18)}


def dev_mailbox_on(request: Request) -> bool:
    """The dev mailbox shows sent codes: on in the demo and in tests (``ANXIN_DEV_MAILBOX=1``), never by
    default."""
    flag = getattr(request.app.state, "dev_mailbox", None)
    return bool(flag) if flag is not None else os.environ.get("ANXIN_DEV_MAILBOX") == "1"


def _tenant_id(db: DbSession, slug: str) -> int:
    tenant = auth_service.get_tenant_by_slug(db, slug=slug)
    if tenant is None:
        raise NotFound("tenant", "服务商")
    return tenant.id


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, t: str = "demo") -> Response:
    return render(request, "portal/login.html", tenant=t, phone="", step="phone", dev=dev_mailbox_on(request))


@router.post("/code", response_class=HTMLResponse)
def send_code(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    client: ClientAddress,
    _: CsrfChecked,
    phone: Annotated[str, Form(pattern=PHONE)],
    tenant: Annotated[str, Form(max_length=40)] = "demo",
) -> Response:
    try:
        outcome = portal_sign_in.request_code(
            db,
            tenant_id=_tenant_id(db, tenant),
            phone=phone,
            client=client,
            secret=settings.secret_key,
            budget=settings.otp_hourly_budget,
            now=clock.now(),
            dev_mailbox=dev_mailbox_on(request),
        )
    except TooManyAttempts as refusal:
        return _throttled(request, refusal, tenant=tenant, phone=phone)
    word = i18n.translate(i18n.language(request), outcome.code)
    return render(
        request,
        "portal/login.html",
        status_code=200 if outcome.ok else 429,
        tenant=tenant,
        phone=phone,
        step="code",
        dev=dev_mailbox_on(request),
        notice=word if outcome.ok else None,
        error=None if outcome.ok else word,
    )


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    client: ClientAddress,
    _: CsrfChecked,
    phone: Annotated[str, Form(pattern=PHONE)],
    code: Annotated[str, Form(max_length=6)],
    tenant: Annotated[str, Form(max_length=40)] = "demo",
) -> Response:
    try:
        outcome = portal_sign_in.verify(
            db,
            tenant_id=_tenant_id(db, tenant),
            phone=phone,
            code=code.strip(),
            client=client,
            secret=settings.secret_key,
            now=clock.now(),
        )
    except TooManyAttempts as refusal:
        return _throttled(request, refusal, tenant=tenant, phone=phone)
    if outcome.ok and outcome.new_phone:
        return portal_signup.start(request, tenant=tenant, phone=phone)
    if not outcome.ok or outcome.user is None:
        word = i18n.translate(i18n.language(request), outcome.code)
        return render(
            request,
            "portal/login.html",
            status_code=400,
            tenant=tenant,
            phone=phone,
            step="code",
            dev=dev_mailbox_on(request),
            error=word,
        )
    response = see_other("/portal")
    sign_in(request, response, db, outcome.user)
    return response


def _throttled(request: Request, refusal: TooManyAttempts, *, tenant: str, phone: str) -> Response:
    """The sign-in form again, saying how long the throttle holds (429, ``Retry-After``)."""
    page = render(
        request,
        "portal/login.html",
        status_code=refusal.status_code,
        tenant=tenant,
        phone=phone,
        step="code",
        dev=dev_mailbox_on(request),
        error=refusal.message(i18n.language(request)),
    )
    page.headers.update(refusal.response_headers)
    return page


@router.get("/dev-mailbox", response_class=HTMLResponse)
def dev_mailbox(request: Request, db: DbSession, t: str = "demo") -> Response:
    if not dev_mailbox_on(request):
        raise NotFound("page", "页面")
    messages = codes.mailbox(db, tenant_id=_tenant_id(db, t))
    return render(request, "portal/mailbox.html", messages=messages, tenant=t)


@router.get("", response_class=HTMLResponse)
def home(request: Request, db: DbSession, user: Customer, welcome: int = 0) -> Response:
    """My appliances with their warranty and service history, and my orders (welcomed after sign-up)."""
    lang = i18n.language(request)
    today = clock.now().date()
    appliances = []
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=user.customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        warranty = appliance_service.warranty(db, appliance=appliance, on=today, model=model)
        name = category.name_en if lang == "en" else category.name_zh
        history = service.history_of(db, tenant_id=user.tenant_id, appliance_id=appliance.id, limit=5)
        appliances.append(
            {"a": appliance, "name": f"{name} · {model.name}", "warranty": warranty, "history": history}
        )
    page = service.list_for(db, user=user, now=clock.now(), page=1, page_size=50)
    notice = i18n.translate(lang, "su_done") if welcome else None
    return render(request, "portal/home.html", appliances=appliances, orders=page.items, notice=notice)


def _appliance_choices(db: DbSession, user: User, lang: str) -> list[tuple[int, str]]:
    choices = []
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=user.customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        choices.append(
            (appliance.id, f"{category.name_en if lang == 'en' else category.name_zh} · {model.name}")
        )
    return choices


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request, db: DbSession, user: Customer, appliance: Id | None = None) -> Response:
    """The report form: one of my appliances, or another picked by category → brand → model (or its
    typed code); the symptom chips of the appliance's category; a photo; a preferred window."""
    lang = i18n.language(request)
    choices = _appliance_choices(db, user, lang)
    categories = {}  # my appliances' categories: whose chips to show
    for owned in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=user.customer_id
    ):
        _model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=owned.product_model_id
        )
        categories[owned.id] = category.code
    chosen = appliance if appliance in categories else (choices[0][0] if choices else None)
    chips = portal_forms.symptoms(db, tenant_id=user.tenant_id, lang=lang)
    return render(
        request,
        "portal/report.html",
        choices=choices,
        chosen=chosen,
        picker=portal_forms.catalog(db, tenant_id=user.tenant_id, lang=lang),
        chips=chips,
        first_chips=chips.get(categories.get(chosen, ""), chips[""]),
        appliance_categories={str(k): v for k, v in categories.items()},
        today=tenant_clock.today(db, user.tenant_id).isoformat(),
        windows=_window_words(db, user.tenant_id, lang),
    )


def _window_words(db: DbSession, tenant_id: int, lang: str) -> list[tuple[str, str]]:
    """The preferred windows as people say them: "明天 12-06 周日 上午 9–12 点"."""
    today = tenant_clock.today(db, tenant_id)
    words = []
    for key, (days, start, _end) in WINDOWS.items():
        day = today + timedelta(days=days)
        half = i18n.translate(lang, "pf_am" if start < 12 else "pf_pm")
        words.append((key, f"{portal_forms.day_words(day, today, lang)} {half}"))
    return words


def _new_appliance(db: DbSession, user: User, form) -> int:
    """The appliance picked in the report form's catalog picker, registered for the customer on the spot
    (the serial number may wait for the technician)."""
    raw_model = str(form.get("product_model_id") or "").strip()
    model = portal_forms.model_id(
        db,
        tenant_id=user.tenant_id,
        product_model_id=int(raw_model) if raw_model.isdigit() else None,
        model_code=str(form.get("model_code") or "")[:60],
    )
    try:
        bought = date.fromisoformat(str(form.get("purchase_date") or ""))
    except ValueError:
        raise InvalidInput("purchase_date", "请填写购买日期", "give the purchase date") from None
    serial = str(form.get("serial_number") or "").strip()[:60]
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    appliance = appliance_service.create(
        db,
        tenant_id=user.tenant_id,
        customer_id=customer.id,
        actor=user,
        product_model_id=model,
        serial_number=serial,
        purchase_date=bought,
        purchase_channel="other",
        address_id=customer.addresses[0].id if customer.addresses else None,
    )
    return appliance.id


def window(db: DbSession, tenant_id: int, key: str) -> tuple[datetime | None, datetime | None]:
    """The preferred visit window the customer picked, in the tenant's zone."""
    if key not in WINDOWS:
        return None, None
    days, start, end = WINDOWS[key]
    zone = tenant_clock.zone(db, tenant_id)
    day = clock.now().astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(day, time(start), zone), datetime.combine(day, time(end), zone)


@router.post("/report")
async def report(
    request: Request,
    db: DbSession,
    user: Customer,
    settings: SettingsDep,
    appliance_id: Annotated[Id | None, Form()] = None,
    description: Annotated[str, Form(max_length=1000)] = "",
    preferred: Annotated[str, Form()] = "asap",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Take the report through the same intake action as the API; the order page shows its number."""
    form = await request.form()
    # the record keeps the Chinese words; a chip's words the page already wrote into the description once
    picked = [w for w in portal_forms.symptom_words(form.getlist("symptom")) if w not in description]
    fault = "；".join([*picked, description.strip()]).strip("；")
    if not fault:
        raise InvalidInput("description", "请选择故障现象或填写描述", "pick a symptom or describe the fault")
    if appliance_id is None:
        appliance_id = _new_appliance(db, user, form)
    start, end = window(db, user.tenant_id, preferred)
    intake = actions.Intake(
        customer_id=user.customer_id or -1,
        appliance_id=appliance_id,
        service_type="repair",
        channel="app",
        fault_description=fault,
        preferred_start_at=start,
        preferred_end_at=end,
    )
    result = actions.create_order(db, actor=user, intake=intake)
    data = await photo.read(settings.max_upload_bytes + 1) if photo is not None and photo.filename else b""
    if data and result.created:
        photos.store(
            db,
            order=result.order,
            actor=user,
            data=data,
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
        )
    return see_other(f"/portal/orders/{result.order.id}?new=1" + ("&duplicate=1" if result.duplicate else ""))


def _order_context(request: Request, db: DbSession, user: User, order_id: int) -> dict:
    order = service.get_for(db, user=user, id=order_id)
    eta = plans.eta_for(db, order=order, now=clock.now()) if order.status in ETA_STATES else None
    lang = i18n.language(request)
    # the arrival in words and, en route, the map's points (portal_track); the technician's photo
    track = portal_track.state(db, order=order, lang=lang) if order.status in ETA_STATES else None
    technician = portal_track.technician_of(db, order)
    return {
        "view": orders.view(db, user=user, order=order, lang=lang),
        "eta": eta,
        "track": track,
        "technician_photo": technician_photo.version(technician),
        "relay": relay_view.shown(db, user=user, order=order),  # the call button (隐私号)
    }


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: int, db: DbSession, user: Customer, new: int = 0) -> Response:
    return render(request, "portal/order.html", new=bool(new), **_order_context(request, db, user, order_id))


@router.get("/orders/{order_id}/service-report", response_class=HTMLResponse)
def service_report(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    """The printable service report of a completed order (the PDF is a later increment)."""
    context = _order_context(request, db, user, order_id)
    view = context["view"]
    if view.order.completed_at is None:
        raise NotFound("service report", "服务报告")
    done = next((e for e in reversed(view.events) if e.action == "complete"), None)
    record = service_reports.get_record(db, order=view.order)
    return render(request, "portal/service_report.html", done=done, record=record, **context)


@router.get("/orders/{order_id}/report.pdf")
def service_report_pdf(
    request: Request, order_id: int, db: DbSession, user: Customer, settings: SettingsDep
) -> Response:
    """The service report as a PDF download (409 ``report_not_ready`` before completion)."""
    order = service.get_for(db, user=user, id=order_id)
    pdf = service_reports.pdf_for(
        db, order=order, upload_dir=settings.upload_dir, lang=i18n.language(request)
    )
    disposition = f'attachment; filename="service-report-{order.number}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/orders/{order_id}/live", response_class=HTMLResponse)
def order_live(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    """The live part of the order page, polled by HTMX."""
    return render(request, "portal/live.html", **_order_context(request, db, user, order_id))


@router.post("/orders/{order_id}/{decision}-quote")
def decide(request: Request, order_id: int, decision: str, db: DbSession, user: Customer) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    if decision not in ("approve", "decline"):
        raise NotFound("page", "页面")
    actions.decide_quote(db, order=order, actor=user, ctx=actions.Context(), approve=decision == "approve")
    return see_other(f"/portal/orders/{order.id}")


@router.post("/orders/{order_id}/reschedule")
def reschedule(
    request: Request, order_id: int, db: DbSession, user: Customer, preferred: Annotated[str, Form()]
) -> Response:
    """A new visit window, through the appoint action (allowed until the technician sets off)."""
    order = service.get_for(db, user=user, id=order_id)
    start, end = window(db, user.tenant_id, preferred)
    if start is None or end is None:
        raise InvalidInput("preferred", "请选择时间段", "pick a time window")
    actions.appoint(db, order=order, actor=user, ctx=actions.Context(), start=start, end=end)
    return see_other(f"/portal/orders/{order.id}")


@router.post("/orders/{order_id}/cancel")
def cancel(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Customer,
    reason: Annotated[str, Form(max_length=300)],
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    order = actions.cancel(db, order=order, actor=user, ctx=actions.Context(reason=reason))
    return see_other(f"/portal/orders/{order.id}")
