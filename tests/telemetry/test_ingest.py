"""The batch ingest: good readings stored, each bad one refused alone with its index and reason, replays
deduplicated, batches bounded, tenants apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin import clock
from anxin.telemetry.models import TelemetryReading
from anxin.telemetry.settings import get_telemetry_settings
from tests.telemetry.support import make_key, reading, send, serial


def _stored(db, appliance_id: int) -> int:
    return db.scalar(
        select(func.count())
        .select_from(TelemetryReading)
        .where(TelemetryReading.appliance_id == appliance_id)
    )


def test_good_readings_are_stored(client, world, db):
    key = make_key(client, world.demo)
    batch = [reading(world.demo, minutes_ago=m) for m in (30, 20, 10)]
    batch.append({**reading(world.demo, index=1), "error_code": "E1"})
    response = send(client, key, batch)
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 4,
        "duplicates": 0,
        "rejected": [],
        "counts": {},
        "alerts_opened": 0,
    }
    assert _stored(db, world.demo.appliance_id) == 3
    row = db.scalar(
        select(TelemetryReading).where(TelemetryReading.appliance_id == world.demo.other_appliance_id)
    )
    assert row.error_code == "E1" and row.tenant_id == world.demo.tenant.id
    assert row.metrics["freezer_temp_c"] == -18.5


def test_each_bad_reading_is_refused_with_its_reason(client, world, db):
    key = make_key(client, world.demo)
    now = clock.now()
    good = reading(world.demo, minutes_ago=1)
    batch = [
        good,  # 0
        {**good, "serial": "NO-SUCH-SERIAL"},  # 1
        reading(world.demo, minutes_ago=2, indoor_temp_c=25.0),  # 2: an air conditioner's metric
        reading(world.demo, minutes_ago=3, fridge_temp_c=400.0),  # 3
        {**good, "ts": (now + timedelta(hours=2)).isoformat()},  # 4
        {**good, "ts": (now - timedelta(days=365)).isoformat()},  # 5
        {**good, "ts": "yesterday"},  # 6
        {**good, "ts": "2026-12-05T10:00:00"},  # 7: no offset
        dict(good),  # 8: the same device and time again
        "not a reading",  # 9
        reading(world.demo, minutes_ago=4, fridge_temp_c="cold"),  # 10
        {**reading(world.demo, minutes_ago=5), "metrics": {}},  # 11
        {**reading(world.demo, minutes_ago=6), "error_code": "E1; DROP"},  # 12
        reading(world.demo, minutes_ago=7, fridge_temp_c=True),  # 13
        {**good, "ts": "9999-12-31T23:00:00-05:00"},  # 14: past the end of time in UTC
    ]
    response = send(client, key, batch)
    assert response.status_code == 200
    body = response.json()
    reasons = {r["index"]: (r["reason"], r["field"]) for r in body["rejected"]}
    assert reasons == {
        1: ("unknown_device", "serial"),
        2: ("unknown_metric", "indoor_temp_c"),
        3: ("out_of_range", "fridge_temp_c"),
        4: ("future_timestamp", "ts"),
        5: ("too_old", "ts"),
        6: ("malformed", "ts"),
        7: ("malformed", "ts"),
        8: ("duplicate_in_batch", "ts"),
        9: ("malformed", "reading"),
        10: ("malformed", "fridge_temp_c"),
        11: ("no_metrics", "metrics"),
        12: ("malformed", "error_code"),
        13: ("malformed", "fridge_temp_c"),
        14: ("malformed", "ts"),
    }
    assert body["accepted"] == 1
    assert body["counts"]["malformed"] == 7 and sum(body["counts"].values()) == 14
    assert all(r["message"] for r in body["rejected"])
    assert _stored(db, world.demo.appliance_id) == 1


def test_a_reason_reads_in_english_when_asked(client, world):
    key = make_key(client, world.demo)
    bad = {**reading(world.demo), "serial": "NOPE"}
    zh = send(client, key, [bad]).json()["rejected"][0]["message"]
    en = send(client, key, [bad], **{"Accept-Language": "en"}).json()["rejected"][0]["message"]
    assert "序列号" in zh and "serial number" in en


def test_a_replay_is_deduplicated_and_a_late_reading_accepted(client, world, db):
    key = make_key(client, world.demo)
    batch = [reading(world.demo, minutes_ago=m) for m in (3, 2, 1)]
    assert send(client, key, batch).json()["accepted"] == 3
    # when the device resends the same batch, plus a reading from two days ago (it was offline)
    late = reading(world.demo, minutes_ago=2 * 24 * 60)
    body = send(client, key, [*batch, late]).json()
    # then the replays are counted as duplicates, not stored twice, and the late reading is stored
    assert body["accepted"] == 1 and body["duplicates"] == 3 and body["rejected"] == []
    assert _stored(db, world.demo.appliance_id) == 4


def test_epoch_seconds_are_a_time_too(client, world, db):
    key = make_key(client, world.demo)
    stamp = (clock.now() - timedelta(minutes=1)).timestamp()
    body = send(client, key, [{**reading(world.demo), "ts": stamp}]).json()
    assert body["accepted"] == 1


def test_a_batch_over_the_limit_is_refused_whole(client, world, db, monkeypatch):
    monkeypatch.setattr(get_telemetry_settings(), "max_batch", 3)
    key = make_key(client, world.demo)
    response = send(client, key, [reading(world.demo, minutes_ago=m) for m in range(1, 5)])
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "batch_too_large"
    assert _stored(db, world.demo.appliance_id) == 0


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"readings": 5}', b'{"readings": null}', b"{}"])
def test_a_body_that_is_not_a_batch_is_a_422(client, world, body):
    key = make_key(client, world.demo)
    response = client.post(
        "/api/v1/telemetry", content=body, headers={"X-Api-Key": key, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "malformed_batch"


def test_a_body_over_the_size_limit_is_a_413(client, world):
    key = make_key(client, world.demo)
    big = [reading(world.demo, minutes_ago=m / 100) for m in range(20_000)]
    response = send(client, key, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_key_reaches_only_its_tenants_devices(client, world, db):
    # given acme's key
    key = make_key(client, world.acme)
    # when it sends readings for demo's refrigerator and for its own
    body = send(client, key, [reading(world.demo), reading(world.acme)]).json()
    # then demo's is an unknown device to it, and acme's is stored under acme
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(0, "unknown_device")]
    assert _stored(db, world.demo.appliance_id) == 0
    row = db.scalar(select(TelemetryReading).where(TelemetryReading.appliance_id == world.acme.appliance_id))
    assert row.tenant_id == world.acme.tenant.id
    assert serial(world.acme) != serial(world.demo)


def test_the_metric_catalog_is_translated(client, world):
    zh = client.get("/api/v1/telemetry/metrics", headers=world.demo.headers("technician")).json()
    en = client.get(
        "/api/v1/telemetry/metrics", headers={**world.demo.headers("agent"), "Accept-Language": "en"}
    ).json()
    air = next(c for c in zh if c["category"] == "air_conditioner")
    assert air["label"] == "空调" and {"high_pressure_mpa", "compressor_current_a"} <= {
        m["name"] for m in air["metrics"]
    }
    assert next(c for c in en if c["category"] == "water_heater")["label"] == "Water heater"
    assert client.get("/api/v1/telemetry/metrics", headers=world.demo.headers("customer")).status_code == 403
