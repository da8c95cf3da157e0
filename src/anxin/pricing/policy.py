"""A tenant's terms for quotes: how long a repair's own warranty runs (``pricing_policy``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.pricing.models import REPAIR_WARRANTY_DAYS, PricingPolicy


def get(db: Session, *, tenant_id: int) -> PricingPolicy:
    """The tenant's terms; the defaults (a 90-day repair warranty) until it sets its own (not stored)."""
    policy = db.scalar(select(PricingPolicy).where(PricingPolicy.tenant_id == tenant_id))
    if policy is None:
        return PricingPolicy(tenant_id=tenant_id, repair_warranty_days=REPAIR_WARRANTY_DAYS)
    return policy


def repair_warranty_days(db: Session, *, tenant_id: int) -> int:
    return get(db, tenant_id=tenant_id).repair_warranty_days


def set_terms(
    db: Session, *, tenant_id: int, repair_warranty_days: int, actor: trail.Actor | None = None
) -> PricingPolicy:
    """Replace the tenant's terms, written to the audit log. Quotes already made keep what they said."""
    policy = get(db, tenant_id=tenant_id)
    fields = ["repair_warranty_days"]
    before = trail.snapshot(policy, fields)
    policy.repair_warranty_days = repair_warranty_days
    policy.updated_at = clock.now()
    db.add(policy)
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="pricing_policy.set",
        object_type="pricing_policy",
        object_id=policy.id,
        changes=trail.changes(before, trail.snapshot(policy, fields)),
    )
    return policy
