"""Whatever a batch holds, the ingest path answers for every reading (stored, duplicate or refused with a
reason) and never fails as a whole."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.telemetry.ingest import REASONS, ingest
from tests.telemetry.support import serial

JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=30)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
METRIC_NAMES = st.sampled_from(["fridge_temp_c", "freezer_temp_c", "door_openings", "indoor_temp_c", "x"])
READING = st.fixed_dictionaries(
    {
        "serial": st.sampled_from(["SNDEMO0000", "SNDEMO0001", "SNACME0000", "", "?"]) | ANY_JSON,
        "ts": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()) | ANY_JSON,
        "metrics": st.dictionaries(
            METRIC_NAMES, st.floats() | st.integers(-100, 10**8) | ANY_JSON, max_size=4
        )
        | ANY_JSON,
    },
    optional={"error_code": st.text(max_size=25) | ANY_JSON},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(READING | ANY_JSON, max_size=12))
def test_every_reading_is_answered_for(db, world, batch):
    assert serial(world.demo) == "SNDEMO0000"
    outcome = ingest(db, tenant_id=world.demo.tenant.id, payload={"readings": batch})
    assert outcome.accepted + outcome.duplicates + len(outcome.rejected) == len(batch)
    assert {r["reason"] for r in outcome.rejected} <= set(REASONS)
    assert sorted(r["index"] for r in outcome.rejected) == sorted({r["index"] for r in outcome.rejected})
    db.rollback()
