from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from anxin.fields import ApplianceDate, Id


class PurchaseChannel(StrEnum):
    BRAND_STORE = "brand_store"
    JD = "jd"
    SUNING = "suning"
    TMALL = "tmall"
    PINDUODUO = "pinduoduo"
    GOME = "gome"
    OFFLINE_DEALER = "offline_dealer"
    OTHER = "other"


class ApplianceCreate(BaseModel):
    """An appliance to register. Its dates are from 1990 on and the installation not before the purchase;
    that neither is in the future is checked against the tenant's today (``service.create``)."""

    product_model_id: Id
    serial_number: str = Field(min_length=4, max_length=60, pattern=r"^[A-Za-z0-9\-]+$")
    purchase_date: ApplianceDate
    purchase_channel: PurchaseChannel
    install_date: ApplianceDate | None = None
    address_id: Id | None = None

    @field_validator("install_date")
    @classmethod
    def _install_after_purchase(cls, value: date | None, info: ValidationInfo) -> date | None:
        purchased = info.data.get("purchase_date")  # absent when it was refused itself
        if value is not None and purchased is not None and value < purchased:
            raise ValueError("install_date is before purchase_date")
        return value


class ApplianceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int
    address_id: int | None
    product_model_id: int
    serial_number: str
    purchase_date: date
    purchase_channel: str
    install_date: date | None


class WarrantyRead(BaseModel):
    appliance_id: int
    on: date
    status: str
    starts_on: date
    unit_ends_on: date
    covered_parts: dict[str, date]
    billing_category_for_repair: str
