"""Telemetry's tables: the tenant's ingest keys, the devices' readings and their hourly roll-ups.

``telemetry_reading`` holds one row per reading (a device's report at one instant) with its metrics as
one JSON object, not one row per metric: a device sends five to eight metrics at once, and a row per
metric would multiply the rows, their headers and index entries by as much, where ingest is bounded by
rows written. Each metric's name is checked against the catalog (``metrics.py``) before it is stored, so
the object's keys are a closed set. Its key is (appliance, ts): a replay of the same reading is
deduplicated by the key (``ON CONFLICT DO NOTHING``). On PostgreSQL the migration makes it a table
partitioned by month on ``ts`` (``storage.py`` creates the partitions ahead, in schema
``telemetry_part``); on SQLite it is a plain table. It has no foreign keys: the ingest path resolves
each serial to the tenant's appliance itself, and a per-row key check would cost the insert its speed.

``telemetry_hourly`` keeps min, max, sum and count per appliance, metric and hour (the average is
sum/count, so a recomputed hour merges exactly); it outlives the raw readings (retention)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class TelemetryKey(Base):
    """A tenant's ingest key: devices and brand clouds send readings with it (``X-Api-Key``). Only the
    SHA-256 of the key is kept (the key is 256 random bits: no slow hash needed), and its first
    characters (``prefix``) to tell keys apart in a list."""

    __tablename__ = "telemetry_key"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TelemetryReading(Base):
    __tablename__ = "telemetry_reading"
    # by time for the roll-ups and retention: BRIN on PostgreSQL (readings arrive roughly in time order,
    # and a BRIN index costs the insert almost nothing), an ordinary index on SQLite
    __table_args__ = (Index("ix_telemetry_reading_ts", "ts", postgresql_using="brin"),)

    appliance_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    ts: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigIntPK)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSONType)
    error_code: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TelemetryHourly(Base):
    __tablename__ = "telemetry_hourly"
    __table_args__ = (Index("ix_telemetry_hourly_tenant_id_hour_at", "tenant_id", "hour_at"),)

    appliance_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    hour_at: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigIntPK)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    sum_value: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class TelemetryDaily(Base):
    """One appliance's metric on one UTC day, from its hourly averages: how many hours had a value, their
    sum and sum of squares (so the mean and spread of the hourly averages over any run of whole days is a
    sum of rows), the lowest and highest reading. The pseudo-metric ``_errors`` counts the day's readings
    that carried an error code (``count``). Each row also carries the sums over its day and the two before
    (``trail_*``), so the failure model's features at a midnight are the previous day's rows alone
    (``telemetry.pdm_days``); ``storage.rollup`` keeps both as days complete."""

    __tablename__ = "telemetry_daily"
    __table_args__ = (Index("ix_telemetry_daily_tenant_id_day_date", "tenant_id", "day_date"),)

    appliance_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=False)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    day_date: Mapped[date] = mapped_column(Date, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigIntPK)
    count: Mapped[int] = mapped_column(Integer)
    sum_value: Mapped[float] = mapped_column(Float)
    sumsq_value: Mapped[float] = mapped_column(Float)
    min_value: Mapped[float] = mapped_column(Float)
    max_value: Mapped[float] = mapped_column(Float)
    # the same three sums over this day and the two before it (``storage.TRAIL_DAYS``), kept with the row
    trail_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    trail_sum: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    trail_sumsq: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")


class TelemetryRule(Base):
    """A rule of a category, evaluated on every reading stored: ``threshold`` (a metric above or below a
    value, held for ``hold_minutes``), ``counter`` (a counter reaching a value: filter cleaning after N run
    hours), ``error_code`` (the device shows that code). ``cause`` names what an alert it opens is about;
    one open alert per appliance and cause."""

    __tablename__ = "telemetry_rule"
    __table_args__ = (UniqueConstraint("tenant_id", "category", "cause"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    cause: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    metric: Mapped[str | None] = mapped_column(String(40))
    above: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[float | None] = mapped_column(Float)
    hold_minutes: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TelemetryAlert(Base):
    """What a rule found on an appliance: open, then notified, converted to an order or dismissed.
    ``open_key`` (appliance:cause) is set while the alert is open or notified and cleared when it ends:
    its unique constraint keeps one open alert per appliance and cause, even between racing batches."""

    __tablename__ = "telemetry_alert"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliance.id"), index=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("telemetry_rule.id"))
    cause: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="open")
    open_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    reading_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value: Mapped[float | None] = mapped_column(Float)
    error_code: Mapped[str | None] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))  # converted to this order
