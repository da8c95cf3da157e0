"""Everything the platform holds about one customer, as one JSON document (PIPL art. 45): the record and
its addresses, the appliances, the orders with their events in the customer's shape, quotes, service
reports, photos (listed, not attached) and relay numbers (隐私号), the surveys, the complaints, the
messages sent to them (inbox items and texts), their portal account, and consents (to proactive contact). Staff-only words (dispatch's
notes, the notes staff write each other) are what the customer never reads, and stay out.

The customer downloads it from the portal ("我的数据") or the API; an admin reads it on the customer's
request. Either way the audit log records the export (``customer.export``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.audit import trail
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.customer.models import Customer
from anxin.feedback.models import Complaint, ComplaintEvent, Survey
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.notify.templates import render
from anxin.proactive.models import CustomerConsent
from anxin.telephony.models import RelayBinding
from anxin.work_order import api as work_order_api
from anxin.work_order import service as work_order_service
from anxin.work_order.models import Quote, ServiceReport, WorkOrder, WorkOrderPhoto

FORMAT = "anxin.personal-data/1"
CUSTOMER = ("id", "name", "phone", "elderly_household", "infant_household", "created_at", "erased_at")
ADDRESS = ("id", "province", "city", "district", "detail", "lat", "lng", "area_type", "created_at")
APPLIANCE = (
    "id",
    "address_id",
    "serial_number",
    "purchase_date",
    "purchase_channel",
    "install_date",
    "created_at",
)
ORDER = (
    "id",
    "number",
    "status",
    "channel",
    "service_type",
    "category_code",
    "fault_description",
    "priority",
    "warranty_status",
    "billing_category",
    "address_id",
    "district",
    "elderly_household",
    "infant_household",
    "preferred_start_at",
    "preferred_end_at",
    "appointment_start_at",
    "appointment_end_at",
    "is_rework",
    "cancel_reason",
    "created_at",
    "completed_at",
    "closed_at",
    "cancelled_at",
)
SURVEY = (
    "id",
    "work_order_id",
    "status",
    "sent_at",
    "answered_at",
    "answered_via",
    "attitude",
    "skill",
    "punctuality",
    "promises",
    "overall",
    "nps",
    "comment",
    "resolved",
)
COMPLAINT = (
    "id",
    "number",
    "status",
    "channel",
    "category",
    "severity",
    "description",
    "work_order_id",
    "created_at",
    "closed_at",
    "resolution",
    "compensation_fen",
)
PHOTO = ("id", "kind", "content_type", "size_bytes", "created_at", "erased_at")
TEXTS = ("sms", "wechat")
RELAY = ("relay_number", "customer_masked", "status", "bound_at", "released_at")


def orders_of(db: Session, customer: Customer) -> list[WorkOrder]:
    query = select(WorkOrder).where(
        WorkOrder.tenant_id == customer.tenant_id, WorkOrder.customer_id == customer.id
    )
    return list(db.scalars(query.order_by(WorkOrder.id)))


def document(db: Session, *, customer: Customer, actor: trail.Actor, reason: str | None = None) -> dict:
    """The customer's personal data as one JSON-ready dict; the export is written to the audit log."""
    orders = orders_of(db, customer)
    result = {
        "format": FORMAT,
        "generated_at": clock.now().isoformat(),
        "customer": trail.snapshot(customer, CUSTOMER),
        "addresses": [trail.snapshot(address, ADDRESS) for address in customer.addresses],
        "appliances": _appliances(db, customer),
        "orders": [_order(db, order) for order in orders],
        "surveys": [
            trail.snapshot(survey, SURVEY)
            for survey in db.scalars(
                select(Survey)
                .where(Survey.tenant_id == customer.tenant_id, Survey.customer_id == customer.id)
                .order_by(Survey.id)
            )
        ],
        "complaints": _complaints(db, customer),
        "messages": _messages(db, customer),
        "portal_accounts": [
            trail.snapshot(user, ("username", "is_active", "created_at"))
            for user in portal_users(db, customer)
        ],
        "consents": [  # consent to proactive contact (anxin.proactive.consent)
            trail.snapshot(row, ("purpose", "granted", "source", "changed_at"))
            for row in db.scalars(
                select(CustomerConsent)
                .where(CustomerConsent.customer_id == customer.id)
                .order_by(CustomerConsent.id)
            )
        ],
    }
    trail.record(
        db,
        tenant_id=customer.tenant_id,
        actor=actor,
        action="customer.export",
        object_type="customer",
        object_id=customer.id,
        note=reason,
        changes={},
    )
    return result


def counts(db: Session, *, customer: Customer) -> dict[str, int]:
    """How much is held about the customer, by kind (the portal's "我的数据" page)."""
    held = document_parts(db, customer)
    return {kind: len(items) for kind, items in held.items()}


def document_parts(db: Session, customer: Customer) -> dict[str, list]:
    return {
        "orders": orders_of(db, customer),
        "appliances": _appliances(db, customer),
        "addresses": list(customer.addresses),
        "surveys": list(
            db.scalars(
                select(Survey).where(
                    Survey.tenant_id == customer.tenant_id, Survey.customer_id == customer.id
                )
            )
        ),
        "complaints": list(
            db.scalars(
                select(Complaint).where(
                    Complaint.tenant_id == customer.tenant_id, Complaint.customer_id == customer.id
                )
            )
        ),
        "messages": _messages(db, customer),
    }


def portal_users(db: Session, customer: Customer) -> list[User]:
    """The customer's portal accounts (one, made at their first sign-in)."""
    query = select(User).where(
        User.tenant_id == customer.tenant_id, User.customer_id == customer.id, User.role == Role.CUSTOMER
    )
    return list(db.scalars(query.order_by(User.id)))


def _appliances(db: Session, customer: Customer) -> list[dict[str, Any]]:
    rows = db.execute(
        select(Appliance, ProductModel, Brand, Category)
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Brand, Brand.id == ProductModel.brand_id)
        .join(Category, Category.id == ProductModel.category_id)
        .where(Appliance.tenant_id == customer.tenant_id, Appliance.customer_id == customer.id)
        .order_by(Appliance.id)
    ).all()
    return [
        {
            **trail.snapshot(appliance, APPLIANCE),
            "brand": brand.name_zh,
            "category": category.code,
            "model": f"{model.name} ({model.model_code})",
        }
        for appliance, model, brand, category in rows
    ]


# A quote line as the customer read it (no ids, no review flag of the staff's)
QUOTE_LINE = (
    "kind",
    "code",
    "description",
    "unit",
    "quantity",
    "unit_price_fen",
    "amount_fen",
    "covered_fen",
    "payable_fen",
    "coverage_reason",
)


def _order(db: Session, order: WorkOrder) -> dict[str, Any]:
    quotes = db.scalars(select(Quote).where(Quote.work_order_id == order.id).order_by(Quote.id))
    report = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order.id))
    photos = db.scalars(
        select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order.id).order_by(WorkOrderPhoto.id)
    )
    events = work_order_api.customer_events(work_order_service.events(db, order=order))
    return {
        **trail.snapshot(order, ORDER),
        "appliance_ids": [item.appliance_id for item in order.appliances],
        "events": [event.model_dump(mode="json") for event in events],
        "quotes": [
            {
                **trail.snapshot(
                    quote,
                    ("status", "total_fen", "covered_fen", "payable_fen", "coverage_reason", "created_at")
                    + ("decided_at",),
                ),
                "lines": [trail.snapshot(line, QUOTE_LINE) for line in quote.lines],
            }
            for quote in quotes
        ],
        "service_report": (
            trail.snapshot(report, ("cause", "work_done", "advice", "parts_used", "created_at"))
            if report is not None
            else None
        ),
        "photos": [trail.snapshot(photo, PHOTO) for photo in photos],
        # the relay numbers (隐私号) the order gave its customer and technician to call each other by
        "relay_numbers": [
            trail.snapshot(binding, RELAY)
            for binding in db.scalars(
                select(RelayBinding).where(RelayBinding.work_order_id == order.id).order_by(RelayBinding.id)
            )
        ],
    }


def _complaints(db: Session, customer: Customer) -> list[dict[str, Any]]:
    found = []
    for complaint in db.scalars(
        select(Complaint)
        .where(Complaint.tenant_id == customer.tenant_id, Complaint.customer_id == customer.id)
        .order_by(Complaint.id)
    ):
        events = db.scalars(
            select(ComplaintEvent)
            .where(ComplaintEvent.complaint_id == complaint.id)
            .order_by(ComplaintEvent.id)
        )
        found.append(
            {
                **trail.snapshot(complaint, COMPLAINT),
                "events": [
                    {
                        **trail.snapshot(event, ("action", "from_status", "to_status", "occurred_at")),
                        "by": "customer" if event.actor_role == Role.CUSTOMER else "service",
                        # the customer's own words; what staff wrote each other stays with them
                        "note": event.note if event.actor_role == Role.CUSTOMER else None,
                    }
                    for event in events
                ],
            }
        )
    return found


def _messages(db: Session, customer: Customer) -> list[dict[str, Any]]:
    """The inbox items addressed to the customer and the texts sent to their phone, oldest first."""
    inbox = db.scalars(
        select(InboxItem)
        .where(InboxItem.tenant_id == customer.tenant_id, InboxItem.recipient == f"customer:{customer.id}")
        .order_by(InboxItem.id)
    )
    texts = db.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.tenant_id == customer.tenant_id,
            OutboxMessage.channel.in_(TEXTS),
            OutboxMessage.recipient == customer.phone,
        )
        .order_by(OutboxMessage.id)
    )
    found: list[tuple[datetime, dict[str, Any]]] = []
    for item in inbox:
        found.append(
            (
                item.created_at,
                {
                    "channel": "inbox",
                    **trail.snapshot(item, ("event", "title", "body", "link", "created_at", "read_at")),
                },
            )
        )
    for message in texts:
        rendered = render(message.event, message.context, message.locale)
        found.append(
            (
                message.created_at,
                {
                    "channel": message.channel,
                    "event": message.event,
                    "title": rendered.title,
                    "body": rendered.body,
                    **trail.snapshot(message, ("status", "created_at", "sent_at")),
                },
            )
        )
    return [entry for _, entry in sorted(found, key=lambda pair: clock.as_utc(pair[0]))]
