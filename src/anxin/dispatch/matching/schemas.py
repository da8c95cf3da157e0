from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from anxin.dispatch.models import MODES
from anxin.fields import Id


class ComponentRead(BaseModel):
    name: str
    value: float | None
    unit: str
    score: float
    weight: int
    points: float


class ReasonRead(BaseModel):
    code: str
    message: str


class CandidateRead(BaseModel):
    technician_id: int
    name: str
    score: float
    eta: datetime
    eta_minutes: float
    travel_km: float
    travel_minutes: float
    position_source: str
    components: list[ComponentRead]
    reasons: list[ReasonRead]


class RefusedRead(BaseModel):
    technician_id: int
    reasons: list[ReasonRead]


class SuggestedSkillRead(BaseModel):
    """The skill triage suggested from the order's description (``source``: ``triage``, or
    ``agent_correction`` when an agent chose the fault); ``required``: every candidate holds it at its
    level (it is of the order's category)."""

    category: str
    service_type: str
    level: str
    source: str
    required: bool


class JobRead(BaseModel):
    category: str
    service_type: str
    brand: str | None
    district: str | None
    level: str
    certificates: list[str]
    crew_size: int
    priority: str
    vulnerable: bool
    arrive_by: datetime | None
    service_minutes: int
    suggested_skill: SuggestedSkillRead | None = None


class CandidatesRead(BaseModel):
    order_id: int
    mode: str
    job: JobRead
    candidates: list[CandidateRead]
    refused: list[RefusedRead]


class AttemptRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    technician_id: int
    mode: str
    score: float | None
    sent_at: datetime
    deadline_at: datetime | None
    outcome: str
    outcome_at: datetime | None
    reason: str | None


class PoolOrderRead(BaseModel):
    order_id: int
    number: str
    category: str
    service_type: str
    district: str | None
    distance_km: float
    pool_until: datetime | None
    priority: str


class OutletBody(BaseModel):
    outlet_id: Id
    reason: str | None = Field(None, max_length=300)


class ReasonOnly(BaseModel):
    reason: str = Field(min_length=1, max_length=300)


class DecisionBody(BaseModel):
    accept: bool
    note: str | None = Field(None, max_length=300)


class PolicyItem(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    outlet_id: Id | None = None
    service_type: str | None = None
    mode: str = Field("suggest", pattern="^(" + "|".join(MODES) + ")$")
    ack_timeout_minutes: int = Field(10, ge=1, le=24 * 60)
    max_attempts: int = Field(3, ge=1, le=20)
    pool_minutes: int = Field(15, ge=1, le=24 * 60)
    pool_radius_km: float = Field(15.0, gt=0, le=200)
    two_level: bool = False


class SweepRead(BaseModel):
    timeouts: int
    pool_fallbacks: int
    reoffered: int
    escalated: int
    slots_at_risk: int = 0
    replanned: int = 0
