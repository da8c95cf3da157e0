"""The simulated city: the demo city's geography (Hangzhou-like districts and outlets,
``demo.names.HANGZHOU``) and a workforce of technicians with skills, levels, certificates, brand
authorisations and shifts.

Geography. Homes are scattered around district centres the way ``demo/city.py`` scatters addresses (a box of
``District.spread`` degrees, 1.15 times wider east–west), so urban homes lie within about 3 km of the centre
and suburban ones within about 5 km. Each outlet sits at its district's centre; 富阳区 has no outlet and is
served by 余杭's.

Technicians. The demo city has 60 technicians over 8 outlets. Here they are spread over the outlets in
proportion to the homes each outlet serves, a suburban home counting a quarter more because it takes longer
to reach (``SUBURBAN_STAFFING``), which is how a provider staffs outlets. Each technician starts and ends the
day at their outlet and covers the outlet's districts plus those whose centre lies within 19 km of it
(``COVERAGE_KM``: the neighbouring districts, but not across the city). Trades follow ``demo/city.py``: one
or two trades, and half of them also do air conditioners and refrigerators, the bulk of the work. Levels
are 35% junior, 45% senior, 20% master. Certificates follow the trade (``dispatch.core.rules``): most
air-conditioner technicians hold the refrigerant licence and about two-thirds of them the work-at-height
one that outdoor units need; gas-appliance technicians the gas licence; half of everyone an electrician's.
Own outlets are authorised for every brand, third-party ones for six of the nine. After the draw every
outlet is topped up so that each category, service type and certificate it needs is covered by at least
one of its own.

Shifts. Three in four work 08:30–18:00, one in four 10:30–20:00 (they take the evening windows); both take a
45-minute lunch break somewhere in a two-hour window. Ratings (4.2–5.0) and first-time-fix shares are drawn
per technician; the product's score uses them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from anxin.demo.names import BRANDS, HANGZHOU, City
from anxin.dispatch.core import scoring
from anxin.dispatch.core.rules import LEVELS, requirement_for
from anxin.geo import Point, straight_line_metres

COVERAGE_KM = 19.0
SUBURBAN_STAFFING = 1.25  # a suburban home takes longer to reach, so its outlet gets more hands
TRADES: tuple[tuple[str, ...], ...] = (
    ("air_conditioner", "refrigerator"),
    ("washing_machine", "dishwasher"),
    ("water_heater", "gas_stove", "range_hood"),
    ("television", "microwave"),
    ("water_purifier", "water_heater"),
)
THIRD_PARTY_BRANDS = 6
LEVEL_WEIGHTS = (0.35, 0.45, 0.20)
LUNCH_MINUTES = 45
DAY_CAPACITY = 10  # orders a technician may be booked for on one day (the score's load component)


@dataclass(frozen=True)
class ShiftPattern:
    """A daily shift in seconds after local midnight, with a break of ``break_seconds`` taken somewhere in
    ``break_window``."""

    name: str
    start: int
    end: int
    break_window: tuple[int, int]
    break_seconds: int = LUNCH_MINUTES * 60

    @property
    def working_seconds(self) -> int:
        return self.end - self.start - self.break_seconds


def _hm(hours: int, minutes: int = 0) -> int:
    return hours * 3600 + minutes * 60


DAY_SHIFT = ShiftPattern("day", _hm(8, 30), _hm(18), (_hm(11, 30), _hm(13, 30)))
LATE_SHIFT = ShiftPattern("late", _hm(10, 30), _hm(20), (_hm(12, 30), _hm(14, 30)))
LATE_SHARE = 0.25


@dataclass(frozen=True)
class Outlet:
    id: int
    code: str
    kind: str  # own | third_party
    district: str
    point: Point
    serves: tuple[str, ...]  # districts it is the home outlet of
    brands: frozenset[str] | None  # None = every brand


@dataclass(frozen=True)
class TechSpec:
    """One technician as the simulator knows them: fixed for the whole run."""

    id: int
    name: str
    outlet: Outlet
    shift: ShiftPattern
    level: str
    categories: frozenset[str]
    certificates: frozenset[str]
    coverage: frozenset[str]
    rating: float
    ratings: int
    first_time_fix: float

    @property
    def base(self) -> Point:
        return self.outlet.point

    def scoring_tech(
        self,
        *,
        day: date,
        day_start: datetime,
        status: str = "available",
        booked: int = 0,
        free_at: datetime | None = None,
        position: Point | None = None,
        position_source: str = "base",
        lunch: tuple[datetime, datetime] | None = None,
    ) -> scoring.Tech:
        """The product's view of this technician at one moment (``day_start``: local midnight of ``day``)."""
        shift = scoring.Shift(
            start=day_start + timedelta(seconds=self.shift.start),
            end=day_start + timedelta(seconds=self.shift.end),
            breaks=(lunch,) if lunch is not None else (),
        )
        return scoring.Tech(
            id=self.id,
            name=self.name,
            status=status,
            outlet_id=self.outlet.id,
            coverage=self.coverage,
            skills={(category, "*"): self.level for category in self.categories},
            brands=self.outlet.brands,
            certificates=dict.fromkeys(self.certificates, day + timedelta(days=730)),
            shift=shift,
            capacity=DAY_CAPACITY,
            booked=booked,
            free_at=free_at,
            position=position or self.base,
            position_source=position_source,
            rating=self.rating,
            ratings=self.ratings,
            first_time_fix=self.first_time_fix,
        )


@dataclass
class Geography:
    """Districts, outlets and how to scatter homes; the same city for every seed."""

    city: City = field(default_factory=lambda: HANGZHOU)

    def __post_init__(self) -> None:
        self.districts = self.city.districts
        self.district_by_name = {d.name: d for d in self.districts}
        self.weights = np.array([d.weight for d in self.districts], dtype=float)
        self.weights /= self.weights.sum()
        outlets = []
        for index, (code, _name, kind, district_name) in enumerate(self.city.outlets):
            district = self.district_by_name[district_name]
            serves = tuple(
                d.name for d in self.districts if self.city.served_by.get(d.name, d.name) == district_name
            )
            outlets.append(
                Outlet(index + 1, code, kind, district_name, Point(district.lat, district.lng, district.area_type),
                       serves, None)
            )  # fmt: skip
        self.outlets = tuple(outlets)

    def home(self, rng: np.random.Generator, district_index: int) -> Point:
        district = self.districts[district_index]
        return Point(
            round(district.lat + rng.uniform(-1, 1) * district.spread, 6),
            round(district.lng + rng.uniform(-1, 1) * district.spread * 1.15, 6),
            district.area_type,
        )

    def coverage(self, outlet: Outlet) -> frozenset[str]:
        covered = set(outlet.serves)
        for district in self.districts:
            here = Point(district.lat, district.lng, district.area_type)
            if straight_line_metres(outlet.point, here) <= COVERAGE_KM * 1000:
                covered.add(district.name)
        return frozenset(covered)

    def staffing(self, technicians: int) -> list[int]:
        """Technicians per outlet, in proportion to the homes each serves, suburban homes counting a quarter
        more (largest remainders)."""
        shares = []
        for outlet in self.outlets:
            districts = [self.district_by_name[name] for name in outlet.serves]
            shares.append(
                sum(d.weight * (SUBURBAN_STAFFING if d.area_type == "suburban" else 1) for d in districts)
            )
        total = sum(shares)
        exact = [technicians * s / total for s in shares]
        least = 1 if technicians >= len(shares) else 0
        counts = [max(least, int(x)) for x in exact]
        for index in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True):
            if sum(counts) >= technicians:
                break
            counts[index] += 1
        return counts


def _needs(categories: Iterable[str]) -> list[tuple[str, str]]:
    return [(category, service) for category in categories for service in ("repair", "installation")]


def build_workforce(geography: Geography, rng: np.random.Generator, technicians: int = 60) -> list[TechSpec]:
    """Draw the technicians (deterministic for the generator's state)."""
    brand_codes = [code for code, *_ in BRANDS]
    outlets = []
    for outlet in geography.outlets:
        brands = None
        if outlet.kind == "third_party":
            chosen = rng.choice(len(brand_codes), THIRD_PARTY_BRANDS, replace=False)
            brands = frozenset(brand_codes[i] for i in sorted(chosen))
        outlets.append(
            Outlet(outlet.id, outlet.code, outlet.kind, outlet.district, outlet.point, outlet.serves, brands)
        )
    specs: list[dict] = []
    for outlet, count in zip(outlets, geography.staffing(technicians), strict=True):
        coverage = geography.coverage(outlet)
        for _ in range(count):
            trades = [
                TRADES[i] for i in rng.choice(len(TRADES), 2 if rng.random() < 0.6 else 1, replace=False)
            ]
            categories = {c for trade in trades for c in trade}
            if rng.random() < 0.5:
                categories |= set(TRADES[0])
            certificates = set()
            if "air_conditioner" in categories or "refrigerator" in categories:
                if rng.random() < 0.9:
                    certificates.add("refrigerant")
                if "air_conditioner" in categories and rng.random() < 0.65:
                    certificates.add("height")
            if categories & {"gas_stove", "water_heater"} and rng.random() < 0.85:
                certificates.add("gas")
            if rng.random() < 0.5:
                certificates.add("electrician")
            specs.append(
                {
                    "outlet": outlet,
                    "coverage": coverage,
                    "categories": categories,
                    "certificates": certificates,
                    "level": LEVELS[int(rng.choice(3, p=LEVEL_WEIGHTS))],
                    "shift": LATE_SHIFT if rng.random() < LATE_SHARE else DAY_SHIFT,
                    "rating": round(float(rng.uniform(4.2, 5.0)), 2),
                    "ratings": int(rng.integers(3, 400)),
                    "first_time_fix": round(float(rng.uniform(0.7, 0.95)), 3),
                }
            )
    all_categories = sorted({c for trade in TRADES for c in trade})
    for outlet in outlets:  # every outlet can do every job of every category on its own
        staff = [s for s in specs if s["outlet"] is outlet]
        if not staff:
            continue
        for category, service in _needs(all_categories):
            need = requirement_for(category, service)
            if any(
                category in s["categories"]
                and need.certificates <= s["certificates"]
                and LEVELS.index(s["level"]) >= LEVELS.index(need.level)
                for s in staff
            ):
                continue
            chosen = staff[int(rng.integers(len(staff)))]
            chosen["categories"].add(category)
            chosen["certificates"] |= need.certificates
            if LEVELS.index(chosen["level"]) < LEVELS.index(need.level):
                chosen["level"] = need.level
    return [
        TechSpec(
            id=index + 1,
            name=f"T{index + 1:02d}",
            outlet=s["outlet"],
            shift=s["shift"],
            level=s["level"],
            categories=frozenset(s["categories"]),
            certificates=frozenset(s["certificates"]),
            coverage=s["coverage"],
            rating=s["rating"],
            ratings=s["ratings"],
            first_time_fix=s["first_time_fix"],
        )
        for index, s in enumerate(specs)
    ]


def qualified(
    job: scoring.Job, techs: Iterable[TechSpec], *, day: date, day_start: datetime
) -> frozenset[int]:
    """The technicians the product's hard rules allow on ``job`` (coverage, skill, level, brand, certificate),
    whatever their shift or load: what both policies call "qualified"."""
    allowed = set()
    for tech in techs:
        if not scoring.refusals(job, tech.scoring_tech(day=day, day_start=day_start), on=day):
            allowed.add(tech.id)
    return frozenset(allowed)
