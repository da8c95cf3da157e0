"""Settlement's shapes in the API. Money is integer fen (a deduction negative); each status comes with
its label in the caller's language (``status_label``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.fields import Id

ReviewStatus = Literal["pending", "approved", "rejected"]
StatementStatus = Literal["draft", "confirmed", "disputed"]
RuleKind = Literal["base", "area", "urgent", "rework", "complaint", "penalty_point", "commission", "deposit"]
Level = Literal["junior", "senior", "master"]
AreaType = Literal["urban", "suburban"]
Month = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, the tenant's zone")]
# text with something other than spaces in it (trimmed when stored)
Reason = Annotated[str, Field(min_length=1, max_length=300, pattern=r"\S")]
Note = Annotated[str, Field(max_length=300)]
Fen = Annotated[int, Field(ge=0, le=10_000_000, description="integer fen (分)")]


class SubmitBody(BaseModel):
    note: Note | None = None


class ApproveBody(BaseModel):
    note: Note | None = None


class RejectBody(BaseModel):
    reason: Reason = Field(description="what the outlet must fix (required)")


class EvidenceRead(BaseModel):
    """The order's own evidence, linked: its service report (``report_url``, the PDF), its photos
    (``photos_url``) and the customer's signature (a photo of the order)."""

    report: bool
    cause: str | None
    work_done: str | None
    signature_photo_id: int | None
    photo_ids: list[int]
    report_url: str
    photos_url: str


class ReviewEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    action_label: str = ""
    round: int
    actor_role: str
    occurred_at: datetime
    note: str | None


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    order_number: str = ""
    outlet_id: int
    status: ReviewStatus
    status_label: str = ""
    round: int = Field(description="the submission's number: 2 and more after a rejection")
    note: str | None
    submitted_at: datetime
    reviewed_at: datetime | None
    reject_reason: str | None


class ReviewDetail(ReviewRead):
    evidence: EvidenceRead
    history: list[ReviewEventRead]


class FeeRuleWrite(BaseModel):
    """A fee rule, whole (a change replaces every field). ``service_type`` and ``category`` only for a base
    fee (None: any), ``area_type`` for an area allowance, ``level`` for a commission, ``rate_bp`` (1/10000)
    for a rework's share of its cost or a commission, ``cap_fen`` for a deposit."""

    kind: RuleKind
    service_type: ServiceType | None = None
    category: CategoryCode | None = None
    area_type: AreaType | None = None
    level: Level | None = None
    amount_fen: Fen = 0
    rate_bp: Annotated[int, Field(ge=0, le=10000)] = 0
    cap_fen: Fen | None = None
    note: Annotated[str, Field(max_length=200)] | None = None


class FeeRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: RuleKind
    kind_label: str = ""
    service_type: ServiceType | None
    category: CategoryCode | None = Field(validation_alias="category_code")
    area_type: AreaType | None
    priority: str | None
    level: Level | None
    amount_fen: int
    rate_bp: int
    cap_fen: int | None
    note: str | None
    updated_at: datetime


class GenerateBody(BaseModel):
    month: Month
    outlet_id: Id | None = None


class SettlementReasonBody(BaseModel):
    reason: Reason


class ResolveBody(BaseModel):
    resolution: Reason


class LineRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    label: str = ""
    work_order_id: int | None
    order_number: str | None
    technician_id: int | None
    description: str
    quantity: int
    amount_fen: int = Field(description="fen; a deduction is negative")


class PayRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    technician_id: int
    name: str
    level: str
    level_label: str = ""
    orders: int
    fees_fen: int
    rate_bp: int
    commission_fen: int
    rework_fen: int
    penalty_points: int
    penalty_fen: int
    deposit_fen: int = Field(description="withheld this month (保证金)")
    deposit_held_fen: int = Field(description="held in all, this month included")
    net_fen: int


class StatementEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    action_label: str = ""
    actor_role: str
    occurred_at: datetime
    note: str | None
    total_fen: int | None


class StatementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    outlet_id: int
    outlet_name: str = ""
    month: str
    status: StatementStatus
    status_label: str = ""
    orders: int
    fees_fen: int
    deductions_fen: int
    total_fen: int
    generated_at: datetime
    confirmed_at: datetime | None
    dispute_reason: str | None
    resolution: str | None


class StatementDetail(StatementRead):
    lines: list[LineRead]
    technicians: list[PayRead]
    history: list[StatementEventRead]
