"""The product's dispatch: rank candidates for each new order, and re-plan the day's routes with the solver.

Dispatch. Every visit goes out the moment it exists. ``scoring.rank`` (the product's hard rules and score,
``auto`` mode) ranks the technicians for it on its due day, each seen at the end of the part of their queue
that stays ahead of it: the product's dispatch order (``scoring.queue_key``: urgent first, then elderly and
infant households, then the earliest limit) decides where a new visit is inserted, and
``scoring.project_route`` walks the queue up to there with the travel model to give the rank its ETA. The
best candidate gets the offer; if nobody can take it that day (all off shift, full or out of reach), the
next day is tried, then the one after; failing that it waits for the next re-plan.

Re-planning. At 07:45 and every 30 simulated minutes until 20:00, and when an urgent order arrives (at
most every 10 minutes), every open visit due today (assigned or not) is re-planned with the product's
route planner (``vrp``, PyVRP, ``vrp.DEFAULT_SOLVER``):

* workers are the technicians still on today's shift, each starting where they will next be free: a
  technician on the road starts where they set off, at the time they did, with the visit they are driving to
  kept first (``Worker.fixed``); one on site starts there when the planned service ends (the plan knows
  planned durations only, never the actual ones); one at lunch after lunch; one not yet at work at their
  outlet at the shift start. They end at their outlet, the drive back allowed to end up to half an hour after
  the shift;
* an as-soon-as-possible visit must start an hour before its arrival limit (urgent: 30 minutes before its
  two-hour limit), a booked one in the first 75 minutes of its two-hour window: the slack absorbs overruns,
  which the plan cannot see coming. A visit the plan could not fit, or whose limit has passed, gets two hours
  from now, then four, then the rest of the day (a plan has no soft windows, and a late visit must not lose
  all pressure at once);
* visits are optional, with a prize for serving them (the penalty for leaving them out): one unit
  (``BASE_PENALTY``), plus three when urgent and one more each for an elderly or infant household and for
  a booked window (a promise), and two more while the visit is still savable (below), all times the planned
  hours on site when over one (else a specialist's two-hour installation always loses to two short repairs
  and is never planned). So the plan serves all it can and, when the day is overbooked, serves the urgent,
  the vulnerable, the promised and the still savable first (triage by the SLA rather than by age).
  Eligibility (``Visit.eligible``) is the product's hard rules less any technician who rejected the visit;
  a visit awaiting its technician's answer stays with that technician;
* "still savable": on a day that is not overbooked, no plan has left the visit out yet and its limit has
  not passed; on an overbooked day, its limit is more than half an hour off (``SAVABLE_MARGIN``), whether
  or not a plan left it out before, because an overbooked day's plans leave out so many visits that the
  first rule would take the standing of most of them hours before their limit (``savable_margin=None``
  keeps the first rule all the time);
* a day is overbooked when the last plan left out more than a quarter of its visits (``OVERBOOKED``). Then
  driving costs what the technician's time is worth: an hour at the wheel costs ``DRIVE_VALUE`` (one)
  ordinary visit's prize, turned into a cost per metre with the matrix's mean speed (about 40 units per
  metre against a prize of a million), so the plan weighs the driving a visit needs against the visits
  that time could serve: a short nearby job before a far one, a savable one across town only when it is
  worth the drive. Otherwise driving costs one unit per metre and only breaks ties between plans that
  serve the same visits;
* the solution replaces each technician's list for today; a visit moved from one technician to another is
  taken as acknowledged with the new route (a plan change, not a new offer: ``moved_by_replan`` counts
  them); one that had no technician is offered to the one the plan gives it to. A visit the plan drops stays
  at the end of its technician's list;
* filling: on an overbooked day, a technician who has finished their planned route (what comes next on
  their list for today is a visit the last plan left out, or nothing) does not wait for the next re-plan,
  nor take their left-out visits in list order: they take the nearest visit the last plan left out that
  they can do now, their own or one another technician holds acknowledged and has not set off for (that
  one is moved, and counted in ``moved_by_replan``; ``filled`` counts all of them). ``fill=False`` turns
  this off; ``overload_only=False`` applies filling and the savable rule above on every day;
* warm start: the search starts from each technician's list for today as it stands
  (``vrp.solve(hint=...)``): the last plan's route, with the visits ranked since inserted where the
  ranking put them, less the visits the last plan left out (they start unserved, as they ended), when that
  start, after a first local search, is at least as good as a random one. Each re-plan then goes on
  improving the last plan instead of starting over, which matters with a fixed iteration budget on an
  overbooked day, and a day that changed little gets a plan that changes little (fewer
  ``moved_by_replan``). ``warm_start=False`` starts every re-plan from a random solution.

Lunch is not put in the plans by default (``breaks=False``): the technicians take it at the first idle
moment in its window, for both policies alike. ``breaks=True`` gives each plan a ``vrp.Break``; the PyVRP
backend's plans with breaks can fail ``vrp.validate`` and overrun their budget, so it stays off.

The matrices are the travel model's for departures an hour after the re-plan (the next legs' hour). The
solver's budget is a number of PyVRP iterations (``iterations``, ``ITERATIONS`` by default), so a run
repeats exactly whatever the machine's load; ``seconds`` switches to the product's wall-time budget
(``vrp.solve(seconds=...)``), and ``solver="ortools"`` to the other backend (wall time only).

The experiments behind these rules are in docs/benchmark-history.md ("Dispatch in the simulated city").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from pyvrp.exceptions import PenaltyBoundWarning

from anxin.dispatch.core import scoring, vrp
from anxin.geo import Point
from anxin.simulation.engine import Simulation, Technician, Visit
from anxin.simulation.scenarios import DAY, HOUR

ITERATIONS = 1000  # PyVRP iterations per re-plan: about a second for a normal day's plan on one core
BASE_PENALTY = 1_000_000  # an ordinary visit's prize when served, in cost units (metres at distance cost 1)
DRIVE_VALUE = 1.0  # when overbooked, an hour of driving costs this many ordinary visits' prize
OVERBOOKED = 0.25  # ... overbooked: the last plan left out more than this share of its visits
SAVABLE_MARGIN = 30 * 60  # when overbooked, a visit is still savable while its limit is this far off
URGENT_GAP = 10 * 60
PLAN_AHEAD = HOUR
BUFFER = HOUR  # plan as-soon-as-possible visits to start this long before their limit (urgent: half)
WINDOW_BUFFER = 45 * 60  # ... and booked visits this long before their window closes
RETURN_ALLOWANCE = 30 * 60  # the drive back to the outlet may end this long after the shift
HORIZON = 23 * HOUR


@dataclass
class _WorkerSpec:
    tech: Technician
    start: Point
    begin: int
    end: int
    fixed: Visit | None
    lunch: tuple[int, int] | None


def solve_with_iterations(
    problem: vrp.Problem, iterations: int, seed: int, hint: vrp.Hint | None = None
) -> vrp.Solution:
    """``vrp.solve`` with PyVRP stopped after a number of iterations instead of a wall-time budget, so that
    the same problem always gets the same plan whatever the machine's load."""
    with warnings.catch_warnings():  # an overbooked day cannot be served whole; PyVRP says so each time
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return vrp.solve(problem, iterations=iterations, solver="pyvrp", seed=seed, hint=hint)


class OptimizedPolicy:
    """The product's dispatch (see the module's docstring): ranking at once, re-planning with the solver."""

    name = "optimized"

    def __init__(
        self,
        *,
        iterations: int = ITERATIONS,
        seconds: float | None = None,
        solver: str = vrp.DEFAULT_SOLVER,
        seed: int = 0,
        breaks: bool = False,
        warm_start: bool = True,
        drive_value: float = DRIVE_VALUE,
        savable_margin: int | None = SAVABLE_MARGIN,
        fill: bool = True,
        overload_only: bool = True,
    ) -> None:
        self.seconds, self.iterations, self.solver, self.seed = seconds, iterations, solver, seed
        self.breaks, self.warm_start, self.drive_value = breaks, warm_start, drive_value
        self.savable_margin, self.fill, self.overload_only = savable_margin, fill, overload_only
        self.filled = 0  # visits a technician took after their planned route (``fill``)
        self.unplanned: set[str] = set()  # visits the last plan left out
        self.overbooked = False  # the last plan left out more than OVERBOOKED of its visits
        self.sim: Simulation | None = None
        self.pool: list[Visit] = []
        self.last_replan = -DAY
        self.replans = 0
        self.solver_seconds = 0.0
        self.infeasible = 0
        self.moved = 0
        self.dispatched = 0
        self.dropped = 0
        self.source: dict[str, str] = {}  # how each visit last got its place: rank or plan

    # -- the policy protocol ----------------------------------------------------------------------------

    def attach(self, sim: Simulation) -> None:
        self.sim = sim

    def release_time(self, visit: Visit) -> int:
        return visit.created

    def on_release(self, visit: Visit) -> None:
        self._dispatch(visit)
        assert self.sim is not None
        if visit.urgent and self.sim.now - self.last_replan >= URGENT_GAP:
            self._replan()

    def on_rejected(self, visit: Visit) -> None:
        self._dispatch(visit)

    def next_for(self, tech: Technician) -> Visit | None:
        assert self.sim is not None
        today = self.sim.now // DAY
        for visit in tech.queue:
            if self._day(visit) <= today:
                if self._filling() and visit.key in self.unplanned:
                    return self._fill(tech, today) or visit
                return visit
        if self._filling():
            return self._fill(tech, today)
        return None

    def _overload_rules(self) -> bool:
        """Whether the overbooked day's rules (the savable margin, filling) apply now."""
        return self.overbooked or not self.overload_only

    def _filling(self) -> bool:
        return self.fill and self._overload_rules()

    def _fill(self, tech: Technician, today: int) -> Visit | None:
        """The planned route is done: the nearest visit the last plan left out that the technician can do
        now (their own, or one another technician holds acknowledged and has not set off for)."""
        sim = self.sim
        assert sim is not None
        if not sim.on_shift(tech):
            return None
        choices = []
        for key in self.unplanned:
            visit = sim.open_visits.get(key)
            if visit is None or visit.state != "open" or self._day(visit) > today or visit.earliest > sim.now:
                continue
            if visit.acked and (visit.tech == tech.id or (visit.offer == 0 and visit.can_do(tech.id))):
                choices.append(visit)
        if not choices:
            return None
        when = sim.dt(sim.now)
        best = min(choices, key=lambda v: (sim.travel.leg(tech.position, v.order.point, when).metres, v.key))
        if best.tech != tech.id:
            sim.move(best, tech, 0)
            self.moved += 1
        else:
            tech.queue.remove(best)
            tech.queue.insert(0, best)
        self.filled += 1
        return best

    def on_tick(self) -> None:
        self._replan()

    def summary(self) -> dict[str, Any]:
        return {
            "replans": self.replans,
            "solver_seconds": round(self.solver_seconds, 1),
            "infeasible_plans": self.infeasible,
            "moved_by_replan": self.moved,
            "dropped_by_plans": self.dropped,
            "unassigned_at_end": len(self.pool),
            "filled": self.filled,
        }

    # -- dispatch with the product's ranking ------------------------------------------------------------

    @staticmethod
    def _day(visit: Visit) -> int:
        return visit.plan_day if visit.plan_day is not None else visit.day

    def _dispatch(self, visit: Visit) -> None:
        sim = self.sim
        assert sim is not None
        today = sim.now // DAY
        first = max(visit.day, today)
        techs = [t for t in sim.present if visit.can_do(t.id)]
        for day in range(first, min(first + 3, sim.days + 2)):
            snapshots, places = [], {}
            for tech in techs:
                snapshot, place = self._snapshot(tech, day, visit)
                snapshots.append(snapshot)
                places[tech.id] = place
            ranking = scoring.rank(visit.job, snapshots, travel=sim.travel, now=sim.dt(sim.now), limit=1,
                                   auto=True, on=sim.day_date(day))  # fmt: skip
            if ranking.candidates:
                best = ranking.candidates[0].technician_id
                visit.plan_day = day
                if visit in self.pool:
                    self.pool.remove(visit)
                self.dispatched += 1
                self.source[visit.key] = "rank"
                sim.offer(visit, sim.techs[best], index=places[best])
                return
        if visit not in self.pool:
            self.pool.append(visit)

    def _snapshot(self, tech: Technician, day: int, visit: Visit) -> tuple[scoring.Tech, int]:
        """The technician as the ranking sees them on ``day``, and where ``visit`` would go in their queue."""
        sim = self.sim
        assert sim is not None
        today = sim.now // DAY
        on_day = [v for v in tech.queue if (self._day(v) <= day if day == today else self._day(v) == day)]
        key = scoring.queue_key(visit.job)
        ahead = 0
        while ahead < len(on_day) and scoring.queue_key(on_day[ahead].job) <= key:
            ahead += 1
        if ahead:
            place = tech.queue.index(on_day[ahead - 1]) + 1
        else:
            place = tech.queue.index(on_day[0]) if on_day else len(tech.queue)
        start, end, _, _ = sim.shift(tech, day)
        booked = len(on_day)
        if day > today or (tech.state == "off" and sim.now < start):
            return sim.scoring_tech(tech, day, booked=booked), place
        stats = tech.stats(day)
        booked += stats.visits + (1 if tech.current is not None else 0)
        if sim.now >= end or tech.state == "off":
            return sim.scoring_tech(tech, day, booked=booked, status="off"), place
        where, when = self._free(tech)
        stops = [
            (v.order.point, v.planned // 60, sim.dt(v.window[0]) if v.window else None)
            for v in on_day[:ahead]
        ]
        free_at, position = scoring.project_route(where, sim.dt(when), stops, travel=sim.travel)
        status = {"travel": "travelling", "on_site": "busy"}.get(tech.state, "available")
        snapshot = sim.scoring_tech(tech, day, booked=booked, free_at=free_at, position=position,
                                    position_source="route", status=status)  # fmt: skip
        return snapshot, place

    def _free(self, tech: Technician) -> tuple[Point, int]:
        """Where and when the technician will next be free, as the plan knows it (planned service times)."""
        sim = self.sim
        assert sim is not None
        if tech.current is not None and tech.state == "travel":
            return tech.current.order.point, max(sim.now, tech.free_at)
        if tech.current is not None:
            return tech.current.order.point, max(sim.now, tech.service_begin + tech.current.planned)
        if tech.state == "lunch":
            return tech.position, tech.free_at
        return tech.position, sim.now

    # -- re-planning with the solver --------------------------------------------------------------------

    def _workers(self, today: int) -> list[_WorkerSpec]:
        sim = self.sim
        assert sim is not None
        specs = []
        for tech in sim.present:
            start, end, lunch0, lunch1 = sim.shift(tech, today)
            fixed = None
            if tech.state == "off":
                if sim.now >= start:
                    continue  # gone home
                where, begin = tech.spec.base, start
            elif tech.state == "travel" and tech.current is not None:
                assert tech.trip_from is not None
                where, begin, fixed = tech.trip_from, tech.departed, tech.current
            else:
                where, begin = self._free(tech)
            if fixed is None and begin >= end - 10 * 60:
                continue
            lunch = None
            latest = lunch1 - tech.spec.shift.break_seconds
            if tech.lunch_day != today and tech.state != "lunch" and max(begin, sim.now) <= latest:
                lunch = (lunch0, latest)
            specs.append(_WorkerSpec(tech, where, begin, end, fixed, lunch))
        return specs

    def _window(self, visit: Visit, horizon: int) -> tuple[int, int]:
        """Earliest and latest start for the plan: the arrival limit less a buffer for the unexpected, or
        the booked window; once the plan could not fit it, two hours from now, then four, then the day."""
        sim = self.sim
        assert sim is not None
        earliest = visit.earliest
        latest = visit.target
        if visit.window is not None:
            latest = max(earliest, latest - WINDOW_BUFFER)
        else:
            latest -= BUFFER // 2 if visit.urgent else BUFFER
        if visit.relaxed or latest <= sim.now:
            steps = max(1, visit.relaxed)
            latest = horizon if steps > 2 else max(latest, sim.now + steps * 2 * HOUR)
        return earliest, min(horizon, max(earliest, latest))

    def _replan(self) -> None:
        sim = self.sim
        assert sim is not None
        today = sim.now // DAY
        if not 1 <= today <= sim.days + 1:
            return
        self.last_replan = sim.now
        horizon = today * DAY + HORIZON
        specs = self._workers(today)
        if not specs:
            return
        keys = {s.tech.id for s in specs}
        fixed = {s.fixed.key for s in specs if s.fixed is not None}
        candidates = [v for v in sim.open_visits.values() if v.state == "open" and v.day <= today]
        points: list[Point] = [s.start for s in specs] + [s.tech.spec.base for s in specs]
        visits: list[vrp.Visit] = []
        by_key: dict[str, Visit] = {}
        fixed_at: dict[int, int] = {}
        for s in specs:
            if s.fixed is not None:
                by_key[s.fixed.key] = s.fixed
                points.append(s.fixed.order.point)
                fixed_at[s.tech.id] = len(points) - 1
                visits.append(vrp.Visit(s.fixed.key, len(points) - 1, s.fixed.planned, (0, horizon),
                                        eligible=frozenset({s.tech.id})))  # fmt: skip
        for visit in candidates:
            if visit.offer:
                eligible = frozenset({visit.tech}) & keys
            else:
                eligible = frozenset(t for t in keys if visit.can_do(t))
            if not eligible:
                continue
            window = self._window(visit, horizon)
            if self.savable_margin is not None and self._overload_rules():
                savable = visit.target > sim.now + self.savable_margin
            else:
                savable = not visit.relaxed and visit.target > sim.now
            weight = 1 + 3 * visit.urgent + visit.order.vulnerable + (visit.window is not None) + 2 * savable
            length = max(1.0, visit.planned / HOUR)  # a long job must not lose to short ones hour for hour
            points.append(visit.order.point)
            by_key[visit.key] = visit
            visits.append(vrp.Visit(visit.key, len(points) - 1, visit.planned, window,
                                    penalty=round(BASE_PENALTY * weight * length), eligible=eligible))  # fmt: skip
        if len(visits) == len(fixed):
            return
        metres, seconds = sim.travel.matrix(points, sim.dt(sim.now + PLAN_AHEAD))
        distance_cost = 1
        if self.overbooked and self.drive_value and metres.sum():
            # an hour at the wheel costs drive_value ordinary visits' prize, at the matrix's mean speed
            per_metre = float(seconds.sum()) / float(metres.sum())
            distance_cost = max(1, round(self.drive_value * BASE_PENALTY / HOUR * per_metre))
        workers = []
        n = len(specs)
        for index, s in enumerate(specs):
            end = s.end
            if s.fixed is not None:
                location = fixed_at[s.tech.id]
                finish = max(s.begin + int(seconds[index, location]), s.fixed.earliest) + s.fixed.planned
                end = max(end, finish + int(seconds[location, n + index]) + 60)
            breaks = (vrp.Break(s.lunch, s.tech.spec.shift.break_seconds),) if s.lunch and self.breaks else ()
            end += RETURN_ALLOWANCE
            workers.append(vrp.Worker(s.tech.id, index, n + index, (s.begin, max(s.begin, end)), breaks=breaks,
                                      fixed=(s.fixed.key,) if s.fixed is not None else (),
                                      distance_cost=distance_cost))  # fmt: skip
        problem = vrp.Problem(metres, seconds, tuple(workers), tuple(visits))
        hint = None
        if self.warm_start:  # each technician's list for today: the last plan's route, plus new offers
            hint = {
                s.tech.id: [
                    v.key for v in s.tech.queue if self._day(v) <= today and v.key not in self.unplanned
                ]
                for s in specs
            }
        if self.seconds is None and self.solver == "pyvrp":
            solution = solve_with_iterations(problem, self.iterations, self.seed, hint)
        else:
            solution = vrp.solve(
                problem, seconds=self.seconds or 2.0, solver=self.solver, seed=self.seed, hint=hint
            )
        self.replans += 1
        self.solver_seconds += solution.seconds
        self.infeasible += not solution.feasible
        self._apply(solution, by_key, fixed, today)

    def _apply(self, solution: vrp.Solution, by_key: dict[str, Visit], fixed: set[str], today: int) -> None:
        sim = self.sim
        assert sim is not None
        planned: dict[int, list[Visit]] = {}
        placed: set[str] = set()
        for route in solution.routes:
            stops = [by_key[s.key] for s in route.stops if s.key not in fixed]
            planned[route.worker] = stops
            placed.update(v.key for v in stops)
        dropped = 0
        self.unplanned = set(solution.unserved) - fixed
        self.overbooked = len(self.unplanned) > OVERBOOKED * (len(by_key) - len(fixed))
        for key in solution.unserved:
            visit = by_key[key]
            if key in fixed:
                continue
            dropped += 1
            visit.relaxed += 1
        self.dropped += dropped
        offers: list[tuple[Visit, Technician]] = []
        for tech in sim.present:
            kept = [v for v in tech.queue if v.key not in placed]
            route = planned.get(tech.id, [])
            for visit in route:
                visit.plan_day = today
                self.source[visit.key] = "plan"
                if visit.tech != tech.id:
                    if visit.acked:
                        self.moved += 1
                    elif visit.offer == 0:
                        offers.append((visit, tech))
                    visit.tech = tech.id
                if visit in self.pool:
                    self.pool.remove(visit)
            tech.queue = route + kept
        for visit, tech in offers:
            sim.offer(visit, tech, queued=True)
        for tech in sim.present:
            if tech.state == "idle":
                sim.wake(tech)
