"""Erasing a customer on request (PIPL art. 47), for good, with the facts of their orders kept.

What goes: the name (``已注销用户``) and the phone (a placeholder that is no mobile number, so it can
never be typed, searched or signed in with again, and unique per tenant as the constraint wants); the
street of every address (the district stays, and the coordinates are rounded to two decimals, about a
kilometre: enough for the KPIs by area, not enough to find a door); the household flags; what the customer
wrote themselves (their reports' fault descriptions, their reasons and notes, their complaints, their survey
comments) and every phone number written in what others wrote about them; the photos of their home (the
files are deleted, the rows marked ``erased_at``) and the locations recorded at their door; their inbox
and sign-in codes; the relay numbers (隐私号) of their orders (released at once, so a number still in its
day of grace after a completion reaches no one, and the masked phone kept with each cleared); their portal account (deactivated, renamed, every session and token ended); the texts
not yet sent to them.

What stays: every order's number, states, times, category, service type, channel, district, warranty and
billing category, quotes and parts, events, surveys' scores and complaints' decisions, so the order
history, the SLA figures and the KPIs still add up. Appliances stay (product, serial number, dates): they
are the product's facts and carry no name.

Erasure cannot be undone and is refused while the customer has an order or a complaint in progress (a
technician may be on the way: 409 ``still_in_service``, naming them). It is idempotent: erasing an erased
customer changes nothing and answers as the first erasure did (``already`` set), so a retried request is
harmless. The audit log records who erased whom, when and why (``customer.erase``), once; it never held
the personal values in clear, so it needs no edit.

A customer asks through the portal or the app (``request``): that opens a task in the admins' queue
rather than erasing at once. Erasure is irreversible, the one-time code that signs a customer in proves
only that they hold the phone today, and an order, complaint or compensation in progress may still need
the record; an admin checks and erases; the task is due 15 days after the request."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth import accounts
from anxin.auth.models import LoginCode, User
from anxin.auth.roles import Role
from anxin.customer.models import Customer
from anxin.exceptions import NotFound
from anxin.feedback import tasks
from anxin.feedback.complaints.states import OPEN as COMPLAINTS_OPEN
from anxin.feedback.models import Complaint, ComplaintEvent, ServiceTask, Survey
from anxin.masking import redact_phones
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.privacy.exceptions import AlreadyErased, StillInService
from anxin.privacy.export import orders_of, portal_users
from anxin.telephony import relay
from anxin.telephony.models import RelayBinding
from anxin.work_order.models import ServiceReport, WorkOrder, WorkOrderEvent, WorkOrderPhoto
from anxin.work_order.schemas import CUSTOMER_CHANNELS
from anxin.work_order.states import OPEN as ORDERS_OPEN

ERASED_NAME = "已注销用户"
REDACTED = "[已删除]"
COARSE = 2  # decimals kept of a coordinate: 0.01° is about 1.1 km
# A complaint's description is the customer's own words when they filed it, or it quotes their survey.
CUSTOMER_COMPLAINT_CHANNELS = frozenset({"app", "wechat", "web", "survey"})
REQUEST_KIND = "erasure_request"
PENDING_TEXTS = frozenset({"pending", "failed", "sending"})
ANSWER_WITHIN = timedelta(days=15)  # a request's task is due within 15 days of asking


def placeholder_phone(customer_id: int) -> str:
    """``x`` and the customer's id in base 36, eleven characters: unique per tenant (the id is), never a
    mobile number (no one can type, search or sign in with it)."""
    digits, rest = "", customer_id
    while rest:
        rest, remainder = divmod(rest, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[remainder] + digits
    return "x" + digits.rjust(10, "0")[-10:]


def coarse(value: float | None) -> float | None:
    return None if value is None else round(value, COARSE)


@dataclass(frozen=True)
class Erased:
    customer_id: int
    erased_at: datetime
    orders_kept: int
    photos_deleted: int  # by this call: none when the customer was erased already
    accounts_closed: int
    already: bool = False  # erased before this call, which changed nothing


def erase(
    db: Session,
    *,
    customer: Customer,
    actor: User,
    reason: str,
    upload_dir: Path,
    now: datetime | None = None,
) -> Erased:
    """Anonymise ``customer`` for good (see the module's docstring); 409 while an order or complaint of
    theirs is in progress. A customer erased already is left as they are."""
    orders = orders_of(db, customer)
    if customer.erased_at is not None:
        return Erased(customer.id, clock.as_utc(customer.erased_at), len(orders), 0, 0, already=True)
    now = now or clock.now()
    complaints = complaints_of(db, customer)
    busy = in_service(orders, complaints)
    if busy:
        raise StillInService(open=busy)
    phone = customer.phone
    order_ids = [order.id for order in orders]
    faults = {order.id: order.fault_description for order in orders}
    photos = _photos(db, order_ids, upload_dir, now)
    for order in orders:
        _order(db, order)
    _surveys(db, customer)
    _tasks(db, customer, order_ids)
    for complaint in complaints:
        _complaint(db, complaint)
    _messages(db, customer, phone, faults)
    _relays(db, customer, actor)
    closed = _accounts(db, customer, actor, now)
    db.execute(delete(LoginCode).where(LoginCode.tenant_id == customer.tenant_id, LoginCode.phone == phone))
    for address in customer.addresses:
        address.detail = REDACTED
        address.lat, address.lng = coarse(address.lat), coarse(address.lng)
    customer.name = ERASED_NAME
    customer.phone = placeholder_phone(customer.id)
    customer.elderly_household = customer.infant_household = False
    customer.erased_at = now
    db.flush()
    _close_requests(db, customer, actor)
    trail.record(
        db,
        tenant_id=customer.tenant_id,
        actor=actor,
        action="customer.erase",
        object_type="customer",
        object_id=customer.id,
        changes={
            "name": {"before": trail.HIDDEN, "after": ERASED_NAME},
            "phone": {"before": trail.HIDDEN, "after": customer.phone},
            "erased_at": {"before": None, "after": now.isoformat()},
        },
        note=reason,
    )
    return Erased(customer.id, now, len(orders), photos, closed)


def complaints_of(db: Session, customer: Customer) -> list[Complaint]:
    query = select(Complaint).where(
        Complaint.tenant_id == customer.tenant_id, Complaint.customer_id == customer.id
    )
    return list(db.scalars(query.order_by(Complaint.id)))


def in_service(orders: list[WorkOrder], complaints: list[Complaint]) -> list[str]:
    """The numbers of the customer's orders and complaints still in progress (erasure waits for them)."""
    busy = [order.number for order in orders if order.status in ORDERS_OPEN]
    return busy + [c.number or f"#{c.id}" for c in complaints if c.status in COMPLAINTS_OPEN]


def _photos(db: Session, order_ids: list[int], upload_dir: Path, now: datetime) -> int:
    """Delete the photos of the customer's home (and their signature) from disk; the rows stay, marked."""
    if not order_ids:
        return 0
    deleted = 0
    for photo in db.scalars(
        select(WorkOrderPhoto).where(
            WorkOrderPhoto.work_order_id.in_(order_ids), WorkOrderPhoto.erased_at.is_(None)
        )
    ):
        with contextlib.suppress(FileNotFoundError):
            (upload_dir / photo.storage_key).unlink()
        photo.erased_at = now
        photo.lat = photo.lng = None
        deleted += 1
    return deleted


def _order(db: Session, order: WorkOrder) -> None:
    """The customer's words out of the order; its facts stay. One UPDATE, so the version moves by one."""
    own_report = order.channel in CUSTOMER_CHANNELS
    events = list(db.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id)))
    cancelled_by_customer = any(e.action == "cancel" and e.actor_role == Role.CUSTOMER for e in events)
    with db.no_autoflush:
        order.fault_description = REDACTED if own_report else redact_phones(order.fault_description)
        order.elderly_household = order.infant_household = False  # who lives there: theirs, not a fact
        if order.cancel_reason:
            order.cancel_reason = REDACTED if cancelled_by_customer else redact_phones(order.cancel_reason)
        for event in events:
            own = event.actor_role == Role.CUSTOMER
            if event.note:
                event.note = REDACTED if own else redact_phones(event.note)
            payload = dict(event.payload or {})
            if isinstance(payload.get("reason"), str):
                payload["reason"] = REDACTED if own else redact_phones(payload["reason"])
                event.payload = payload
            event.lat, event.lng = coarse(event.lat), coarse(event.lng)
        report = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order.id))
        if report is not None:
            report.cause = redact_phones(report.cause)
            report.work_done = redact_phones(report.work_done)
            report.advice = redact_phones(report.advice)
    db.flush()


def _relays(db: Session, customer: Customer, actor: User) -> None:
    bindings = db.scalars(
        select(RelayBinding).where(
            RelayBinding.tenant_id == customer.tenant_id, RelayBinding.customer_id == customer.id
        )
    )
    for binding in bindings:
        binding.customer_masked = REDACTED  # before the release's audit entry names the parties
        if binding.status != "released":
            relay.release(db, binding=binding, reason="erased", actor=actor)


def _surveys(db: Session, customer: Customer) -> None:
    for survey in db.scalars(
        select(Survey).where(Survey.tenant_id == customer.tenant_id, Survey.customer_id == customer.id)
    ):
        if survey.comment:
            survey.comment = REDACTED
    db.flush()


def _tasks(db: Session, customer: Customer, order_ids: list[int]) -> None:
    """What staff noted in the tasks about the customer's orders (a call's outcome) keeps no phone number."""
    if not order_ids:
        return
    for task in db.scalars(
        select(ServiceTask).where(
            ServiceTask.tenant_id == customer.tenant_id, ServiceTask.work_order_id.in_(order_ids)
        )
    ):
        task.outcome = redact_phones(task.outcome)
    db.flush()


def _complaint(db: Session, complaint: Complaint) -> None:
    theirs = complaint.channel in CUSTOMER_COMPLAINT_CHANNELS
    with db.no_autoflush:
        complaint.description = REDACTED if theirs else redact_phones(complaint.description)
        complaint.resolution = redact_phones(complaint.resolution)
        for event in db.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)):
            if event.note:
                event.note = REDACTED if event.actor_role == Role.CUSTOMER else redact_phones(event.note)
            payload = dict(event.payload or {})
            if isinstance(payload.get("previous_resolution"), str):
                payload["previous_resolution"] = redact_phones(payload["previous_resolution"])
                event.payload = payload
    db.flush()


def _messages(db: Session, customer: Customer, phone: str, faults: dict[int, str]) -> None:
    """The customer's inbox goes; texts to their number keep no number (and those not yet sent never go);
    what others were told about their orders loses the customer's words."""
    db.execute(
        delete(InboxItem).where(
            InboxItem.tenant_id == customer.tenant_id, InboxItem.recipient == f"customer:{customer.id}"
        )
    )
    texts = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.tenant_id == customer.tenant_id, OutboxMessage.recipient == phone
        )
    )
    for message in texts:
        message.recipient = placeholder_phone(customer.id)  # the key holds only a digest of the number
        if message.status in PENDING_TEXTS:
            message.status = "dead"
            message.last_error = "收件人已注销 / recipient erased"
    if faults:
        about = db.scalars(select(OutboxMessage).where(OutboxMessage.work_order_id.in_(list(faults))))
        for message in about:
            context = dict(message.context or {})
            if isinstance(context.get("fault"), str):
                context["fault"] = REDACTED
                message.context = context
        told = db.scalars(select(InboxItem).where(InboxItem.work_order_id.in_(list(faults))))
        for item in told:
            snippet = redact_phones((faults.get(item.work_order_id) or "")[:40])
            if snippet and snippet in item.body:
                item.body = item.body.replace(snippet, REDACTED)
    db.flush()


def _accounts(db: Session, customer: Customer, actor: User, now: datetime) -> int:
    """Deactivate the customer's portal accounts (every session and token ends) and rename them: the
    account name held the phone."""
    users = portal_users(db, customer)
    for user in users:
        accounts.deactivate(db, user=user, now=now, actor=actor)
        user.username = f"erased.{user.id}"
        user.display_name = ERASED_NAME
        user.password_hash = "!"
    db.flush()
    return len(users)


def _close_requests(db: Session, customer: Customer, actor: User) -> None:
    """The customer's open erasure request is done; the reason they gave is theirs and goes too."""
    for task in db.scalars(
        select(ServiceTask).where(
            ServiceTask.tenant_id == customer.tenant_id, ServiceTask.dedupe_key == request_key(customer)
        )
    ):
        task.detail = {**(task.detail or {}), "reason": REDACTED}
        if task.status == "open":
            task.assignee_id = None
            tasks.done(db, task=task, actor=actor, outcome="已删除个人信息 / erased")


# -- the customer's request ---------------------------------------------------------------------------------


def request_key(customer: Customer) -> str:
    return f"{REQUEST_KIND}:{customer.id}"


def request(db: Session, *, customer: Customer, actor: User, reason: str | None) -> ServiceTask:
    """The customer asks to be erased: a task in the admins' queue (one open at a time: asking again
    returns it), written to the audit log. An erased customer cannot ask again."""
    if customer.erased_at is not None:
        raise AlreadyErased(erased_at=clock.as_utc(customer.erased_at).isoformat())
    key = request_key(customer)
    existing = db.scalar(
        select(ServiceTask).where(ServiceTask.tenant_id == customer.tenant_id, ServiceTask.dedupe_key == key)
    )
    if existing is not None:
        return existing
    task = tasks.open_task(
        db,
        tenant_id=customer.tenant_id,
        kind=REQUEST_KIND,
        role=Role.ADMIN.value,
        title=f"个人信息删除申请 · 客户 #{customer.id}",
        dedupe_key=key,
        due_at=clock.now() + ANSWER_WITHIN,
        detail={"customer_id": customer.id, "reason": (reason or "").strip()[:300]},
    )
    trail.record(
        db,
        tenant_id=customer.tenant_id,
        actor=actor,
        action="customer.erasure_request",
        object_type="customer",
        object_id=customer.id,
        changes={},
    )
    return task


def pending_request(db: Session, *, customer: Customer) -> ServiceTask | None:
    """The customer's erasure request while an admin has not yet acted on it."""
    return db.scalar(
        select(ServiceTask).where(
            ServiceTask.tenant_id == customer.tenant_id,
            ServiceTask.dedupe_key == request_key(customer),
            ServiceTask.status == "open",
        )
    )


def locked_customer(db: Session, *, tenant_id: int, customer_id: int) -> Customer:
    """The tenant's customer, its row locked until the transaction ends (two erasures at once: the second
    waits, then finds it erased); 404 for none or another tenant's."""
    customer = db.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.tenant_id == tenant_id).with_for_update()
    )
    if customer is None:
        raise NotFound("customer", "客户")
    return customer
