"""The plans' and contracts' API shapes. Every number and text from outside is bounded here; the rules
that depend on a plan's kind (a care plan's visits, an extended warranty's bands) are ``plans.check``'s."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from anxin.catalog.codes import CategoryCode
from anxin.fields import Id

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
Kind = Literal["extended_warranty", "care"]
CareService = Literal["cleaning", "maintenance"]
Fen = Annotated[int, Field(ge=0, le=100_000_000, description="an amount in fen (分)")]
ContractStatus = Literal["active", "expired", "cancelled"]


class Band(BaseModel):
    """A purchase-price band: appliances bought for at most ``up_to_fen`` (null: any price above the
    previous band) pay ``price_fen``."""

    up_to_fen: Fen | None = None
    price_fen: Fen


class PlanFields(BaseModel):
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    description: str = Field(default="", max_length=400)
    category_code: CategoryCode | None = Field(default=None, description="null: for every category")
    term_months: int = Field(ge=1, le=48, description="an extended warranty runs 12, 24, 36 or 48 months")
    price_fen: Fen | None = Field(default=None, description="a care plan's price for the term")
    bands: list[Band] = Field(
        default_factory=list, max_length=10, description="an extended warranty's price bands"
    )
    visits: int = Field(default=0, ge=0, le=24, description="a care plan's visits in the term")
    service_type: CareService | None = Field(default=None, description="what a care plan's visits do")
    max_age_months: int | None = Field(
        default=None, ge=1, le=360, description="the oldest appliance it is sold for"
    )
    renewal_discount_percent: int = Field(default=0, ge=0, le=50)


class ServicePlanCreate(PlanFields):
    code: Code
    kind: Kind


class PlanUpdate(PlanFields):
    """Everything but the code and the kind, which a plan keeps for life."""


class ServicePlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    kind: Kind
    name_zh: str
    name_en: str
    description: str
    category_code: str | None
    term_months: int
    price_fen: int | None
    bands: list[Band]
    visits: int
    service_type: str | None
    max_age_months: int | None
    renewal_discount_percent: int
    status: Literal["active", "retired"]


class ContractCreate(BaseModel):
    appliance_id: Id
    plan_id: Id
    purchase_price_fen: Fen | None = Field(
        default=None,
        description="the appliance's invoice price, for an extended warranty's band (none: the top band)",
    )


class RenewBody(BaseModel):
    plan_id: Id | None = Field(
        default=None, description="another active plan of the same kind; none: the same plan"
    )


class CancelBody(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class ClaimRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    work_order_number: str | None = None
    service_type: str
    void: bool
    claimed_at: datetime


class RenewalOffer(BaseModel):
    plan_id: int
    price_fen: int
    discount_percent: int
    start_date: date
    end_date: date


class ContractRead(BaseModel):
    id: int
    number: str
    plan_id: int
    plan_name_zh: str
    plan_name_en: str
    kind: Kind
    appliance_id: int
    customer_id: int
    status: ContractStatus
    start_date: date
    end_date: date
    price_fen: int
    purchase_price_fen: int | None
    visits: int = Field(description="a care plan's visits in the term (0 for an extended warranty)")
    visits_used: int
    visits_left: int | None = Field(description="null for an extended warranty: its claims are unlimited")
    claims: list[ClaimRead]
    renewed_from_id: int | None
    renewed_by_id: int | None
    renewal_offer: RenewalOffer | None
    sold_at: datetime
    renewal_noticed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    refund_fen: int | None
