"""Which city a tenant serves, read from where its customers live (the tenant has no city of its own)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.customer.models import Address


def main_city(db: Session, *, tenant_id: int) -> str | None:
    """The city most of the tenant's addresses lie in (``None`` for a tenant with no address yet); a tie
    goes to the city named first in character order, so the answer does not change from call to call."""
    count = func.count(Address.id)
    row = db.execute(
        select(Address.city, count)
        .where(Address.tenant_id == tenant_id)
        .group_by(Address.city)
        .order_by(count.desc(), Address.city)
        .limit(1)
    ).first()
    return row[0] if row else None
