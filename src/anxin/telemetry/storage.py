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
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, text
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
    days: int = 0  # day rows written (appliance × metric × whole day the window touched)


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
    # the whole days the window touched, now that their last hour is in (today waits for tomorrow)
    days = rollup_days(db, since=since.date(), until=until.date())
    return Rolled(hours=max(result.rowcount, 0), since=since, until=until, days=days)


# The day rows of one whole UTC day from the hourly averages (the mean of each hour weighs one), and, for
# every appliance that reported that day, its readings with an error code under the pseudo-metric
# ``_errors`` (0 when none: its trailing sum then still covers the days before). Each row is written with
# its trailing sums: its own plus the two days before it, already written (``DAY``).
OWN_PG = """
SELECT appliance_id, metric, (hour_at AT TIME ZONE 'UTC')::date AS day_date, min(tenant_id) AS tenant_id,
       count(*) AS count, sum(sum_value / count) AS sum_value,
       sum((sum_value / count) * (sum_value / count)) AS sumsq_value, min(min_value) AS min_value,
       max(max_value) AS max_value
FROM telemetry_hourly
WHERE hour_at >= :since AND hour_at < :until AND count > 0
GROUP BY 1, 2, 3
"""
ERRORS_PG = """
SELECT h.appliance_id, '_errors' AS metric, h.day_date, h.tenant_id, coalesce(e.n, 0) AS count,
       coalesce(e.n, 0) AS sum_value, coalesce(e.n, 0) AS sumsq_value, 0 AS min_value, 0 AS max_value
FROM (SELECT DISTINCT appliance_id, (hour_at AT TIME ZONE 'UTC')::date AS day_date, tenant_id
      FROM telemetry_hourly WHERE hour_at >= :since AND hour_at < :until) h
LEFT JOIN (SELECT appliance_id, count(*) AS n FROM telemetry_reading
           WHERE ts >= :since AND ts < :until AND error_code IS NOT NULL GROUP BY 1) e
  ON e.appliance_id = h.appliance_id
"""
OWN_SQLITE = """
SELECT appliance_id, metric, substr(hour_at, 1, 10) AS day_date, min(tenant_id) AS tenant_id,
       count(*) AS count, sum(sum_value / count) AS sum_value,
       sum((sum_value / count) * (sum_value / count)) AS sumsq_value, min(min_value) AS min_value,
       max(max_value) AS max_value
FROM telemetry_hourly
WHERE hour_at >= :since AND hour_at < :until AND count > 0
GROUP BY 1, 2, 3
"""
ERRORS_SQLITE = """
SELECT h.appliance_id, '_errors' AS metric, h.day_date, h.tenant_id, coalesce(e.n, 0) AS count,
       coalesce(e.n, 0) AS sum_value, coalesce(e.n, 0) AS sumsq_value, 0 AS min_value, 0 AS max_value
FROM (SELECT DISTINCT appliance_id, substr(hour_at, 1, 10) AS day_date, tenant_id
      FROM telemetry_hourly WHERE hour_at >= :since AND hour_at < :until) h
LEFT JOIN (SELECT appliance_id, count(*) AS n FROM telemetry_reading
           WHERE ts >= :since AND ts < :until AND error_code IS NOT NULL GROUP BY 1) e
  ON e.appliance_id = h.appliance_id
"""
DAY = """
INSERT INTO telemetry_daily (appliance_id, metric, day_date, tenant_id, count, sum_value, sumsq_value,
                             min_value, max_value, trail_count, trail_sum, trail_sumsq)
WITH own AS ({own}),
prev AS (SELECT appliance_id, metric, sum(count) AS c, sum(sum_value) AS s, sum(sumsq_value) AS ss
         FROM telemetry_daily WHERE day_date >= :before AND day_date < :day GROUP BY appliance_id, metric)
SELECT o.appliance_id, o.metric, o.day_date, o.tenant_id, o.count, o.sum_value, o.sumsq_value, o.min_value,
       o.max_value, o.count + coalesce(p.c, 0), o.sum_value + coalesce(p.s, 0), o.sumsq_value + coalesce(p.ss, 0)
FROM own o LEFT JOIN prev p ON p.appliance_id = o.appliance_id AND p.metric = o.metric
WHERE true
ON CONFLICT (appliance_id, metric, day_date) DO UPDATE SET
  count = excluded.count, sum_value = excluded.sum_value, sumsq_value = excluded.sumsq_value,
  min_value = excluded.min_value, max_value = excluded.max_value, trail_count = excluded.trail_count,
  trail_sum = excluded.trail_sum, trail_sumsq = excluded.trail_sumsq
"""


TRAIL_DAYS = 3  # a day row's trail_* sums cover it and the two days before
TRAIL_PG = """
UPDATE telemetry_daily d SET trail_count = t.c, trail_sum = t.s, trail_sumsq = t.ss
FROM (
  SELECT appliance_id, metric, day_date,
         sum(count) OVER w AS c, sum(sum_value) OVER w AS s, sum(sumsq_value) OVER w AS ss
  FROM telemetry_daily
  WHERE day_date >= CAST(:since AS date) - 2 AND day_date < CAST(:until AS date) + 2
  WINDOW w AS (PARTITION BY appliance_id, metric ORDER BY day_date
               RANGE BETWEEN INTERVAL '2 days' PRECEDING AND CURRENT ROW)
) t
WHERE d.appliance_id = t.appliance_id AND d.metric = t.metric AND d.day_date = t.day_date
  AND t.day_date >= CAST(:since AS date) AND t.day_date < CAST(:until AS date) + 2
"""
TRAIL_SQLITE = """
UPDATE telemetry_daily AS d SET trail_count = t.c, trail_sum = t.s, trail_sumsq = t.ss
FROM (
  SELECT appliance_id, metric, day_date,
         sum(count) OVER w AS c, sum(sum_value) OVER w AS s, sum(sumsq_value) OVER w AS ss
  FROM telemetry_daily
  WHERE day_date >= date(:since, '-2 days') AND day_date < date(:until, '+2 days')
  WINDOW w AS (PARTITION BY appliance_id, metric ORDER BY julianday(day_date)
               RANGE BETWEEN 2 PRECEDING AND CURRENT ROW)
) AS t
WHERE d.appliance_id = t.appliance_id AND d.metric = t.metric AND d.day_date = t.day_date
  AND t.day_date >= :since AND t.day_date < date(:until, '+2 days')
"""


def _dialect(db: Session | Connection) -> str:
    return (db.get_bind().dialect if isinstance(db, Session) else db.dialect).name


def trail_days(db: Session | Connection, *, since: date, until: date) -> int:
    """Recompute the trailing sums of the day rows from ``since`` to two days after ``until`` (excluded):
    what a change to the days before ``until`` reaches. Returns the rows updated."""
    sql = TRAIL_PG if _dialect(db) == "postgresql" else TRAIL_SQLITE
    return max(db.execute(text(sql), {"since": since.isoformat(), "until": until.isoformat()}).rowcount, 0)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def rollup_days(db: Session | Connection, *, since: date, until: date) -> int:
    """Recompute the day rows of the UTC days ``since`` to ``until`` (excluded) from the hourly roll-ups
    and the error readings, one day after the other, each with its trailing sums; then the trailing sums
    of the two days after, where they are already written (late readings). A rerun gives the same rows.
    Returns the rows written."""
    postgres = _dialect(db) == "postgresql"
    written, day = 0, since
    while day < until:
        start, end = _midnight(day), _midnight(day + timedelta(days=1))
        if postgres:
            bounds = {
                "since": start,
                "until": end,
                "day": day,
                "before": day - timedelta(days=TRAIL_DAYS - 1),
            }
            owns = (OWN_PG, ERRORS_PG)
        else:
            bounds = {
                "since": _sqlite(start),
                "until": _sqlite(end),
                "day": day.isoformat(),
                "before": (day - timedelta(days=TRAIL_DAYS - 1)).isoformat(),
            }
            owns = (OWN_SQLITE, ERRORS_SQLITE)
        for own in owns:
            written += max(db.execute(text(DAY.format(own=own)), bounds).rowcount, 0)
        day += timedelta(days=1)
    later = db.execute(
        text("SELECT 1 FROM telemetry_daily WHERE day_date >= :a AND day_date < :b LIMIT 1"),
        {"a": until, "b": until + timedelta(days=TRAIL_DAYS - 1)}
        if postgres
        else {"a": until.isoformat(), "b": (until + timedelta(days=TRAIL_DAYS - 1)).isoformat()},
    ).first()
    if later is not None and since < until:
        trail_days(db, since=until, until=until)
    return written


def fill_days(connection: Connection) -> int:
    """Every whole day the hourly roll-ups hold, up to today (the migration that made the table)."""
    first, last = connection.execute(text("SELECT min(hour_at), max(hour_at) FROM telemetry_hourly")).one()
    if first is None:
        return 0
    first, last = (v if isinstance(v, datetime) else datetime.fromisoformat(str(v)) for v in (first, last))
    return rollup_days(
        connection, since=first.date(), until=min(last.date() + timedelta(days=1), now().date())
    )


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
