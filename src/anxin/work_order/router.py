"""The work-order API: intake, reads, and one endpoint per action of the state table."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, File, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.database import DuplicateKey, duplicate_keys
from anxin.dependencies import CurrentUser, DbSession, LoopDb, SettingsDep, allowed
from anxin.fields import Id, Instant
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.routing import errors, file_response, json_response, operation_id
from anxin.work_order import actions, move_keys, photos, report, service
from anxin.work_order.api import CurrentWorkOrder, OptionalBody, answer, context, events_for, read
from anxin.work_order.report import CompleteBody
from anxin.work_order.schemas import (
    AppointBody,
    CarryInBody,
    CustomerEventRead,
    EventRead,
    PhotoRead,
    QuoteRead,
    ReasonBody,
    SlaPolicyBody,
    SlaPolicyRead,
    WorkOrderCreate,
    WorkOrderCreated,
    WorkOrderRead,
)
from anxin.work_order.states import Status

KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"

# operation_id also names the upload's form schema (``Body_work_orders_upload_photo``)
router = APIRouter(
    prefix="/api/v1/work-orders", tags=["work orders"], generate_unique_id_function=operation_id
)
policy_router = APIRouter(prefix="/api/v1/sla-policy", tags=["work orders"])
LoopReporter = Annotated[User, Depends(allowed(Action.ORDERS_REPORT, on_loop=True))]


@router.post(
    "",
    response_model=WorkOrderCreated,
    status_code=201,
    responses={200: {"description": "an existing order: a retried request or a duplicate report"}},
)
async def create_work_order(
    body: WorkOrderCreate,
    db: LoopDb,
    user: LoopReporter,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
):
    """Take a fault report. With an ``Idempotency-Key`` header a retried request returns the first order."""
    # on the event loop (dependencies.RequestDb): intake is the hottest write
    return await db.run(take_report, body, user, idempotency_key)


def take_report(db: DbSession, body: WorkOrderCreate, user: User, idempotency_key: str | None) -> Response:
    """The intake's work and its serialised answer."""
    fingerprint = actions.request_fingerprint(body.model_dump(mode="json"))
    intake = actions.Intake(**body.model_dump())
    try:
        with duplicate_keys(db):
            result = actions.create_order(
                db,
                actor=user,
                intake=intake,
                idempotency=(idempotency_key, fingerprint) if idempotency_key else None,
            )
            # Commit now rather than after the response is built: on PostgreSQL the new rows' locks (and
            # the idempotency key's unique index entry) are held only as long as they must be.
            db.commit()
    except DuplicateKey:
        # A concurrent request with the same key committed first: answer with its order.
        earlier = (
            actions.replay_idempotent(db, actor=user, key=idempotency_key, fingerprint=fingerprint)
            if idempotency_key
            else None
        )
        if earlier is None:
            raise
        return json_response(read(earlier, user, cls=WorkOrderCreated, replayed=True))
    answer = read(
        result.order, user, cls=WorkOrderCreated, duplicate=result.duplicate, replayed=result.replayed
    )
    return json_response(answer, status_code=201 if result.created else 200)


@router.get("", response_model=PageRead[WorkOrderRead])
def list_work_orders(
    db: DbSession,
    user: CurrentUser,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    status: Annotated[list[Status] | None, Query()] = None,
    sla_state: Annotated[str | None, Query(pattern="^(on_track|at_risk|breached)$")] = None,
    technician_id: Id | None = None,
    customer_id: Id | None = None,
    area: Annotated[str | None, Query(description="the district of the service address")] = None,
    created_from: Instant | None = None,
    created_to: Instant | None = None,
):
    now = clock.now()
    result = service.list_for(
        db,
        user=user,
        now=now,
        page=page,
        page_size=page_size,
        status=status or (),
        sla_state=sla_state,
        technician_id=technician_id,
        customer_id=customer_id,
        district=area,
        created_from=created_from,
        created_to=created_to,
    )
    return PageRead[WorkOrderRead](
        items=[read(order, user, now) for order in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


@router.get("/{order_id}", response_model=WorkOrderRead)
def get_work_order(order: CurrentWorkOrder, user: CurrentUser):
    return read(order, user)


@router.get("/{order_id}/events", response_model=list[EventRead] | list[CustomerEventRead])
def list_events(order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """The order's events, oldest first: whole for staff and the order's technician; for its customer what
    happened, when and by whom of three, without coordinates, ids or dispatch's notes
    (``CustomerEventRead``)."""
    return events_for(db, order=order, user=user)


@router.get("/{order_id}/sla")
def get_sla(order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """Every SLA clock of the order: deadline, when it was met, its state."""
    policy = service.get_policy(db, tenant_id=user.tenant_id)
    timezone = tenant_clock.zone_name(db, user.tenant_id)
    return service.sla_report(order, policy, timezone=timezone, now=clock.now()).as_dict()


@router.get("/{order_id}/quote", response_model=QuoteRead | None)
def get_quote(order: CurrentWorkOrder, db: DbSession):
    """The order's latest quote (None before one): its lines priced from the price book, what is covered
    and why, and what the customer pays. ``POST`` (the technician's quote) is ``pricing``'s route."""
    return actions.latest_quote(db, order=order)


@router.get("/{order_id}/quotes", response_model=list[QuoteRead])
def list_quotes(order: CurrentWorkOrder, db: DbSession):
    """Every version of the order's quote, the first first: superseded and declined ones are kept."""
    return actions.quotes_of(db, order=order)


# A move's optional ``Idempotency-Key``. Typed ``str`` with a default of None (no value: no key) rather than
# ``str | None``: the document then says "a string of 8 to 100 characters" and not "or null", which a
# header cannot carry (given "or null", schemathesis sent a header shorter than 8 characters, then refused).
MoveKey = Annotated[str, Header(min_length=8, max_length=100, pattern=KEY_PATTERN)]


def _simple(action: str, summary: str):
    def endpoint(
        order: CurrentWorkOrder,
        db: DbSession,
        user: CurrentUser,
        body: OptionalBody = None,
        idempotency_key: MoveKey = None,
    ):
        """With an ``Idempotency-Key`` a retried request (the same key and body) answers with the order as it
        is, moved once (``work_order.move_keys``); the key with another request is refused (422)."""
        if move_keys.replayed(db, user, order, idempotency_key, action, body):
            return answer(order, user)
        return answer(actions.perform(db, order=order, action=action, actor=user, ctx=context(body)), user)

    endpoint.__name__ = action.replace("-", "_")
    router.add_api_route(
        f"/{{order_id}}/{action}", endpoint, methods=["POST"], response_model=WorkOrderRead, summary=summary
    )


for _action, _summary in (
    ("acknowledge", "The assigned technician acknowledges"),
    ("depart", "The technician leaves for the customer"),
    ("arrive", "The technician is on site"),
    ("start", "Work starts after the quote is approved"),
    ("resume", "Parts arrived; work resumes"),
    ("follow-up", "The follow-up with the customer is recorded"),
    ("close", "Close a followed-up order"),
    ("resolve-remote", "Solved without a visit (self-help or remote guidance)"),
):
    _simple(_action, _summary)


@router.post("/{order_id}/complete", response_model=WorkOrderRead)
def complete(
    order: CurrentWorkOrder,
    db: DbSession,
    user: CurrentUser,
    body: Annotated[CompleteBody | None, Body()] = None,
    idempotency_key: MoveKey = None,
):
    """The work is done; with ``work_done`` and ``signature_photo_id`` the details become the service report.
    With an ``Idempotency-Key`` a retried request completes once, as the other moves do."""
    if move_keys.replayed(db, user, order, idempotency_key, "complete", body):
        return answer(order, user)
    if body is None or not body.has_details():
        return answer(
            actions.perform(db, order=order, action="complete", actor=user, ctx=context(body)), user
        )
    details = report.Completion(
        work_done=body.work_done or "",
        signature_photo_id=body.signature_photo_id,
        cause=body.cause,
        advice=body.advice,
        parts_used=[part.model_dump() for part in body.parts_used],
        before_photo_ids=body.before_photo_ids,
        after_photo_ids=body.after_photo_ids,
    )
    return answer(report.complete(db, order=order, actor=user, details=details, ctx=context(body)), user)


@router.get(
    "/{order_id}/report.pdf",
    response_class=Response,
    responses={**file_response("application/pdf", description="the service report"), **errors(409)},
)
def report_pdf(order: CurrentWorkOrder, db: DbSession, settings: SettingsDep, lang: str = "zh"):
    """The service report of a completed order (the order's customer, its technician, staff); 409 before."""
    pdf = report.pdf_for(db, order=order, upload_dir=settings.upload_dir, lang="en" if lang == "en" else "zh")
    disposition = f'attachment; filename="service-report-{order.number}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.post("/{order_id}/reject", response_model=WorkOrderRead)
def reject(body: ReasonBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """The technician turns the order down, with a reason. No ``Idempotency-Key``: once rejected the order
    is no longer theirs, so a retry could only be answered 404; the state table refuses a second one."""
    return answer(actions.reject(db, order=order, actor=user, ctx=context(body)), user)


@router.post("/{order_id}/wait-parts", response_model=WorkOrderRead)
def wait_parts(
    body: ReasonBody,
    order: CurrentWorkOrder,
    db: DbSession,
    user: CurrentUser,
    idempotency_key: MoveKey = None,
):
    """Work waits for parts, with a reason; an ``Idempotency-Key`` as on the other moves."""
    if move_keys.replayed(db, user, order, idempotency_key, "wait-parts", body):
        return answer(order, user)
    return answer(actions.perform(db, order=order, action="wait-parts", actor=user, ctx=context(body)), user)


@router.post("/{order_id}/cancel", response_model=WorkOrderRead)
def cancel(body: ReasonBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    return answer(actions.cancel(db, order=order, actor=user, ctx=context(body)), user)


@router.post("/{order_id}/appoint", response_model=WorkOrderRead)
def appoint(body: AppointBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    order = actions.appoint(
        db, order=order, actor=user, ctx=context(body), start=body.start_at, end=body.end_at
    )
    return answer(order, user)


@router.post("/{order_id}/approve-quote", response_model=WorkOrderRead)
def approve_quote(order: CurrentWorkOrder, db: DbSession, user: CurrentUser, body: OptionalBody = None):
    return answer(actions.decide_quote(db, order=order, actor=user, ctx=context(body), approve=True), user)


@router.post("/{order_id}/decline-quote", response_model=WorkOrderRead)
def decline_quote(order: CurrentWorkOrder, db: DbSession, user: CurrentUser, body: OptionalBody = None):
    return answer(actions.decide_quote(db, order=order, actor=user, ctx=context(body), approve=False), user)


@router.post("/{order_id}/carry-in", response_model=WorkOrderRead)
def carry_in(body: CarryInBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    order = actions.carry_in(
        db, order=order, actor=user, ctx=context(body), receipt_no=body.receipt_no, workshop=body.workshop
    )
    return answer(order, user)


@router.post("/{order_id}/photos", response_model=PhotoRead, status_code=201)
async def upload_photo(
    order: CurrentWorkOrder,
    db: DbSession,
    user: CurrentUser,
    settings: SettingsDep,
    file: UploadFile = File(...),
):
    data = await file.read(settings.max_upload_bytes + 1)
    return photos.store(
        db,
        order=order,
        actor=user,
        data=data,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
    )


@router.get("/{order_id}/photos", response_model=list[PhotoRead])
def list_photos(order: CurrentWorkOrder, db: DbSession):
    return photos.list_for(db, order=order)


@router.get(
    "/{order_id}/photos/{photo_id}",
    response_class=FileResponse,
    responses=file_response(
        "image/jpeg", "image/png", "image/webp", "application/octet-stream", description="the photo as stored"
    ),
)
def get_photo(photo_id: Id, order: CurrentWorkOrder, db: DbSession, settings: SettingsDep):
    photo = photos.get(db, order=order, id=photo_id)
    served = photos.served(photo, upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)


Staff = Annotated[User, Depends(allowed(Action.SLA_POLICY_READ))]
Admin = Annotated[User, Depends(allowed(Action.SLA_POLICY_SET))]


@policy_router.get("", response_model=SlaPolicyRead)
def get_policy(db: DbSession, user: Staff):
    return service.get_policy(db, tenant_id=user.tenant_id)


@policy_router.put("", response_model=SlaPolicyRead)
def put_policy(body: SlaPolicyBody, db: DbSession, user: Admin):
    fields = body.model_dump(exclude={"overrides"})
    overrides = [rule.model_dump(exclude_none=True, mode="json") for rule in body.overrides]
    return service.set_policy(db, tenant_id=user.tenant_id, overrides=overrides, actor=user, **fields)
