"""Old parts back to the factory (旧件返厂): held as defective stock where they were taken out, sent with a
courier number and who pays the postage, received at the factory."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.exceptions import NotFound
from anxin.pagination import Page, paginate
from anxin.parts import scope, stock, warehouses
from anxin.parts.exceptions import ReturnState
from anxin.parts.models import PartReturn, Warehouse
from anxin.parts.vocabulary import RETURN_STATUS_NAMES, zh


def get_seen(db: Session, *, user: User, id: int) -> PartReturn:
    """An old part held in, or sent from, a warehouse ``user`` sees; any other is 404."""
    seen_ids = select(Warehouse.id).where(scope.seen(user))
    found = db.scalar(
        select(PartReturn).where(
            PartReturn.id == id, PartReturn.tenant_id == user.tenant_id, PartReturn.warehouse_id.in_(seen_ids)
        )
    )
    if found is None:
        raise NotFound("part return", "旧件")
    return found


def list_for(
    db: Session,
    *,
    user: User,
    page: int,
    page_size: int,
    status: str | None = None,
    work_order_id: int | None = None,
) -> Page[PartReturn]:
    seen_ids = select(Warehouse.id).where(scope.seen(user))
    query = select(PartReturn).where(
        PartReturn.tenant_id == user.tenant_id, PartReturn.warehouse_id.in_(seen_ids)
    )
    if status:
        query = query.where(PartReturn.status == status)
    if work_order_id is not None:
        query = query.where(PartReturn.work_order_id == work_order_id)
    return paginate(db, query.order_by(PartReturn.id.desc()), page=page, page_size=page_size)


def for_order(db: Session, *, order_id: int) -> list[PartReturn]:
    return list(
        db.scalars(select(PartReturn).where(PartReturn.work_order_id == order_id).order_by(PartReturn.id))
    )


def _refuse(old: PartReturn, action: str, action_zh: str) -> ReturnState:
    return ReturnState(
        current=old.status, current_zh=zh(RETURN_STATUS_NAMES, old.status), action=action, action_zh=action_zh
    )


def ship(
    db: Session, *, user: User, old: PartReturn, courier_company: str, courier_no: str, postage_paid_by: str
) -> PartReturn:
    """The old part leaves the warehouse that holds it (the caller keeps it) for the factory."""
    keeper = db.get(Warehouse, old.warehouse_id)
    warehouses.check_moves(db, user=user, warehouse=keeper)
    if old.status != "held":
        raise _refuse(old, "ship", "寄出")
    taken = stock.take_free(
        db,
        tenant_id=old.tenant_id,
        warehouse_id=old.warehouse_id,
        part_id=old.part_id,
        quantity=1,
        condition="defective",
        kind="return_out",
        work_order_id=old.work_order_id,
        return_id=old.id,
        actor_id=user.id,
        note=f"{courier_company} {courier_no}"[:200],
    )
    if not taken:
        raise stock.StockInvariant(f"old part {old.id} is not in the defective stock of its warehouse")
    old.status, old.shipped_at, old.shipped_by_id = "in_transit", clock.now(), user.id
    old.courier_company, old.courier_no, old.postage_paid_by = courier_company, courier_no, postage_paid_by
    db.flush()
    return old


def receive(db: Session, *, user: User, old: PartReturn) -> PartReturn:
    """The factory has the old part."""
    if old.status != "in_transit":
        raise _refuse(old, "receive", "确认到厂")
    old.status, old.received_at = "at_factory", clock.now()
    db.flush()
    return old
