"""The stock ledger: every change of a ``part_stock`` row is one conditional UPDATE here, and one
``part_movement`` row beside it.

The guard against overselling is the UPDATE's own condition: ``reserve`` adds to ``reserved`` only
``WHERE on_hand - reserved >= quantity``. On PostgreSQL (READ COMMITTED) a second writer of the same row
waits for the first one's lock and then evaluates the condition again against the row as the first one
left it, so two orders can never both take the last unit, however many race for it; on SQLite writers take
turns (``BEGIN IMMEDIATE``). The table's CHECK constraints (``reserved`` between 0 and ``on_hand``) stand
behind it. No row is read first and written later, so there is nothing to go stale between the two.

On PostgreSQL a writer waits at most ``LOCK_WAIT`` for a stock row another transaction holds, then gives up
with 409 ``busy`` (``StockBusy``): a request holding the lock may itself be waiting for a server thread
that the requests queued behind it hold, and a bounded wait turns that into a refusal, never a hang."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.roles import Role
from anxin.notify import outbox
from anxin.parts.exceptions import StockBusy
from anxin.parts.models import Part, PartMovement, PartStock, Warehouse

STOCK = PartStock.__table__
REORDER_EVENT = "parts.reorder"
LOCK_WAIT = "10s"
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's lock_not_available: the wait above ran out


def _write(db: Session, statement: Any) -> Any:
    """Run a stock UPDATE, waiting a bounded time for its row on PostgreSQL."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    try:
        return db.execute(statement)
    except OperationalError as error:
        if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
            raise StockBusy() from error
        raise


class StockInvariant(RuntimeError):
    """A release or consumption found less reserved than the ledger says it holds: a bug, never input."""


def ensure(db: Session, *, tenant_id: int, warehouse_id: int, part_id: int, condition: str = "good") -> None:
    """The stock row of the part in the warehouse, created empty when there is none (INSERT … ON CONFLICT
    DO NOTHING: two first receipts at once make one row)."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(STOCK)
        .values(
            tenant_id=tenant_id,
            warehouse_id=warehouse_id,
            part_id=part_id,
            condition=condition,
            on_hand=0,
            reserved=0,
            reorder_point=0,
            updated_at=clock.now(),
        )
        .on_conflict_do_nothing(index_elements=["warehouse_id", "part_id", "condition"])
    )
    db.execute(statement)


def _row(warehouse_id: int, part_id: int, condition: str):
    return and_(
        STOCK.c.warehouse_id == warehouse_id, STOCK.c.part_id == part_id, STOCK.c.condition == condition
    )


def _log(
    db: Session,
    *,
    tenant_id: int,
    warehouse_id: int,
    part_id: int,
    kind: str,
    condition: str = "good",
    on_hand: int = 0,
    reserved: int = 0,
    **why: Any,
) -> None:
    db.add(
        PartMovement(
            tenant_id=tenant_id,
            warehouse_id=warehouse_id,
            part_id=part_id,
            condition=condition,
            kind=kind,
            on_hand_delta=on_hand,
            reserved_delta=reserved,
            occurred_at=clock.now(),
            **why,
        )
    )


def reserve(
    db: Session, *, tenant_id: int, warehouse_id: int, part_id: int, quantity: int, **why: Any
) -> bool:
    """Promise ``quantity`` good units of the warehouse's stock, if that many are available; False (and
    nothing written) when they are not."""
    statement = (
        update(STOCK)
        .where(
            _row(warehouse_id, part_id, "good"),
            STOCK.c.tenant_id == tenant_id,
            STOCK.c.on_hand - STOCK.c.reserved >= quantity,
        )
        .values(reserved=STOCK.c.reserved + quantity, updated_at=clock.now())
        .returning(STOCK.c.id, STOCK.c.on_hand, STOCK.c.reserved, STOCK.c.reorder_point)
    )
    row = _write(db, statement).first()
    if row is None:
        return False
    _log(
        db,
        tenant_id=tenant_id,
        warehouse_id=warehouse_id,
        part_id=part_id,
        kind="reserve",
        reserved=quantity,
        **why,
    )
    _alert_when_low(
        db, tenant_id=tenant_id, warehouse_id=warehouse_id, part_id=part_id, row=row, taken=quantity
    )
    return True


def unreserve(
    db: Session, *, tenant_id: int, warehouse_id: int, part_id: int, quantity: int, **why: Any
) -> None:
    """Give back ``quantity`` promised units."""
    _change(db, warehouse_id, part_id, "good", reserved=-quantity)
    _log(
        db,
        tenant_id=tenant_id,
        warehouse_id=warehouse_id,
        part_id=part_id,
        kind="release",
        reserved=-quantity,
        **why,
    )


def consume(
    db: Session,
    *,
    tenant_id: int,
    warehouse_id: int,
    part_id: int,
    quantity: int,
    kind: str = "consume",
    **why: Any,
) -> None:
    """Take ``quantity`` promised units out of the warehouse (fitted, or shipped on a transfer)."""
    _change(db, warehouse_id, part_id, "good", on_hand=-quantity, reserved=-quantity)
    _log(
        db,
        tenant_id=tenant_id,
        warehouse_id=warehouse_id,
        part_id=part_id,
        kind=kind,
        on_hand=-quantity,
        reserved=-quantity,
        **why,
    )


def put(
    db: Session,
    *,
    tenant_id: int,
    warehouse_id: int,
    part_id: int,
    quantity: int,
    condition: str = "good",
    kind: str = "receive",
    **why: Any,
) -> None:
    """Add ``quantity`` units to the warehouse's stock (a receipt, a transfer's arrival, an old part)."""
    ensure(db, tenant_id=tenant_id, warehouse_id=warehouse_id, part_id=part_id, condition=condition)
    _change(db, warehouse_id, part_id, condition, on_hand=quantity)
    _log(
        db,
        tenant_id=tenant_id,
        warehouse_id=warehouse_id,
        part_id=part_id,
        kind=kind,
        condition=condition,
        on_hand=quantity,
        **why,
    )


def take_free(
    db: Session,
    *,
    tenant_id: int,
    warehouse_id: int,
    part_id: int,
    quantity: int,
    condition: str,
    kind: str,
    **why: Any,
) -> bool:
    """Take ``quantity`` units nobody was promised out of the warehouse; False when there are not as many."""
    statement = (
        update(STOCK)
        .where(_row(warehouse_id, part_id, condition), STOCK.c.on_hand - STOCK.c.reserved >= quantity)
        .values(on_hand=STOCK.c.on_hand - quantity, updated_at=clock.now())
    )
    if _write(db, statement).rowcount != 1:
        return False
    _log(
        db,
        tenant_id=tenant_id,
        warehouse_id=warehouse_id,
        part_id=part_id,
        kind=kind,
        condition=condition,
        on_hand=-quantity,
        **why,
    )
    return True


def _change(
    db: Session, warehouse_id: int, part_id: int, condition: str, *, on_hand: int = 0, reserved: int = 0
) -> None:
    guard = [_row(warehouse_id, part_id, condition)]
    if reserved < 0:
        guard.append(STOCK.c.reserved >= -reserved)
    statement = (
        update(STOCK)
        .where(*guard)
        .values(
            on_hand=STOCK.c.on_hand + on_hand, reserved=STOCK.c.reserved + reserved, updated_at=clock.now()
        )
    )
    if _write(db, statement).rowcount != 1:
        raise StockInvariant(f"stock of part {part_id} in warehouse {warehouse_id} holds less than recorded")


def set_reorder_point(
    db: Session, *, tenant_id: int, warehouse_id: int, part_id: int, reorder_point: int
) -> None:
    ensure(db, tenant_id=tenant_id, warehouse_id=warehouse_id, part_id=part_id)
    _write(
        db,
        update(STOCK)
        .where(_row(warehouse_id, part_id, "good"))
        .values(reorder_point=reorder_point, updated_at=clock.now()),
    )


def available(db: Session, *, warehouse_id: int, part_id: int) -> int:
    return (
        db.scalar(
            select(func.coalesce(func.sum(STOCK.c.on_hand - STOCK.c.reserved), 0)).where(
                _row(warehouse_id, part_id, "good")
            )
        )
        or 0
    )


def _alert_when_low(
    db: Session, *, tenant_id: int, warehouse_id: int, part_id: int, row: Any, taken: int
) -> None:
    """Tell the dispatchers when this reservation took the warehouse's available stock of the part down to
    its reorder point or below (once per crossing: the day's message for the row is written once)."""
    left = row.on_hand - row.reserved
    if row.reorder_point <= 0 or left > row.reorder_point or left + taken <= row.reorder_point:
        return
    warehouse = db.get(Warehouse, warehouse_id)
    part = db.get(Part, part_id)
    dispatchers = auth_service.active_staff(db, tenant_id=tenant_id, roles=[Role.DISPATCHER.value])
    outbox.enqueue(
        db,
        tenant_id=tenant_id,
        event=REORDER_EVENT,
        to=[outbox.Recipient("inbox", f"user:{u.id}") for u in dispatchers],
        context={
            "warehouse": warehouse.name if warehouse else "",
            "part": f"{part.code} {part.name}" if part else "",
            "available": left,
            "reorder_point": row.reorder_point,
        },
        dedupe_key=f"reorder:{row.id}:{clock.now().date().isoformat()}:{row.on_hand}",
    )
