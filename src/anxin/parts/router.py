"""The parts API: the catalog, warehouses and stock, an order's parts (reserve, fit, release, the trail),
transfers between warehouses and old parts back to the factory.

Who may call what is the permission table's (``Action.PARTS_*``); which warehouses each caller sees and
moves is ``scope.py``'s; which orders, ``CurrentWorkOrder``'s (404 for an order the caller may not see).

Every route that changes stock answers with ``json_response``: serialised in its own worker thread, so a
request holding a stock row's lock never waits for a thread while those queued behind the lock hold them
all (16 clients racing for one part with 8 server threads did exactly that before)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.parts import catalog, reservations, returns, trail, transfers, warehouses
from anxin.parts.models import Part
from anxin.parts.schemas import (
    Condition,
    FitBody,
    Level,
    OrderPartsRead,
    PartCreate,
    PartLineRead,
    PartRead,
    ReceiptBody,
    ReleaseBody,
    ReorderPointBody,
    ReserveBody,
    ReturnRead,
    ReturnShipBody,
    StockRead,
    TransferCreate,
    TransferRead,
    TransferShipBody,
    WarehouseCreate,
    WarehouseRead,
)
from anxin.routing import errors, json_response
from anxin.work_order.api import CurrentWorkOrder

router = APIRouter(tags=["parts"])

Reader = Annotated[User, Depends(allowed(Action.PARTS_READ))]
CatalogAdmin = Annotated[User, Depends(allowed(Action.PARTS_CATALOG_MANAGE))]
StockReader = Annotated[User, Depends(allowed(Action.PARTS_STOCK_READ))]
StockKeeper = Annotated[User, Depends(allowed(Action.PARTS_STOCK_MANAGE))]
OrderReader = Annotated[User, Depends(allowed(Action.PARTS_ORDER_READ))]
Fitter = Annotated[User, Depends(allowed(Action.PARTS_USE))]
Mover = Annotated[User, Depends(allowed(Action.PARTS_TRANSFER))]
Short = Annotated[str | None, Query(max_length=40)]


def _part(db: DbSession, part: Part, models: list[int] | None = None) -> PartRead:
    result = PartRead.model_validate(part)
    result.product_model_ids = models if models is not None else catalog.fits(db, part_ids=[part.id])[part.id]
    return result


# --- the catalog -------------------------------------------------------------------------------------


@router.get("/api/v1/parts", response_model=PageRead[PartRead])
def list_parts(
    db: DbSession,
    user: Reader,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    product_model_id: Id | None = None,
    category: Short = None,
    q: Annotated[str | None, Query(max_length=60)] = None,
):
    """The tenant's parts at list price, with the models each fits; ``product_model_id`` keeps those that
    fit that model (its own and the materials any model takes)."""
    found = catalog.list_parts(
        db,
        tenant_id=user.tenant_id,
        page=page,
        page_size=page_size,
        product_model_id=product_model_id,
        category=category,
        q=q,
    )
    models = catalog.fits(db, part_ids=[p.id for p in found.items])
    items = [_part(db, p, models[p.id]) for p in found.items]
    return PageRead[PartRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.post("/api/v1/parts", response_model=PartRead, status_code=201)
def create_part(body: PartCreate, db: DbSession, user: CatalogAdmin):
    """A new part and the product models it fits (409 ``code_taken`` for a code in use)."""
    part = catalog.create(db, tenant_id=user.tenant_id, **body.model_dump())
    return json_response(_part(db, part), status_code=201)


# --- warehouses and stock ----------------------------------------------------------------------------


@router.get("/api/v1/warehouses", response_model=list[WarehouseRead])
def list_warehouses(db: DbSession, user: StockReader, level: Level | None = None):
    """The warehouses the caller sees: the tenant's for admins and dispatchers, the outlet's store and its
    vans for its manager, their van and their outlet's store for a technician."""
    return warehouses.list_for(db, user=user, level=level)


@router.post("/api/v1/warehouses", response_model=WarehouseRead, status_code=201)
def create_warehouse(body: WarehouseCreate, db: DbSession, user: CatalogAdmin):
    warehouse = warehouses.create(db, tenant_id=user.tenant_id, **body.model_dump())
    return json_response(WarehouseRead.model_validate(warehouse), status_code=201)


@router.get("/api/v1/stock", response_model=PageRead[StockRead])
def list_stock(
    db: DbSession,
    user: StockReader,
    page: PageNumber = 1,
    page_size: PageSize = 100,
    part_id: Id | None = None,
    warehouse_id: Id | None = None,
    level: Level | None = None,
    condition: Condition | None = None,
    below_reorder_point: bool = False,
):
    """Stock per part and warehouse (``on_hand``, ``reserved``, ``available``), good and defective apart,
    in the warehouses the caller sees; ``below_reorder_point=true`` lists the alerts."""
    found = warehouses.stock_rows(
        db,
        user=user,
        page=page,
        page_size=page_size,
        part_id=part_id,
        warehouse_id=warehouse_id,
        level=level,
        condition=condition,
        below_reorder_point=below_reorder_point,
    )
    items = [StockRead.model_validate(row) for row in found.items]
    return PageRead[StockRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.post("/api/v1/stock/receipts", response_model=StockRead, status_code=201)
def receive_stock(body: ReceiptBody, db: DbSession, user: StockKeeper):
    """Goods in from the factory or a supplier."""
    row = warehouses.receive(db, user=user, **body.model_dump())
    return json_response(StockRead.model_validate(row), status_code=201)


@router.post("/api/v1/stock/reorder-points", response_model=StockRead)
def set_reorder_point(body: ReorderPointBody, db: DbSession, user: StockKeeper):
    """The level at or under which the warehouse's available stock of the part is an alert."""
    row = warehouses.set_reorder_point(db, user=user, **body.model_dump())
    return json_response(StockRead.model_validate(row))


# --- an order's parts --------------------------------------------------------------------------------


@router.get("/api/v1/work-orders/{order_id}/parts", response_model=OrderPartsRead)
def order_parts(order: CurrentWorkOrder, db: DbSession, user: OrderReader):
    """The order's parts and their whole trail; ``waiting_for`` names the transfers it waits for."""
    return trail.of(db, order=order).read()


def _line(db: DbSession, line, status_code: int = 200) -> Response:  # noqa: ANN001 - the line's row
    """The line as the answer, serialised here: a route that holds a stock row's lock must not wait for a
    second trip through the thread pool to serialise its answer (``routing.json_response``), where the
    requests queued behind that lock may hold every thread."""
    view = trail.line_view(db, line=line)
    return json_response(PartLineRead.model_validate(view.read()), status_code=status_code)


@router.post(
    "/api/v1/work-orders/{order_id}/parts",
    response_model=PartLineRead,
    status_code=201,
    responses=errors(409),
)
def reserve_part(body: ReserveBody, order: CurrentWorkOrder, db: DbSession, user: Fitter):
    """Reserve a part for the order: from the technician's van, else the outlet's store, else the regional
    warehouse, which sends it on a transfer (the line is then ``awaiting_transfer``). 409
    ``insufficient_stock`` when none has enough, 422 ``incompatible_part`` when it fits none of the order's
    appliances."""
    line = reservations.reserve(db, order=order, actor=user, part_id=body.part_id, quantity=body.quantity)
    return _line(db, line, status_code=201)


@router.post("/api/v1/work-orders/{order_id}/parts/{line_id}/fit", response_model=PartLineRead)
def fit_part(line_id: Id, body: FitBody, order: CurrentWorkOrder, db: DbSession, user: Fitter):
    """Fit units of a reserved part, each with its serial number or all with a lot number; they leave the
    stock now. 409 ``exceeds_reserved`` for more than is reserved and not yet fitted."""
    line = reservations.get_line(db, order=order, id=line_id, lock=True)
    reservations.fit(db, order=order, line=line, actor=user, **body.model_dump())
    return _line(db, line)


@router.post("/api/v1/work-orders/{order_id}/parts/{line_id}/release", response_model=PartLineRead)
def release_part(
    line_id: Id, order: CurrentWorkOrder, db: DbSession, user: Fitter, body: ReleaseBody | None = None
):
    """Give back what the line still holds; a transfer not yet shipped for it is withdrawn."""
    line = reservations.get_line(db, order=order, id=line_id, lock=True)
    reservations.release(db, order=order, line=line, actor=user, reason=(body or ReleaseBody()).reason)
    return _line(db, line)


# --- transfers ---------------------------------------------------------------------------------------


@router.get("/api/v1/transfers", response_model=PageRead[TransferRead])
def list_transfers(
    db: DbSession,
    user: StockReader,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    status: Annotated[str | None, Query(pattern="^(requested|shipped|received|cancelled)$")] = None,
    warehouse_id: Id | None = None,
    work_order_id: Id | None = None,
):
    """Transfers from or to the warehouses the caller sees, newest first."""
    found = transfers.list_for(
        db,
        user=user,
        page=page,
        page_size=page_size,
        status=status,
        warehouse_id=warehouse_id,
        work_order_id=work_order_id,
    )
    items = [TransferRead.model_validate(t) for t in found.items]
    return PageRead[TransferRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.post("/api/v1/transfers", response_model=TransferRead, status_code=201)
def request_transfer(body: TransferCreate, db: DbSession, user: Mover):
    """Ask for stock from any warehouse of the tenant into one the caller keeps; it is reserved at the source
    at once (409 ``insufficient_stock``)."""
    transfer = transfers.request(db, user=user, **body.model_dump())
    return json_response(TransferRead.model_validate(transfer), status_code=201)


@router.post("/api/v1/transfers/{transfer_id}/ship", response_model=TransferRead)
def ship_transfer(transfer_id: Id, db: DbSession, user: Mover, body: TransferShipBody | None = None):
    """The units leave the source, which the caller keeps."""
    transfer = transfers.get_seen(db, user=user, id=transfer_id, lock=True)
    fields = (body or TransferShipBody()).model_dump()
    return json_response(
        TransferRead.model_validate(transfers.ship(db, user=user, transfer=transfer, **fields))
    )


@router.post("/api/v1/transfers/{transfer_id}/receive", response_model=TransferRead)
def receive_transfer(transfer_id: Id, db: DbSession, user: Mover):
    """The units arrive at the destination, which the caller keeps; an order waiting for them gets them
    reserved and resumes when nothing else of it is on its way."""
    transfer = transfers.get_seen(db, user=user, id=transfer_id, lock=True)
    return json_response(TransferRead.model_validate(transfers.receive(db, user=user, transfer=transfer)))


# --- old parts back to the factory ---------------------------------------------------------------------


@router.get("/api/v1/part-returns", response_model=PageRead[ReturnRead])
def list_returns(
    db: DbSession,
    user: StockReader,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    status: Annotated[str | None, Query(pattern="^(held|in_transit|at_factory)$")] = None,
    work_order_id: Id | None = None,
):
    found = returns.list_for(
        db, user=user, page=page, page_size=page_size, status=status, work_order_id=work_order_id
    )
    items = [ReturnRead.model_validate(r) for r in found.items]
    return PageRead[ReturnRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.post("/api/v1/part-returns/{return_id}/ship", response_model=ReturnRead)
def ship_return(return_id: Id, body: ReturnShipBody, db: DbSession, user: Mover):
    """Send an old part to the factory: courier, number, and who pays the postage."""
    old = returns.get_seen(db, user=user, id=return_id)
    return json_response(ReturnRead.model_validate(returns.ship(db, user=user, old=old, **body.model_dump())))


@router.post("/api/v1/part-returns/{return_id}/receive", response_model=ReturnRead)
def receive_return(return_id: Id, db: DbSession, user: StockKeeper):
    """The factory has the old part."""
    old = returns.get_seen(db, user=user, id=return_id)
    return json_response(ReturnRead.model_validate(returns.receive(db, user=user, old=old)))
