"""The follow-up API's shapes: surveys (for staff, the customer's link, the answers) and service tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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

    @field_validator("attitude", "skill", "punctuality", "promises", "overall", "nps", mode="before")
    @classmethod
    def not_a_boolean(cls, value: object) -> object:
        """A score is a number: Pydantic would read ``true`` as 1 and ``false`` as 0."""
        if isinstance(value, bool):
            raise ValueError("a score is a number, not true or false")
        return value


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
