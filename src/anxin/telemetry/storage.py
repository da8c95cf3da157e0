"""Keeping the readings: monthly partitions made ahead, hourly roll-ups, retention.

On PostgreSQL ``telemetry_reading`` is partitioned by month on ``ts`` (migration 0021), each month a table
``telemetry_part.telemetry_reading_YYYY_MM``; a default partition catches a reading whose month has no
table yet, so an insert never fails for want of one. ``ensure_partitions`` makes the months from the
oldest a reading may be (``max_age_days``) to ``partitions_ahead`` months ahead; run it daily (``anxin
telemetry maintain``), so the default partition stays empty (a month cannot be made while the default
partition holds rows of it: those rows are moved into the new month in the same transaction).

``rollup`` recomputes min, max, sum and count per appliance, metric and hour for the hours of a window
(``rollup_lookback_hours`` back by default), replacing what was there: late readings within the window
are counted, and a rerun gives the same rows. ``expire`` drops the months older than ``retention_days``
(PostgreSQL) or deletes the rows (SQLite); roll-ups stay. Each function flushes; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from anxin.clock import now
from anxin.telemetry.settings import TelemetrySettings, get_telemetry_settings

SCHEMA = "telemetry_part"


def _month(year: int, month: int, shift: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + shift
    return index // 12, index % 12 + 1


def _start(year: int, month: int) -> datetime:
    return datetime(year, month, 1, tzinfo=UTC)


def _sqlite(moment: datetime) -> str:
    """``moment`` as SQLite holds a UTC datetime (``database.UTCDateTime``), to compare as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def partitions(db: Session) -> list[str]:
    """The monthly partitions that exist, oldest first (PostgreSQL; none on SQLite)."""
    if not _is_postgres(db):
        return []
    rows = db.execute(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'telemetry_reading' "
            "AND c.relname ~ '^telemetry_reading_[0-9]{4}_[0-9]{2}$' ORDER BY c.relname"
        )
    )
    return [name for (name,) in rows]


def ensure_partitions(
    db: Session, *, settings: TelemetrySettings | None = None, at: datetime | None = None
) -> list[str]:
    """Make the monthly partitions missing from the oldest accepted month to the months ahead; the names
    made. Rows of such a month already in the default partition are moved into it."""
    if not _is_postgres(db):
        return []
    settings = settings or get_telemetry_settings()
    at = at or now()
    oldest = at - timedelta(days=settings.max_age_days)
    have = set(partitions(db))
    made = []
    year, month = oldest.year, oldest.month
    last = _month(at.year, at.month, settings.partitions_ahead)
    while (year, month) <= last:
        name = f"telemetry_reading_{year:04d}_{month:02d}"
        if name not in have:
            _make(db, name, _start(year, month), _start(*_month(year, month, 1)))
            made.append(name)
        year, month = _month(year, month, 1)
    return made


def _make(db: Session, name: str, start: datetime, end: datetime) -> None:
    bounds = {"start": start, "end": end}
    stray = f"{SCHEMA}.telemetry_reading_default"
    db.execute(text(f"CREATE TEMP TABLE IF NOT EXISTS telemetry_moving (LIKE {stray}) ON COMMIT DROP"))
    db.execute(
        text(
            f"WITH moved AS (DELETE FROM {stray} WHERE ts >= :start AND ts < :end RETURNING *) "
            "INSERT INTO telemetry_moving SELECT * FROM moved"
        ),
        bounds,
    )
    db.execute(
        text(
            f"CREATE TABLE {SCHEMA}.{name} PARTITION OF telemetry_reading "
            f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
        )
    )
    db.execute(text("INSERT INTO telemetry_reading SELECT * FROM telemetry_moving"))
    db.execute(text("DELETE FROM telemetry_moving"))


@dataclass
class Rolled:
    hours: int  # hour rows written (appliance × metric × hour)
    since: datetime
    until: datetime


def _hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


ROLLUP_PG = """
INSERT INTO telemetry_hourly (appliance_id, metric, hour_at, tenant_id, min_value, max_value, sum_value, count)
SELECT r.appliance_id, m.key, date_trunc('hour', r.ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', min(r.tenant_id),
       min(m.value::float8), max(m.value::float8), sum(m.value::float8), count(*)
FROM telemetry_reading r CROSS JOIN LATERAL jsonb_each_text(r.metrics) AS m(key, value)
WHERE r.ts >= :since AND r.ts < :until
GROUP BY 1, 2, 3
ON CONFLICT (appliance_id, metric, hour_at) DO UPDATE SET
  min_value = excluded.min_value, max_value = excluded.max_value,
  sum_value = excluded.sum_value, count = excluded.count
"""

# SQLite keeps a UTC datetime as 'YYYY-MM-DD HH:MM:SS.ffffff' (database.UTCDateTime)
ROLLUP_SQLITE = """
INSERT INTO telemetry_hourly (appliance_id, metric, hour_at, tenant_id, min_value, max_value, sum_value, count)
SELECT r.appliance_id, m.key, strftime('%Y-%m-%d %H:00:00.000000', r.ts), min(r.tenant_id),
       min(CAST(m.value AS REAL)), max(CAST(m.value AS REAL)), sum(CAST(m.value AS REAL)), count(*)
FROM telemetry_reading r, json_each(r.metrics) m
WHERE r.ts >= :since AND r.ts < :until
GROUP BY 1, 2, 3
ON CONFLICT (appliance_id, metric, hour_at) DO UPDATE SET
  min_value = excluded.min_value, max_value = excluded.max_value,
  sum_value = excluded.sum_value, count = excluded.count
"""


def rollup(
    db: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    settings: TelemetrySettings | None = None,
) -> Rolled:
    """Recompute the hourly roll-ups of the whole hours from ``since`` to ``until`` (default: the lookback
    window up to the current hour, which is included as far as it has come)."""
    settings = settings or get_telemetry_settings()
    at = now()
    until = _hour(until) if until is not None else _hour(at) + timedelta(hours=1)
    since = _hour(since) if since is not None else until - timedelta(hours=settings.rollup_lookback_hours + 1)
    if _is_postgres(db):
        result = db.execute(text(ROLLUP_PG), {"since": since, "until": until})
    else:
        result = db.execute(text(ROLLUP_SQLITE), {"since": _sqlite(since), "until": _sqlite(until)})
    return Rolled(hours=max(result.rowcount, 0), since=since, until=until)


@dataclass
class Expired:
    partitions: list[str]
    rows: int
    before: datetime


def expire(db: Session, *, settings: TelemetrySettings | None = None, at: datetime | None = None) -> Expired:
    """Drop the raw readings older than ``retention_days``: whole months on PostgreSQL (a month goes when
    its last day is past the horizon), rows on SQLite. Roll-ups are kept."""
    settings = settings or get_telemetry_settings()
    before = (at or now()) - timedelta(days=settings.retention_days)
    if not _is_postgres(db):
        result = db.execute(
            text("DELETE FROM telemetry_reading WHERE ts < :before"),
            {"before": _sqlite(before)},
        )
        return Expired(partitions=[], rows=max(result.rowcount, 0), before=before)
    dropped = []
    for name in partitions(db):
        year, month = int(name[-7:-3]), int(name[-2:])
        if _start(*_month(year, month, 1)) <= before:
            db.execute(text(f"DROP TABLE {SCHEMA}.{name}"))
            dropped.append(name)
    result = db.execute(
        text(f"DELETE FROM {SCHEMA}.telemetry_reading_default WHERE ts < :before"), {"before": before}
    )
    return Expired(partitions=dropped, rows=max(result.rowcount, 0), before=before)
