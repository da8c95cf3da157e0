"""The telemetry API's shapes. The batch body is described here for the OpenAPI document and parsed by
``ingest.py`` itself, one reading at a time, so that a bad reading is refused alone (with its index and
reason) instead of failing the whole batch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Name = Annotated[str, Field(min_length=1, max_length=80)]


class KeyCreate(BaseModel):
    name: Name = Field(description="what the key is for, e.g. 品牌云 or a gateway's name")


class KeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str = Field(description="the key's first characters, to tell keys apart")
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyRead):
    key: str = Field(description="the key itself: shown this once, only its hash is kept")


class ReadingIn(BaseModel):
    serial: str = Field(min_length=1, max_length=60, description="the appliance's serial number")
    ts: datetime = Field(description="when the device measured, with its offset (ISO 8601)")
    metrics: dict[str, float] = Field(
        max_length=200, description="metric name to value; the names and ranges of the category's catalog"
    )
    error_code: str | None = Field(default=None, max_length=20, description="the fault code the device shows")


class BatchIn(BaseModel):
    readings: list[ReadingIn] = Field(max_length=50_000)


class Rejected(BaseModel):
    index: int = Field(description="the reading's place in the batch, from 0")
    reason: str = Field(
        description="unknown_device, unknown_metric, out_of_range, future_timestamp, too_old, "
        "duplicate_in_batch, malformed, no_metrics, too_many_metrics"
    )
    field: str | None = Field(default=None, description="the metric or field at fault")
    message: str


class BatchResult(BaseModel):
    accepted: int = Field(description="readings stored now")
    duplicates: int = Field(
        description="readings already stored (same device and time): a replay, not stored again"
    )
    rejected: list[Rejected]
    counts: dict[str, int] = Field(description="rejected readings by reason")
    alerts_opened: int = Field(
        default=0, description="alerts the stored readings opened (rules on the way in)"
    )


class MetricRead(BaseModel):
    name: str
    label: str
    unit: str
    low: float
    high: float
    counter: bool


class CategoryMetrics(BaseModel):
    category: str
    label: str
    metrics: list[MetricRead]


Cause = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_]*$")]


class RuleCreate(BaseModel):
    category: str = Field(max_length=40, description="a category code, e.g. air_conditioner")
    cause: Cause = Field(description="what an alert of this rule is about, e.g. high_pressure")
    kind: Literal["threshold", "counter", "error_code"]
    metric: str | None = Field(default=None, max_length=40)
    above: bool = Field(default=True, description="threshold: alert above it (true) or below it (false)")
    threshold: float | None = Field(default=None, ge=-1e9, le=1e9)
    hold_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60, description="threshold: held this long")
    error_code: str | None = Field(default=None, max_length=20, pattern=r"^[A-Za-z0-9_.-]+$")
    name_zh: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    category: str
    cause: str
    kind: str
    metric: str | None
    above: bool
    threshold: float | None
    hold_minutes: int
    error_code: str | None
    name: str = ""
    active: bool


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    appliance_id: int
    cause: str
    title: str = Field(default="", description="the rule's name, in the caller's language")
    status: str
    status_label: str = ""
    reading_at: datetime
    value: float | None
    error_code: str | None
    opened_at: datetime
    closed_at: datetime | None
    work_order_id: int | None = Field(default=None, description="the proactive order it was converted to")
