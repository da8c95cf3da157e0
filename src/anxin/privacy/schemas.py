"""The privacy API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EraseBody(BaseModel):
    reason: str = Field(
        min_length=1, max_length=300, description="why, e.g. the customer's request of 2026-12-05 by phone"
    )


class ErasedRead(BaseModel):
    customer_id: int
    erased_at: datetime
    orders_kept: int = Field(description="the customer's orders, kept as anonymous facts")
    photos_deleted: int = Field(description="by this call")
    accounts_closed: int = Field(description="by this call")
    already: bool = Field(description="the customer was erased before: nothing changed")


class ErasureRequestBody(BaseModel):
    reason: str | None = Field(default=None, max_length=300)


class ErasureRequestRead(BaseModel):
    customer_id: int
    status: str = Field(description="open: waiting for an admin; done: erased")
    requested_at: datetime
    due_at: datetime | None


class PersonalDataRead(BaseModel):
    """Everything the platform holds about one customer (``privacy/export.py``)."""

    format: str
    generated_at: datetime
    customer: dict[str, Any]
    addresses: list[dict[str, Any]]
    appliances: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    surveys: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    portal_accounts: list[dict[str, Any]]
    consents: list[dict[str, Any]]
