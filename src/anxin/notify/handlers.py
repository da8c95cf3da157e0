"""Who hears about an order's move: notify's reaction to order events (registered in ``anxin.wiring`` for
the actions in ``RULES``), in the same transaction. The customer gets an inbox item and an SMS, the technician an inbox item, the
tenant's dispatchers an inbox item when the order is escalated. Every message of one event shares the
dedupe key ``wo-event:<event id>``: the event's webhook rows are written once however many calls fan out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock, links, money
from anxin.auth import service as auth_service
from anxin.customer.models import Customer
from anxin.dispatch.planning import tracking
from anxin.notify.outbox import Recipient, enqueue
from anxin.technician.models import Technician
from anxin.work_order.events import Recorded
from anxin.work_order.models import Quote, WorkOrder, WorkOrderEvent


@dataclass(frozen=True)
class Rule:
    event: str
    customer: bool = False  # inbox + sms
    technician: bool = False  # inbox
    dispatchers: bool = False  # inbox of every active dispatcher


RULES: dict[str, Rule] = {
    "create": Rule("work_order.created", customer=True),
    "accept": Rule("work_order.accepted", customer=True),
    "assign": Rule("work_order.assigned", customer=True, technician=True),
    "depart": Rule("work_order.en_route", customer=True),
    "arrive": Rule("work_order.arrived", customer=True),
    "quote": Rule("work_order.quoted", customer=True),
    "complete": Rule("work_order.completed", customer=True),
    "cancel": Rule("work_order.cancelled", customer=True, technician=True),
    "escalate": Rule("work_order.escalated", dispatchers=True),
}
log = structlog.get_logger("anxin.notify")
SMS = frozenset({"work_order.assigned", "work_order.en_route", "work_order.quoted", "work_order.completed"})


def expected_arrival(db: Session, order: WorkOrder) -> dict[str, str]:
    """When the technician should be at the door, in both languages (``dispatch.tracking``): ``eta`` from
    the live position or the day plan ("14:35"), else the agreed ``window`` ("14:00–16:00"), else nothing
    (the text leaves it out). An estimate that fails never fails the move."""
    try:
        with db.begin_nested():
            t = tracking.track(db, order=order, now=clock.now())
    except Exception:
        log.exception("notify.eta_failed", order_id=order.id)
        return {}
    if tracking.arrival_at(t, "zh"):
        return {"eta": tracking.arrival_at(t, "zh"), "eta_en": tracking.arrival_at(t, "en")}
    if tracking.window_text(t, "zh"):
        return {"window": tracking.window_text(t, "zh"), "window_en": tracking.window_text(t, "en")}
    return {}


def order_context(db: Session, order: WorkOrder, event: WorkOrderEvent) -> dict[str, Any]:
    technician = db.get(Technician, order.technician_id) if order.technician_id else None
    context: dict[str, Any] = {
        "number": order.number,
        "order_id": order.id,
        "status": order.status,
        "action": event.action,
        "appliance": order.category_code,
        "district": order.district or "",
        "fault": (order.fault_description or "")[:40],
        "technician": technician.name if technician else None,
        "reason": (event.payload or {}).get("reason") or event.note,
    }
    if event.action == "depart":
        context.update(expected_arrival(db, order))  # unknown: the text leaves it out
    if event.action == "quote":
        quote = db.scalar(
            select(Quote).where(Quote.work_order_id == order.id).order_by(Quote.id.desc()).limit(1)
        )
        if quote is not None:
            context["total"] = money.yuan(quote.total_fen, symbol=False)
            context["payable"] = money.yuan(quote.payable_fen, symbol=False)
    return context


NOTHING_NEW = "-"


def _customer_template(db: Session, order: WorkOrder, event: WorkOrderEvent) -> str | None:
    """The customer's text for an assignment that follows an earlier one: the order's technician changed
    (``work_order.reassigned``, said once and why), or it is the technician they were already told of
    (``NOTHING_NEW``: no second message). None: the event's own text."""
    if event.action != "assign":
        return None
    earlier = db.scalars(
        select(WorkOrderEvent)
        .where(
            WorkOrderEvent.work_order_id == order.id,
            WorkOrderEvent.action == "assign",
            WorkOrderEvent.id < event.id,
        )
        .order_by(WorkOrderEvent.id.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return None
    before = (earlier.payload or {}).get("technician_id")
    return NOTHING_NEW if before == order.technician_id else "work_order.reassigned"


def tell(db: Session, happened: Recorded) -> None:
    """Enqueue what the event tells the customer, the technician or the dispatchers."""
    order, event = happened.order, happened.event
    rule = RULES.get(event.action)
    if rule is None:
        return
    context = order_context(db, order, event)
    key = f"wo-event:{event.id}"
    common = {"tenant_id": order.tenant_id, "event": rule.event, "dedupe_key": key, "work_order_id": order.id}
    customer_template = _customer_template(db, order, event)
    if rule.customer and customer_template != NOTHING_NEW:
        customer = db.get(Customer, order.customer_id)
        to = [Recipient("inbox", f"customer:{order.customer_id}")]
        if customer is not None and customer.phone and rule.event in SMS:
            to.append(Recipient("sms", customer.phone))
        told = {**context, "link": links.portal_order(order.id)}
        if customer_template:
            told["template"] = customer_template
        enqueue(db, to=to, context=told, **common)
    if rule.technician and order.technician_id:
        enqueue(
            db,
            to=[Recipient("inbox", f"technician:{order.technician_id}")],
            context={
                **context,
                "template": f"{rule.event}_technician",
                "link": links.technician_order(order.id),
            },
            **common,
        )
    if rule.dispatchers:
        staff = auth_service.active_staff(db, tenant_id=order.tenant_id, roles=["dispatcher"])
        enqueue(
            db,
            to=[Recipient("inbox", f"user:{user.id}") for user in staff],
            context={**context, "link": links.console_order(order.id)},
            **common,
        )
    if not (rule.customer or rule.technician or rule.dispatchers):
        enqueue(db, to=[], context=context, **common)  # webhooks only
