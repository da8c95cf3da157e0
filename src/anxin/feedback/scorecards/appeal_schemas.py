"""Penalties and appeals (申诉) as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class PenaltyAppealRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    technician_id: int
    penalty_id: str = Field(description="the penalty's key: far-<event>, late-<order>, complaint-<complaint>")
    kind: str = Field(description="far | late | complaint")
    work_order_id: int | None
    points: int
    penalty_at: datetime
    penalty_reason: str = Field(description="the penalty's reason in words (Chinese)")
    reason: str = Field(description="the technician's reason for the appeal")
    status: str = Field(description="open | upheld | overturned")
    filed_at: datetime
    decided_at: datetime | None
    decided_by_id: int | None
    decision_note: str | None
    lifted_suspension: bool


class PenaltyItemRead(BaseModel):
    id: str = Field(description="the penalty's key, to appeal it")
    kind: str = Field(description="far | late | complaint")
    occurred_at: datetime
    points: int
    counted: bool = Field(description="false once an appeal overturned it")
    reason: str
    reason_en: str
    work_order_id: int | None
    number: str | None
    appealable: bool = Field(description="not appealed yet and within the appeal window")
    appeal: PenaltyAppealRead | None


class SuspensionRead(BaseModel):
    suspended: bool
    suspended_at: datetime | None
    reason: str | None = Field(description="in words")
    reinstated_at: datetime | None


class MyPenaltiesRead(BaseModel):
    technician_id: int
    points: int = Field(description="penalty points counted over the last 90 days")
    appeal_days: int
    suspension: SuspensionRead
    penalties: list[PenaltyItemRead]


class PenaltyAppealBody(BaseModel):
    reason: str = Field(min_length=1, max_length=1000, description="why the penalty is wrong")


class PenaltyAppealDecisionBody(BaseModel):
    decision: Literal["upheld", "overturned"]
    note: str = Field(min_length=1, max_length=1000)
