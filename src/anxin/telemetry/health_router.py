"""``GET /api/v1/appliances/{appliance_id}/health``: one appliance's health (``health.py``) for the roles
the permission table lets in (``Action.APPLIANCE_HEALTH``), narrowed to the appliances each may read
(``health.readable``: 404 otherwise). Staff and technicians read the detail (metric names, raw values,
plausible ranges, codes, the prediction); a customer reads words (``health_words.for_customer``: each
reading by its label with its unit and a plain state, alerts by their meaning, no id, code or score)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import DbSession, allowed, language
from anxin.fields import Id
from anxin.telemetry import health, health_words

router = APIRouter(tags=["appliances"])

Reader = Annotated[User, Depends(allowed(Action.APPLIANCE_HEALTH))]


class HealthMetricRead(BaseModel):
    name: str
    label: str = Field(description="the metric's name in the caller's language")
    unit: str
    value: float
    low: float = Field(description="the plausible range's lower end")
    high: float
    in_range: bool = Field(description="within the plausible range of the category's catalog")
    normal: bool = Field(description="in range and clear of every active threshold rule on the metric")
    counter: bool


class HealthCodeRead(BaseModel):
    code: str
    meaning: str | None = Field(
        description="from the knowledge base, for the appliance's brand; null: unknown"
    )
    count: int = Field(description="readings showing it in the last 30 days")
    last_seen_at: datetime
    self_help: list[str]


class HealthAlertRead(BaseModel):
    id: int
    cause: str
    title: str = Field(description="what the alert is about, in words (an error code with its meaning)")
    status: str
    status_label: str
    opened_at: datetime
    error_code: str | None


class HealthPredictionRead(BaseModel):
    component: str
    component_label: str
    horizon_days: int
    level: str = Field(description="high, medium or low")
    level_label: str
    text: str = Field(description="the prediction in words, e.g. 压缩机 7 天内故障风险：高")
    probability: float
    scored_at: datetime


class HealthSeriesRead(BaseModel):
    metric: str
    label: str
    unit: str
    values: list[float | None] = Field(description="the hourly averages, one per entry of ``hours``")


class ApplianceHealthRead(BaseModel):
    appliance_id: int
    category: str
    connected: bool = Field(description="false: the appliance has never reported (no readings, no roll-ups)")
    last_reading_at: datetime | None
    summary: str = Field(description="运行正常 / 发现异常：… / 未联网, in the caller's language")
    problems: list[str] = Field(description="what is wrong, in plain words")
    tips: list[str] = Field(description="self-help steps from the knowledge base")
    metrics: list[HealthMetricRead] = Field(description="the last reading's values")
    error_codes: list[HealthCodeRead] = Field(description="codes shown in the last 30 days, latest first")
    alerts: list[HealthAlertRead] = Field(description="open alerts (a customer: predictions left out)")
    prediction: HealthPredictionRead | None = Field(
        description="the latest failure prediction (staff, technicians)"
    )
    hours: list[datetime] = Field(description="the hours of the 7-day series")
    series: list[HealthSeriesRead]


class CustomerReadingRead(BaseModel):
    label: str = Field(description="the reading's name, e.g. 冷藏室温度")
    value: float = Field(description="rounded as shown")
    unit: str
    text: str = Field(description="the reading in words, e.g. 冷藏室温度 12.5 °C")
    state: str = Field(description="正常 / 偏高 / 偏低 / 读数异常, in the caller's language")
    normal: bool


class CustomerAlertRead(BaseModel):
    title: str = Field(description="what is wrong, in words (never a code)")
    status_label: str
    opened_at: datetime


class CustomerSeriesRead(BaseModel):
    label: str
    unit: str
    values: list[float | None]


class CustomerHealthRead(BaseModel):
    """A customer's answer: words only."""

    appliance: str = Field(description="the kind of appliance, by name")
    connected: bool
    last_reading_at: datetime | None
    summary: str
    problems: list[str]
    tips: list[str]
    readings: list[CustomerReadingRead]
    alerts: list[CustomerAlertRead]
    hours: list[datetime]
    series: list[CustomerSeriesRead] = Field(description="temperatures, hourly averages over 7 days")


@router.get(
    "/api/v1/appliances/{appliance_id}/health", response_model=ApplianceHealthRead | CustomerHealthRead
)
def appliance_health(appliance_id: Id, request: Request, db: DbSession, user: Reader):
    """The appliance's health: the last reading with each metric named and checked against its range, the
    error codes of the last 30 days with their meaning, open alerts, the failure prediction in words and a
    7-day hourly series. A customer reaches their own appliances (in words: ``CustomerHealthRead``), a
    technician those of an open order assigned to them, staff the tenant's; anyone else 404."""
    appliance = health.readable(db, user=user, appliance_id=appliance_id)
    lang, customer = language(request), user.role == Role.CUSTOMER
    found = health.health(db, appliance=appliance, lang=lang, customer=customer)
    if customer:
        words = health_words.for_customer(found, lang=lang)
        return CustomerHealthRead.model_validate(words, from_attributes=True)
    return ApplianceHealthRead.model_validate(found, from_attributes=True)
