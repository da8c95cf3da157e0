"""Points on the map and the straight-line distance between them: what every domain that deals in places
needs (evidence checks, the order pool's radius, the travel model, the simulator)."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0


@dataclass(frozen=True)
class Point:
    """A place on the map (WGS-84 degrees) and the kind of area it lies in."""

    lat: float
    lng: float
    area: str = "urban"


def straight_line_metres(a: Point, b: Point) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lng - a.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
