"""The demo city's proactive service: the tenant's alert policy (an error code tells the customer with
the knowledge base's tip, a reading held out of range or a predicted failure opens a proactive order,
a counter due tells the customer), consent to proactive contact from customer01 and every other customer
after them, and customer01's declared household (three people, an elderly parent). The job
(``jobs.proactive_alerts``) then applies the policy to the alerts the demo's telemetry opens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.customer.models import Customer
from anxin.proactive import consent, policy

POLICY = {
    "default": "none",
    "by_severity": {"fault": "notify", "warning": "order", "maintenance": "notify", "predicted": "order"},
    "by_cause": {},
}


def load(db: Session, *, tenant_id: int, users: dict[str, User]) -> str:
    admin = next((u for u in users.values() if u.role == "admin"), None)
    if admin is not None:
        policy.replace(db, actor=admin, policy=POLICY)
    first = users.get("customer01")
    customer_ids = list(
        db.scalars(select(Customer.id).where(Customer.tenant_id == tenant_id).order_by(Customer.id))
    )
    chosen = set(customer_ids[::2])
    if first is not None and first.customer_id:
        chosen.add(first.customer_id)
    for customer_id in sorted(chosen):
        customer = db.get(Customer, customer_id)
        actor = first if first is not None and first.customer_id == customer_id else admin
        consent.set_consent(db, customer=customer, actor=actor, granted=True)
    if first is not None and first.customer_id:
        consent.declare_household(
            db, customer=db.get(Customer, first.customer_id), actor=first, size=3, elderly=True
        )
    return f"proactive: policy set, {len(chosen)} of {len(customer_ids)} customers consented"
