"""The technician app (``/tech``, mobile-first): today's orders in route order, the order's detail, and one
big button per move the state table allows (acknowledge, reject, depart, arrive, quote, start, wait for parts,
resume, complete with the customer's signature). Every button calls the same action as the JSON API."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.datastructures import UploadFile as StarletteUpload

from anxin import clock, fields, money
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import SERVICE_TYPE_NAMES
from anxin.dependencies import DbSession, SettingsDep
from anxin.dispatch.planning import plans
from anxin.exceptions import AnxinError, InvalidInput
from anxin.feedback.scorecards import appeals
from anxin.web import i18n, orders, tech_keep, tech_offline
from anxin.web.session import page_user
from anxin.web.templating import render, see_other
from anxin.work_order import actions, appointment, evidence, photos, report, service
from anxin.work_order.states import OPEN

# the moves take idempotency keys (the offline queue sends them; tech_offline.guard)
router = APIRouter(
    route_class=tech_offline.OfflineRoute,
    include_in_schema=False,
    dependencies=[Depends(tech_offline.guard, scope="function")],
)

Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]
Anyone = Annotated[User, Depends(page_user())]
WORKING = sorted(s.value for s in OPEN if s.value not in ("created", "accepted"))
i18n.extend(
    {
        "hist_title": ("这台家电的维修记录", "This appliance's service history"),
        "hist_none": ("首次服务", "First visit"),
        "hist_rework": ("返修", "Rework"),
    }
    | {f"svc_{code.value}": names for code, names in SERVICE_TYPE_NAMES.items()}
)
i18n.extend(
    {
        "sr_cause": ("故障原因", "Cause"),
        "sr_cause_hint": ("选择或填写", "Pick or type"),
        "sr_advice": ("给客户的使用建议", "Advice to the customer"),
        "sr_parts_used": ("使用配件", "Parts used"),
        "sr_quantity": ("数量", "Qty"),
        "sr_before": ("维修前照片", "Photos before"),
        "sr_after": ("维修后照片", "Photos after"),
        "sr_kind": ("照片类型", "Kind of photo"),
        "sr_on_site": ("现场照片", "On site"),
        "sr_stamped": ("已加水印：时间、位置、工程师", "Stamped: time, place, technician"),
        "sr_complete_title": ("完工确认", "Completion"),
        "sr_far": ("距离地址过远", "Far from the address"),
        "sr_metres": ("米", "m"),
        "sr_total": ("合计", "Total"),
        "sr_download_pdf": ("下载服务报告（PDF）", "Download the service report (PDF)"),
        "kf_work_done": ("请填写维修内容", "Describe the work done"),
    }
)
# Moves without a form of their own, and the dispatch reaction each needs (as in the API router).
SIMPLE = {"acknowledge", "depart", "arrive", "start", "resume"}


@router.get("/tech", response_class=HTMLResponse)
def today(request: Request, db: DbSession, user: Tech) -> Response:
    """The technician's open orders: the day plan's route order first, then by appointment and deadline."""
    now = clock.now()
    page = service.list_for(db, user=user, now=now, page=1, page_size=100, status=WORKING)
    zone = tenant_clock.zone_name(db, user.tenant_id)
    from zoneinfo import ZoneInfo

    _, stops = plans.route_for(
        db,
        tenant_id=user.tenant_id,
        technician_id=user.technician_id or -1,
        day=now.astimezone(ZoneInfo(zone)).date(),
    )
    sequence = {stop.order.id: index for index, stop in enumerate(stops, start=1)}
    far = now.replace(year=9999)

    def key(order):  # noqa: ANN001, ANN202 - a local sort key
        moment = order.appointment_start_at or order.sla_due_at
        return (sequence.get(order.id, 10_000), clock.as_utc(moment) if moment else far)

    items = sorted(page.items, key=key)
    views = [orders.view(db, user=user, order=o, lang=i18n.language(request), full=False) for o in items]
    # the booking clock of the orders still to be booked with the customer (the appointment step)
    booking = {
        o.id: appointment.booking_clock(db, o, now=now)
        for o in items
        if o.status in ("assigned", "acknowledged")
    }
    return render(
        request,
        "tech/today.html",
        views=views,
        sequence=sequence,
        booking=booking,
        suspension=appeals.suspension_words_of(db, user=user, lang=i18n.language(request)),
    )


@router.get("/tech/orders/{order_id}", response_class=HTMLResponse)
def detail(request: Request, order_id: int, db: DbSession, user: Tech) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    return tech_keep.render_order(request, db, user, order)


@router.post("/tech/orders/{order_id}/act/{action}")
async def act(request: Request, order_id: int, action: str, db: DbSession, user: Tech) -> Response:
    """acknowledge, depart, arrive (with the browser's coordinates when given), start, resume. The phone's
    position sent with a move is also where the technician is now: the customer's arrival time and map, and
    matching, read it (``technician.handlers``)."""
    form = dict(await request.form())
    order = service.get_for(db, user=user, id=order_id)
    if action not in SIMPLE:
        raise InvalidInput("action", "不支持的操作", "unknown action")
    order = actions.perform(db, order=order, action=action, actor=user, ctx=orders.context_from(form))
    return see_other(f"/tech/orders/{order.id}")


@router.post("/tech/orders/{order_id}/reject")
def reject(
    request: Request, order_id: int, db: DbSession, user: Tech, reason: Annotated[str, Form(max_length=300)]
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    actions.reject(db, order=order, actor=user, ctx=actions.Context(reason=reason))
    return see_other("/tech")


@router.post("/tech/orders/{order_id}/wait-parts")
def wait_parts(
    request: Request, order_id: int, db: DbSession, user: Tech, reason: Annotated[str, Form(max_length=300)]
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    actions.perform(db, order=order, action="wait-parts", actor=user, ctx=actions.Context(reason=reason))
    return see_other(f"/tech/orders/{order.id}")


def fen(text: str | None, field: str) -> int:
    """Yuan as typed (``80`` or ``80.5``) to integer fen; empty is zero."""
    try:
        return money.parse_yuan(text or "")
    except money.AmountOutOfRange:
        raise InvalidInput(field, "金额超出范围", "amount out of range") from None
    except ValueError:
        raise InvalidInput(field, "金额格式有误", "not an amount") from None


def signature_bytes(data_url: str) -> bytes:
    """The PNG the signature pad produced (``data:image/png;base64,…``)."""
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        raise InvalidInput("signature", "请客户签名", "the customer's signature is missing")
    try:
        return base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("signature", "签名数据有误", "the signature could not be read") from None


def _coordinate(form, name: str, low: float, high: float) -> float | None:  # noqa: ANN001 - a form
    """The browser's location: empty is None; not a finite number in range is refused (an error page)."""
    return fields.form_coordinate(name, form.get(name), low, high)


def _parts_used(form) -> list[dict]:  # noqa: ANN001 - a form
    """The parts-used lines as typed: name, quantity, amount in yuan."""
    parts = []
    names, quantities, amounts = (form.getlist(f"used_{k}") for k in ("name", "qty", "amount"))
    for name, qty, amount in zip(names, quantities, amounts, strict=False):
        name = str(name).strip()[:100]
        if not name:
            continue
        typed = str(qty).strip()
        quantity = int(typed) if typed.isascii() and typed.isdigit() else 1  # "²" is a digit to Python
        if not 1 <= quantity <= 999:
            raise InvalidInput("used_qty", "数量超出范围", "quantity out of range")
        parts.append({"name": name, "quantity": quantity, "amount_fen": fen(str(amount), "used_amount")})
    return parts


async def _stamped_uploads(
    request: Request, db: DbSession, order, user: User, form, name: str, **kw
) -> list[int]:  # noqa: ANN001
    """Store each file of the form field ``name`` as a stamped photo; their ids."""
    settings = request.app.state.settings
    ids = []
    for upload in form.getlist(name):
        if not isinstance(upload, StarletteUpload) or not upload.filename:
            continue
        data = await upload.read(settings.max_upload_bytes + 1)
        photo = evidence.store_stamped(
            db,
            order=order,
            actor=user,
            data=data,
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
            zone=tenant_clock.zone_name(db, order.tenant_id),
            **kw,
        )
        ids.append(photo.id)
    return ids


def _kept_ids(form, name: str) -> list[int]:  # noqa: ANN001 - a form
    """The ids of photos stored with an earlier, refused submission (``kept_before``, ``kept_after``)."""
    ids = []
    for text in form.getlist(name)[:20]:
        typed = str(text).strip()
        if not (typed.isascii() and typed.isdigit()) or not 1 <= int(typed) <= 2**62:
            raise InvalidInput(name, "照片编号有误", "not a photo of this order")
        ids.append(int(typed))
    return ids


@router.post("/tech/orders/{order_id}/complete")
async def complete(
    request: Request, order_id: int, db: DbSession, user: Tech, settings: SettingsDep
) -> Response:
    """Complete with the cause, the work done, advice, parts used, before/after photos and the customer's
    signature (kept as a photo of the order); the details become the service report. A form with a
    missing or wrong field comes back filled in, the error beside the field, the photos it carried
    stored and kept (``tech_keep``)."""
    form = await request.form()
    order = service.get_for(db, user=user, id=order_id)
    actions.check_allowed(order, "complete", user)  # refuse before storing anything
    lang = i18n.language(request)
    kept = tech_keep.Kept(form="complete")
    work_done = str(form.get("note") or "").strip()[:2000]
    cause = str(form.get("cause") or "").strip()[:200]
    advice = str(form.get("advice") or "").strip()[:2000]
    signature_text = str(form.get("signature") or "")
    kept.values = {
        "note": work_done,
        "cause": cause,
        "advice": advice,
        "used": list(zip(*(form.getlist(f"used_{k}") for k in ("name", "qty", "amount")), strict=False)),
    }
    if not work_done:
        kept.errors["note"] = i18n.translate(lang, "kf_work_done")
    data = b""
    try:
        data = signature_bytes(signature_text)
        kept.values["signature"] = signature_text
    except InvalidInput as exc:
        tech_keep.problem(kept, exc, lang, as_field="signature")
    parts: list[dict] = []
    try:
        parts = _parts_used(form)
    except InvalidInput as exc:
        tech_keep.problem(kept, exc, lang, as_field="used")
    lat = _coordinate(form, "lat", -90, 90)
    lng = _coordinate(form, "lng", -180, 180)
    where = {"lat": lat, "lng": lng}
    before, after = _kept_ids(form, "kept_before"), _kept_ids(form, "kept_after")
    for photo_id in before + after:
        photos.get(db, order=order, id=photo_id)  # 404 for a photo not of this order
    for name, kind, ids in (("before_photo", "before", before), ("after_photo", "after", after)):
        try:
            ids += await _stamped_uploads(request, db, order, user, form, name, kind=kind, **where)
        except AnxinError as exc:  # not a photo, too large: the others are kept
            tech_keep.problem(kept, exc, lang, as_field=name)
    if kept.errors:  # the photos taken are stored: the form comes back with them, nothing else changed
        kept.photos = {"before": before, "after": after}
        return tech_keep.render_order(request, db, user, order, kept=kept)
    signature = photos.store(
        db,
        order=order,
        actor=user,
        data=data,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )
    signature.kind, signature.taken_at, signature.technician_id = "signature", clock.now(), user.technician_id
    signature.lat, signature.lng = lat, lng
    details = report.Completion(
        work_done=work_done,
        signature_photo_id=signature.id,
        cause=cause,
        advice=advice or None,
        parts_used=parts,
        before_photo_ids=before,
        after_photo_ids=after,
    )
    ctx = orders.context_from(
        {"version": form.get("version"), "lat": lat, "lng": lng, "accuracy_m": form.get("accuracy_m")}
    )
    ctx.note = work_done[:500]
    report.complete(db, order=order, actor=user, details=details, ctx=ctx)
    return see_other(f"/tech/orders/{order.id}")


@router.post("/tech/orders/{order_id}/photos")
async def upload(request: Request, order_id: int, db: DbSession, user: Tech) -> Response:
    """A photo from the camera, stamped with time, place (when the browser gave it) and technician."""
    form = await request.form()
    order = service.get_for(db, user=user, id=order_id)
    file = form.get("file")
    if not isinstance(file, StarletteUpload) or not file.filename:
        raise InvalidInput("file", "请选择照片", "choose a photo")
    kind = str(form.get("kind") or "")
    where = {"lat": _coordinate(form, "lat", -90, 90), "lng": _coordinate(form, "lng", -180, 180)}
    await _stamped_uploads(request, db, order, user, form, "file", kind=kind or None, **where)
    return see_other(f"/tech/orders/{order.id}")


@router.get("/pages/orders/{order_id}/photos/{photo_id}")
def photo(order_id: int, photo_id: int, db: DbSession, user: Anyone, settings: SettingsDep) -> FileResponse:
    """A photo of an order the signed-in user may see (customer, technician or staff)."""
    order = service.get_for(db, user=user, id=order_id)
    found = photos.get(db, order=order, id=photo_id)
    served = photos.served(found, upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)
