"""Warehouses and the stock in them, as each caller may see them (``scope.py``): lists, the warehouses an
order's reservation looks through, receipts and reorder points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.database import DuplicateKey, duplicate_keys
from anxin.exceptions import InvalidInput, NotFound
from anxin.pagination import Page
from anxin.parts import catalog, scope, stock
from anxin.parts.exceptions import CodeTaken, NotYourWarehouse
from anxin.parts.models import Part, PartStock, Warehouse
from anxin.technician.models import Outlet, Technician

# Where a level is normally supplied from.
PARENT_LEVEL = {"van": "outlet", "outlet": "regional", "regional": "central", "central": None}


def get_seen(db: Session, *, user: User, id: int) -> Warehouse:
    """A warehouse ``user`` sees; any other, another tenant's included, is 404."""
    warehouse = db.scalar(select(Warehouse).where(Warehouse.id == id, scope.seen(user)))
    if warehouse is None:
        raise NotFound("warehouse", "仓库")
    return warehouse


def get_in_tenant(db: Session, *, tenant_id: int, id: int) -> Warehouse:
    """Any warehouse of the tenant (where a transfer may be asked from); another tenant's is 404."""
    warehouse = db.get(Warehouse, id)
    if warehouse is None or warehouse.tenant_id != tenant_id:
        raise NotFound("warehouse", "仓库")
    return warehouse


def check_moves(db: Session, *, user: User, warehouse: Warehouse) -> None:
    """Refuse (403) a warehouse ``user`` sees but may not move stock in."""
    outlet_of_van = None
    if warehouse.technician_id is not None:
        outlet_of_van = db.scalar(
            select(Technician.outlet_id).where(Technician.id == warehouse.technician_id)
        )
    if not scope.moves(user, warehouse, outlet_of_van=outlet_of_van):
        raise NotYourWarehouse()


def list_for(db: Session, *, user: User, level: str | None = None) -> list[Warehouse]:
    query = select(Warehouse).where(scope.seen(user))
    if level:
        query = query.where(Warehouse.level == level)
    return list(db.scalars(query.order_by(Warehouse.code, Warehouse.id)))


def create(
    db: Session,
    *,
    tenant_id: int,
    code: str,
    name: str,
    level: str,
    parent_id: int | None = None,
    outlet_id: int | None = None,
    technician_id: int | None = None,
) -> Warehouse:
    """A warehouse of the tenant: an outlet's store names its outlet, a van its technician; each reference
    must be the tenant's (404 otherwise)."""
    if level == "outlet" and outlet_id is None:
        raise InvalidInput("outlet_id", "网点库须指定网点", "an outlet's store names its outlet")
    if level == "van" and technician_id is None:
        raise InvalidInput("technician_id", "车载库须指定工程师", "a van names its technician")
    if parent_id is not None:
        parent = db.get(Warehouse, parent_id)
        if parent is None or parent.tenant_id != tenant_id:
            raise NotFound("warehouse", "仓库")
    if outlet_id is not None:
        outlet = db.get(Outlet, outlet_id)
        if outlet is None or outlet.tenant_id != tenant_id:
            raise NotFound("outlet", "网点")
    if technician_id is not None:
        technician = db.get(Technician, technician_id)
        if technician is None or technician.tenant_id != tenant_id:
            raise NotFound("technician", "工程师")
    if db.scalar(select(Warehouse.id).where(Warehouse.tenant_id == tenant_id, Warehouse.code == code)):
        raise CodeTaken(code=code)
    warehouse = Warehouse(
        tenant_id=tenant_id,
        code=code,
        name=name,
        level=level,
        parent_id=parent_id,
        outlet_id=outlet_id if level != "van" else None,
        technician_id=technician_id if level == "van" else None,
    )
    try:
        with duplicate_keys(db):
            db.add(warehouse)
            db.flush()
    except DuplicateKey:
        raise CodeTaken(code=code) from None
    return warehouse


def van_of(db: Session, *, tenant_id: int, technician_id: int | None) -> Warehouse | None:
    if technician_id is None:
        return None
    return db.scalar(
        select(Warehouse)
        .where(
            Warehouse.tenant_id == tenant_id,
            Warehouse.level == "van",
            Warehouse.technician_id == technician_id,
        )
        .order_by(Warehouse.id)
        .limit(1)
    )


def store_of(db: Session, *, tenant_id: int, outlet_id: int | None) -> Warehouse | None:
    if outlet_id is None:
        return None
    return db.scalar(
        select(Warehouse)
        .where(
            Warehouse.tenant_id == tenant_id, Warehouse.level == "outlet", Warehouse.outlet_id == outlet_id
        )
        .order_by(Warehouse.id)
        .limit(1)
    )


def sources(
    db: Session, *, tenant_id: int, technician_id: int | None, outlet_id: int | None
) -> list[Warehouse]:
    """Where an order's parts are looked for, in order: the technician's van, then the outlet's store (the
    technician's outlet, else the order's), then the regional warehouse that supplies it (its parent, else
    each regional warehouse of the tenant)."""
    van = van_of(db, tenant_id=tenant_id, technician_id=technician_id)
    technician_outlet = None
    if technician_id is not None:
        technician_outlet = db.scalar(select(Technician.outlet_id).where(Technician.id == technician_id))
    store = store_of(db, tenant_id=tenant_id, outlet_id=technician_outlet or outlet_id)
    if store is None and van is not None and van.parent_id is not None:
        store = db.get(Warehouse, van.parent_id)
        store = store if store is not None and store.level == "outlet" else None
    regional: list[Warehouse] = []
    if store is not None and store.parent_id is not None:
        parent = db.get(Warehouse, store.parent_id)
        if parent is not None and parent.level == "regional":
            regional = [parent]
    if not regional:
        regional = list(
            db.scalars(
                select(Warehouse)
                .where(Warehouse.tenant_id == tenant_id, Warehouse.level == "regional")
                .order_by(Warehouse.id)
            )
        )
    return [w for w in (van, store, *regional) if w is not None]


@dataclass
class StockRow:
    """One stock row as the API and the pages show it."""

    id: int
    warehouse_id: int
    warehouse_code: str
    warehouse_name: str
    level: str
    part_id: int
    part_code: str
    part_name: str
    condition: str
    on_hand: int
    reserved: int
    reorder_point: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def below_reorder_point(self) -> bool:
        return self.condition == "good" and self.reorder_point > 0 and self.available <= self.reorder_point


def _stock_query(user: User):
    return (
        select(
            PartStock.id,
            PartStock.warehouse_id,
            Warehouse.code,
            Warehouse.name,
            Warehouse.level,
            PartStock.part_id,
            Part.code,
            Part.name,
            PartStock.condition,
            PartStock.on_hand,
            PartStock.reserved,
            PartStock.reorder_point,
        )
        .join(Warehouse, Warehouse.id == PartStock.warehouse_id)
        .join(Part, Part.id == PartStock.part_id)
        .where(PartStock.tenant_id == user.tenant_id, scope.seen(user))
    )


def stock_rows(
    db: Session,
    *,
    user: User,
    page: int,
    page_size: int,
    part_id: int | None = None,
    warehouse_id: int | None = None,
    level: str | None = None,
    condition: str | None = None,
    below_reorder_point: bool = False,
) -> Page[StockRow]:
    """The stock rows ``user`` sees, by warehouse level (centre first) and code; ``below_reorder_point``
    keeps the alerts: good stock whose available is at or under its reorder point."""
    query = _stock_query(user)
    if part_id is not None:
        query = query.where(PartStock.part_id == part_id)
    if warehouse_id is not None:
        query = query.where(PartStock.warehouse_id == warehouse_id)
    if level:
        query = query.where(Warehouse.level == level)
    if condition:
        query = query.where(PartStock.condition == condition)
    if below_reorder_point:
        query = query.where(
            PartStock.condition == "good",
            PartStock.reorder_point > 0,
            PartStock.on_hand - PartStock.reserved <= PartStock.reorder_point,
        )
    level_rank = {"central": 0, "regional": 1, "outlet": 2, "van": 3}
    ordered = query.order_by(
        case(level_rank, value=Warehouse.level), Warehouse.code, Part.code, PartStock.condition
    )
    offset = (page - 1) * page_size
    rows = [StockRow(*row) for row in db.execute(ordered.limit(page_size).offset(offset))]
    if page == 1 and len(rows) < page_size:
        total = len(rows)
    else:
        total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Page(items=rows, total=total, page=page, page_size=page_size)


def stock_row(
    db: Session, *, user: User, warehouse_id: int, part_id: int, condition: str = "good"
) -> StockRow:
    query = _stock_query(user).where(
        PartStock.warehouse_id == warehouse_id, PartStock.part_id == part_id, PartStock.condition == condition
    )
    row = db.execute(query).first()
    if row is None:
        raise NotFound("stock", "库存")
    return StockRow(*row)


def receive(
    db: Session,
    *,
    user: User,
    warehouse_id: int,
    part_id: int,
    quantity: int,
    condition: str = "good",
    note: str | None = None,
) -> StockRow:
    """Goods in: ``quantity`` units of the part into the warehouse's stock (from the factory or a supplier)."""
    warehouse = get_seen(db, user=user, id=warehouse_id)
    check_moves(db, user=user, warehouse=warehouse)
    part = catalog.get(db, tenant_id=user.tenant_id, id=part_id)
    stock.put(
        db,
        tenant_id=user.tenant_id,
        warehouse_id=warehouse.id,
        part_id=part.id,
        quantity=quantity,
        condition=condition,
        actor_id=user.id,
        note=note,
    )
    return stock_row(db, user=user, warehouse_id=warehouse.id, part_id=part.id, condition=condition)


def set_reorder_point(
    db: Session, *, user: User, warehouse_id: int, part_id: int, reorder_point: int
) -> StockRow:
    warehouse = get_seen(db, user=user, id=warehouse_id)
    check_moves(db, user=user, warehouse=warehouse)
    part = catalog.get(db, tenant_id=user.tenant_id, id=part_id)
    stock.set_reorder_point(
        db, tenant_id=user.tenant_id, warehouse_id=warehouse.id, part_id=part.id, reorder_point=reorder_point
    )
    return stock_row(db, user=user, warehouse_id=warehouse.id, part_id=part.id)


def names(db: Session, *, ids: Sequence[int]) -> dict[int, Warehouse]:
    if not ids:
        return {}
    return {w.id: w for w in db.scalars(select(Warehouse).where(Warehouse.id.in_(list(set(ids)))))}
