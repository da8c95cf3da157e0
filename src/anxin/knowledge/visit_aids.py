"""What a technician and an agent read before a visit (remote diagnosis): the parts triage expects the
job to need, with what the technician's van holds of each (``likely_parts``), and the appliance's history
(``appliance_history``: earlier orders with their date, fault, outcome, and the parts replaced).

Both are reads of a few indexed rows per order page: the triage row and the van's stock of the likely
parts (two statements); the appliance's earlier orders with their triage, service report and parts used
(three statements however many orders)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.knowledge.models import OrderTriage
from anxin.parts import warehouses
from anxin.parts.models import Part, PartLine, PartStock
from anxin.work_order.models import ServiceReport, WorkOrder

HISTORY = 10  # earlier orders shown


@dataclass
class LikelyPart:
    code: str
    name: str
    in_catalog: bool  # the tenant's parts catalog has this code
    in_van: int | None  # what the technician's van can give (on hand less reserved); None: no van


@dataclass
class LikelyParts:
    parts: list[LikelyPart]
    has_van: bool
    fault: str | None = None
    category: str | None = None


def likely_parts(db: Session, *, order: WorkOrder) -> LikelyParts:
    """The parts triage (or the agent who corrected it) expects, with the assigned technician's van stock
    of each, in good condition. Empty when the order was not triaged or the fault needs no part."""
    row = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order.id))
    if row is None:
        return LikelyParts(parts=[], has_van=False)
    wanted = [(p.get("code") or "", p.get("name") or p.get("code") or "") for p in row.parts or []]
    wanted = [(code, name) for code, name in wanted if code]
    van = warehouses.van_of(db, tenant_id=order.tenant_id, technician_id=order.technician_id)
    codes = [code for code, _ in wanted]
    known: dict[str, tuple[int, str]] = {}
    stock: dict[str, int] = {}
    if codes:
        for part_id, code, name in db.execute(
            select(Part.id, Part.code, Part.name).where(
                Part.tenant_id == order.tenant_id, Part.code.in_(codes)
            )
        ):
            known[code] = (part_id, name)
        if van is not None and known:
            by_id = {part_id: code for code, (part_id, _) in known.items()}
            for part_id, available in db.execute(
                select(PartStock.part_id, func.sum(PartStock.on_hand - PartStock.reserved))
                .where(
                    PartStock.warehouse_id == van.id,
                    PartStock.condition == "good",
                    PartStock.part_id.in_(list(by_id)),
                )
                .group_by(PartStock.part_id)
            ):
                stock[by_id[part_id]] = max(int(available or 0), 0)
    parts = [
        LikelyPart(
            code=code,
            name=known[code][1] if code in known else name,
            in_catalog=code in known,
            in_van=(stock.get(code, 0) if van is not None else None),
        )
        for code, name in wanted
    ]
    return LikelyParts(parts=parts, has_van=van is not None, fault=row.fault, category=row.category)


@dataclass
class PastVisit:
    order_id: int
    number: str
    created_at: datetime
    service_type: str
    status: str
    description: str
    fault: str | None  # triage's (or the agent's) fault code for the order
    category: str | None
    cause: str | None  # what the technician recorded
    completed_at: datetime | None
    is_rework: bool
    parts: list[dict] = field(default_factory=list)  # [{"name", "quantity"}] replaced on the visit


def appliance_history(
    db: Session, *, tenant_id: int, appliance_id: int, before: WorkOrder | None = None, limit: int = HISTORY
) -> list[PastVisit]:
    """The appliance's earlier orders, newest first (``before`` leaves that order and later ones out): the
    date, the fault, the outcome (state and the technician's recorded cause), the parts replaced (the
    service report's parts, else the parts the order consumed from stock)."""
    query = select(WorkOrder).where(WorkOrder.tenant_id == tenant_id, WorkOrder.appliance_id == appliance_id)
    if before is not None:
        query = query.where(WorkOrder.id < before.id)
    found = list(db.scalars(query.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(limit)))
    ids = [o.id for o in found]
    if not ids:
        return []
    triaged = {
        order_id: (category, fault)
        for order_id, category, fault in db.execute(
            select(OrderTriage.work_order_id, OrderTriage.category, OrderTriage.fault).where(
                OrderTriage.work_order_id.in_(ids)
            )
        )
    }
    reports = {
        order_id: (cause, parts)
        for order_id, cause, parts in db.execute(
            select(ServiceReport.work_order_id, ServiceReport.cause, ServiceReport.parts_used).where(
                ServiceReport.work_order_id.in_(ids)
            )
        )
    }
    consumed: dict[int, list[dict]] = {}
    for order_id, name, quantity in db.execute(
        select(PartLine.work_order_id, Part.name, PartLine.consumed)
        .join(Part, Part.id == PartLine.part_id)
        .where(PartLine.work_order_id.in_(ids), PartLine.consumed > 0)
        .order_by(PartLine.id)
    ):
        consumed.setdefault(order_id, []).append({"name": name, "quantity": quantity})
    out = []
    for order in found:
        category, fault = triaged.get(order.id, (None, None))
        cause, used = reports.get(order.id, (None, None))
        parts = [
            {"name": p.get("name") or "", "quantity": p.get("quantity") or 1}
            for p in used or []
            if isinstance(p, dict) and p.get("name")
        ] or consumed.get(order.id, [])
        out.append(
            PastVisit(
                order_id=order.id,
                number=order.number,
                created_at=order.created_at,
                service_type=order.service_type,
                status=order.status,
                description=order.fault_description or "",
                fault=fault,
                category=category,
                cause=cause or None,
                completed_at=order.completed_at,
                is_rework=bool(order.is_rework),
                parts=parts,
            )
        )
    return out
