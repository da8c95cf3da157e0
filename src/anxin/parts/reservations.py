"""The parts of an order: reserve them (the technician's van first, then the outlet's store, then the
regional warehouse, which sends them on a transfer), fit them with their serial or lot numbers (the old
part held for the factory when it must go back), release them; and, as reactions to the order's events
(``handlers.py``), consume what is still reserved when the order is completed and release it all when the
order is cancelled.

Each function is one unit: it checks everything it can before it writes, and a refusal after a write
(the stock gone meanwhile) raises, so the caller's transaction rolls back and nothing is half-written."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import InvalidInput, NotFound
from anxin.parts import catalog, stock, transfers, warehouses
from anxin.parts.exceptions import (
    ExceedsReserved,
    IncompatiblePart,
    InsufficientStock,
    LineClosed,
    PartNotArrived,
    PartsNotNow,
)
from anxin.parts.models import PartFitting, PartLine, PartReturn, PartTransfer
from anxin.parts.vocabulary import LINE_STATUS_NAMES, zh
from anxin.work_order.exceptions import NotYourOrder
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

S = Status
# When an order's parts may be reserved: from the technician's diagnosis on site until the work is done.
RESERVABLE = frozenset({S.ON_SITE, S.QUOTED, S.QUOTE_APPROVED, S.IN_PROGRESS, S.PENDING_PARTS, S.CARRIED_IN})
# When they may be fitted: while the work is going on (on site or in the workshop).
FITTABLE = frozenset({S.IN_PROGRESS, S.CARRIED_IN})
OPEN_LINES = ("reserved", "awaiting_transfer")
ON_HAND_LEVELS = ("van", "outlet")
STATE_ZH = {
    "created": "新建",
    "accepted": "已受理",
    "assigned": "已派工",
    "acknowledged": "已接单",
    "en_route": "在途",
    "completed": "已完工",
    "followed_up": "已回访",
    "closed": "已关闭",
    "resolved_remote": "远程解决",
    "cancelled": "已取消",
    "on_site": "已到达",
    "quoted": "已报价",
    "quote_approved": "报价已确认",
    "in_progress": "维修中",
    "pending_parts": "等待配件",
    "carried_in": "送修中",
}


def _not_now(order: WorkOrder, what: str, what_en: str) -> PartsNotNow:
    current = STATE_ZH.get(order.status, order.status)
    return PartsNotNow(current=current, what=what, what_en=what_en, current_code=order.status)


def _check_actor(order: WorkOrder, actor: User) -> None:
    """Of the technicians, only the order's own may use its parts."""
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise NotYourOrder()


def models_of(db: Session, order: WorkOrder) -> list[int]:
    """The product models of every appliance the order covers."""
    ids = [link.appliance_id for link in order.appliances] or [order.appliance_id]
    return list(db.scalars(select(Appliance.product_model_id).where(Appliance.id.in_(ids))))


def get_line(db: Session, *, order: WorkOrder, id: int, lock: bool = False) -> PartLine:
    query = select(PartLine).where(PartLine.id == id, PartLine.work_order_id == order.id)
    if lock:
        query = query.with_for_update()
    line = db.scalar(query)
    if line is None:
        raise NotFound("part line", "配件记录")
    return line


def lines_of(db: Session, *, order_id: int) -> list[PartLine]:
    return list(db.scalars(select(PartLine).where(PartLine.work_order_id == order_id).order_by(PartLine.id)))


def reserve(db: Session, *, order: WorkOrder, actor: User, part_id: int, quantity: int) -> PartLine:
    """Reserve ``quantity`` of the part for the order where it is found first: the technician's van, the
    outlet's store, the regional warehouse (which sends it to the van on a transfer the order then waits
    for). 422 ``incompatible_part`` when it fits none of the order's appliances, 409 ``insufficient_stock``
    when none of them has as many available."""
    _check_actor(order, actor)
    if order.status not in RESERVABLE:
        raise _not_now(order, "预留配件", "reserve parts")
    if quantity <= 0:
        raise InvalidInput("quantity", "数量须为正整数", "the quantity must be positive")
    part = catalog.get(db, tenant_id=order.tenant_id, id=part_id)
    if not catalog.fits_any(db, part=part, product_model_ids=models_of(db, order)):
        raise IncompatiblePart(part=part.name)
    chain = warehouses.sources(
        db, tenant_id=order.tenant_id, technician_id=order.technician_id, outlet_id=order.outlet_id
    )
    source = next(
        (
            warehouse
            for warehouse in chain
            if stock.reserve(
                db,
                tenant_id=order.tenant_id,
                warehouse_id=warehouse.id,
                part_id=part.id,
                quantity=quantity,
                work_order_id=order.id,
                actor_id=actor.id,
            )
        ),
        None,
    )
    if source is None:
        available = sum(stock.available(db, warehouse_id=w.id, part_id=part.id) for w in chain)
        raise InsufficientStock(part=part.name, quantity=quantity, available=available)
    destination = next((w for w in chain if w.level in ON_HAND_LEVELS), None)
    travels = source.level not in ON_HAND_LEVELS and destination is not None
    line = PartLine(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        part_id=part.id,
        warehouse_id=source.id,
        quantity=quantity,
        consumed=0,
        status="awaiting_transfer" if travels else "reserved",
        via_transfer=travels,
        unit_price_fen=part.list_price_fen,
        reserved_by_id=actor.id,
        created_at=clock.now(),
    )
    db.add(line)
    db.flush()
    if travels:
        transfer = transfers.open_for_order(
            db, order=order, part=part, quantity=quantity, source=source, destination=destination, actor=actor
        )
        line.transfer_id = transfer.id
        db.flush()
    return line


def fit(
    db: Session,
    *,
    order: WorkOrder,
    line: PartLine,
    actor: User,
    quantity: int,
    serial_numbers: Sequence[str] = (),
    lot_number: str | None = None,
    removed_serial_numbers: Sequence[str] = (),
    return_old: bool | None = None,
) -> PartLine:
    """Record ``quantity`` units of a reserved line as fitted, each with its serial number or all with one
    lot number, and take them out of stock. The parts taken out are held for the factory (as defective
    stock where the line's technician keeps them) when the part must go back (``return_required``) or
    ``return_old`` says so. Fitting more than is reserved and not yet fitted is refused (409
    ``exceeds_reserved``)."""
    _check_actor(order, actor)
    if order.status not in FITTABLE:
        raise _not_now(order, "登记使用配件", "fit parts")
    if line.status == "awaiting_transfer":
        raise PartNotArrived()
    if line.status != "reserved":
        raise LineClosed(status=line.status, status_zh=zh(LINE_STATUS_NAMES, line.status))
    left = line.quantity - line.consumed
    if quantity > left:
        raise ExceedsReserved(quantity=quantity, left=left)
    serials = [s.strip() for s in serial_numbers if s.strip()]
    removed = [s.strip() for s in removed_serial_numbers if s.strip()]
    lot = (lot_number or "").strip() or None
    if serials and len(serials) != quantity:
        raise InvalidInput(
            "serial_numbers", "序列号数量须与使用数量一致", "give one serial number per unit fitted"
        )
    if not serials and lot is None:
        raise InvalidInput(
            "serial_numbers",
            "须登记每件配件的序列号，或整批的批次号",
            "give each unit's serial number or the lot number",
        )
    if len(set(serials)) != len(serials):
        raise InvalidInput("serial_numbers", "序列号重复", "a serial number is given twice")
    if len(removed) > quantity:
        raise InvalidInput(
            "removed_serial_numbers", "旧件序列号多于更换数量", "more old serial numbers than units fitted"
        )
    part = catalog.get(db, tenant_id=order.tenant_id, id=line.part_id)
    now = clock.now()
    stock.consume(
        db,
        tenant_id=order.tenant_id,
        warehouse_id=line.warehouse_id,
        part_id=line.part_id,
        quantity=quantity,
        work_order_id=order.id,
        actor_id=actor.id,
    )
    line.consumed += quantity
    if line.consumed == line.quantity:
        line.status, line.consumed_at = "consumed", now
    units = quantity if serials or removed else 1
    fittings = [
        PartFitting(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            line_id=line.id,
            part_id=line.part_id,
            quantity=1 if units == quantity else quantity,
            serial_number=serials[i] if serials else None,
            lot_number=lot,
            removed_serial_number=removed[i] if i < len(removed) else None,
            fitted_by_id=actor.id,
            fitted_at=now,
        )
        for i in range(units)
    ]
    db.add_all(fittings)
    db.flush()
    if part.return_required if return_old is None else return_old:
        _hold_old_parts(db, order=order, line=line, fittings=fittings, actor=actor)
    return line


def _hold_old_parts(
    db: Session, *, order: WorkOrder, line: PartLine, fittings: list[PartFitting], actor: User
) -> None:
    """Each part taken out waits for the factory as defective stock in the technician's van (else where
    the new one came from)."""
    van = warehouses.van_of(db, tenant_id=order.tenant_id, technician_id=order.technician_id)
    keeper = van.id if van is not None else line.warehouse_id
    for fitting in fittings:
        for _ in range(fitting.quantity):
            old = PartReturn(
                tenant_id=order.tenant_id,
                work_order_id=order.id,
                fitting_id=fitting.id,
                part_id=line.part_id,
                warehouse_id=keeper,
                serial_number=fitting.removed_serial_number,
                status="held",
                created_at=clock.now(),
            )
            db.add(old)
            db.flush()
            stock.put(
                db,
                tenant_id=order.tenant_id,
                warehouse_id=keeper,
                part_id=line.part_id,
                quantity=1,
                condition="defective",
                kind="return_in",
                work_order_id=order.id,
                return_id=old.id,
                actor_id=actor.id,
            )


def release(db: Session, *, order: WorkOrder, line: PartLine, actor: User, reason: str) -> PartLine:
    """Give back what the line still holds (a part not needed after all); its transfer, if it has not
    shipped, is withdrawn."""
    _check_actor(order, actor)
    if line.status not in OPEN_LINES:
        raise LineClosed(status=line.status, status_zh=zh(LINE_STATUS_NAMES, line.status))
    _release(db, line=line, actor=actor, reason=reason)
    return line


def _release(db: Session, *, line: PartLine, actor: User, reason: str) -> None:
    if line.status == "reserved":
        stock.unreserve(
            db,
            tenant_id=line.tenant_id,
            warehouse_id=line.warehouse_id,
            part_id=line.part_id,
            quantity=line.quantity - line.consumed,
            work_order_id=line.work_order_id,
            actor_id=actor.id,
            note=reason[:200],
        )
    elif line.status == "awaiting_transfer" and line.transfer_id is not None:
        transfer = db.get(PartTransfer, line.transfer_id)
        if transfer is not None and transfer.status == "requested":
            transfers.cancel(db, transfer=transfer, actor=actor, reason=reason)
        # shipped already: it arrives as ordinary stock of its destination, for no order
    line.status, line.released_at, line.release_reason = "released", clock.now(), reason[:200]
    db.flush()


def consume_open(db: Session, *, order: WorkOrder, actor: User) -> None:
    """On completion: what is still reserved for the order was used (taken out of stock); what never
    arrived is given back."""
    now = clock.now()
    for line in lines_of(db, order_id=order.id):
        if line.status == "reserved":
            left = line.quantity - line.consumed
            stock.consume(
                db,
                tenant_id=order.tenant_id,
                warehouse_id=line.warehouse_id,
                part_id=line.part_id,
                quantity=left,
                work_order_id=order.id,
                actor_id=actor.id,
                note="完工领用",
            )
            line.consumed, line.status, line.consumed_at = line.quantity, "consumed", now
        elif line.status == "awaiting_transfer":
            _release(db, line=line, actor=actor, reason="工单已完工，配件未到")
    db.flush()


def release_open(db: Session, *, order: WorkOrder, actor: User, reason: str) -> None:
    """On cancellation: everything still reserved for the order is given back."""
    for line in lines_of(db, order_id=order.id):
        if line.status in OPEN_LINES:
            _release(db, line=line, actor=actor, reason=reason)
