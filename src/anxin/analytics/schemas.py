"""The KPI report's JSON shape (shares 0..1, ``None`` when nothing to divide by)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Kpis(BaseModel):
    model_config = ConfigDict(extra="allow")

    orders: int
    responded_within_30m: float | None
    mean_response_minutes: float | None
    arrived_within_4h: float | None
    completed_within_24h: float | None
    first_time_fix_rate: float | None
    rework_rate: float | None
    satisfaction: float | None
    satisfaction_dimensions: dict[str, float | None]
    surveys_answered: int
    nps: float | None  # −100..100
    complaints: int
    complaints_per_1000: float | None
    complaint_mean_close_hours: float | None
    remote_resolution_rate: float | None
    utilisation: float | None
    idle_share: float | None
    parts_fill_rate: float | None
    revenue_fen_by_billing_category: dict[str, int]


class Group(BaseModel):
    key: Any
    label: Any
    kpis: Kpis


class Unavailable(BaseModel):
    kpi: str
    reason: str


class KpiReport(BaseModel):
    period: dict[str, Any]
    targets: dict[str, int]
    kpis: Kpis
    groups: list[Group] | None = None
    unavailable: list[Unavailable]


class TrendPoint(BaseModel):
    date: str
    kpis: Kpis


class TrendRead(BaseModel):
    period: dict[str, Any]
    points: list[TrendPoint]
