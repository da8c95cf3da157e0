"""The API's shape of an order's relay number (隐私号): never a real phone number."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class RelayNumberRead(BaseModel):
    """An order's relay number: dial it to reach the other party (``reaches``: the technician for the
    order's customer, the customer for its technician; None for staff, whom it does not bridge)."""

    relay_number: str = Field(description="the relay number (隐私号); neither party's own number")
    tel_uri: str = Field(description="``tel:`` and the relay number, for a call button")
    expires_at: datetime = Field(description="when the binding runs out (UTC)")
    reaches: Literal["technician", "customer"] | None
    closing: bool = Field(description="the order is finished: the number works until ``expires_at``")
