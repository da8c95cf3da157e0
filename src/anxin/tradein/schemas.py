"""Trade-in's shapes in the API. Money is integer fen; ``category`` is the catalog's code, ``age_band``,
``condition`` and ``state`` are ``tradein.codes``'."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, Field

from anxin.catalog.codes import CategoryCode
from anxin.fields import Id
from anxin.tradein.codes import (
    MAX_AGE_YEARS,
    MAX_SUBSIDY_FEN,
    MAX_VALUE_FEN,
    AgeBand,
    Condition,
    TradeInState,
)
from anxin.work_order.schemas import Channel

ValueFen = Annotated[int, Field(ge=0, le=MAX_VALUE_FEN, description="integer fen (分)")]
SubsidyFen = Annotated[int, Field(ge=0, le=MAX_SUBSIDY_FEN, description="integer fen (分)")]
AgeYears = Annotated[
    int, Field(ge=0, le=MAX_AGE_YEARS, description="whole years since purchase or installation")
]
CELLS = len(AgeBand) * len(Condition)


class ValuationRead(BaseModel):
    """What the tenant pays for such an old appliance: ``value_fen`` = max(``base_fen``, ``floor_fen``) +
    ``subsidy_fen``."""

    category: CategoryCode
    age_years: int
    age_band: AgeBand
    condition: Condition
    base_fen: int = Field(description="the valuation table's value for the band and grade")
    floor_fen: int = Field(description="the least the category is valued at")
    subsidy_fen: int = Field(description="the brand's or campaign's subsidy, added on top")
    subsidy_label: str | None
    value_fen: int


class RateCell(BaseModel):
    age_band: AgeBand
    condition: Condition
    value_fen: ValueFen


class CategoryRatesRead(BaseModel):
    """One category of the valuation table: a value per age band and condition grade (``rates`` empty when
    the category is not valued), the floor and the subsidy."""

    category: CategoryCode
    floor_fen: int
    subsidy_fen: int
    subsidy_label: str | None
    rates: list[RateCell]


class CategoryRatesWrite(BaseModel):
    """A category's whole grid: every age band × condition grade once (16 cells), an older band or a worse
    grade never worth more than a newer or better one (422 ``trade_in_rates_out_of_order``)."""

    category: CategoryCode
    floor_fen: ValueFen = 0
    subsidy_fen: SubsidyFen = 0
    subsidy_label: Annotated[str | None, Field(max_length=60)] = None
    rates: Annotated[list[RateCell], Field(min_length=CELLS, max_length=CELLS)]


class AssessBody(BaseModel):
    """The old appliance's condition as the technician finds it; ``age_years`` left out: from the
    appliance's installation (else purchase) date."""

    condition: Condition
    age_years: AgeYears | None = None
    note: Annotated[str | None, Field(max_length=200)] = None


class LinkBody(BaseModel):
    installation_order_id: Id = Field(
        description="the same customer's installation order that takes the credit"
    )


class UnlinkBody(BaseModel):
    reason: Annotated[str | None, Field(max_length=200)] = None


class OrderRef(BaseModel):
    id: int
    number: str
    status: str


class LinkRead(BaseModel):
    installation_order: OrderRef
    credit_fen: int = Field(description="the whole accepted valuation")
    linked_at: datetime


class TradeInRead(BaseModel):
    id: int
    recycling_order: OrderRef
    category: CategoryCode
    age_years: int
    age_band: AgeBand
    condition: Condition
    note: str | None
    base_fen: int
    floor_fen: int
    subsidy_fen: int
    subsidy_label: str | None
    value_fen: int
    state: TradeInState
    valued_at: datetime
    accepted_at: datetime | None
    expires_at: datetime | None = Field(description="until when the accepted credit may be applied")
    link: LinkRead | None = Field(description="the installation order the credit is applied to")


class OrderTradeInRead(BaseModel):
    """An order's trade-in: ``side`` recycling (the old appliance valued on it) or installation (a credit
    may be applied to it); ``credit_fen`` is what is applied to this order (0 on a recycling order)."""

    order_id: int
    side: Literal["recycling", "installation"] | None
    trade_in: TradeInRead | None
    credit_fen: int
    booked_with: OrderRef | None = Field(
        default=None,
        description="the order booked together with this one (``POST /api/v1/trade-in/bookings``)",
    )


class BookingCreate(BaseModel):
    """A trade-in in one step: the recycling of the customer's old appliance and the installation of the
    new one, reported together (two orders, as ``POST /api/v1/work-orders`` makes them)."""

    customer_id: Id
    old_appliance_id: Id = Field(description="the appliance taken away (a recycling order)")
    new_appliance_id: Id = Field(description="the appliance installed (an installation order)")
    channel: Channel = Channel.HOTLINE
    note: Annotated[str | None, Field(max_length=500)] = None
    preferred_start_at: AwareDatetime | None = None
    preferred_end_at: AwareDatetime | None = None


class TradeInBookingRead(BaseModel):
    recycling_order: OrderRef
    installation_order: OrderRef
