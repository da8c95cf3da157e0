"""Scenarios and the order stream: what a day brings, drawn in full from the seed before the run starts, so
that both policies face the same orders and the same random events.

Volume. A weekday brings about 330 new orders to a city workforce of 60 technicians (5.5 each). Orders
booked for a later window, revisits for parts and for absent customers spread the work, so a technician
makes about four visits on an ordinary day with time to spare; a city technician manages six or seven on a
full one, which the heat wave demands. Saturdays and Sundays bring 15% more (as in ``demo/history.py``).
Counts are Poisson around the mean.

Daily profile. Reports by local hour rise from 07:00 to a morning peak at 09:00–11:00, dip at lunch, hold
through the afternoon and come back at 19:00–20:00 after work, and are rare at night (``HOUR_WEIGHTS``).

Mix. Air conditioners are 30% of orders on a normal day, then refrigerators, washing machines, water
heaters and the rest (``CATEGORY_WEIGHTS``). Service types per category come from ``demo.names.PRODUCTS``:
repair weighs 60, installation 20 times the share of units a technician installs, each of the category's
other services 4 times its weight there; so repair is about two-thirds of all orders, installations about a
seventh. Brands are drawn from those that make the category.

Urgency and households. 12% of households have an elderly member and 6% an infant (as in the demo city).
Urgent: 15% of gas-stove repairs (a smell of gas), 6% of water-heater repairs (a leak), 3% of other
repairs; and in the heat wave every air-conditioner repair in an elderly or infant household.

When the visit is wanted. Installations, maintenance, cleaning, relocation and inspection are booked into
a two-hour window the customer picks (09–11, 11–13, 13–15, 15–17, or 17–19 for jobs of an hour or less,
which the late shift covers), a quarter of them later the same
day when a window starts at least three hours ahead, the rest the next day. Repairs reported 08:00–16:00 are
"as soon as possible" four times in five; the fifth customer books a window (the same day if one starts
two hours ahead, else the next). Repairs reported 16:00–22:00 are booked for the next day (nobody promises a
repair visit at 21:00) unless urgent. Repairs reported in quiet hours (22:00–08:00) are as soon as possible
half the time, their clocks starting at 08:00 as the product's SLA rule says, and booked otherwise.

Visits. Planned minutes on site come from ``dispatch.core.rules.service_minutes``; the actual time is the
plan times a log-normal factor with mean 1 and σ = 0.35 (a fifth of visits overrun the plan by more than a
quarter). A first repair visit finds the customer out 4% of the time (ten minutes at the door, then the
customer rebooks the next day) and needs a part 14% of the time: the visit ends after diagnosis (60% of the
plan), the part arrives one to three days later in the morning and the customer books a window that day for
the second visit (70% of the plan). Other visits find the customer out 3% of the time.

Dispatch events. Each offer of an order to a technician is rejected 6% of the time (after one and a half
times the acknowledgement delay); otherwise it is acknowledged after a log-normal delay (median 4 minutes).
An appointment booking is confirmed to the customer after a log-normal delay (median 8 minutes). The draws
are made per order and consumed in order, so an order's k-th offer meets the same answer in both policies.

Scenarios: ``normal`` (a weekday), ``heatwave`` (twice the orders, the extra all air conditioners, so they
become two-thirds of the work, mostly repairs and installations) and ``shortage`` (a normal weekday with a
fifth of the technicians off).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np

from anxin.demo.names import BRANDS, PRODUCTS
from anxin.dispatch.core import scoring
from anxin.dispatch.core.rules import requirement_for, service_minutes
from anxin.geo import Point
from anxin.simulation.city import Geography

DAY = 86_400
HOUR = 3_600
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 8, 12, 12, 11, 9, 9, 10, 10, 9, 8, 8, 9, 8, 6, 3, 2)
CATEGORY_WEIGHTS = {
    "air_conditioner": 30, "refrigerator": 13, "washing_machine": 14, "water_heater": 12, "range_hood": 8,
    "gas_stove": 5, "dishwasher": 3, "television": 7, "water_purifier": 6, "microwave": 2,
}  # fmt: skip
SLOTS = ((9, 0.27), (11, 0.16), (13, 0.27), (15, 0.20), (17, 0.10))  # window start hour, preference
SLOT_HOURS = 2
EVENING_SLOT = 17  # offered only for jobs of an hour or less (``EVENING_MAX_MINUTES``)
EVENING_MAX_MINUTES = 60
QUIET_END = 8 * HOUR
ASAP_SHARE_DAY = 0.8
ASAP_SHARE_NIGHT = 0.5
URGENT = {"gas_stove": 0.15, "water_heater": 0.06}
URGENT_OTHER = 0.03
ELDERLY, INFANT = 0.12, 0.06
DURATION_SIGMA = 0.35
NO_SHOW_FIRST, NO_SHOW_LATER = 0.04, 0.02
NO_SHOW_OTHER = 0.03
PARTS = 0.14
DIAGNOSIS_SHARE, REFIT_SHARE = 0.6, 0.7
NO_SHOW_MINUTES = 10
REJECT = 0.06
ACK_MEDIAN_MINUTES, ACK_SIGMA = 4.0, 0.8
CONFIRM_MEDIAN_MINUTES, CONFIRM_SIGMA = 8.0, 0.9
WEEKEND_FACTOR = 1.15
MAX_VISITS = 4
MAX_OFFERS = 12
WARM_UP_FROM = 16 * HOUR  # day 0 brings only its evening's orders (the first measured day's bookings)


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    orders_per_day: float = 330.0
    category_weights: dict[str, float] = field(default_factory=lambda: dict(CATEGORY_WEIGHTS))
    ac_service_factors: dict[str, float] = field(default_factory=dict)  # service type -> weight factor
    vulnerable_ac_urgent: bool = False
    absent_share: float = 0.0
    technicians: int = 60


def _heatwave() -> Scenario:
    weights = dict(CATEGORY_WEIGHTS)
    others = sum(w for c, w in weights.items() if c != "air_conditioner")
    weights["air_conditioner"] = 2 * sum(weights.values()) - others  # twice the orders, the rest unchanged
    return Scenario(
        "heatwave",
        "a heat wave: twice the orders, the extra all air conditioners (mostly repairs); "
        "AC repairs in elderly or infant households are urgent",
        orders_per_day=660.0,
        category_weights=weights,
        ac_service_factors={"repair": 1.6, "installation": 1.2, "cleaning": 0.4, "maintenance": 0.4},
        vulnerable_ac_urgent=True,
    )


SCENARIOS: dict[str, Scenario] = {
    "normal": Scenario("normal", "a normal weekday: about 330 orders for 60 technicians"),
    "heatwave": _heatwave(),
    "shortage": Scenario(
        "shortage", "a normal weekday with a fifth of the technicians off", absent_share=0.2
    ),
}


@dataclass(frozen=True)
class VisitDraw:
    """What one visit of an order will turn out to be: its actual length against the plan and its outcome."""

    factor: float
    outcome: float  # uniform draw, compared with the no-show and parts shares


@dataclass(frozen=True)
class Order:
    """One order of the stream, with every random thing that will happen to it."""

    id: int
    created: int  # seconds after the origin (local midnight of day 0)
    day: int
    measured: bool
    district: str
    point: Point
    category: str
    service_type: str
    brand: str
    urgent: bool
    elderly: bool
    infant: bool
    asap: bool
    clock_start: int  # when the SLA clocks start (quiet hours move it to 08:00)
    window: tuple[int, int] | None  # the booked window for appointments
    planned_seconds: int
    job: scoring.Job
    draws: tuple[VisitDraw, ...]
    parts_days: int
    rebook: tuple[float, ...]  # uniform draws to pick rebooked windows
    ack_seconds: tuple[int, ...]
    rejects: tuple[bool, ...]
    confirm_seconds: int

    @property
    def vulnerable(self) -> bool:
        return self.elderly or self.infant

    @property
    def arrival_clock(self) -> int:
        """Where the arrival clock starts: the clock start, or the booked window's start."""
        return self.window[0] if self.window is not None else self.clock_start

    def arrive_target(self) -> int:
        """The arrival limit: four hours (two when urgent) after the arrival clock starts."""
        return self.arrival_clock + (2 if self.urgent else 4) * HOUR


def at(origin: datetime, seconds: int) -> datetime:
    return origin + timedelta(seconds=int(seconds))


def pick_slot(day_start: int, earliest: int, u: float, *, evening: bool = True) -> tuple[int, int] | None:
    """The window a customer picks on the day starting at ``day_start``: by preference, among those starting
    no earlier than ``earliest`` (the evening one only when ``evening``: jobs of an hour or less); None when
    none is left."""
    options = [
        (day_start + h * HOUR, w)
        for h, w in SLOTS
        if day_start + h * HOUR >= earliest and (evening or h < EVENING_SLOT)
    ]
    if not options:
        return None
    total = sum(w for _, w in options)
    acc = 0.0
    for start, weight in options:
        acc += weight / total
        if u < acc:
            return start, start + SLOT_HOURS * HOUR
    start = options[-1][0]
    return start, start + SLOT_HOURS * HOUR


def _service_weights(scenario: Scenario) -> dict[str, tuple[list[str], np.ndarray]]:
    out = {}
    for category, product in PRODUCTS.items():
        weights = {"repair": 60.0}
        if product.install:
            weights["installation"] = 20 * product.install
        for service, weight in product.services:
            weights[service] = 4.0 * weight
        if category == "air_conditioner":
            for service, factor in scenario.ac_service_factors.items():
                if service in weights:
                    weights[service] *= factor
        names = list(weights)
        p = np.array([weights[n] for n in names])
        out[category] = (names, p / p.sum())
    return out


def _lognormal(rng: np.random.Generator, median_minutes: float, sigma: float, size: int) -> np.ndarray:
    return np.clip(rng.lognormal(math.log(median_minutes * 60), sigma, size), 30, 3600).astype(int)


def generate_orders(
    scenario: Scenario, geography: Geography, rng: np.random.Generator, *, origin: datetime, days: int
) -> list[Order]:
    """The orders of day 0 (evening only: the warm-up), days 1..``days`` (measured) and day ``days`` + 1
    (the tail, unmeasured, so that the last measured day's work meets a realistic next day)."""
    categories = list(scenario.category_weights)
    category_p = np.array([scenario.category_weights[c] for c in categories], dtype=float)
    category_p /= category_p.sum()
    services = _service_weights(scenario)
    makers = {c: [code for code, *_rest, makes in BRANDS if c in makes] for c in PRODUCTS}
    hour_p = np.array(HOUR_WEIGHTS, dtype=float) / sum(HOUR_WEIGHTS)
    raw = []
    for day in range(days + 2):
        weekday = (origin.date() + timedelta(days=day)).weekday()
        mean = scenario.orders_per_day * (WEEKEND_FACTOR if weekday >= 5 else 1.0)
        count = int(rng.poisson(mean))
        hours = rng.choice(24, size=count, p=hour_p)
        moments = day * DAY + (hours * HOUR + rng.uniform(0, HOUR, count)).astype(int)
        for moment in moments:
            if day == 0 and moment < WARM_UP_FROM:
                continue
            raw.append((int(moment), day))
    raw.sort()
    orders = []
    for index, (created, day) in enumerate(raw):
        orders.append(_order(index + 1, created, day, days, scenario, geography, rng, categories, category_p,
                             services, makers, origin))  # fmt: skip
    return orders


def _order(
    order_id: int,
    created: int,
    day: int,
    days: int,
    scenario: Scenario,
    geography: Geography,
    rng: np.random.Generator,
    categories: list[str],
    category_p: np.ndarray,
    services: dict[str, tuple[list[str], np.ndarray]],
    makers: dict[str, list[str]],
    origin: datetime,
) -> Order:
    district_index = int(rng.choice(len(geography.districts), p=geography.weights))
    district = geography.districts[district_index]
    point = geography.home(rng, district_index)
    category = categories[int(rng.choice(len(categories), p=category_p))]
    names, service_p = services[category]
    service = names[int(rng.choice(len(names), p=service_p))]
    brand = makers[category][int(rng.integers(len(makers[category])))]
    elderly = bool(rng.random() < ELDERLY)
    infant = bool(rng.random() < INFANT)
    u_urgent, u_asap, u_day, u_slot = (float(u) for u in rng.random(4))
    repair = service == "repair"
    urgent = repair and bool(
        u_urgent < URGENT.get(category, URGENT_OTHER)
        or (scenario.vulnerable_ac_urgent and category == "air_conditioner" and (elderly or infant))
    )
    day_start = day * DAY
    local = created - day_start
    window = None
    clock_start = created if QUIET_END <= local < 22 * HOUR else (
        day_start + QUIET_END if local < QUIET_END else day_start + DAY + QUIET_END
    )  # fmt: skip
    daytime = 8 * HOUR <= local < 16 * HOUR
    night = local >= 22 * HOUR or local < QUIET_END
    asap = repair and (
        urgent or (daytime and u_asap < ASAP_SHARE_DAY) or (night and u_asap < ASAP_SHARE_NIGHT)
    )
    planned = service_minutes(category, service) * 60
    if not asap:
        lead = (2 if repair else 3) * HOUR
        same_day_wanted = repair or u_day < 0.25
        next_day = day_start + DAY if local >= QUIET_END else day_start
        evening = planned <= EVENING_MAX_MINUTES * 60
        if local < QUIET_END:  # a night report books the coming day
            window = pick_slot(next_day, created + lead, u_slot, evening=evening)
        elif same_day_wanted and local < 16 * HOUR:
            window = pick_slot(day_start, created + lead, u_slot, evening=evening)
        if window is None:
            window = pick_slot(
                next_day if local >= QUIET_END else day_start + DAY, created, u_slot, evening=evening
            )
    draws = tuple(
        VisitDraw(float(f), float(u))
        for f, u in zip(
            rng.lognormal(-(DURATION_SIGMA**2) / 2, DURATION_SIGMA, MAX_VISITS),
            rng.random(MAX_VISITS),
            strict=True,
        )
    )
    parts_days = int(rng.integers(1, 4))
    rebook = tuple(float(u) for u in rng.random(MAX_VISITS))
    acks = _lognormal(rng, ACK_MEDIAN_MINUTES, ACK_SIGMA, MAX_OFFERS)
    rejects = rng.random(MAX_OFFERS) < REJECT
    confirm = int(_lognormal(rng, CONFIRM_MEDIAN_MINUTES, CONFIRM_SIGMA, 1)[0])
    requirement = requirement_for(category, service)
    job = scoring.Job(
        order_id=order_id,
        category=category,
        service_type=service,
        point=point,
        requirement=requirement,
        brand=brand,
        district=district.name,
        priority="urgent" if urgent else "normal",
        vulnerable=elderly or infant,
        created_at=at(origin, created),
        arrive_by=None,
        window=None,
        service_minutes=planned // 60,
    )
    order = Order(
        id=order_id, created=created, day=day, measured=1 <= day <= days, district=district.name, point=point,
        category=category, service_type=service, brand=brand, urgent=urgent, elderly=elderly, infant=infant,
        asap=asap, clock_start=clock_start, window=window, planned_seconds=planned, job=job, draws=draws,
        parts_days=parts_days, rebook=rebook, ack_seconds=tuple(int(a) for a in acks),
        rejects=tuple(bool(r) for r in rejects), confirm_seconds=confirm,
    )  # fmt: skip
    return replace(order, job=job_for(order, origin, window=window))


def job_for(
    order: Order, origin: datetime, *, window: tuple[int, int] | None, planned: int | None = None
) -> scoring.Job:
    """The product's view of one visit of ``order``: its window (booked) or its arrival limit (as soon as
    possible), and the minutes it is planned to take."""
    if window is not None:
        return replace(
            order.job,
            window=(at(origin, window[0]), at(origin, window[1])),
            arrive_by=at(origin, window[1]),
            service_minutes=(planned or order.planned_seconds) // 60,
        )
    return replace(
        order.job,
        window=None,
        arrive_by=at(origin, order.arrive_target()),
        service_minutes=(planned or order.planned_seconds) // 60,
    )


def origin_for(first_day: date, timezone: str = "Asia/Shanghai") -> datetime:
    """Local midnight of day 0, the evening before the first measured day."""
    from zoneinfo import ZoneInfo

    day0 = first_day - timedelta(days=1)
    return datetime(day0.year, day0.month, day0.day, tzinfo=ZoneInfo(timezone))
