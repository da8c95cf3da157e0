from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anxin.customer.phone import normalise_mobile


class AddressCreate(BaseModel):
    province: str = Field(default="浙江省", min_length=1, max_length=30)
    city: str = Field(default="杭州市", min_length=1, max_length=30)
    district: str = Field(min_length=1, max_length=30)
    detail: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=3.0, le=54.0)
    lng: float = Field(ge=73.0, le=136.0)
    area_type: Literal["urban", "suburban"] = "urban"


class AddressRead(AddressCreate):
    model_config = ConfigDict(from_attributes=True)
    id: int
    customer_id: int


class CustomerCreate(BaseModel):
    name: str = Field(min_length=1, max_length=60)
    phone: str = Field(description="mainland mobile number, e.g. 13812345678 or +86 138 1234 5678")
    elderly_household: bool = False
    infant_household: bool = False
    address: AddressCreate | None = None

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str) -> str:
        normalised = normalise_mobile(value)
        if normalised is None:
            raise ValueError("not a mainland China mobile number (11 digits starting 13-19)")
        return normalised


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    phone: str
    elderly_household: bool
    infant_household: bool
    created_at: datetime
    addresses: list[AddressRead]
