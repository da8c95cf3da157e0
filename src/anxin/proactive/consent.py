"""A customer's consent to proactive contact, and the household they declared.

One ``customer_consent`` row per customer and purpose holds the current answer; each change is
audited (``customer.consent.set``). Without a granted row there is no consent: an alert then stays open
for staff only, and campaigns skip the appliance."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth.models import User
from anxin.clock import now
from anxin.customer.models import Customer
from anxin.exceptions import InvalidInput
from anxin.proactive.models import CustomerConsent, CustomerHousehold

PROACTIVE = "proactive_contact"
PURPOSES = (PROACTIVE,)
MAX_HOUSEHOLD = 20


def consent_of(db: Session, *, customer_id: int, purpose: str = PROACTIVE) -> CustomerConsent | None:
    return db.scalar(
        select(CustomerConsent).where(
            CustomerConsent.customer_id == customer_id, CustomerConsent.purpose == purpose
        )
    )


def has_consent(db: Session, *, customer_id: int, purpose: str = PROACTIVE) -> bool:
    row = consent_of(db, customer_id=customer_id, purpose=purpose)
    return bool(row and row.granted)


def consenting(db: Session, *, customer_ids: Iterable[int], purpose: str = PROACTIVE) -> set[int]:
    """Which of ``customer_ids`` have granted ``purpose``."""
    wanted = sorted(set(customer_ids))
    if not wanted:
        return set()
    return set(
        db.scalars(
            select(CustomerConsent.customer_id).where(
                CustomerConsent.customer_id.in_(wanted),
                CustomerConsent.purpose == purpose,
                CustomerConsent.granted.is_(True),
            )
        )
    )


def set_consent(
    db: Session, *, customer: Customer, actor: User, granted: bool, purpose: str = PROACTIVE
) -> CustomerConsent:
    """Record the customer's answer (from the portal, or an agent on the customer's word); audited."""
    if purpose not in PURPOSES:
        raise InvalidInput("purpose", "没有这种授权", "No such consent")
    source = "portal" if actor.role == "customer" else "agent"
    row = consent_of(db, customer_id=customer.id, purpose=purpose)
    before = None if row is None else {"granted": row.granted}
    if row is None:
        row = CustomerConsent(tenant_id=customer.tenant_id, customer_id=customer.id, purpose=purpose)
        db.add(row)
    elif row.granted == granted:
        return row
    row.granted, row.source, row.changed_by_id, row.changed_at = granted, source, actor.id, now()
    db.flush()
    trail.record(
        db,
        tenant_id=customer.tenant_id,
        actor=actor,
        action="customer.consent.set",
        object_type="customer",
        object_id=customer.id,
        changes=trail.changes(before, {"granted": granted, "purpose": purpose, "source": source}),
    )
    return row


def household_of(db: Session, *, customer_id: int) -> CustomerHousehold | None:
    return db.get(CustomerHousehold, customer_id)


def declare_household(
    db: Session,
    *,
    customer: Customer,
    actor: User,
    size: int | None,
    elderly: bool | None = None,
    infant: bool | None = None,
) -> None:
    """What the customer declared: how many live in the household, whether an elderly person or an infant
    does (``customer``'s own flags); audited when anything changes."""
    if size is not None and not 1 <= size <= MAX_HOUSEHOLD:
        raise InvalidInput("size", "家庭人数应在1到20之间", "A household has 1 to 20 people")
    row = household_of(db, customer_id=customer.id)
    before = {
        "size": row.size if row else None,
        "elderly": customer.elderly_household,
        "infant": customer.infant_household,
    }
    if row is None:
        row = CustomerHousehold(customer_id=customer.id, tenant_id=customer.tenant_id)
        db.add(row)
    row.size, row.updated_at = size, now()
    if elderly is not None:
        customer.elderly_household = elderly
    if infant is not None:
        customer.infant_household = infant
    after = {"size": size, "elderly": customer.elderly_household, "infant": customer.infant_household}
    db.flush()
    if after != before:
        trail.record(
            db,
            tenant_id=customer.tenant_id,
            actor=actor,
            action="customer.household.set",
            object_type="customer",
            object_id=customer.id,
            changes=trail.changes(before, after),
        )
