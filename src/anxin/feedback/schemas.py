"""The follow-up, task and complaint API's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Score = Field(ge=1, le=5)


class SurveyAnswerBody(BaseModel):
    """The customer's answers (with the link's ``token``) or an agent's phone record (``via: phone``)."""

    token: str | None = Field(default=None, max_length=400)
    via: Literal["link", "phone"] = "link"
    attitude: int = Score
    skill: int = Score
    punctuality: int = Score
    promises: int = Score
    overall: int = Score
    nps: int = Field(ge=0, le=10)
    comment: str | None = Field(default=None, max_length=1000)
    resolved: bool | None = None


class SurveyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    work_order_id: int
    technician_id: int | None
    status: str
    created_at: datetime
    sent_at: datetime | None
    expires_at: datetime
    answered_at: datetime | None
    answered_via: str | None
    attitude: int | None
    skill: int | None
    punctuality: int | None
    promises: int | None
    overall: int | None
    nps: int | None
    comment: str | None
    resolved: bool | None


class SurveyStaffRead(SurveyRead):
    link: str | None = None  # for the agent to read out or resend while the survey is pending
    complaint_id: int | None = None


class SurveyPublicRead(BaseModel):
    """What the customer rates, shown on the link's page without signing in."""

    status: str
    order_number: str
    appliance: str
    technician_name: str | None
    expires_at: datetime


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    role: str
    assignee_id: int | None
    work_order_id: int | None
    survey_id: int | None
    complaint_id: int | None
    technician_id: int | None
    title: str
    detail: dict
    created_at: datetime
    due_at: datetime | None
    done_at: datetime | None
    outcome: str | None


class TaskDoneBody(BaseModel):
    outcome: str = Field(min_length=1, max_length=1000)


class ComplaintCreate(BaseModel):
    channel: Literal["app", "wechat", "hotline", "partner", "platform", "web"] = "app"
    category: Literal["attitude", "quality", "price", "timeliness", "parts", "product", "other"]
    severity: Literal["general", "major"] = "general"
    description: str = Field(min_length=1, max_length=2000)
    work_order_id: int | None = None
    customer_id: int | None = None


class ComplaintActionBody(BaseModel):
    note: str | None = Field(default=None, max_length=1000)
    owner_id: int | None = None
    resolution: str | None = Field(default=None, max_length=2000)
    responsibility: (
        Literal["technician", "outlet", "product", "parts", "logistics", "customer", "none"] | None
    ) = None
    compensation_fen: int | None = Field(default=None, ge=0)


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
