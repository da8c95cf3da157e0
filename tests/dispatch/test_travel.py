"""The travel model: offline estimates that follow the hour and the area, matrices that agree with single
legs, and the OSRM backend read from a (mocked) table service with a fallback when it fails."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import numpy as np
import pytest

from anxin.dispatch.core.travel import OfflineTravel, OsrmTravel
from anxin.geo import Point, straight_line_metres

A = Point(30.274, 120.125)  # 西湖区
B = Point(30.255, 120.180)  # 上城区
C = Point(30.168, 120.268, "suburban")  # 萧山区
RUSH = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 08:30 in Hangzhou
MIDDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00
NIGHT = datetime(2026, 11, 22, 17, 0, tzinfo=UTC)  # 01:00


def test_a_leg_is_the_great_circle_times_the_detour_and_rush_hour_is_slower():
    model = OfflineTravel()
    straight = straight_line_metres(A, B)
    assert 5_000 < straight < 6_000  # about 5.6 km between the two district centres
    rush, midday, night = (model.leg(A, B, t) for t in (RUSH, MIDDAY, NIGHT))
    assert rush.metres == midday.metres == round(straight * 1.35)
    assert rush.seconds > midday.seconds > night.seconds
    assert model.leg(A, A, MIDDAY).seconds == 0


def test_the_matrix_agrees_with_single_legs_and_is_cached():
    model = OfflineTravel()
    metres, seconds = model.matrix([A, B, C], MIDDAY)
    for i, p in enumerate([A, B, C]):
        for j, q in enumerate([A, B, C]):
            leg = model.leg(p, q, MIDDAY)
            assert abs(int(metres[i, j]) - leg.metres) <= 1 and abs(int(seconds[i, j]) - leg.seconds) <= 1
    again = model.matrix([A, B, C], MIDDAY)
    assert again[0] is metres  # the same hour and points come from the cache


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError):
        OfflineTravel().leg(A, B, datetime(2026, 11, 23, 8, 0))


def test_osrm_distances_are_used_with_the_hour_congestion_applied():
    calls = []

    def table(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        return httpx.Response(
            200, json={"code": "Ok", "distances": [[0, 7000], [7100, 0]], "durations": [[0, 600], [620, 0]]}
        )

    model = OsrmTravel("http://osrm.test", client=httpx.Client(transport=httpx.MockTransport(table)))
    night, rush = model.leg(A, B, NIGHT), model.leg(A, B, RUSH)
    assert night.metres == 7000 and rush.metres == 7000
    assert night.seconds == 600 + 300  # free flow at night plus the urban access time
    assert rush.seconds == round(600 * 2 + 300)  # 32 km/h free vs 16 km/h in the rush hour
    assert "/table/v1/driving/120.125000,30.274000;120.180000,30.255000" in str(calls[0])


def test_osrm_failure_falls_back_to_the_offline_model():
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="bad gateway")

    model = OsrmTravel("http://osrm.test", client=httpx.Client(transport=httpx.MockTransport(broken)))
    metres, seconds = model.matrix([A, B], MIDDAY)
    expected = OfflineTravel().matrix([A, B], MIDDAY)
    assert np.array_equal(metres, expected[0]) and np.array_equal(seconds, expected[1])
