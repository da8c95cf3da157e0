"""What the privacy pages read: the open erasure requests, and what a customer's record amounts to
before an admin decides (masked: the admin needs the counts, not the person)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.customer.models import Customer
from anxin.feedback.models import ServiceTask
from anxin.masking import mask_name, mask_phone
from anxin.privacy.erasure import REQUEST_KIND, complaints_of, in_service, pending_request
from anxin.privacy.export import orders_of


def open_requests(db: Session, *, tenant_id: int) -> Sequence[ServiceTask]:
    """The tenant's erasure requests no admin has acted on, oldest first."""
    return db.scalars(
        select(ServiceTask)
        .where(
            ServiceTask.tenant_id == tenant_id,
            ServiceTask.kind == REQUEST_KIND,
            ServiceTask.status == "open",
        )
        .order_by(ServiceTask.id)
    ).all()


@dataclass(frozen=True)
class Summary:
    customer_id: int
    name: str  # masked
    phone: str  # masked
    erased_at: datetime | None
    orders: int
    open: list[str]  # the numbers of the orders and complaints still in progress
    requested_at: datetime | None  # the customer's pending erasure request


def summary(db: Session, *, customer: Customer) -> Summary:
    orders = orders_of(db, customer)
    busy = in_service(orders, complaints_of(db, customer))
    asked = pending_request(db, customer=customer)
    return Summary(
        customer_id=customer.id,
        name=customer.name if customer.erased_at else mask_name(customer.name),
        phone=mask_phone(customer.phone),
        erased_at=customer.erased_at,
        orders=len(orders),
        open=busy,
        requested_at=asked.created_at if asked else None,
    )
