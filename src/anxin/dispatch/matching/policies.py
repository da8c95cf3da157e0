"""Dispatch policies: per tenant, outlet and service type, the mode an accepted order is dispatched in
(``suggest``, ``auto``, ``pool``), how long a technician has to acknowledge an offer, how many offers
before the order is escalated, and the order pool's time and radius."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.dispatch.models import DispatchPolicy
from anxin.exceptions import InvalidInput
from anxin.technician import service as technician_service

DEFAULT = DispatchPolicy(
    mode="suggest", ack_timeout_minutes=10, max_attempts=3, pool_minutes=15, pool_radius_km=15.0
)


def policy_for(db: Session, *, tenant_id: int, outlet_id: int | None, service_type: str) -> DispatchPolicy:
    """The most specific policy row: outlet and service type, outlet, service type, tenant; else suggest."""
    rows = list(
        db.scalars(
            select(DispatchPolicy).where(
                DispatchPolicy.tenant_id == tenant_id,
                (DispatchPolicy.outlet_id == outlet_id) | DispatchPolicy.outlet_id.is_(None),
                (DispatchPolicy.service_type == service_type) | DispatchPolicy.service_type.is_(None),
            )
        )
    )
    rows.sort(key=lambda p: (p.outlet_id is not None, p.service_type is not None), reverse=True)
    return rows[0] if rows else DEFAULT


def policies_of(db: Session, *, tenant_id: int) -> list[DispatchPolicy]:
    return list(db.scalars(select(DispatchPolicy).where(DispatchPolicy.tenant_id == tenant_id)))


FIELDS = (
    "outlet_id",
    "service_type",
    "mode",
    "ack_timeout_minutes",
    "max_attempts",
    "pool_minutes",
    "pool_radius_km",
    "two_level",
)


def replace_policies(
    db: Session, *, tenant_id: int, items: list[dict], actor: trail.Actor | None = None
) -> list[DispatchPolicy]:
    """The tenant's policies become ``items``: one per outlet and service type (None = any), each outlet
    the tenant's own. The set before and after goes to the audit log."""
    before = [trail.snapshot(row, FIELDS) for row in policies_of(db, tenant_id=tenant_id)]
    seen = set()
    for index, item in enumerate(items):
        key = (item.get("outlet_id"), item.get("service_type"))
        if key in seen:
            raise InvalidInput(
                f"{index}", "同一网点和服务类型只能有一条", "one policy per outlet and service type"
            )
        seen.add(key)
        if key[0] is not None:
            technician_service.get_outlet(db, tenant_id=tenant_id, id=key[0])
    db.execute(delete(DispatchPolicy).where(DispatchPolicy.tenant_id == tenant_id))
    rows = [DispatchPolicy(tenant_id=tenant_id, **item) for item in items]
    db.add_all(rows)
    db.flush()
    after = [trail.snapshot(row, FIELDS) for row in rows]
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="dispatch_policies.replace",
        object_type="dispatch_policies",
        changes=trail.changes({"policies": before}, {"policies": after}),
    )
    return rows
