"""An order's parts with their whole trail, as the API and the pages show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin.parts import returns, transfers
from anxin.parts.models import Part, PartFitting, PartLine, PartMovement, PartReturn, PartTransfer, Warehouse
from anxin.work_order.models import WorkOrder


@dataclass
class LineView:
    line: PartLine
    part: Part
    warehouse: Warehouse
    transfer: PartTransfer | None
    fittings: list[PartFitting] = field(default_factory=list)

    @property
    def left(self) -> int:
        return self.line.quantity - self.line.consumed

    def read(self) -> dict[str, Any]:
        line = self.line
        return {
            "id": line.id,
            "work_order_id": line.work_order_id,
            "part_id": line.part_id,
            "part_code": self.part.code,
            "part_name": self.part.name,
            "genuine": self.part.genuine,
            "warehouse_id": line.warehouse_id,
            "warehouse_name": self.warehouse.name,
            "level": self.warehouse.level,
            "quantity": line.quantity,
            "consumed": line.consumed,
            "status": line.status,
            "via_transfer": line.via_transfer,
            "transfer_id": line.transfer_id,
            "unit_price_fen": line.unit_price_fen,
            "created_at": line.created_at,
            "consumed_at": line.consumed_at,
            "released_at": line.released_at,
            "release_reason": line.release_reason,
        }


@dataclass
class Trail:
    order_id: int
    lines: list[LineView]
    waiting_for: list[PartTransfer]
    transfers: list[PartTransfer]
    fittings: list[PartFitting]
    returns: list[PartReturn]
    movements: list[PartMovement]
    warehouses: dict[int, Warehouse]
    parts: dict[int, Part]

    def read(self) -> dict[str, Any]:
        return {
            "work_order_id": self.order_id,
            "lines": [view.read() for view in self.lines],
            "waiting_for": self.waiting_for,
            "transfers": self.transfers,
            "fittings": self.fittings,
            "returns": self.returns,
            "movements": self.movements,
        }


def line_view(db: Session, *, line: PartLine) -> LineView:
    """One line with its part and warehouse (read from the session's identity map when loaded already: a
    reservation answers without a query more while it holds its stock row's lock)."""
    transfer = db.get(PartTransfer, line.transfer_id) if line.transfer_id else None
    return LineView(
        line=line,
        part=db.get(Part, line.part_id),
        warehouse=db.get(Warehouse, line.warehouse_id),
        transfer=transfer,
    )


def of(db: Session, *, order: WorkOrder) -> Trail:
    lines = list(db.scalars(select(PartLine).where(PartLine.work_order_id == order.id).order_by(PartLine.id)))
    fittings = list(
        db.scalars(select(PartFitting).where(PartFitting.work_order_id == order.id).order_by(PartFitting.id))
    )
    moved = list(
        db.scalars(
            select(PartTransfer).where(PartTransfer.work_order_id == order.id).order_by(PartTransfer.id)
        )
    )
    transfer_ids = [t.id for t in moved]
    condition = PartMovement.work_order_id == order.id
    if transfer_ids:
        condition = or_(condition, PartMovement.transfer_id.in_(transfer_ids))
    movements = list(db.scalars(select(PartMovement).where(condition).order_by(PartMovement.id)))
    olds = returns.for_order(db, order_id=order.id)
    part_ids = {line.part_id for line in lines} | {t.part_id for t in moved}
    parts = {p.id: p for p in db.scalars(select(Part).where(Part.id.in_(part_ids)))} if part_ids else {}
    warehouse_ids = (
        {line.warehouse_id for line in lines}
        | {t.from_warehouse_id for t in moved}
        | {t.to_warehouse_id for t in moved}
        | {m.warehouse_id for m in movements}
        | {r.warehouse_id for r in olds}
    )
    places = (
        {w.id: w for w in db.scalars(select(Warehouse).where(Warehouse.id.in_(warehouse_ids)))}
        if warehouse_ids
        else {}
    )
    by_id = {t.id: t for t in moved}
    views = [
        LineView(
            line=line,
            part=parts[line.part_id],
            warehouse=places[line.warehouse_id],
            transfer=by_id.get(line.transfer_id) if line.transfer_id else None,
            fittings=[f for f in fittings if f.line_id == line.id],
        )
        for line in lines
    ]
    return Trail(
        order_id=order.id,
        lines=views,
        waiting_for=transfers.waiting_for(db, order_id=order.id),
        transfers=moved,
        fittings=fittings,
        returns=olds,
        movements=movements,
        warehouses=places,
        parts=parts,
    )
