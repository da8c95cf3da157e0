"""Storage: hourly roll-ups (recomputed, late readings counted), retention (roll-ups kept), monthly
partitions on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from anxin.telemetry import storage
from anxin.telemetry.ingest import ingest
from anxin.telemetry.models import TelemetryHourly, TelemetryReading
from anxin.telemetry.settings import TelemetrySettings
from tests.telemetry.support import serial

HOUR = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def _send(db, world, minutes: list[int], temps: list[float]) -> None:
    readings = [
        {
            "serial": serial(world),
            "ts": (HOUR + timedelta(minutes=m)).isoformat(),
            "metrics": {"fridge_temp_c": t, "freezer_temp_c": -18.0},
        }
        for m, t in zip(minutes, temps, strict=True)
    ]
    outcome = ingest(db, tenant_id=world.tenant.id, payload={"readings": readings})
    assert outcome.accepted == len(readings), outcome.rejected


@pytest.fixture
def at_noon(time_machine):
    time_machine.move_to(HOUR + timedelta(hours=2), tick=False)


def test_an_hour_is_rolled_up_and_recomputed_with_late_readings(db, world, at_noon):
    # given three readings in the 10 o'clock hour and one at 11:10
    _send(db, world.demo, [5, 25, 45, 70], [3.0, 5.0, 7.0, 9.0])
    # when the roll-up runs
    storage.rollup(db, since=HOUR - timedelta(hours=1))
    ten = db.scalar(
        select(TelemetryHourly).where(
            TelemetryHourly.metric == "fridge_temp_c", TelemetryHourly.hour_at == HOUR
        )
    )
    # then the hour holds min, max, sum and count of its readings only
    assert (ten.min_value, ten.max_value, ten.sum_value, ten.count) == (3.0, 7.0, 15.0, 3)
    assert ten.tenant_id == world.demo.tenant.id and ten.appliance_id == world.demo.appliance_id
    assert db.scalar(select(func.count()).select_from(TelemetryHourly)) == 4  # 2 metrics × 2 hours
    # and a late reading of that hour changes it when the roll-up runs again
    _send(db, world.demo, [50], [1.0])
    storage.rollup(db, since=HOUR - timedelta(hours=1))
    db.expire_all()
    ten = db.scalar(
        select(TelemetryHourly).where(
            TelemetryHourly.metric == "fridge_temp_c", TelemetryHourly.hour_at == HOUR
        )
    )
    assert (ten.min_value, ten.count, ten.sum_value / ten.count) == (1.0, 4, 4.0)


def test_retention_drops_raw_readings_and_keeps_roll_ups(db, world, at_noon):
    _send(db, world.demo, [5, 10], [4.0, 4.0])
    storage.rollup(db, since=HOUR)
    # when retention runs a year later with a 180-day horizon
    expired = storage.expire(
        db, settings=TelemetrySettings(retention_days=180), at=HOUR + timedelta(days=365)
    )
    # then no raw reading of that day is left, and its roll-ups are
    assert db.scalar(select(func.count()).select_from(TelemetryReading)) == 0
    assert expired.rows + len(expired.partitions) >= 1
    assert db.scalar(select(func.count()).select_from(TelemetryHourly)) == 2


def test_retention_keeps_recent_readings(db, world, at_noon):
    _send(db, world.demo, [5], [4.0])
    storage.expire(db, settings=TelemetrySettings(retention_days=180), at=HOUR + timedelta(days=30))
    assert db.scalar(select(func.count()).select_from(TelemetryReading)) == 1


def test_monthly_partitions_are_made_ahead_on_postgresql(db, world):
    if db.get_bind().dialect.name != "postgresql":
        assert storage.ensure_partitions(db) == [] and storage.partitions(db) == []
        pytest.skip("SQLite keeps telemetry_reading as a plain table: no partitions (checked: none made)")
    # given a reading of a month far ahead, caught by the default partition
    far = datetime(2031, 3, 15, tzinfo=UTC)
    db.execute(
        text("INSERT INTO telemetry_reading VALUES (:a, :ts, :t, '{}'::jsonb, NULL, now())"),
        {"a": world.demo.appliance_id, "ts": far, "t": world.demo.tenant.id},
    )
    # when the partitions are made up to that month
    made = storage.ensure_partitions(
        db, settings=TelemetrySettings(partitions_ahead=3), at=datetime(2031, 1, 10, tzinfo=UTC)
    )
    # then each month from the oldest accepted to three ahead exists, and the stray row moved into its month
    assert made[-1] == "telemetry_reading_2031_04" and "telemetry_reading_2031_03" in made
    where = db.execute(
        text("SELECT tableoid::regclass::text FROM telemetry_reading WHERE ts = :ts"), {"ts": far}
    ).scalar()
    assert where == "telemetry_part.telemetry_reading_2031_03"
    # and a second run makes nothing
    assert (
        storage.ensure_partitions(
            db, settings=TelemetrySettings(partitions_ahead=3), at=datetime(2031, 1, 10, tzinfo=UTC)
        )
        == []
    )
