"""The complaint API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id


class ComplaintCreate(BaseModel):
    channel: Literal["app", "wechat", "hotline", "partner", "platform", "web"] = "app"
    category: Literal["attitude", "quality", "price", "timeliness", "parts", "product", "other"]
    severity: Literal["general", "major"] = "general"
    description: str = Field(min_length=1, max_length=2000)
    work_order_id: Id | None = None
    customer_id: Id | None = None


class ComplaintActionBody(BaseModel):
    note: str | None = Field(default=None, max_length=1000)
    owner_id: Id | None = None
    resolution: str | None = Field(default=None, max_length=2000)
    responsibility: (
        Literal["technician", "outlet", "product", "parts", "logistics", "customer", "none"] | None
    ) = None
    compensation_fen: int | None = Field(default=None, ge=0, le=10_000_000)  # at most 100,000 yuan


class ComplaintEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    from_status: str | None
    to_status: str
    round: int
    actor_id: int | None
    actor_role: str | None
    occurred_at: datetime
    note: str | None
    payload: dict


class ComplaintRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str | None
    version: int
    status: str
    channel: str
    category: str
    severity: str
    description: str
    customer_id: int | None
    work_order_id: int | None
    technician_id: int | None
    outlet_id: int | None
    survey_id: int | None
    owner_id: int | None
    round: int
    created_at: datetime
    registered_at: datetime | None
    closed_at: datetime | None
    owner_due_at: datetime | None
    resolve_due_at: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    resolution: str | None
    responsibility: str | None
    compensation_fen: int | None
    compensation_approved_by_id: int | None
    compensation_approved_at: datetime | None
    overdue: bool = False
    actions: list[str] = []


class ComplaintDetail(ComplaintRead):
    events: list[ComplaintEventRead] = []


class ComplaintStatsRead(BaseModel):
    month: str
    total: int
    by_category: dict[str, int]
    by_responsibility: dict[str, int]
    closed: int
    mean_hours_to_close: float | None
    closed_on_time_share: float | None
