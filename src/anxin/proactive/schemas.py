"""The proactive API's shapes: the alert policy, campaigns, a customer's profile and consent."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PolicyAction = Literal["notify", "order", "none"]
Severity = Literal["fault", "warning", "maintenance", "predicted"]
Cause = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9_:.\-]+$")]


class AlertPolicyWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    default: PolicyAction = Field(default="none", description="what an alert does when nothing else is set")
    by_severity: dict[Severity, PolicyAction] = Field(
        default_factory=dict,
        description="fault (an error code), warning (a threshold held), maintenance (a counter), "
        "predicted (a failure prediction)",
    )
    by_cause: dict[Cause, PolicyAction] = Field(
        default_factory=dict, max_length=100, description="a rule's cause (code_E1, filter_cleaning …)"
    )


class AlertPolicyRead(BaseModel):
    default: PolicyAction
    by_severity: dict[str, PolicyAction]
    by_cause: dict[str, PolicyAction]


class CampaignCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["ac_cleaning"] = "ac_cleaning"
    min_run_hours: int = Field(
        default=800, ge=1, le=200_000, description="the run hours from which an air conditioner is due"
    )


class CampaignTargetRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    appliance_id: int
    customer_id: int
    outcome: str = Field(description="offered, or no_consent (left out)")
    reason: dict[str, Any] = Field(description="run_hours, min_run_hours and the customer's profile tags")


class CampaignRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str = ""
    season: str
    min_run_hours: int
    plan_id: int | None
    counts: dict[str, int] = Field(
        description="candidates, offered, no_consent, cleaned_this_year, low_run_hours, already_offered"
    )
    started_at: datetime
    finished_at: datetime | None
    targets: list[CampaignTargetRead] = []


class ProfileTagRead(BaseModel):
    code: str = Field(description="group:value, e.g. usage:heavy, climate:cold")
    label: str
    detail: str


class CustomerProfileRead(BaseModel):
    customer_id: int
    proactive_consent: bool
    household_size: int | None
    tags: list[ProfileTagRead]


class ConsentWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool = Field(description="whether the customer agrees to be contacted proactively")


class ConsentRead(BaseModel):
    customer_id: int
    purpose: str
    granted: bool
    source: str
    changed_at: datetime
