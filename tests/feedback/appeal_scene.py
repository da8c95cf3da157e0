"""Penalties and appeals for the access matrix and the tenant-isolation test: far-from-address arrivals of
tech01 (one penalty left for each surface to appeal) and open appeals (one for each surface to decide)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from anxin import clock
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.conftest import TenantWorld


@dataclass
class AppealScene:
    penalties: dict[str, str] = field(default_factory=dict)  # "api" and "page": a key not yet appealed
    appeals: dict[str, int] = field(default_factory=dict)  # "api" and "page": an open appeal

    def penalty_for(self, path: str) -> str:
        return self.penalties["page" if path.startswith("/tech") else "api"]

    def appeal_for(self, path: str) -> int:
        return self.appeals["page" if path.startswith("/console") else "api"]


def far_arrival(db: Session, world: TenantWorld, order_id: int) -> WorkOrderEvent:
    """An arrival of tech01 recorded 4.5 km from the address (accuracy ±50 m): a penalty."""
    order = db.get(WorkOrder, order_id)
    technician = world.users["technician"]
    event = WorkOrderEvent(
        tenant_id=world.tenant.id,
        work_order_id=order.id,
        action="arrive",
        from_status=order.status,
        to_status=order.status,
        actor_id=technician.id,
        actor_role="technician",
        occurred_at=clock.now(),
        lat=30.3105,
        lng=120.12,
        payload={"far_from_address_m": 4503, "accuracy_m": 50},
    )
    db.add(event)
    db.flush()
    return event


def matrix_scene(db: Session, world: TenantWorld, *, order_id: int) -> AppealScene:
    scene = AppealScene()
    technician = world.users["technician"]
    for surface in ("api", "page"):
        scene.penalties[surface] = f"far-{far_arrival(db, world, order_id).id}"
        appealed = far_arrival(db, world, order_id)
        appeal = PenaltyAppeal(
            tenant_id=world.tenant.id,
            technician_id=world.technician_id,
            kind="far",
            source_id=appealed.id,
            work_order_id=order_id,
            points=2,
            penalty_at=appealed.occurred_at,
            penalty_reason="到达位置距客户地址约 4.5 公里（定位精度 ±50 米）",
            reason="定位漂移",
            status="open",
            filed_at=clock.now(),
            filed_by_id=technician.id,
        )
        db.add(appeal)
        db.flush()
        scene.appeals[surface] = appeal.id
    return scene
