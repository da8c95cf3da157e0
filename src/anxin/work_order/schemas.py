from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from anxin.catalog.codes import ServiceType
from anxin.fields import Id, Latitude, Longitude, Version


class Channel(StrEnum):
    APP = "app"
    WECHAT = "wechat"
    HOTLINE = "hotline"
    BRAND_SYSTEM = "brand_system"
    RETAILER_SYSTEM = "retailer_system"
    ECOMMERCE = "ecommerce"
    COMPLAINT = "complaint"
    CARE_PLAN = "care_plan"  # a care plan's scheduled visit (``contract.schedule``)
    IOT = "iot"  # a proactive order from a telemetry alert (``telemetry.rules.convert``)


# The channels a customer reports through by themselves (the portal and the app are ``app``, the WeChat
# mini-program ``wechat``); the others are staff's or partners' systems.
CUSTOMER_CHANNELS = frozenset({Channel.APP, Channel.WECHAT})


class WorkOrderCreate(BaseModel):
    customer_id: Id
    appliance_id: Id
    extra_appliance_ids: list[Id] = Field(default_factory=list, max_length=10)
    service_type: ServiceType
    channel: Channel
    fault_description: str = Field(min_length=2, max_length=2000)
    priority: Literal["normal", "urgent"] = "normal"
    elderly_household: bool | None = None
    infant_household: bool | None = None
    preferred_start_at: AwareDatetime | None = None
    preferred_end_at: AwareDatetime | None = None
    address_id: Id | None = None
    external_ref: str | None = Field(default=None, max_length=80)
    internal: bool = False


class WorkOrderRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    status: str
    version: int
    channel: str
    external_ref: str | None
    service_type: str
    category_code: str
    customer_id: int
    address_id: int | None
    district: str | None
    area_type: str
    appliance_id: int
    technician_id: int | None
    fault_description: str
    priority: str
    elderly_household: bool
    infant_household: bool
    warranty_status: str
    billing_category: str
    preferred_start_at: datetime | None
    preferred_end_at: datetime | None
    appointment_start_at: datetime | None
    appointment_end_at: datetime | None
    is_rework: bool
    rework_of_id: int | None
    cancel_reason: str | None
    workshop_receipt_no: str | None
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    assigned_at: datetime | None
    acknowledged_at: datetime | None
    rejected_at: datetime | None
    appointed_at: datetime | None
    en_route_at: datetime | None
    on_site_at: datetime | None
    quoted_at: datetime | None
    quote_approved_at: datetime | None
    quote_declined_at: datetime | None
    in_progress_at: datetime | None
    pending_parts_at: datetime | None
    resumed_at: datetime | None
    completed_at: datetime | None
    followed_up_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    resolved_remote_at: datetime | None
    carried_in_at: datetime | None
    sla_state: str | None = None
    sla_due_at: datetime | None = None
    appliance_ids: list[int] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list, description="what the caller may do next")


class WorkOrderCreated(WorkOrderRead):
    duplicate: bool = Field(False, description="an open order for this appliance and service already existed")
    replayed: bool = Field(False, description="returned for a retried request with the same Idempotency-Key")


class ActionBody(BaseModel):
    version: Version | None = Field(None, description="the version you saw; 409 if the order changed since")
    note: str | None = Field(None, max_length=500)
    lat: Latitude | None = None
    lng: Longitude | None = None
    accuracy_m: float | None = Field(
        None,
        ge=0,
        le=100_000,
        allow_inf_nan=False,
        description="the position's accuracy in metres, as the phone reports it",
    )


class ReasonBody(ActionBody):
    reason: str = Field(min_length=1, max_length=300)


class AssignBody(ActionBody):
    technician_id: Id
    # A dispatcher may overrule the soft limits (coverage, shift, a full day); the event records it.
    override: bool = False


class AppointBody(ActionBody):
    start_at: AwareDatetime
    end_at: AwareDatetime


class CarryInBody(ActionBody):
    receipt_no: str = Field(min_length=1, max_length=60)
    workshop: str = Field(min_length=1, max_length=120)


class QuoteLineRead(BaseModel):
    """A line of a quote (``pricing.quotes`` prices it): an item of the price book times ``quantity``, or a
    line typed by hand (``kind`` ``other``, ``needs_review``). ``amount_fen`` = ``covered_fen`` +
    ``payable_fen``; ``coverage_reason`` says why something is covered, for the customer."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: Literal["visit", "labour", "part", "material", "other"]
    price_item_id: int | None = Field(description="the price book's item; None for a line typed by hand")
    code: str | None = Field(description="the item's code in the price book")
    description: str
    unit: str | None = Field(description="the item's unit (time, piece, unit, set, metre, kg, hour)")
    quantity: int
    unit_price_fen: int
    amount_fen: int
    covered_fen: int = Field(
        description="what warranty, a contract, the organisation or a repair's warranty pays"
    )
    payable_fen: int = Field(description="what the customer pays")
    coverage: Literal["warranty", "key_part", "contract", "internal", "repair_warranty"] | None = Field(
        description="who covers the line, if anyone"
    )
    coverage_reason: str | None = Field(description="why it is covered, in Chinese, as the customer reads it")
    coverage_reason_en: str | None = Field(description="the same in English")
    needs_review: bool = Field(description="a line typed by hand, not from the price book: to be reviewed")


class QuoteRead(BaseModel):
    """A version of the order's quote: ``proposed``, ``approved``, ``declined`` or ``superseded`` (every
    version is kept). ``total_fen`` = ``covered_fen`` + ``payable_fen``."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    work_order_id: int
    status: str
    total_fen: int
    covered_fen: int
    payable_fen: int
    price_book_version_id: int | None = Field(description="the price book version the lines were priced from")
    coverage_reason: str | None = Field(description="what is covered and why, in one line (Chinese)")
    coverage_reason_en: str | None
    created_at: datetime
    decided_at: datetime | None
    lines: list[QuoteLineRead]


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    action: str
    from_status: str | None
    to_status: str
    actor_id: int | None
    actor_role: str
    occurred_at: datetime
    lat: float | None
    lng: float | None
    note: str | None
    payload: dict[str, Any]


class CustomerEventRead(BaseModel):
    """An event of the order as its customer reads it (``api.events_for``): what happened, when, the status
    before and after, who of three acted, and only the words meant for the customer. No coordinates, no
    user or technician ids, no staff roles, no dispatch payload (scores, overruled rules, distances)."""

    action: str
    occurred_at: datetime
    from_status: str | None
    to_status: str
    by: Literal["customer", "technician", "service"] = Field(
        description="the customer themselves, the technician, or the service provider (staff and system)"
    )
    reason: str | None = Field(None, description="why it was cancelled, waits for parts; the customer's own")
    note: str | None = Field(None, description="the work done, the remote guidance; the customer's own")


class PhotoRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    work_order_id: int
    content_type: str
    size_bytes: int
    created_at: datetime


class SlaOverride(BaseModel):
    channel: Channel | None = None
    service_type: ServiceType | None = None
    respond_minutes: int | None = Field(None, ge=1, le=10_080)
    appointment_minutes: int | None = Field(None, ge=1, le=10_080)
    arrive_minutes: int | None = Field(None, ge=1, le=20_160)
    complete_minutes: int | None = Field(None, ge=1, le=43_200)


class SlaPolicyBody(BaseModel):
    respond_minutes: int = Field(ge=1, le=10_080)
    appointment_minutes: int = Field(ge=1, le=10_080)
    arrive_urban_minutes: int = Field(ge=1, le=20_160)
    arrive_suburban_minutes: int = Field(ge=1, le=20_160)
    complete_minutes: int = Field(ge=1, le=43_200)
    at_risk_share: float = Field(gt=0, lt=1)
    quiet_start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    quiet_end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    overrides: list[SlaOverride] = Field(default_factory=list, max_length=50)


class SlaPolicyRead(SlaPolicyBody):
    model_config = ConfigDict(from_attributes=True)
