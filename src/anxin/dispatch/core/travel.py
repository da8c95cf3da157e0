"""Travel time and distance between two points: one interface for matching, routing, ETAs and the simulator.

The default model works offline. It takes the great-circle distance, multiplies it by a detour factor (roads
are not straight lines) and divides by a speed that depends on the area type and the local hour (rush hours
are slow, nights are fast), then adds a fixed access time per visit (parking, finding the building, the lift).
The figures are settings of the model, not facts about any city; ``OfflineTravel.calibrated`` documents the
defaults. Circuity factors between 1.2 and 1.4 are what road-network studies typically report for cities
(Ballou, Rahardja and Sakai, "Selected country circuity factors for road travel distance estimation",
Transportation Research Part A 36, 2002).

A road-network backend (``OsrmTravel``) asks an OSRM server's table service for distances and free-flow
durations and applies the same hour-of-day congestion on top. It is used when ``ANXIN_OSRM_URL`` is set and
calls through the guarded client (``anxin.outbound``): a server on a private address needs its network in
``ANXIN_OUTBOUND_ALLOWED_NETWORKS``. If the server cannot be reached, or is refused, the model falls back to
the offline estimate and says so in the log.

Matrices are cached per set of points and hour, so re-planning the same day reuses them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import numpy as np
import structlog

from anxin import outbound
from anxin.geo import EARTH_RADIUS_M, Point, straight_line_metres

log = structlog.get_logger(__name__)

AREA_TYPES = ("urban", "suburban")


@dataclass(frozen=True)
class Leg:
    metres: int
    seconds: int

    @property
    def km(self) -> float:
        return self.metres / 1000

    @property
    def minutes(self) -> float:
        return self.seconds / 60


class TravelModel(Protocol):
    name: str

    def leg(self, a: Point, b: Point, at: datetime) -> Leg:
        """Road distance and driving time from ``a`` to ``b`` leaving at ``at`` (aware datetime)."""
        ...

    def matrix(self, points: Sequence[Point], at: datetime) -> tuple[np.ndarray, np.ndarray]:
        """Square int64 matrices of metres and seconds between all ``points``, for departures around ``at``."""
        ...


def _haversine_matrix(lat: np.ndarray, lng: np.ndarray) -> np.ndarray:
    p = np.radians(lat)
    lam = np.radians(lng)
    dp = p[:, None] - p[None, :]
    dl = lam[:, None] - lam[None, :]
    h = np.sin(dp / 2) ** 2 + np.cos(p)[:, None] * np.cos(p)[None, :] * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _default_speeds() -> dict[str, tuple[float, ...]]:
    """km/h for each local hour 0..23: free at night, slow in the morning and evening rush."""
    urban = [32.0] * 6 + [24.0, 16.0, 16.0, 22.0] + [24.0] * 7 + [16.0, 16.0, 20.0] + [26.0] * 4
    suburban = [48.0] * 6 + [36.0, 26.0, 26.0, 34.0] + [38.0] * 7 + [26.0, 26.0, 32.0] + [40.0] * 4
    return {"urban": tuple(urban), "suburban": tuple(suburban)}


@dataclass
class OfflineTravel:
    """Calibrated straight-line model: ``metres = great circle × detour``; ``seconds = metres / speed(area,
    hour) + access``. A leg between an urban and a suburban point drives at the mean of the two speeds."""

    timezone: str = "Asia/Shanghai"
    detour: dict[str, float] = field(default_factory=lambda: {"urban": 1.35, "suburban": 1.25})
    speeds_kmh: dict[str, tuple[float, ...]] = field(default_factory=_default_speeds)
    access_seconds: dict[str, int] = field(default_factory=lambda: {"urban": 300, "suburban": 180})
    cache_size: int = 64
    name: str = "offline"

    def __post_init__(self) -> None:
        self._zone = ZoneInfo(self.timezone)
        self._cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def hour(self, at: datetime) -> int:
        if at.tzinfo is None:
            raise ValueError("travel times need an aware datetime")
        return at.astimezone(self._zone).hour

    def speed_ms(self, area: str, hour: int) -> float:
        return self.speeds_kmh[area][hour] / 3.6

    def leg(self, a: Point, b: Point, at: datetime) -> Leg:
        if (a.lat, a.lng) == (b.lat, b.lng):
            return Leg(0, 0)
        hour = self.hour(at)
        detour = (self.detour[a.area] + self.detour[b.area]) / 2
        speed = (self.speed_ms(a.area, hour) + self.speed_ms(b.area, hour)) / 2
        metres = straight_line_metres(a, b) * detour
        return Leg(round(metres), round(metres / speed + self.access_seconds[b.area]))

    def matrix(self, points: Sequence[Point], at: datetime) -> tuple[np.ndarray, np.ndarray]:
        hour = self.hour(at)
        key = (hour, tuple((round(p.lat, 6), round(p.lng, 6), p.area) for p in points))
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        result = self._compute(points, hour)
        self._cache[key] = result
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return result

    def _compute(self, points: Sequence[Point], hour: int) -> tuple[np.ndarray, np.ndarray]:
        lat = np.array([p.lat for p in points], dtype=float)
        lng = np.array([p.lng for p in points], dtype=float)
        detour = np.array([self.detour[p.area] for p in points])
        speed = np.array([self.speed_ms(p.area, hour) for p in points])
        access = np.array([self.access_seconds[p.area] for p in points], dtype=float)
        metres = _haversine_matrix(lat, lng) * ((detour[:, None] + detour[None, :]) / 2)
        seconds = metres / ((speed[:, None] + speed[None, :]) / 2) + access[None, :]
        same = metres == 0
        seconds[same] = 0
        return np.rint(metres).astype(np.int64), np.rint(seconds).astype(np.int64)

    def congestion(self, area: str, hour: int) -> float:
        """How much slower than the fastest hour this hour is (1.0 = free flow)."""
        return max(self.speeds_kmh[area]) / self.speeds_kmh[area][hour]


class TravelUnavailable(RuntimeError):
    """The road-network backend did not answer."""


class Answer(Protocol):
    status_code: int

    def json(self) -> Any: ...


class TableClient(Protocol):
    """What ``OsrmTravel`` needs of an HTTP client: tests hand it a stand-in; without one it calls
    through ``anxin.outbound``."""

    def get(self, url: str, *, params: dict[str, str]) -> Answer: ...


# An OSRM table of a few hundred points: distances and durations as JSON numbers.
MAX_TABLE_BYTES = 16 * 1024 * 1024


@dataclass
class OsrmTravel:
    """Distances and durations from an OSRM server (``/table/v1/driving``), with the offline model's
    hour-of-day congestion applied to OSRM's free-flow durations and its access time added per visit.
    Falls back to the offline model (and logs it) when the server fails or its address is refused.
    ``allowed_networks``: the networks the guarded client may reach besides public ones (None: the
    operator's ``outbound_allowed_networks``)."""

    url: str
    fallback: OfflineTravel = field(default_factory=OfflineTravel)
    timeout: float = 5.0
    client: TableClient | None = None
    allowed_networks: Sequence[str] | None = None
    name: str = "osrm"

    def __post_init__(self) -> None:
        self._cache: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def leg(self, a: Point, b: Point, at: datetime) -> Leg:
        metres, seconds = self.matrix([a, b], at)
        return Leg(int(metres[0, 1]), int(seconds[0, 1]))

    def matrix(self, points: Sequence[Point], at: datetime) -> tuple[np.ndarray, np.ndarray]:
        hour = self.fallback.hour(at)
        key = (hour, tuple((round(p.lat, 6), round(p.lng, 6), p.area) for p in points))
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        try:
            metres, free_flow = self._table(points)
        except TravelUnavailable as error:
            log.warning("travel.osrm_unavailable", error=str(error), points=len(points))
            return self.fallback.matrix(points, at)
        factor = np.array([self.fallback.congestion(p.area, hour) for p in points])
        access = np.array([self.fallback.access_seconds[p.area] for p in points], dtype=float)
        seconds = free_flow * ((factor[:, None] + factor[None, :]) / 2) + access[None, :]
        seconds[metres == 0] = 0
        result = (np.rint(metres).astype(np.int64), np.rint(seconds).astype(np.int64))
        self._cache[key] = result
        if len(self._cache) > self.fallback.cache_size:
            self._cache.popitem(last=False)
        return result

    def _table(self, points: Sequence[Point]) -> tuple[np.ndarray, np.ndarray]:
        coordinates = ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in points)
        url = f"{self.url.rstrip('/')}/table/v1/driving/{coordinates}"
        params = {"annotations": "distance,duration"}
        try:
            if self.client is not None:
                response = self.client.get(url, params=params)
            else:
                response = outbound.get(
                    url,
                    params=params,
                    timeout=self.timeout,
                    max_bytes=MAX_TABLE_BYTES,
                    allowed_networks=self.allowed_networks,
                )
            if response.status_code != 200:
                raise TravelUnavailable(f"OSRM answered HTTP {response.status_code}")
            body = response.json()
        except (outbound.OutboundError, ValueError) as error:
            raise TravelUnavailable(str(error)) from error
        if not isinstance(body, dict):
            raise TravelUnavailable("OSRM answered something other than a JSON object")
        if body.get("code") != "Ok" or "distances" not in body or "durations" not in body:
            raise TravelUnavailable(f"OSRM answered {body.get('code')!r}")
        metres = np.array(body["distances"], dtype=float)
        seconds = np.array(body["durations"], dtype=float)
        if np.isnan(metres).any() or np.isnan(seconds).any():  # null = unreachable pair
            raise TravelUnavailable("OSRM found no route between some points")
        return metres, seconds


_models: dict[tuple[str | None, str], TravelModel] = {}


def travel_model(osrm_url: str | None = None, timezone: str = "Asia/Shanghai") -> TravelModel:
    """The process's travel model (one per configuration, so its matrix cache is shared)."""
    key = (osrm_url or None, timezone)
    model = _models.get(key)
    if model is None:
        offline = OfflineTravel(timezone=timezone)
        model = OsrmTravel(osrm_url, fallback=offline) if osrm_url else offline
        _models[key] = model
    return model
