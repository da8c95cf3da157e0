"""The event loop: technicians on shifts working the visits a policy gives them, through a stream of orders.

Time is integer seconds after the origin, local midnight of day 0 (the evening before the first measured
day); every travel-model call gets the matching aware datetime. Events are kept in a heap ordered by time
and then by the order they were scheduled in, so a run is a pure function of its inputs.

What the engine does for every policy alike:

* Offers. ``offer`` puts a visit on a technician's queue and draws the technician's answer from the order's
  pre-drawn stream: acknowledged after a delay, or rejected (the visit leaves the queue and goes back to the
  policy). Technicians answer between 08:00 and 22:00; an offer made at night is answered in the morning.
* Working. An idle technician on shift asks the policy what to do next. They take their lunch break at the
  first idle moment inside its window. They set off for an acknowledged visit at once, or, for a booked
  window more than a quarter of an hour away, so as to arrive ten minutes before it opens. On site they wait
  for the window, then serve for the visit's actual length (the plan times the drawn factor). They do not
  set off after their shift ends; work that runs past the end is overtime; they drive back to their outlet.
* Outcomes. A visit either completes the order, finds the customer out (ten minutes at the door; the
  customer rebooks a window the next day) or needs a part (diagnosis only; the part arrives at 09:00 one
  to three days later and the customer books a window that day). The order's completion clock is paused
  from the end of such a visit to the start of the rebooked window.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import numpy as np

from anxin.dispatch.core import scoring
from anxin.dispatch.core.travel import OfflineTravel, TravelModel
from anxin.geo import Point
from anxin.simulation import scenarios as sc
from anxin.simulation.city import Geography, TechSpec, build_workforce, qualified
from anxin.simulation.scenarios import DAY, HOUR, Order, Scenario

FIRST_DAY = date(2026, 7, 15)  # a Wednesday in July
REACHABLE = (8 * HOUR, 22 * HOUR)  # technicians answer offers in these local hours
EARLY_SECONDS = 10 * 60  # aim to arrive this long before a booked window opens
LEAVE_SLACK = 15 * 60  # ... and set off at once when that is less than this away
END_OF_RUN = 22 * HOUR  # the run ends at 22:00 of the day after the last measured day
PARTS_ARRIVE = 9 * HOUR


@dataclass(eq=False)
class Visit:
    """One trip to a customer for an order: the first, or a revisit after a part or an absent customer."""

    key: str
    order: Order
    number: int
    created: int
    window: tuple[int, int] | None
    planned: int  # seconds the plan allows on site
    actual: int  # seconds it will really take
    outcome: str  # done | no_show | parts
    job: scoring.Job
    eligible: frozenset[int]
    tech: int | None = None
    offer: int = 0  # the pending offer's number (1-based); 0 = none pending
    acked: bool = False
    state: str = "open"  # open | travel | on_site | done
    arrived: int | None = None
    relaxed: int = 0  # how often the optimiser could not fit it by its arrival limit
    plan_day: int | None = None  # the day a policy means to do it (None: its due day)
    excluded: set[int] = field(default_factory=set)

    @property
    def target(self) -> int:
        """The latest arrival the plan aims for: the window's end, or the order's arrival limit."""
        if self.window is not None:
            return self.window[1]
        return self.order.arrive_target()

    @property
    def earliest(self) -> int:
        return self.window[0] if self.window is not None else max(self.created, self.order.clock_start)

    @property
    def day(self) -> int:
        return self.earliest // DAY

    @property
    def urgent(self) -> bool:
        return self.order.urgent

    def can_do(self, tech_id: int) -> bool:
        return tech_id in self.eligible and tech_id not in self.excluded


@dataclass(eq=False)
class OrderRecord:
    order: Order
    responded: int | None = None
    first_arrival: int | None = None
    completed: int | None = None
    paused: int = 0
    offers: int = 0
    rejections: int = 0
    visits: list[Visit] = field(default_factory=list)


@dataclass
class DayStats:
    km: float = 0.0
    travel_seconds: int = 0
    service_seconds: int = 0
    visits: int = 0
    completed: int = 0
    overtime_seconds: int = 0
    overrun_visits: int = 0


@dataclass(eq=False)
class Technician:
    spec: TechSpec
    present: bool
    position: Point
    state: str = "off"  # off | idle | travel | on_site | lunch
    queue: list[Visit] = field(default_factory=list)
    current: Visit | None = None
    departed: int = 0
    trip_from: Point | None = None
    free_at: int = 0  # when the current activity ends (the engine's truth, not the plan's)
    service_begin: int = 0  # when service at the current visit began (or will, after waiting)
    lunch_day: int = -1
    days: dict[int, DayStats] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.spec.id

    def stats(self, day: int) -> DayStats:
        return self.days.setdefault(day, DayStats())


class Policy(Protocol):
    name: str

    def attach(self, sim: Simulation) -> None: ...
    def release_time(self, visit: Visit) -> int: ...
    def on_release(self, visit: Visit) -> None: ...
    def on_rejected(self, visit: Visit) -> None: ...
    def next_for(self, tech: Technician) -> Visit | None: ...
    def on_tick(self) -> None: ...
    def summary(self) -> dict[str, Any]: ...


class Simulation:
    """One run: a scenario, a policy and a seed. ``run()`` returns itself with everything recorded."""

    def __init__(
        self,
        scenario: Scenario,
        policy: Policy,
        *,
        seed: int = 1,
        days: int = 1,
        travel: TravelModel | None = None,
        first_day: date = FIRST_DAY,
        tick_minutes: int = 30,
    ) -> None:
        self.scenario, self.policy, self.seed, self.days = scenario, policy, seed, days
        self.travel = travel or OfflineTravel()
        self.tick_seconds = tick_minutes * 60
        self.origin = sc.origin_for(first_day)
        self.geography = Geography()
        city_rng, absent_rng, order_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)
        )
        specs = build_workforce(self.geography, city_rng, scenario.technicians)
        absent = set()
        if scenario.absent_share:
            count = round(len(specs) * scenario.absent_share)
            absent = {specs[int(i)].id for i in absent_rng.choice(len(specs), count, replace=False)}
        self.techs = {s.id: Technician(s, s.id not in absent, s.base) for s in specs}
        self.present = [t for t in self.techs.values() if t.present]
        self.orders = sc.generate_orders(scenario, self.geography, order_rng, origin=self.origin, days=days)
        self.records: dict[int, OrderRecord] = {o.id: OrderRecord(o) for o in self.orders}
        self.open_visits: dict[str, Visit] = {}
        self._eligible: dict[int, frozenset[int]] = {}
        self.now = 0
        self.end = (days + 1) * DAY + END_OF_RUN
        self._heap: list[tuple[int, int, Callable[..., None], tuple]] = []
        self._seq = 0
        self.wall_seconds = 0.0
        self.trips: list[tuple[int, int, int, str]] = []  # (technician, departure, metres, visit key)

    # -- time -------------------------------------------------------------------------------------------

    def dt(self, seconds: int) -> datetime:
        return sc.at(self.origin, seconds)

    def day_date(self, day: int) -> date:
        return self.dt(day * DAY).date()

    def shift(self, tech: Technician, day: int) -> tuple[int, int, int, int]:
        """Shift start and end and the break window of ``tech`` on ``day`` (seconds after the origin)."""
        pattern, base = tech.spec.shift, day * DAY
        return (base + pattern.start, base + pattern.end, base + pattern.break_window[0],
                base + pattern.break_window[1])  # fmt: skip

    def on_shift(self, tech: Technician, moment: int | None = None) -> bool:
        moment = self.now if moment is None else moment
        start, end, _, _ = self.shift(tech, moment // DAY)
        return tech.present and start <= moment < end and 1 <= moment // DAY <= self.days + 1

    def is_free(self, tech: Technician) -> bool:
        """Idle on shift with nothing on their queue: free right now."""
        return tech.state == "idle" and not tech.queue and self.on_shift(tech)

    def scoring_tech(self, tech: Technician, day: int, **kwargs: Any) -> scoring.Tech:
        start, end, lunch0, _ = self.shift(tech, day)
        lunch = None
        if tech.lunch_day != day:
            begin = max(lunch0, self.now) if day == self.now // DAY else lunch0
            lunch = (self.dt(begin), self.dt(begin + tech.spec.shift.break_seconds))
        return tech.spec.scoring_tech(
            day=self.day_date(day), day_start=self.dt(day * DAY), lunch=lunch, **kwargs
        )

    # -- the loop ---------------------------------------------------------------------------------------

    def schedule(self, moment: int, action: Callable[..., None], *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (int(moment), self._seq, action, args))

    def run(self) -> Simulation:
        started = time.perf_counter()
        self.policy.attach(self)
        for order in self.orders:
            self.schedule(order.created, self._order_created, order)
        for day in range(1, self.days + 2):
            for tech in self.present:
                start, end, lunch0, _ = self.shift(tech, day)
                self.schedule(start, self._shift_start, tech)
                self.schedule(lunch0, self._wake, tech)
                self.schedule(end, self._wake, tech)
            moment = day * DAY + 7 * HOUR + 45 * 60
            while moment < day * DAY + 20 * HOUR:
                self.schedule(moment, self._tick)
                moment += self.tick_seconds
        while self._heap:
            moment, _, action, args = heapq.heappop(self._heap)
            if moment > self.end:
                break
            self.now = moment
            action(*args)
        self.now = self.end
        self.wall_seconds = time.perf_counter() - started
        return self

    def _tick(self) -> None:
        self.policy.on_tick()

    # -- orders, visits, offers -------------------------------------------------------------------------

    def _order_created(self, order: Order) -> None:
        record = self.records[order.id]
        if order.window is not None:
            record.responded = max(order.created, order.clock_start) + order.confirm_seconds
        self._eligible[order.id] = qualified(
            order.job,
            (t.spec for t in self.present),
            day=self.day_date(order.day),
            day_start=self.dt(order.day * DAY),
        )
        self._new_visit(order, 0, order.window, order.planned_seconds)

    def _new_visit(self, order: Order, number: int, window: tuple[int, int] | None, planned: int) -> None:
        draw = order.draws[min(number, len(order.draws) - 1)]
        outcome = "done"
        if number < len(order.draws) - 1:
            if number == 0 and order.service_type == "repair":
                if draw.outcome < sc.NO_SHOW_FIRST:
                    outcome = "no_show"
                elif draw.outcome < sc.NO_SHOW_FIRST + sc.PARTS:
                    outcome = "parts"
            elif draw.outcome < (sc.NO_SHOW_OTHER if number == 0 else sc.NO_SHOW_LATER):
                outcome = "no_show"
        actual = {
            "done": round(planned * draw.factor),
            "no_show": sc.NO_SHOW_MINUTES * 60,
            "parts": round(planned * sc.DIAGNOSIS_SHARE * draw.factor),
        }[outcome]
        visit = Visit(
            key=f"{order.id}.{number}", order=order, number=number, created=self.now, window=window, planned=planned,
            actual=actual, outcome=outcome, job=sc.job_for(order, self.origin, window=window, planned=planned),
            eligible=self._eligible[order.id],
        )  # fmt: skip
        self.records[order.id].visits.append(visit)
        self.open_visits[visit.key] = visit
        self.schedule(max(self.now, self.policy.release_time(visit)), self.policy.on_release, visit)

    def offer(
        self, visit: Visit, tech: Technician, index: int | None = None, *, queued: bool = False
    ) -> None:
        """Give ``visit`` to ``tech`` (at ``index`` in their queue, else last; ``queued``: the policy has put
        it there already); their answer comes later."""
        record = self.records[visit.order.id]
        number = record.offers
        record.offers += 1
        visit.tech, visit.offer, visit.acked = tech.id, number + 1, False
        if not queued:
            tech.queue.insert(len(tech.queue) if index is None else index, visit)
        order = visit.order
        delay = order.ack_seconds[number % len(order.ack_seconds)]
        reject = order.rejects[number % len(order.rejects)]
        answer = self._reachable(self.now)
        if reject:
            self.schedule(answer + round(delay * 1.5), self._rejected, visit, tech, number + 1)
        else:
            self.schedule(answer + delay, self._acknowledged, visit, tech, number + 1)

    def move(self, visit: Visit, tech: Technician, index: int | None = None) -> None:
        """Re-plan an acknowledged visit onto ``tech`` (a plan change, acknowledged with the new route)."""
        self.withdraw(visit)
        visit.tech, visit.acked = tech.id, True
        tech.queue.insert(len(tech.queue) if index is None else index, visit)

    def withdraw(self, visit: Visit) -> None:
        """Take ``visit`` off its technician's queue (it stays open)."""
        if visit.tech is not None:
            queue = self.techs[visit.tech].queue
            if visit in queue:
                queue.remove(visit)
        visit.tech = None

    def _reachable(self, moment: int) -> int:
        local = moment % DAY
        if REACHABLE[0] <= local < REACHABLE[1]:
            return moment
        return moment - local + (REACHABLE[0] if local < REACHABLE[0] else DAY + REACHABLE[0])

    def _acknowledged(self, visit: Visit, tech: Technician, number: int) -> None:
        if visit.offer != number or visit.tech != tech.id:
            return
        visit.offer, visit.acked = 0, True
        record = self.records[visit.order.id]
        if record.responded is None:
            record.responded = self.now
        self._wake(tech)

    def _rejected(self, visit: Visit, tech: Technician, number: int) -> None:
        if visit.offer != number or visit.tech != tech.id:
            return
        self.records[visit.order.id].rejections += 1
        visit.offer = 0
        self.withdraw(visit)
        visit.excluded.add(tech.id)
        self.policy.on_rejected(visit)
        self._wake(tech)

    # -- technicians ------------------------------------------------------------------------------------

    def _shift_start(self, tech: Technician) -> None:
        tech.state, tech.position = "idle", tech.spec.base
        self._wake(tech)

    def wake(self, tech: Technician) -> None:
        """Let an idle technician look for work now (after the current event)."""
        self.schedule(self.now, self._wake, tech)

    def _wake(self, tech: Technician) -> None:
        if tech.state != "idle" or not tech.present:
            return
        day = self.now // DAY
        start, end, lunch0, lunch1 = self.shift(tech, day)
        if self.now < start:
            return
        if self.now >= end or day > self.days + 1:
            self._go_home(tech)
            return
        if tech.lunch_day != day and lunch0 <= self.now < lunch1:
            tech.state, tech.lunch_day = "lunch", day
            tech.free_at = self.now + tech.spec.shift.break_seconds
            self.schedule(tech.free_at, self._lunch_over, tech)
            return
        visit = self.policy.next_for(tech)
        if visit is None or not visit.acked:
            return
        leg = self.travel.leg(tech.position, visit.order.point, self.dt(self.now))
        if (
            visit.window is not None
            and self.now + leg.seconds < visit.window[0] - EARLY_SECONDS - LEAVE_SLACK
        ):
            self.schedule(visit.window[0] - EARLY_SECONDS - leg.seconds, self._wake, tech)
            return
        tech.queue.remove(visit)
        tech.state, tech.current, visit.state = "travel", visit, "travel"
        tech.departed, tech.trip_from = self.now, tech.position
        tech.free_at = self.now + leg.seconds + visit.planned
        stats = tech.stats(day)
        stats.km += leg.metres / 1000
        stats.travel_seconds += leg.seconds
        self.trips.append((tech.id, self.now, leg.metres, visit.key))
        self.schedule(self.now + leg.seconds, self._arrive, tech, visit)

    def _lunch_over(self, tech: Technician) -> None:
        tech.state = "idle"
        self._wake(tech)

    def _arrive(self, tech: Technician, visit: Visit) -> None:
        tech.position, tech.state, visit.state = visit.order.point, "on_site", "on_site"
        visit.arrived = self.now
        record = self.records[visit.order.id]
        if record.first_arrival is None:
            record.first_arrival = self.now
        begin = max(self.now, visit.window[0]) if visit.window is not None else self.now
        tech.service_begin, tech.free_at = begin, begin + visit.actual
        stats = tech.stats(begin // DAY)
        stats.service_seconds += visit.actual
        if visit.outcome == "done" and visit.actual > 1.25 * visit.planned:
            stats.overrun_visits += 1
        self.schedule(begin + visit.actual, self._done, tech, visit)

    def _done(self, tech: Technician, visit: Visit) -> None:
        day = self.now // DAY
        tech.state, tech.current, visit.state = "idle", None, "done"
        del self.open_visits[visit.key]
        stats = tech.stats(day)
        stats.visits += 1
        _, end, _, _ = self.shift(tech, day)
        stats.overtime_seconds = max(stats.overtime_seconds, self.now - end)
        record = self.records[visit.order.id]
        order = visit.order
        if visit.outcome == "done":
            record.completed = self.now
            stats.completed += 1
        elif visit.outcome == "no_show":
            window = sc.pick_slot(
                (day + 1) * DAY,
                (day + 1) * DAY,
                order.rebook[visit.number % len(order.rebook)],
                evening=visit.planned <= sc.EVENING_MAX_MINUTES * 60,
            )
            assert window is not None
            record.paused += window[0] - self.now
            self._new_visit(order, visit.number + 1, window, visit.planned)
        else:
            arrival = (day + order.parts_days) * DAY + PARTS_ARRIVE
            self.schedule(arrival, self._part_arrived, visit, self.now)
        self._wake(tech)

    def _part_arrived(self, visit: Visit, waiting_since: int) -> None:
        order = visit.order
        planned = round(order.planned_seconds * sc.REFIT_SHARE)
        evening = planned <= sc.EVENING_MAX_MINUTES * 60
        today = self.now - self.now % DAY
        window = sc.pick_slot(today, self.now + 2 * HOUR, order.rebook[visit.number], evening=evening)
        if window is None:
            window = sc.pick_slot(today + DAY, self.now, order.rebook[visit.number], evening=evening)
        assert window is not None
        self.records[order.id].paused += window[0] - waiting_since
        self._new_visit(order, visit.number + 1, window, planned)

    def _go_home(self, tech: Technician) -> None:
        leg = self.travel.leg(tech.position, tech.spec.base, self.dt(self.now))
        stats = tech.stats(self.now // DAY)
        stats.km += leg.metres / 1000
        stats.travel_seconds += leg.seconds
        tech.state, tech.position = "off", tech.spec.base
