"""Telemetry's settings (``ANXIN_TELEMETRY_*``): what the ingest path accepts and how long data is kept."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TelemetrySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_TELEMETRY_", extra="ignore")

    # readings in one batch (HTTP or one MQTT message); more is refused whole (422 batch_too_large)
    max_batch: int = Field(default=5000, ge=1, le=50_000)
    # metrics in one reading
    max_metrics: int = Field(default=32, ge=1, le=200)
    # a reading may be this late (a device that was offline uploads its backlog) ...
    max_age_days: int = Field(default=30, ge=1, le=3650)
    # ... and this far ahead of the server's clock (devices' clocks drift)
    max_skew_seconds: int = Field(default=300, ge=0, le=86_400)
    # raw readings are kept this long (partitions dropped, or rows deleted on SQLite); roll-ups stay
    retention_days: int = Field(default=180, ge=1, le=3650)
    # the roll-up job recomputes the hours of this window (readings later than that stay raw only)
    rollup_lookback_hours: int = Field(default=26, ge=1, le=24 * 90)
    # monthly partitions kept ready ahead of the current month (PostgreSQL)
    partitions_ahead: int = Field(default=2, ge=1, le=24)


@lru_cache(maxsize=1)
def get_telemetry_settings() -> TelemetrySettings:
    return TelemetrySettings()
