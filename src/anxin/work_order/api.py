"""What every API route about one order shares, whichever domain's router it is in: the order from the
path (``CurrentWorkOrder``: 404 for an order the caller may not see), an action's optional body and its
context (``context``), the order as the API shows it (``read``; ``answer`` for a move), its events as the caller may read them
(``events_for``: the pages show the same), and whether a technician was ever given an order covering an
appliance (``serviced_by``: what a technician may read of the tenant's appliances)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

from fastapi import Body, Depends, Response
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import visibility
from anxin.dependencies import CurrentUser, DbSession
from anxin.fields import Id
from anxin.masking import redact, redact_phones
from anxin.routing import json_response
from anxin.work_order import actions, service
from anxin.work_order.models import WorkOrder, WorkOrderAppliance, WorkOrderEvent
from anxin.work_order.schemas import ActionBody, CustomerEventRead, EventRead, WorkOrderRead
from anxin.work_order.states import MOVES, OPEN, actions_from


def current_work_order(order_id: Id, db: DbSession, user: CurrentUser) -> WorkOrder:
    return service.get_for(db, user=user, id=order_id)


CurrentWorkOrder = Annotated[WorkOrder, Depends(current_work_order)]
OptionalBody = Annotated[ActionBody | None, Body()]


def read(
    order: WorkOrder, user: User, now: datetime | None = None, cls=WorkOrderRead, **extra
) -> WorkOrderRead:
    result = cls.model_validate(order)
    result.sla_state = service.sla_state_of(order, now or clock.now())
    result.sla_due_at = order.sla_due_at
    result.appliance_ids = [item.appliance_id for item in order.appliances]
    result.actions = actions_from(order.status, user.role)
    if not visibility.sees_phone(user, customer_id=order.customer_id, order=side(order)):
        result.fault_description = redact_phones(order.fault_description)
        result.cancel_reason = redact_phones(order.cancel_reason)
    for key, value in extra.items():
        setattr(result, key, value)
    return result


def answer(order: WorkOrder, user: User, **extra) -> Response:
    """A move's answer: the order as ``read`` shows it, already serialised. A move holds the order's row
    lock until its transaction ends, after the answer is made; were the answer a model, FastAPI would
    validate it in a second trip through the thread pool, and with every pool thread waiting on that same
    lock the holder could not get one (the requests would wait out the lock's time-out together)."""
    return json_response(read(order, user, **extra))


def side(order: WorkOrder) -> visibility.OrderSide:
    """What ``customer/visibility.py``'s rule needs of ``order``: open or not, whose and which outlet's."""
    return visibility.OrderSide(
        open=order.status in OPEN, technician_id=order.technician_id, outlet_id=order.outlet_id
    )


def context(body: ActionBody | None) -> actions.Context:
    if body is None:
        return actions.Context()
    return actions.Context(
        version=body.version,
        reason=getattr(body, "reason", None),
        note=body.note,
        lat=body.lat,
        lng=body.lng,
        accuracy_m=body.accuracy_m,
    )


# What a customer reads of the order's events (``events_for``): the report and the moves of the state
# table, not dispatch's notes about them (offers, escalations, the pool, outlets, slots at risk) nor
# photos; the words of an event only where they are written for the customer or by them: the work done
# and the remote guidance (as the service report prints them), why the order was cancelled or waits for
# parts. The notes and reasons staff and technicians write for each other (a rejection, an unassignment,
# a follow-up call, an automatic assignment's score) stay with the staff.
CUSTOMER_ACTIONS = frozenset({"create", *MOVES})
CUSTOMER_NOTES = frozenset({"complete", "resolve-remote"})
CUSTOMER_REASONS = frozenset({"cancel", "wait-parts"})


def events_for(db: Session, *, order: WorkOrder, user: User) -> list[EventRead] | list[CustomerEventRead]:
    """The order's events, oldest first, as ``user`` may read them: the customer in the customer's shape
    (``CustomerEventRead``), staff and the order's technician whole (``EventRead``), with the phone
    numbers written in notes and reasons masked for those who may not see the customer's
    (``customer/visibility.py``)."""
    rows = service.events(db, order=order)
    if user.role == Role.CUSTOMER:
        return customer_events(rows)
    whole = [EventRead.model_validate(row) for row in rows]
    if visibility.sees_phone(user, customer_id=order.customer_id, order=side(order)):
        return whole
    for event in whole:
        event.note = redact_phones(event.note)
        event.payload = redact(event.payload)
    return whole


def customer_events(rows: Iterable[WorkOrderEvent]) -> list[CustomerEventRead]:
    """Events in the customer's shape (what the customer reads, and what their personal-data export holds).
    An assignment to another technician than the one assigned before reads ``reassign``: the customer
    sees their technician was changed, not a second "assigned"."""
    shown, technician = [], None
    for row in rows:
        if row.action not in CUSTOMER_ACTIONS:
            continue
        event = _for_customer(row)
        if row.action == "assign":
            now_assigned = (row.payload or {}).get("technician_id")
            if technician is not None and now_assigned != technician:
                event.action = "reassign"
            technician = now_assigned
        shown.append(event)
    return shown


def _for_customer(event: WorkOrderEvent) -> CustomerEventRead:
    own = event.actor_role == Role.CUSTOMER
    by = "customer" if own else "technician" if event.actor_role == Role.TECHNICIAN else "service"
    reason = (event.payload or {}).get("reason") if own or event.action in CUSTOMER_REASONS else None
    return CustomerEventRead(
        action=event.action,
        occurred_at=event.occurred_at,
        from_status=event.from_status,
        to_status=event.to_status,
        by=by,
        reason=reason if isinstance(reason, str) else None,
        note=event.note if own or event.action in CUSTOMER_NOTES else None,
    )


def serviced_by(db: Session, *, tenant_id: int, appliance_id: int, technician_id: int) -> bool:
    """Whether an order of the tenant covering the appliance is, or ever was, assigned to the technician
    (the order's technician now, or named by one of its ``assign`` events)."""
    covers = or_(
        WorkOrder.appliance_id == appliance_id,
        WorkOrder.id.in_(
            select(WorkOrderAppliance.work_order_id).where(WorkOrderAppliance.appliance_id == appliance_id)
        ),
    )
    assigned_before = exists().where(
        WorkOrderEvent.work_order_id == WorkOrder.id,
        WorkOrderEvent.action == "assign",
        WorkOrderEvent.payload["technician_id"].as_integer() == technician_id,
    )
    query = select(WorkOrder.id).where(
        WorkOrder.tenant_id == tenant_id,
        covers,
        or_(WorkOrder.technician_id == technician_id, assigned_before),
    )
    return db.scalar(query.limit(1)) is not None
