"""Changes to work orders. Each action checks the state table and who is acting, changes the order,
stamps the time, keeps the SLA columns current and records one ``work_order_event`` row through
``events.record``, which runs the platform's reactions. No HTTP here and no commit: the caller owns the
transaction. Assigning a technician is dispatch's verb (``dispatch.matching.assignment``): it checks the
technician first, then moves the order through ``perform``."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.appliance.warranty import billing_category, warranty_on
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import service as customer_service
from anxin.database import insert_loaded
from anxin.exceptions import InvalidInput, NotFound
from anxin.work_order import events, service
from anxin.work_order.exceptions import (
    IdempotencyKeyReused,
    NotYourOrder,
    ReasonRequired,
    VersionConflict,
)
from anxin.work_order.models import (
    IdempotencyRecord,
    Quote,
    QuoteLine,
    WorkOrder,
    WorkOrderAppliance,
)
from anxin.work_order.schemas import CUSTOMER_CHANNELS
from anxin.work_order.states import PAUSED, Move, Status, move_for


@dataclass
class Intake:
    customer_id: int
    appliance_id: int
    service_type: str
    channel: str
    fault_description: str
    extra_appliance_ids: list[int] = field(default_factory=list)
    priority: str = "normal"
    elderly_household: bool | None = None
    infant_household: bool | None = None
    preferred_start_at: datetime | None = None
    preferred_end_at: datetime | None = None
    address_id: int | None = None
    external_ref: str | None = None
    internal: bool = False


@dataclass
class Created:
    order: WorkOrder
    created: bool  # False when an existing order is returned (a retry or a duplicate report)
    duplicate: bool = False
    replayed: bool = False  # a retried request: the order its first attempt created


def request_fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay_idempotent(db: Session, *, actor: User, key: str, fingerprint: str) -> WorkOrder | None:
    """The order an earlier request with this key created, or None; a different body is refused."""
    record = db.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == actor.tenant_id,
            IdempotencyRecord.user_id == actor.id,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return db.get(WorkOrder, record.work_order_id)


def check_customer_intake(intake: Intake) -> None:
    """What a customer reporting for themselves may not decide, since it decides who pays or how the order
    is handled: they report through their own channels (``CUSTOMER_CHANNELS``), never as internal work
    (billed D), and the household flags come from their customer record (staff may set them)."""
    if intake.channel not in CUSTOMER_CHANNELS:
        raise InvalidInput(
            "channel", "客户只能通过 App 或微信报修", "a customer reports through the app or WeChat"
        )
    if intake.internal:
        raise InvalidInput(
            "internal", "客户报修不能作为内部工单", "a customer's report is never internal work"
        )
    for name in ("elderly_household", "infant_household"):
        if getattr(intake, name) is not None:
            raise InvalidInput(
                name,
                "家庭情况以客户档案为准，报修时不能填写",
                "set from the customer's record, not by the report",
            )


def create_order(
    db: Session, *, actor: User, intake: Intake, idempotency: tuple[str, str] | None = None
) -> Created:
    """Take a fault report. A retried request (the same ``(key, fingerprint)`` in ``idempotency``) returns
    the order the first one created; a report for an appliance that already has an open order of the same
    service type returns that order, flagged as a duplicate; an appliance completed within 30 days makes a
    rework order linked to the earlier one."""
    now = clock.now()
    tenant_id = actor.tenant_id
    # Everything is looked up within the reporting customer's own records, and a customer reports only
    # for themselves: another customer's id answers exactly like an id that does not exist. What decides
    # who pays (channel, internal work, the household flags) is not theirs to set.
    if actor.role == Role.CUSTOMER:
        if actor.customer_id != intake.customer_id:
            raise NotFound("customer", "客户")
        check_customer_intake(intake)
    facts = service.intake_facts(
        db,
        tenant_id=tenant_id,
        customer_id=intake.customer_id,
        appliance_id=intake.appliance_id,
        address_id=intake.address_id,
        service_type=intake.service_type,
        now=now,
        idempotency=(actor.id, idempotency[0]) if idempotency else None,
    )
    if facts is None:
        earlier_request = (
            replay_idempotent(db, actor=actor, key=idempotency[0], fingerprint=idempotency[1])
            if idempotency
            else None
        )
        if earlier_request is not None:
            return Created(order=earlier_request, created=False, replayed=True)
        customer_service.get(db, tenant_id=tenant_id, id=intake.customer_id)  # 404 when it is the customer
        raise NotFound("appliance", "家电")
    if facts.replay is not None:
        order_id, request_hash = facts.replay
        if request_hash != idempotency[1]:
            raise IdempotencyKeyReused()
        return Created(order=db.get(WorkOrder, order_id), created=False, replayed=True)
    customer, primary = facts.customer, facts.appliance
    appliances = [primary] + [
        appliance_service.get(db, tenant_id=tenant_id, id=appliance_id, customer_id=customer.id)
        for appliance_id in intake.extra_appliance_ids
    ]
    if facts.duplicate_id is not None:
        return Created(order=db.get(WorkOrder, facts.duplicate_id), created=False, duplicate=True)
    earlier = db.get(WorkOrder, facts.earlier_id) if facts.earlier_id is not None else None

    address = facts.address
    if address is None:
        if intake.address_id is not None or primary.address_id is not None:
            raise NotFound("address", "地址")  # named, but not one of this customer's addresses
        address = customer.addresses[0] if customer.addresses else None
    if (
        intake.preferred_start_at
        and intake.preferred_end_at
        and intake.preferred_end_at <= intake.preferred_start_at
    ):
        raise InvalidInput(
            "preferred_end_at", "期望时间段的结束须晚于开始", "the window ends before it starts"
        )

    warranty = warranty_on(
        on=now.date(),
        purchase_date=primary.purchase_date,
        install_date=primary.install_date,
        unit_months=facts.warranty_months,
        key_part_months=facts.key_part_months or {},
    )

    order = WorkOrder(
        tenant_id=tenant_id,
        status=Status.CREATED.value,
        channel=intake.channel,
        external_ref=intake.external_ref,
        service_type=intake.service_type,
        category_code=facts.category_code,
        customer_id=customer.id,
        address_id=address.id if address else None,
        district=address.district if address else None,
        area_type=address.area_type if address else "urban",
        appliance_id=primary.id,
        created_by_id=actor.id,
        fault_description=intake.fault_description,
        priority=intake.priority,
        elderly_household=customer.elderly_household
        if intake.elderly_household is None
        else intake.elderly_household,
        infant_household=customer.infant_household
        if intake.infant_household is None
        else intake.infant_household,
        warranty_status=warranty.status.value,
        billing_category=billing_category(
            warranty.status, intake.service_type, internal=intake.internal
        ).value,
        preferred_start_at=intake.preferred_start_at,
        preferred_end_at=intake.preferred_end_at,
        is_rework=earlier is not None,
        rework_of_id=earlier.id if earlier else None,
        created_at=now,
        updated_at=now,
        sla_paused_seconds=0,
        sla_breached=False,
    )
    _refresh_sla(db, order, now)
    # The number last: on PostgreSQL the day's counter row is locked from here until the counter's
    # own transaction ends, so nothing slow may sit between the two.
    order.number = service.next_number(
        db, tenant_id=tenant_id, at=now, timezone=tenant_clock.zone_name(db, tenant_id)
    )
    # Intake's rows are written with plain INSERTs rather than the unit of work's flush, which cost
    # twice as much (database.insert_loaded); the objects are ordinary persistent ones afterwards.
    insert_loaded(db, order)
    links = [
        insert_loaded(db, WorkOrderAppliance(tenant_id=tenant_id, work_order_id=order.id, appliance_id=a.id))
        for a in appliances
    ]
    set_committed_value(order, "appliances", links)
    payload = {"channel": order.channel, "service_type": order.service_type}
    if earlier is not None:
        payload["rework_of"] = earlier.number
    if idempotency is not None:
        key, fingerprint = idempotency
        insert_loaded(
            db,
            IdempotencyRecord(
                tenant_id=tenant_id,
                user_id=actor.id,
                key=key,
                request_hash=fingerprint,
                work_order_id=order.id,
                created_at=now,
            ),
        )
    events.record(
        db, order=order, action="create", actor=actor, from_status=None, payload=payload, at=now, insert=True
    )
    return Created(order=order, created=True)


@dataclass
class Context:
    """What every action may carry: the version the caller saw, why, a note, where it happened."""

    version: int | None = None
    reason: str | None = None
    note: str | None = None
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None  # the position's accuracy (metres), kept in the event's payload


def perform(
    db: Session,
    *,
    order: WorkOrder,
    action: str,
    actor: User,
    ctx: Context,
    payload: dict | None = None,
    changes: dict[str, Any] | None = None,
) -> WorkOrder:
    """Take one move of the state table on ``order`` as ``actor``; the shared path of every action.
    ``changes`` are the action's own field updates, applied once every check has passed."""
    with db.no_autoflush:  # one UPDATE per action, so the version moves by exactly one
        move = move_for(action, order.status, actor.role)
        _check_actor(order, move, actor)
        if ctx.version is not None and ctx.version != order.version:
            raise VersionConflict(current=order.version, expected=ctx.version)
        if move.requires_reason and not (ctx.reason and ctx.reason.strip()):
            raise ReasonRequired(action=action)
        now = clock.now()
        from_status = order.status
        for field, value in (changes or {}).items():
            setattr(order, field, value)
        if move.target is not None:
            _pause_bookkeeping(order, Status(from_status), move.target, now)
            order.status = move.target.value
        if move.stamp:
            setattr(order, move.stamp, now)
        order.updated_at = now
        _refresh_sla(db, order, now)
        body = dict(payload or {})
        if ctx.reason:
            body["reason"] = ctx.reason
        if ctx.accuracy_m is not None and ctx.lat is not None:
            body["accuracy_m"] = int(round(ctx.accuracy_m))
    # the order's UPDATE and the event's INSERT go in one flush, then the reactions run
    events.record(
        db,
        order=order,
        action=action,
        actor=actor,
        from_status=from_status,
        payload=body,
        note=ctx.note,
        lat=ctx.lat,
        lng=ctx.lng,
        at=now,
    )
    return order


def check_allowed(order: WorkOrder, action: str, actor: User) -> Move:
    """Refuse early, before an action changes anything beyond the order's own state."""
    move = move_for(action, order.status, actor.role)
    _check_actor(order, move, actor)
    return move


def _check_actor(order: WorkOrder, move: Move, actor: User) -> None:
    """Among the roles the table allows, only the assigned technician and the ordering customer act."""
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise NotYourOrder()
    if actor.role == Role.CUSTOMER and order.customer_id != actor.customer_id:
        raise NotYourOrder()


def _pause_bookkeeping(order: WorkOrder, source: Status, target: Status, now: datetime) -> None:
    if source in PAUSED and target not in PAUSED and order.sla_paused_since is not None:
        order.sla_paused_seconds = (order.sla_paused_seconds or 0) + int(
            (now - order.sla_paused_since).total_seconds()
        )
        order.sla_paused_since = None
    elif target in PAUSED and source not in PAUSED:
        order.sla_paused_since = now


def _refresh_sla(db: Session, order: WorkOrder, now: datetime) -> None:
    policy = service.get_policy(db, tenant_id=order.tenant_id)
    timezone = tenant_clock.zone_name(db, order.tenant_id)
    report = service.sla_report(order, policy, timezone=timezone, now=now)
    order.sla_due_at = report.due_at
    order.sla_risk_at = report.risk_at
    order.sla_breached = report.breached


def reject(db: Session, *, order: WorkOrder, actor: User, ctx: Context) -> WorkOrder:
    """The technician turns the order down; it goes back to the dispatcher's queue, unassigned."""
    payload = {"technician_id": order.technician_id}
    changes = {"technician_id": None, "crew_id": None}
    return perform(db, order=order, action="reject", actor=actor, ctx=ctx, payload=payload, changes=changes)


def appoint(
    db: Session, *, order: WorkOrder, actor: User, ctx: Context, start: datetime, end: datetime
) -> WorkOrder:
    """Record the visit window agreed with the customer (the appointment SLA clock)."""
    if end <= start:
        raise InvalidInput("end_at", "预约结束时间须晚于开始", "the appointment ends before it starts")
    payload = {"start_at": start.isoformat(), "end_at": end.isoformat()}
    changes = {"appointment_start_at": start, "appointment_end_at": end}
    return perform(db, order=order, action="appoint", actor=actor, ctx=ctx, payload=payload, changes=changes)


def quote(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    ctx: Context,
    lines: list[dict],
    version_id: int | None = None,
    reason: tuple[str | None, str | None] = (None, None),
) -> Quote:
    """Put an itemised price to the customer; an earlier open quote is superseded (and kept). ``lines``
    come priced (``pricing.quotes`` prices them from the book and splits each amount into covered and
    payable): each a dict of ``QuoteLine``'s columns. ``version_id`` names the price book version they were
    priced from, ``reason`` the quote's one-line reason in Chinese and English. The totals are the lines'
    sums; a line whose covered and payable do not add up to its amount is refused."""
    check_allowed(order, "quote", actor)
    for line in lines:
        if (
            line["covered_fen"] + line["payable_fen"] != line["amount_fen"]
            or min(line["covered_fen"], line["payable_fen"]) < 0
        ):
            raise ValueError(f"a quote line's covered and payable must split its amount: {line}")
    for earlier in db.scalars(
        select(Quote).where(Quote.work_order_id == order.id, Quote.status == "proposed")
    ):
        earlier.status = "superseded"
    new = Quote(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        status="proposed",
        total_fen=sum(line["amount_fen"] for line in lines),
        covered_fen=sum(line["covered_fen"] for line in lines),
        payable_fen=sum(line["payable_fen"] for line in lines),
        price_book_version_id=version_id,
        coverage_reason=reason[0],
        coverage_reason_en=reason[1],
        created_by_id=actor.id,
        lines=[QuoteLine(**line) for line in lines],
    )
    db.add(new)
    db.flush()
    summary = [
        {
            "code": line.get("code"),
            "description": line["description"],
            "quantity": line["quantity"],
            "amount_fen": line["amount_fen"],
            "covered_fen": line["covered_fen"],
        }
        for line in lines
    ]
    payload = {
        "quote_id": new.id,
        "total_fen": new.total_fen,
        "covered_fen": new.covered_fen,
        "payable_fen": new.payable_fen,
        "lines": summary,
    }
    perform(db, order=order, action="quote", actor=actor, ctx=ctx, payload=payload)
    return new


def quotes_of(db: Session, *, order: WorkOrder) -> list[Quote]:
    """Every version of the order's quote, the first first."""
    return list(db.scalars(select(Quote).where(Quote.work_order_id == order.id).order_by(Quote.id)))


def decide_quote(db: Session, *, order: WorkOrder, actor: User, ctx: Context, approve: bool) -> WorkOrder:
    current = latest_quote(db, order=order)
    action = "approve-quote" if approve else "decline-quote"
    perform(
        db,
        order=order,
        action=action,
        actor=actor,
        ctx=ctx,
        payload={
            "quote_id": current.id if current else None,
            "total_fen": current.total_fen if current else 0,
            "payable_fen": current.payable_fen if current else 0,
        },
    )
    if current is not None:
        current.status = "approved" if approve else "declined"
        current.decided_at = clock.now()
        current.decided_by_id = actor.id
    db.flush()
    return order


def latest_quote(db: Session, *, order: WorkOrder) -> Quote | None:
    return db.scalar(select(Quote).where(Quote.work_order_id == order.id).order_by(Quote.id.desc()).limit(1))


def cancel(db: Session, *, order: WorkOrder, actor: User, ctx: Context) -> WorkOrder:
    changes = {"cancel_reason": (ctx.reason or "").strip()[:300] or None}
    return perform(db, order=order, action="cancel", actor=actor, ctx=ctx, changes=changes)


def carry_in(
    db: Session, *, order: WorkOrder, actor: User, ctx: Context, receipt_no: str, workshop: str
) -> WorkOrder:
    """The appliance goes to the workshop; the receipt handed to the customer is recorded."""
    payload = {"receipt_no": receipt_no, "workshop": workshop}
    changes = {"workshop_receipt_no": receipt_no}
    return perform(db, order=order, action="carry-in", actor=actor, ctx=ctx, payload=payload, changes=changes)
