"""``parts_fill_rate``: of the orders that needed parts, the share whose parts were all on hand (in the
technician's van or the outlet's store) when they were reserved, none sent on a transfer. Orders count by
when they were reported, as every KPI does (``analytics/kpis.py``); cancelled orders and orders whose
parts were all given back unused do not count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from anxin.parts.models import PartLine
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder


def fill_sums(
    db: Session, *, tenant_id: int, start: datetime, end: datetime, outlet_id: int | None = None
) -> tuple[int, int]:
    """(orders whose parts were on hand, orders that needed parts) for the orders reported in
    ``start``..``end``; an outlet's: those sent to it or assigned to its technicians."""
    used = or_(PartLine.consumed > 0, PartLine.status.in_(("reserved", "awaiting_transfer")))
    per_order = (
        select(
            PartLine.work_order_id.label("order_id"),
            func.max(case((PartLine.via_transfer.is_(True), 1), else_=0)).label("travelled"),
        )
        .join(WorkOrder, WorkOrder.id == PartLine.work_order_id)
        .where(
            PartLine.tenant_id == tenant_id,
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.created_at >= start,
            WorkOrder.created_at < end,
            WorkOrder.status != "cancelled",
            used,
        )
        .group_by(PartLine.work_order_id)
    )
    if outlet_id is not None:
        team = select(Technician.id).where(
            Technician.tenant_id == tenant_id, Technician.outlet_id == outlet_id
        )
        per_order = per_order.where(or_(WorkOrder.outlet_id == outlet_id, WorkOrder.technician_id.in_(team)))
    orders = per_order.subquery()
    row = db.execute(
        select(
            func.count(), func.coalesce(func.sum(case((orders.c.travelled == 0, 1), else_=0)), 0)
        ).select_from(orders)
    ).one()
    needed, on_hand = int(row[0] or 0), int(row[1] or 0)
    return on_hand, needed


def fill_rate(
    db: Session, *, tenant_id: int, start: datetime, end: datetime, outlet_id: int | None = None
) -> float | None:
    """The share 0..1 (four decimals), or None when no order of the period needed parts."""
    on_hand, needed = fill_sums(db, tenant_id=tenant_id, start=start, end=end, outlet_id=outlet_id)
    return round(on_hand / needed, 4) if needed else None


__all__ = ["fill_rate", "fill_sums"]
