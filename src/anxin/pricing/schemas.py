"""The price book's shapes in the API. Money is integer fen; codes are those of ``pricing.codes`` and of
the catalog (``category``, ``service_type``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.fields import Day, Id
from anxin.pricing.codes import MAX_PRICE_FEN, Area, PriceKind, Unit, VersionState
from anxin.work_order.schemas import ActionBody

PriceFen = Annotated[int, Field(ge=0, le=MAX_PRICE_FEN, description="integer fen (分)")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
# text with something other than spaces in it (trimmed when stored)
Name = Annotated[str, Field(min_length=1, max_length=120, pattern=r"\S")]
Fault = Annotated[str, Field(max_length=60)]
Note = Annotated[str, Field(max_length=200)]


class PriceItemRead(BaseModel):
    """An item of the book in force, priced for the brand asked about (``brand_id`` set when the brand's
    own price applies)."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="what a quote line names (``price_item_id``)")
    code: str
    kind: PriceKind
    name: str
    price_fen: int
    unit: Unit
    category: CategoryCode | None = Field(description="None: every category")
    service_type: ServiceType | None = Field(description="None: every service type")
    area: Area | None = Field(description="a visit fee's area (urban, suburban)")
    fault: str | None
    note: str | None
    part_code: str | None = Field(description="the part catalog's code of a part")
    brand_id: int | None = Field(description="the brand whose own price this is; None: the standard price")


class PriceBookRead(BaseModel):
    """The tenant's price book in force today: its version number and effective date (None before any
    version takes effect) and its items, filtered as asked."""

    version: int | None
    effective_from: date | None
    items: list[PriceItemRead]


class BrandPrice(BaseModel):
    brand_id: Id
    price_fen: PriceFen


class PriceItemWrite(BaseModel):
    """An item of a draft, whole (a change replaces every field, the brand prices too)."""

    code: Code
    kind: PriceKind
    name: Name
    unit: Unit
    price_fen: PriceFen
    category: CategoryCode | None = None
    service_type: ServiceType | None = None
    area: Area | None = Field(default=None, description="only for a visit fee")
    fault: Fault | None = None
    note: Note | None = None
    part_code: Code | None = None
    brand_prices: list[BrandPrice] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _one_price_per_brand(self) -> PriceItemWrite:
        brands = [price.brand_id for price in self.brand_prices]
        if len(brands) != len(set(brands)):
            raise ValueError("a brand appears twice in brand_prices")
        return self


class BrandPriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    brand_id: int
    price_fen: int


class PriceItemAdminRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    kind: PriceKind
    name: str
    price_fen: int
    unit: Unit
    category: CategoryCode | None = Field(validation_alias="category_code")
    service_type: ServiceType | None
    area: Area | None
    fault: str | None
    note: str | None
    part_code: str | None
    brand_prices: list[BrandPriceRead] = Field(validation_alias="overrides")


class VersionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    state: VersionState = Field(
        description="draft, scheduled, in_force or superseded, as of the tenant's today"
    )
    effective_from: date | None
    superseded_from: date | None = Field(description="when the next published version takes effect")
    note: str | None
    based_on_id: int | None
    created_at: datetime
    published_at: datetime | None
    item_count: int


class VersionDetail(VersionRead):
    items: list[PriceItemAdminRead]


class DraftCreate(BaseModel):
    note: Note | None = Field(default=None, description="what the new version changes")


class PublishBody(BaseModel):
    effective_from: Day = Field(
        description="the first day the version is in force: not before the tenant's today nor before the "
        "latest published version's date, at most a year ahead"
    )


# -- quotes ------------------------------------------------------------------------------------------------

MAX_QUANTITY = 999
MAX_LINES = 50


def _whole(value: Any) -> Any:
    """JSON has one number type: ``2.0`` is the whole number 2 (JSON Schema's ``integer`` admits it), while
    ``2.5``, ``true`` and ``"2"`` stay refused by the strict models below."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class QuoteLineIn(BaseModel):
    """A line of the technician's quote: an item of the price book in force today (``price_item_id``)
    times ``quantity`` whole units of the item's unit (a material by the metre or kilogram counts whole
    metres or kilograms, a part-metre counted as one); or a line typed by hand, ``kind`` ``other`` with its
    ``description`` and ``amount_fen`` (the price of one), which is flagged for review. Its name and
    price come from the book for an item; only ``other`` lines carry their own."""

    model_config = ConfigDict(strict=True)  # a quantity is a number: not ``true``, not ``"2"``

    price_item_id: Id | None = Field(default=None, description="an item of the price book in force today")
    quantity: int = Field(default=1, ge=1, le=MAX_QUANTITY, description="whole units of the item's unit")
    kind: Literal["other"] | None = Field(
        default=None, description="``other`` for a line typed by hand (no price_item_id); flagged for review"
    )
    description: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=r"\S", description="an other line's text"
    )
    amount_fen: PriceFen | None = Field(default=None, description="an other line's price of one, in fen")

    _whole_numbers = field_validator("price_item_id", "quantity", "amount_fen", mode="before")(_whole)

    @model_validator(mode="after")
    def _item_or_other(self) -> QuoteLineIn:
        if self.kind == "other":
            if self.price_item_id is not None:
                raise ValueError("an other line names no price_item_id")
            if self.description is None or self.amount_fen is None:
                raise ValueError("an other line needs its description and amount_fen")
        elif self.price_item_id is None:
            raise ValueError("a line names a price_item_id, or is kind other with its description and amount")
        elif self.description is not None or self.amount_fen is not None:
            raise ValueError("an item of the price book takes its name and price from the book")
        return self


class QuoteBody(ActionBody):
    lines: list[QuoteLineIn] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _each_item_once(self) -> QuoteBody:
        items = [line.price_item_id for line in self.lines if line.price_item_id is not None]
        if len(items) != len(set(items)):
            raise ValueError("an item appears twice in lines: give it one line with its quantity")
        return self


class PricingPolicyBody(BaseModel):
    model_config = ConfigDict(strict=True)

    repair_warranty_days: int = Field(
        ge=0, le=730, description="how long a repair's own warranty runs from its completion (0: none)"
    )

    _whole_numbers = field_validator("repair_warranty_days", mode="before")(_whole)


class PricingPolicyRead(PricingPolicyBody):
    model_config = ConfigDict(from_attributes=True)
