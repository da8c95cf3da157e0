"""Scorecards as the API shows them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PenaltiesRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    upheld_complaints: int
    missed_appointments: int
    far_evidence: int
    points: int


class ScorecardRead(BaseModel):
    """One technician's card: the rolling figures (rating, points, grade, flags) and the period's figures."""

    technician_id: int
    name: str
    start: datetime
    end: datetime
    rating: float | None = Field(description="rolling mean of the last N answered overall ratings")
    rating_count: int
    period_ratings: int
    period_rating: float | None
    completed: int
    first_time_fix_rate: float | None
    rework_rate: float | None
    punctuality: float | None
    working_days: int
    orders_per_day: float | None
    revenue_fen: int
    penalty_points: int
    penalties: PenaltiesRead | None = None
    grade: str | None
    flags: list[str] = Field(description="retraining | suspended | auto_dispatch_paused")
    suspended_at: datetime | None
    suspension_reason: str | None
    reinstated_at: datetime | None


class StarRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rank: int
    technician_id: int
    name: str
    score: float
    rating: float | None
    completed: int
    first_time_fix_rate: float | None


class MonthRead(BaseModel):
    month: str
    start: datetime
    end: datetime
    scorecards: list[ScorecardRead]
    stars: list[StarRead]


class ReinstateBody(BaseModel):
    note: str = Field(min_length=1, max_length=1000, description="why quality lifts the suspension")


class QualityEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    occurred_at: datetime
    actor_id: int | None
    note: str | None
    payload: dict


class ReinstatedRead(BaseModel):
    technician_id: int
    auto_dispatch: bool
    reinstated_at: datetime | None
    history: list[QualityEventRead]
