"""Parts: the catalog and what fits what, warehouses at four levels, stock per part and warehouse, the
parts an order reserves and fits, transfers between warehouses, old parts sent back to the factory, and
the ledger of every stock movement.

Stock never goes below what is reserved: ``part_stock`` carries CHECK constraints (``reserved`` between
0 and ``on_hand``) behind the conditional updates of ``stock.py``, which are the guard itself."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

Stamp = Mapped[datetime | None]

LEVELS = ("central", "regional", "outlet", "van")
CONDITIONS = ("good", "defective")


class Part(Base):
    """A spare part or material at its list price (integer fen). ``genuine``: the brand's own part (原厂),
    not a compatible one; ``key_part`` names the warranty's key part it is (``compressor``), if any;
    ``return_required``: the removed part goes back to the factory (旧件返厂); ``fits_all``: a material
    any model takes (refrigerant, pipe), otherwise ``part_fit`` lists the models."""

    __tablename__ = "part"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    category_code: Mapped[str | None] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(10), default="个")
    list_price_fen: Mapped[int] = mapped_column(Integer)
    genuine: Mapped[bool] = mapped_column(Boolean, default=True)
    key_part: Mapped[str | None] = mapped_column(String(40))
    return_required: Mapped[bool] = mapped_column(Boolean, default=False)
    fits_all: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PartFit(Base):
    """The part fits the product model (compatibility)."""

    __tablename__ = "part_fit"
    __table_args__ = (
        UniqueConstraint("part_id", "product_model_id"),
        Index("ix_part_fit_model", "tenant_id", "product_model_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    product_model_id: Mapped[int] = mapped_column(ForeignKey("product_model.id"))


class Warehouse(Base):
    """A place stock is kept: ``central``, ``regional``, an ``outlet``'s store (``outlet_id``) or a
    technician's ``van`` (``technician_id``). ``parent_id`` is where it is supplied from (a van from its
    outlet, an outlet from its region, a region from the centre): the way reservations look upward."""

    __tablename__ = "warehouse"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))  # central | regional | outlet | van
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("warehouse.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PartStock(Base):
    """What one warehouse holds of one part, good and defective apart: ``on_hand`` in the warehouse,
    ``reserved`` of it promised to orders and transfers; available is the difference."""

    __tablename__ = "part_stock"
    __table_args__ = (
        UniqueConstraint("warehouse_id", "part_id", "condition"),
        Index("ix_part_stock_part", "tenant_id", "part_id"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    condition: Mapped[str] = mapped_column(String(10), default="good")  # good | defective
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PartTransfer(Base):
    """Stock on its way between two warehouses: ``requested`` (reserved at the source), ``shipped`` (left
    the source), ``received`` (on hand at the destination), or ``cancelled`` before it shipped. A transfer
    made for an order (``work_order_id``) carries the order's reservation with it."""

    __tablename__ = "part_transfer"
    __table_args__ = (
        Index("ix_part_transfer_tenant_status", "tenant_id", "status"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="requested")
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    expected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    courier_no: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(200))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    shipped_at: Stamp = mapped_column(UTCDateTime)
    received_at: Stamp = mapped_column(UTCDateTime)
    cancelled_at: Stamp = mapped_column(UTCDateTime)


class PartLine(Base):
    """A part an order reserved: ``reserved`` in ``warehouse_id``, ``awaiting_transfer`` (reserved at the
    source of ``transfer_id``, on its way), ``consumed`` (fitted: all of ``quantity``), or ``released``
    (given back; ``consumed`` says how many were fitted before). ``via_transfer``: the part was not on hand
    when it was reserved (what ``parts_fill_rate`` counts)."""

    __tablename__ = "work_order_part"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("consumed >= 0 AND consumed <= quantity", name="consumed_within_quantity"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    consumed: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(20), default="reserved")
    via_transfer: Mapped[bool] = mapped_column(Boolean, default=False)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("part_transfer.id"), index=True)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    reserved_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    consumed_at: Stamp = mapped_column(UTCDateTime)
    released_at: Stamp = mapped_column(UTCDateTime)
    release_reason: Mapped[str | None] = mapped_column(String(200))


class PartFitting(Base):
    """Parts fitted on an order, with the serial number of each (``quantity`` 1) or the lot of several,
    and the serial of the part taken out, when it has one."""

    __tablename__ = "part_fitting"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("work_order_part.id"), index=True)
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    serial_number: Mapped[str | None] = mapped_column(String(60))
    lot_number: Mapped[str | None] = mapped_column(String(60))
    removed_serial_number: Mapped[str | None] = mapped_column(String(60))
    fitted_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    fitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class PartReturn(Base):
    """A removed part on its way back to the factory (旧件返厂): ``held`` as defective stock where it was
    taken (the van), ``in_transit`` with its courier number and who pays the postage, ``at_factory``."""

    __tablename__ = "part_return"
    __table_args__ = (Index("ix_part_return_tenant_status", "tenant_id", "status"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    fitting_id: Mapped[int] = mapped_column(ForeignKey("part_fitting.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), index=True)
    serial_number: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="held")  # held | in_transit | at_factory
    courier_company: Mapped[str | None] = mapped_column(String(40))
    courier_no: Mapped[str | None] = mapped_column(String(60))
    postage_paid_by: Mapped[str | None] = mapped_column(String(12))  # brand | outlet | technician
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    shipped_at: Stamp = mapped_column(UTCDateTime)
    shipped_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    received_at: Stamp = mapped_column(UTCDateTime)


class PartMovement(Base):
    """Append-only: every change of a stock row, with what caused it (an order, a transfer, a return)."""

    __tablename__ = "part_movement"
    __table_args__ = (
        Index("ix_part_movement_order", "work_order_id", "id"),
        Index("ix_part_movement_stock", "warehouse_id", "part_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"))
    part_id: Mapped[int] = mapped_column(ForeignKey("part.id"))
    condition: Mapped[str] = mapped_column(String(10), default="good")
    # receive | reserve | release | consume | transfer_out | transfer_in | return_in | return_out
    kind: Mapped[str] = mapped_column(String(20))
    on_hand_delta: Mapped[int] = mapped_column(Integer, default=0)
    reserved_delta: Mapped[int] = mapped_column(Integer, default=0)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("part_transfer.id"))
    return_id: Mapped[int | None] = mapped_column(ForeignKey("part_return.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    note: Mapped[str | None] = mapped_column(String(200))
