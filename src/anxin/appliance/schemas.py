from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


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
    product_model_id: int
    serial_number: str = Field(min_length=4, max_length=60, pattern=r"^[A-Za-z0-9\-]+$")
    purchase_date: date
    purchase_channel: PurchaseChannel
    install_date: date | None = None
    address_id: int | None = None

    @model_validator(mode="after")
    def _install_after_purchase(self) -> ApplianceCreate:
        if self.install_date is not None and self.install_date < self.purchase_date:
            raise ValueError("install_date is before purchase_date")
        return self


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
