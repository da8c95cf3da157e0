"""Transfers between warehouses: requested (the units reserved at the source), shipped (out of the
source's stock), received (into the destination's). A transfer an order waits for carries the order's
reservation: on arrival the units are reserved for the order at the destination, and an order waiting for
parts (``pending_parts``) with nothing else on its way resumes, moved by the tenant's system user."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.exceptions import InvalidInput, NotFound
from anxin.pagination import Page, paginate
from anxin.parts import catalog, scope, stock, warehouses
from anxin.parts.exceptions import InsufficientStock, TransferState
from anxin.parts.models import Part, PartLine, PartTransfer, Warehouse
from anxin.parts.vocabulary import TRANSFER_STATUS_NAMES, zh
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

# How long a transfer from a warehouse of each level usually takes, when the request names no arrival.
LEAD_HOURS = {"central": 72, "regional": 48, "outlet": 24, "van": 4}


def expected_from(source: Warehouse, now: datetime) -> datetime:
    return now + timedelta(hours=LEAD_HOURS.get(source.level, 48))


def get_seen(db: Session, *, user: User, id: int, lock: bool = False) -> PartTransfer:
    """A transfer from or to a warehouse ``user`` sees; any other is 404."""
    seen_ids = select(Warehouse.id).where(scope.seen(user))
    query = select(PartTransfer).where(
        PartTransfer.id == id,
        PartTransfer.tenant_id == user.tenant_id,
        or_(PartTransfer.from_warehouse_id.in_(seen_ids), PartTransfer.to_warehouse_id.in_(seen_ids)),
    )
    if lock:
        query = query.with_for_update()
    transfer = db.scalar(query)
    if transfer is None:
        raise NotFound("transfer", "调拨单")
    return transfer


def list_for(
    db: Session,
    *,
    user: User,
    page: int,
    page_size: int,
    status: str | None = None,
    warehouse_id: int | None = None,
    work_order_id: int | None = None,
) -> Page[PartTransfer]:
    seen_ids = select(Warehouse.id).where(scope.seen(user))
    query = select(PartTransfer).where(
        PartTransfer.tenant_id == user.tenant_id,
        or_(PartTransfer.from_warehouse_id.in_(seen_ids), PartTransfer.to_warehouse_id.in_(seen_ids)),
    )
    if status:
        query = query.where(PartTransfer.status == status)
    if warehouse_id is not None:
        query = query.where(
            or_(PartTransfer.from_warehouse_id == warehouse_id, PartTransfer.to_warehouse_id == warehouse_id)
        )
    if work_order_id is not None:
        query = query.where(PartTransfer.work_order_id == work_order_id)
    return paginate(db, query.order_by(PartTransfer.id.desc()), page=page, page_size=page_size)


def request(
    db: Session,
    *,
    user: User,
    from_warehouse_id: int,
    to_warehouse_id: int,
    part_id: int,
    quantity: int,
    expected_at: datetime | None = None,
    note: str | None = None,
) -> PartTransfer:
    """Ask for ``quantity`` units to be sent from any warehouse of the tenant to one the caller keeps; the
    units are reserved at the source at once (409 ``insufficient_stock`` when it has not as many available)."""
    source = warehouses.get_in_tenant(db, tenant_id=user.tenant_id, id=from_warehouse_id)
    destination = warehouses.get_seen(db, user=user, id=to_warehouse_id)
    if source.id == destination.id:
        raise InvalidInput("to_warehouse_id", "调出和调入仓库不能相同", "the two warehouses are the same")
    warehouses.check_moves(db, user=user, warehouse=destination)
    part = catalog.get(db, tenant_id=user.tenant_id, id=part_id)
    now = clock.now()
    if expected_at is not None and expected_at <= now:
        raise InvalidInput(
            "expected_at", "预计到货时间须晚于现在", "the expected arrival is not in the future"
        )
    transfer = PartTransfer(
        tenant_id=user.tenant_id,
        part_id=part.id,
        quantity=quantity,
        from_warehouse_id=source.id,
        to_warehouse_id=destination.id,
        status="requested",
        expected_at=expected_at or expected_from(source, now),
        note=note,
        requested_by_id=user.id,
        requested_at=now,
    )
    db.add(transfer)
    db.flush()
    taken = stock.reserve(
        db,
        tenant_id=user.tenant_id,
        warehouse_id=source.id,
        part_id=part.id,
        quantity=quantity,
        transfer_id=transfer.id,
        actor_id=user.id,
    )
    if not taken:
        available = stock.available(db, warehouse_id=source.id, part_id=part.id)
        raise InsufficientStock(part=part.name, quantity=quantity, available=available)
    return transfer


def open_for_order(
    db: Session,
    *,
    order: WorkOrder,
    part: Part,
    quantity: int,
    source: Warehouse,
    destination: Warehouse,
    actor: User,
) -> PartTransfer:
    """The transfer an order's reservation at ``source`` travels on (the units are reserved already)."""
    now = clock.now()
    transfer = PartTransfer(
        tenant_id=order.tenant_id,
        part_id=part.id,
        quantity=quantity,
        from_warehouse_id=source.id,
        to_warehouse_id=destination.id,
        status="requested",
        work_order_id=order.id,
        expected_at=expected_from(source, now),
        note=f"工单 {order.number} 用料",
        requested_by_id=actor.id,
        requested_at=now,
    )
    db.add(transfer)
    db.flush()
    return transfer


def _refuse(transfer: PartTransfer, action: str, action_zh: str) -> TransferState:
    return TransferState(
        current=transfer.status,
        current_zh=zh(TRANSFER_STATUS_NAMES, transfer.status),
        action=action,
        action_zh=action_zh,
    )


def ship(
    db: Session,
    *,
    user: User,
    transfer: PartTransfer,
    courier_no: str | None = None,
    expected_at: datetime | None = None,
) -> PartTransfer:
    """The units leave the source (the caller keeps it); the reservation there becomes a shipment."""
    source = db.get(Warehouse, transfer.from_warehouse_id)
    warehouses.check_moves(db, user=user, warehouse=source)
    if transfer.status != "requested":
        raise _refuse(transfer, "ship", "发货")
    now = clock.now()
    if expected_at is not None and expected_at <= now:
        raise InvalidInput(
            "expected_at", "预计到货时间须晚于现在", "the expected arrival is not in the future"
        )
    stock.consume(
        db,
        tenant_id=transfer.tenant_id,
        warehouse_id=transfer.from_warehouse_id,
        part_id=transfer.part_id,
        quantity=transfer.quantity,
        kind="transfer_out",
        transfer_id=transfer.id,
        work_order_id=transfer.work_order_id,
        actor_id=user.id,
    )
    transfer.status, transfer.shipped_at = "shipped", now
    transfer.courier_no = courier_no or transfer.courier_no
    if expected_at is not None:
        transfer.expected_at = expected_at
    db.flush()
    return transfer


def receive(db: Session, *, user: User, transfer: PartTransfer) -> PartTransfer:
    """The units arrive at the destination (the caller keeps it). An order's reservation comes with them,
    and the order resumes when it was waiting for parts and nothing else of it is on its way."""
    destination = db.get(Warehouse, transfer.to_warehouse_id)
    warehouses.check_moves(db, user=user, warehouse=destination)
    if transfer.status != "shipped":
        raise _refuse(transfer, "receive", "收货")
    why = {"transfer_id": transfer.id, "work_order_id": transfer.work_order_id, "actor_id": user.id}
    stock.put(
        db,
        tenant_id=transfer.tenant_id,
        warehouse_id=destination.id,
        part_id=transfer.part_id,
        quantity=transfer.quantity,
        kind="transfer_in",
        **why,
    )
    transfer.status, transfer.received_at = "received", clock.now()
    line = db.scalar(
        select(PartLine).where(PartLine.transfer_id == transfer.id, PartLine.status == "awaiting_transfer")
    )
    if line is not None:
        held = stock.reserve(
            db,
            tenant_id=transfer.tenant_id,
            warehouse_id=destination.id,
            part_id=transfer.part_id,
            quantity=line.quantity - line.consumed,
            **why,
        )
        if not held:  # the units were put there in this same transaction: nobody else can have them
            raise stock.StockInvariant(f"transfer {transfer.id} arrived but cannot be reserved")
        line.status, line.warehouse_id = "reserved", destination.id
    db.flush()
    if line is not None:
        _resume_when_ready(db, order_id=line.work_order_id, transfer=transfer)
    return transfer


def _resume_when_ready(db: Session, *, order_id: int, transfer: PartTransfer) -> None:
    order = db.get(WorkOrder, order_id)
    if order is None or order.status != Status.PENDING_PARTS:
        return
    still_coming = db.scalar(
        select(PartLine.id).where(PartLine.work_order_id == order.id, PartLine.status == "awaiting_transfer")
    )
    if still_coming is not None:
        return
    system = auth_service.system_user(db, tenant_id=order.tenant_id)
    note = f"配件已到货（调拨单 {transfer.id}），工单恢复"
    actions.perform(
        db,
        order=order,
        action="resume",
        actor=system,
        ctx=actions.Context(note=note),
        payload={"transfer_id": transfer.id},
    )


def cancel(db: Session, *, transfer: PartTransfer, actor: User, reason: str) -> None:
    """Withdraw a transfer that has not shipped: the source's units are free again."""
    if transfer.status != "requested":
        raise _refuse(transfer, "cancel", "取消")
    stock.unreserve(
        db,
        tenant_id=transfer.tenant_id,
        warehouse_id=transfer.from_warehouse_id,
        part_id=transfer.part_id,
        quantity=transfer.quantity,
        transfer_id=transfer.id,
        work_order_id=transfer.work_order_id,
        actor_id=actor.id,
        note=reason[:200],
    )
    transfer.status, transfer.cancelled_at = "cancelled", clock.now()
    transfer.note = (f"{transfer.note or ''} · 取消：{reason}")[:200]


def waiting_for(db: Session, *, order_id: int) -> list[PartTransfer]:
    """The transfers an order waits for (those carrying a reservation of its that has not arrived)."""
    return list(
        db.scalars(
            select(PartTransfer)
            .join(
                PartLine,
                and_(PartLine.transfer_id == PartTransfer.id, PartLine.status == "awaiting_transfer"),
            )
            .where(PartLine.work_order_id == order_id)
            .order_by(PartTransfer.expected_at)
        )
    )
