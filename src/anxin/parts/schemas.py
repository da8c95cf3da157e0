"""The parts API's shapes. Every number and text from outside is bounded here."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id, Instant

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=120)]
Serial = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Quantity = Annotated[int, Field(ge=1, le=1000, description="units, a positive whole number")]
StockQuantity = Annotated[int, Field(ge=1, le=100_000)]
Level = Literal["central", "regional", "outlet", "van"]
Condition = Literal["good", "defective"]


class PartCreate(BaseModel):
    code: Code
    name: Name
    list_price_fen: int = Field(ge=0, le=100_000_000, description="list price in fen (分)")
    product_model_ids: list[Id] = Field(default_factory=list, max_length=500)
    category_code: str | None = Field(default=None, max_length=40)
    unit: str = Field(default="个", min_length=1, max_length=10)
    genuine: bool = True
    key_part: str | None = Field(default=None, max_length=40)
    return_required: bool = False
    fits_all: bool = False


class PartRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    category_code: str | None
    unit: str
    list_price_fen: int
    genuine: bool
    key_part: str | None
    return_required: bool
    fits_all: bool
    product_model_ids: list[int] = Field(default_factory=list)


class WarehouseCreate(BaseModel):
    code: Code
    name: Name
    level: Level
    parent_id: Id | None = None
    outlet_id: Id | None = Field(default=None, description="the outlet an outlet's store belongs to")
    technician_id: Id | None = Field(default=None, description="the technician whose van it is")


class WarehouseRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    outlet_id: int | None
    technician_id: int | None


class StockRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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
    available: int
    reorder_point: int
    below_reorder_point: bool


class ReceiptBody(BaseModel):
    warehouse_id: Id
    part_id: Id
    quantity: StockQuantity
    condition: Condition = "good"
    note: str | None = Field(default=None, max_length=200)


class ReorderPointBody(BaseModel):
    warehouse_id: Id
    part_id: Id
    reorder_point: int = Field(ge=0, le=100_000)


class ReserveBody(BaseModel):
    part_id: Id
    quantity: Quantity


class FitBody(BaseModel):
    quantity: Quantity
    serial_numbers: list[Serial] = Field(default_factory=list, max_length=1000)
    lot_number: Serial | None = None
    removed_serial_numbers: list[Serial] = Field(default_factory=list, max_length=1000)
    return_old: bool | None = Field(
        default=None, description="hold the old parts for the factory; default: the part's own rule"
    )


class ReleaseBody(BaseModel):
    reason: str = Field(default="不再需要", min_length=1, max_length=200)


class PartLineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    part_id: int
    part_code: str = ""
    part_name: str = ""
    genuine: bool = True
    warehouse_id: int
    warehouse_name: str = ""
    level: str = ""
    quantity: int
    consumed: int
    status: str
    via_transfer: bool
    transfer_id: int | None
    unit_price_fen: int
    created_at: datetime
    consumed_at: datetime | None
    released_at: datetime | None
    release_reason: str | None


class TransferCreate(BaseModel):
    from_warehouse_id: Id
    to_warehouse_id: Id
    part_id: Id
    quantity: StockQuantity
    expected_at: Instant | None = Field(default=None, description="the expected arrival")
    note: str | None = Field(default=None, max_length=200)


class TransferShipBody(BaseModel):
    courier_no: str | None = Field(default=None, min_length=1, max_length=60)
    expected_at: Instant | None = None


class TransferRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    part_id: int
    quantity: int
    from_warehouse_id: int
    to_warehouse_id: int
    status: str
    work_order_id: int | None
    expected_at: datetime
    courier_no: str | None
    note: str | None
    requested_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None


class ReturnShipBody(BaseModel):
    courier_company: str = Field(min_length=1, max_length=40)
    courier_no: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")
    postage_paid_by: Literal["brand", "outlet", "technician"]


class ReturnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    part_id: int
    warehouse_id: int
    serial_number: str | None
    status: str
    courier_company: str | None
    courier_no: str | None
    postage_paid_by: str | None
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None


class FittingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    line_id: int
    part_id: int
    quantity: int
    serial_number: str | None
    lot_number: str | None
    removed_serial_number: str | None
    fitted_at: datetime


class MovementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    warehouse_id: int
    part_id: int
    condition: str
    kind: str
    on_hand_delta: int
    reserved_delta: int
    transfer_id: int | None
    return_id: int | None
    occurred_at: datetime
    note: str | None


class OrderPartsRead(BaseModel):
    """An order's parts and their whole trail: what was reserved where, what travelled, what was fitted with
    which serial or lot, which old parts went back, and every stock movement behind it."""

    work_order_id: int
    lines: list[PartLineRead]
    waiting_for: list[TransferRead] = Field(description="the transfers the order waits for, soonest first")
    transfers: list[TransferRead]
    fittings: list[FittingRead]
    returns: list[ReturnRead]
    movements: list[MovementRead]
