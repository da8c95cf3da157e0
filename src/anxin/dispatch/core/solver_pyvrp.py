"""PyVRP backend of the day-route planner (``vrp.solve(..., solver="pyvrp")``).

How the planning model maps onto PyVRP 0.14 (iterated local search):

- Entities (locations, depots, clients, profiles, vehicle types) are built with the ``Model`` API; the
  distance and duration matrices are then put in with ``ProblemData.replace``, because adding a million
  ``Edge`` objects one by one would cost seconds on a 1000-customer day. Each visit gets its own PyVRP
  location (a copy of its matrix row), so that two visits at one address can differ in eligibility.
- Workers that are interchangeable (same profile, start, end, shift, capacity, costs, breaks) form one
  vehicle type with ``num_available``; a route of a type is given to any worker of the group.
- Eligibility: one routing profile per distinct set of visits a worker may not do. In that profile the
  edges into those visits are unusable: their duration is longer than the whole horizon, so using one
  makes the route late (time warp, infeasible), and their distance is longer than any plan. PyVRP
  documents profiles as the way to give vehicle types different matrices.
- Optional visits are clients with ``required=False`` and ``prize=penalty`` (PyVRP minimises cost minus
  collected prizes, which equals cost plus uncollected penalties up to a constant). Visits no worker may
  do are left out and reported unserved.
- Fixed prefix (re-planning): the fixed visits are taken out of the PyVRP model and scheduled in their
  order as early as possible (departure then pushed as late as keeps that finish); the worker enters
  PyVRP as its own vehicle type starting at the last fixed visit's location, no earlier than that finish,
  with the prefix's demand taken from its capacity. Exact for order, windows, capacity and distance. A
  break that cannot wait until after the prefix is put inside it (before driving on, or on arrival at a
  fixed visit), where it lets the prefix finish earliest. Late fixed visits are reported, not refused.
- Breaks: PyVRP 0.14 has no break concept (PyVRP issues #352, #415), so a break is a client with the
  break's window and its duration as service time, at a place: each visit whose service can touch the
  break's window, and the holders' starts and ends (there the worker waits it out; a break at home first
  or last is reported as taken before leaving or after returning, outside the route's duration). For each
  break a worker must take, one required mutually exclusive client group holds one such client per
  place: exactly one of them is visited. The groups of one (window, duration) are pooled among the
  workers that have that break; a load dimension per (window, duration), with capacity = how many such
  breaks the worker has and 0 for the others, makes each worker take exactly its own. The granular
  neighbourhoods are rebuilt so the zero-distance break clients do not crowd the visits out.
  Approximations: a break is taken at a place, never on the road (OR-Tools may do that; a detour to a
  break place is on the route's path and distance); and every worker with a break gets a route, so an
  idle worker's break costs PyVRP what a working day's would (its start-to-end trip and duration cost),
  which can lead PyVRP to give work to a worker it could have left idle when start != end or the
  duration cost is positive (the plan is still valid; idle workers are dropped from it). Breaks that
  cannot be taken at all (window before the worker is free, or past its shift) are left out, so the
  rest of the plan stays feasible while ``validate`` reports the missing break.
- Warm start (``hint``): each hinted worker's visits become a route of the worker's vehicle type, in the
  hint's order, leaving out what does not map cleanly (unknown keys, fixed visits, which are not in the
  model, visits the worker may not do, repeats). The worker's pending breaks are put in one at a time
  from a free group of their kind, at the place (start, or after a visit) where the route is least late,
  then shortest. That solution, however infeasible, is improved by the same exhaustive local search as
  the random start, and the search continues from whichever of the two is cheaper (penalised); a tie
  goes to the hint. When decoding, a route of a vehicle type shared by interchangeable workers goes to the
  worker whose hinted visits it holds most of, so that a re-plan does not swap their days.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
import pyvrp
from pyvrp import Model
from pyvrp.constants import MAX_VALUE
from pyvrp.IteratedLocalSearch import IteratedLocalSearch
from pyvrp.PenaltyManager import PenaltyManager
from pyvrp.search import LocalSearch, NeighbourhoodParams, PerturbationManager, compute_neighbours
from pyvrp.solve import SolveParams
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement, StoppingCriterion

from anxin.dispatch.core.vrp import Break, Hint, Problem, Route, TakenBreak, Worker, is_eligible, make_route

SMALL = 200  # clients up to which the search also stops after NO_IMPROVEMENT idle iterations
NO_IMPROVEMENT = 20_000
NEIGHBOURS = 50  # PyVRP's default granular neighbourhood size
BREAK_NEIGHBOURS = 10


def plan(
    problem: Problem,
    *,
    deadline: float,
    seed: int = 0,
    iterations: int | None = None,
    hint: Hint | None = None,
) -> list[Route]:
    """Routes for the problem found by PyVRP before ``deadline`` (a ``time.perf_counter()`` value), or
    after ``iterations`` iterations of the search when that is given (the deadline is then ignored);
    the search starts from ``hint`` when that is better than a random start (module docstring)."""
    builder = _Builder(problem, hint)
    if not builder.num_clients:
        return builder.decode(None)
    data = builder.data()
    initial = builder.initial(data)
    return builder.decode(_search(data, deadline, seed, len(builder.clients), iterations, initial))


def _search(
    data: pyvrp.ProblemData,
    deadline: float,
    seed: int,
    visits: int,
    iterations: int | None = None,
    hint: pyvrp.Solution | None = None,
) -> pyvrp.Solution:
    """What ``pyvrp.solve`` does with default parameters, with three changes: the time limit counts the
    construction of the first solution too (so the deadline holds); when there are break clients the
    granular neighbourhoods are rebuilt so that they do not crowd the visits out; and a ``hint`` solution,
    after the same local search as the random one, starts the search instead when it is not dearer.

    Break clients sit at the visits' locations, at zero distance, so PyVRP's nearest-neighbour lists
    would fill up with them. Then each client keeps its ``NEIGHBOURS`` nearest visit clients plus its
    ``BREAK_NEIGHBOURS`` nearest break clients (clients ``0..visits-1`` are visits, the rest breaks).
    """
    params = SolveParams()
    if data.num_clients > visits:
        width = min(data.num_clients - 1, NEIGHBOURS * (data.num_clients // max(visits, 1) + 1))
        wide = compute_neighbours(data, NeighbourhoodParams(num_neighbours=max(width, 1)))
        neighbours = {
            activity: [a for a in near if a.idx < visits][:NEIGHBOURS]
            + [a for a in near if a.idx >= visits][:BREAK_NEIGHBOURS]
            for activity, near in wide.items()
        }
    else:
        neighbours = compute_neighbours(data, params.neighbourhood)
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    search = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for operator in params.operators:
        if operator.supports(data):
            search.add_operator(operator(data))
    penalties = PenaltyManager(params.penalty.midpoint_penalties(data), params.penalty)
    evaluator = penalties.max_cost_evaluator()
    initial = search(pyvrp.Solution.make_random(data, rng), evaluator, exhaustive=True)
    if hint is not None:
        hinted = search(hint, evaluator, exhaustive=True)
        if evaluator.penalised_cost(hinted) <= evaluator.penalised_cost(initial):
            initial = hinted
    stop: StoppingCriterion
    if iterations is not None:
        stop = MaxIterations(iterations)
    else:
        stop = MaxRuntime(max(0.001, deadline - time.perf_counter()))
        if data.num_clients <= SMALL:
            stop = MultipleCriteria([stop, NoImprovement(NO_IMPROVEMENT)])
    algorithm = IteratedLocalSearch(data, penalties, search, initial, params.ils)
    return algorithm.run(stop, collect_stats=False).best


class _Prefix:
    """The fixed visits of one worker, scheduled in their order as early as possible, with the breaks
    that cannot wait until after them taken inside: at the place the worker is before it drives on, or
    on arrival at a fixed visit before the service (e.g. while waiting for the window to open)."""

    def __init__(self, problem: Problem, worker: Worker):
        self.problem, self.worker = problem, worker
        index = {v.key: i for i, v in enumerate(problem.visits)}
        self.visits = [index[k] for k in worker.fixed]
        slots: dict[
            int, int
        ] = {}  # break index -> slot (2*n: before driving to fixed visit n; 2*n+1: on arrival)
        for k in sorted(range(len(worker.breaks)), key=lambda k: worker.breaks[k].window):
            done = self._forward(worker.shift[0], slots)
            if done is not None and done[1] <= worker.breaks[k].window[1]:
                continue  # it can still be taken after the prefix: PyVRP places it
            trials = [
                (t[1], slot)
                for slot in range(2 * len(self.visits))
                if (t := self._forward(worker.shift[0], {**slots, k: slot})) is not None
            ]
            if trials:
                slots[k] = min(trials)[1]
        self.inside = set(slots)
        early = self._forward(worker.shift[0], slots) or self._forward(worker.shift[0], {})
        assert early is not None  # without breaks the forward pass always succeeds
        # Leave as late as still finishes as early (no needless waiting): the finish only grows with
        # the departure, so search for the last departure that keeps it.
        latest = [max(problem.visits[i].window[1], s) for i, s in zip(self.visits, early[0], strict=True)]

        def keeps(trial: tuple[list[int], int, list[TakenBreak]] | None) -> bool:
            return trial is not None and trial[1] == early[1] and all(map(int.__le__, trial[0], latest))

        low, high = worker.shift[0], early[0][0]
        while low < high:
            mid = (low + high + 1) // 2
            low, high = (mid, high) if keeps(self._forward(mid, slots)) else (low, mid - 1)
        chosen = self._forward(low, slots)
        assert chosen is not None
        self.depart = low
        self.starts, self.finish, self.breaks = chosen
        self.location = problem.visits[self.visits[-1]].location
        self.demand = sum(problem.visits[i].demand for i in self.visits)

    def _forward(self, depart: int, slots: dict[int, int]) -> tuple[list[int], int, list[TakenBreak]] | None:
        """Service starts, finish and breaks when leaving at ``depart``; None if a break misses its window."""
        p, w = self.problem, self.worker
        t, loc, starts, taken = depart, w.start, [], []

        def rest(slot: int, t: int, loc: int) -> int | None:
            for k in sorted((k for k, s in slots.items() if s == slot), key=lambda k: w.breaks[k].window):
                b = w.breaks[k]
                begin = max(t, b.window[0])
                if begin > b.window[1]:
                    return None
                taken.append(TakenBreak(begin, begin + b.duration, loc))
                t = begin + b.duration
            return t

        for n, i in enumerate(self.visits):
            v = p.visits[i]
            if (t := rest(2 * n, t, loc)) is None:
                return None
            t += int(p.duration[loc, v.location])
            if (t := rest(2 * n + 1, t, v.location)) is None:
                return None
            t = max(t, v.window[0])
            starts.append(t)
            t, loc = t + v.service, v.location
        return starts, t, taken


class _Builder:
    """Translates a Problem into PyVRP ProblemData and PyVRP solutions back into Routes."""

    def __init__(self, problem: Problem, hint: Hint | None = None):
        self.problem = p = problem
        self.hint = hint or {}
        fixed = {k for w in p.workers for k in w.fixed}
        self.prefix = [_Prefix(p, w) if w.fixed else None for w in p.workers]
        self.clients = [
            i
            for i, v in enumerate(p.visits)
            if v.key not in fixed and any(is_eligible(v, w) for w in p.workers)
        ]
        starts = [pre.location if pre else w.start for w, pre in zip(p.workers, self.prefix, strict=True)]
        ends = [w.end for w in p.workers]
        self.depot_locations = sorted(set(starts) | set(ends))
        depot_of = {loc: d for d, loc in enumerate(self.depot_locations)}
        self.starts, self.depot_of = starts, depot_of
        # The breaks PyVRP must place: not already inside a fixed prefix, and possible at all.
        self.pending: list[list[Break]] = []
        for w, pre in zip(p.workers, self.prefix, strict=True):
            ready = pre.finish if pre else w.shift[0]
            self.pending.append(
                [
                    b
                    for k, b in enumerate(w.breaks)
                    if not (pre and k in pre.inside)
                    and max(ready, b.window[0]) <= b.window[1]
                    and max(ready, b.window[0]) + b.duration <= w.shift[1]
                ]
            )
        self.specs = sorted({(b.window, b.duration) for breaks in self.pending for b in breaks})
        self.spec_of = spec_of = {s: k for k, s in enumerate(self.specs)}
        self.forbidden = [
            frozenset(pos for pos, i in enumerate(self.clients) if not is_eligible(p.visits[i], w))
            for w in p.workers
        ]
        self.profiles = sorted(set(self.forbidden), key=sorted)
        total_demand = sum(v.demand for v in p.visits)

        m = self.model = Model()
        locations = [m.add_location(x=0, y=0) for _ in range(len(self.depot_locations) + len(self.clients))]
        depots = [m.add_depot(locations[d]) for d in range(len(self.depot_locations))]
        profiles = [m.add_profile() for _ in self.profiles]
        # Workers that are interchangeable share a vehicle type.
        groups: dict[tuple, list[int]] = defaultdict(list)
        for wi, w in enumerate(p.workers):
            pre = self.prefix[wi]
            capacity = (total_demand if w.capacity is None else w.capacity) - (pre.demand if pre else 0)
            counts = [0] * len(self.specs)
            for b in self.pending[wi]:
                counts[spec_of[(b.window, b.duration)]] += 1
            key = (
                self.profiles.index(self.forbidden[wi]),
                depot_of[starts[wi]],
                depot_of[ends[wi]],
                pre.finish if pre else w.shift[0],
                w.shift[1],
                max(capacity, 0),
                tuple(counts),
                w.distance_cost,
                w.duration_cost,
            )
            groups[key].append(wi)
        self.type_workers: list[list[int]] = []
        self.type_of: dict[int, int] = {}
        for key, members in groups.items():
            self.type_of.update((wi, len(self.type_workers)) for wi in members)
            profile, start, end, early, late, capacity, counts, dc, uc = key
            m.add_vehicle_type(
                num_available=len(members),
                capacity=[capacity, *counts],
                start_depot=depots[start],
                end_depot=depots[end],
                tw_early=early,
                tw_late=late,
                unit_distance_cost=dc,
                unit_duration_cost=uc,
                profile=profiles[profile],
            )
            self.type_workers.append(list(members))
        zeros = [0] * len(self.specs)
        offset = len(self.depot_locations)
        for pos, i in enumerate(self.clients):
            v = p.visits[i]
            m.add_client(
                locations[offset + pos],
                delivery=[v.demand, *zeros],
                service_duration=v.service,
                tw_early=v.window[0],
                tw_late=v.window[1],
                required=v.required,
                prize=0 if v.required else v.penalty,
            )
        # Breaks: for each break (window, duration), as many required groups as workers must take one;
        # each group holds one break client at every place a holder may be (visits, holders' depots).
        self.break_spec: list[int] = []
        self.break_location: list[int] = []  # problem location of each break client
        # Per break spec, one dict per group: place (depot index, or offset + visit position) -> client.
        self.break_groups: list[list[dict[int, int]]] = [[] for _ in self.specs]
        location_of = self.depot_locations + [p.visits[i].location for i in self.clients]
        for k, spec in enumerate(self.specs):
            load = [0, *zeros]
            load[1 + k] = 1
            copies = [wi for wi, bs in enumerate(self.pending) for b in bs if (b.window, b.duration) == spec]
            (early, late), duration = spec
            places = [
                offset + pos
                for pos, i in enumerate(self.clients)
                if any(pos not in self.forbidden[wi] for wi in copies)
                and p.visits[i].window[0] <= late + duration
                and p.visits[i].window[1] + p.visits[i].service >= early
            ]
            places += sorted({depot_of[loc] for wi in copies for loc in (starts[wi], ends[wi])})
            for _ in copies:
                group = m.add_client_group(required=True)
                self.break_groups[k].append({})
                for place in places:
                    self.break_groups[k][-1][place] = len(self.clients) + len(self.break_spec)
                    m.add_client(
                        locations[place],
                        delivery=load,
                        service_duration=duration,
                        tw_early=early,
                        tw_late=late,
                        required=False,
                        group=group,
                    )
                    self.break_spec.append(k)
                    self.break_location.append(location_of[place])
        self.num_clients = len(self.clients) + len(self.break_spec)

    def data(self) -> pyvrp.ProblemData:
        """ProblemData with the real matrices, one pair per eligibility profile."""
        p = self.problem
        index = np.array(self.depot_locations + [p.visits[i].location for i in self.clients], dtype=np.int64)
        distance = np.ascontiguousarray(p.distance[np.ix_(index, index)], dtype=np.int64)
        duration = np.ascontiguousarray(p.duration[np.ix_(index, index)], dtype=np.int64)
        times = [t for w in p.workers for t in w.shift] + [t for v in p.visits for t in v.window]
        forbid_duration = min(MAX_VALUE, max(times) - min(times) + int(duration.max(initial=0)) + 1)
        forbid_distance = min(MAX_VALUE, int(distance.max(initial=0)) * (len(index) + 1) + 1)
        distances, durations = [], []
        offset = len(self.depot_locations)
        for forbidden in self.profiles:
            dist, dur = distance, duration
            if forbidden:
                columns = np.array(sorted(forbidden), dtype=np.int64) + offset
                dist, dur = distance.copy(), duration.copy()
                dist[:, columns] = forbid_distance
                dur[:, columns] = forbid_duration
                dist[columns, columns] = 0
                dur[columns, columns] = 0
            distances.append(dist)
            durations.append(dur)
        return self.model.data().replace(distance_matrices=distances, duration_matrices=durations)

    def initial(self, data: pyvrp.ProblemData) -> pyvrp.Solution | None:
        """The hint as a PyVRP solution (what maps cleanly, see the module docstring), or None."""
        position = {self.problem.visits[i].key: pos for pos, i in enumerate(self.clients)}
        used: set[int] = set()
        free = [list(range(len(groups))) for groups in self.break_groups]
        routes = []
        for wi, w in enumerate(self.problem.workers):
            visits = []
            for key in self.hint.get(w.key, ()):
                pos = position.get(key)
                if pos is not None and pos not in used and pos not in self.forbidden[wi]:
                    used.add(pos)
                    visits.append(pos)
            if visits:
                visits = self._with_breaks(data, wi, visits, free) if self.pending[wi] else visits
                routes.append(pyvrp.Route(data, visits, self.type_of[wi]))
        return pyvrp.Solution(data, routes) if routes else None

    def _with_breaks(
        self, data: pyvrp.ProblemData, wi: int, visits: list[int], free: list[list[int]]
    ) -> list:
        """The hinted clients with the worker's pending breaks put in, one at a time, where they make the
        route least late, then shortest: after a visit (at its place) or before the first (at the start).
        Break groups are taken from ``free`` (unused group numbers per spec)."""
        offset, vehicle_type = len(self.depot_locations), self.type_of[wi]
        start_place = self.depot_of[self.starts[wi]]
        routed = list(visits)
        for b in self.pending[wi]:
            k = self.spec_of[(b.window, b.duration)]
            if not free[k]:
                continue
            group = self.break_groups[k][free[k][0]]
            trials = []
            for n in range(len(routed) + 1):
                previous = routed[n - 1] if n else None
                if previous is not None and previous >= len(self.clients):
                    continue  # not right after another break
                place = start_place if previous is None else offset + previous
                if place in group:
                    trial = [*routed[:n], group[place], *routed[n:]]
                    route = pyvrp.Route(data, trial, vehicle_type)
                    trials.append((route.time_warp(), route.distance(), n, trial))
            if trials:
                free[k].pop(0)
                routed = min(trials)[3]
        return routed

    def decode(self, best: pyvrp.Solution | None) -> list[Route]:
        """Routes of the workers who serve visits (and of every worker with fixed visits)."""
        p = self.problem
        pools = [list(members) for members in self.type_workers]
        hinted = {wi: set(self.hint.get(w.key, ())) for wi, w in enumerate(p.workers)}
        taken: dict[int, tuple[list[tuple[int, int]], list[TakenBreak], int, int]] = {}
        for route in best.routes() if best is not None else []:
            pool = pools[route.vehicle_type()]
            if len(pool) > 1 and self.hint:
                # Interchangeable workers: the route goes to the one whose hinted visits it holds most of.
                keys = {
                    p.visits[self.clients[a.idx]].key
                    for a in route.schedule()
                    if a.is_client() and a.idx < len(self.clients)
                }
                wi = max(pool, key=lambda wi: len(keys & hinted[wi]))
                pool.remove(wi)
            else:
                wi = pool.pop(0)
            visits: list[tuple[int, int]] = []
            breaks: list[TakenBreak] = []
            for activity in route.schedule():
                if not activity.is_client():
                    continue
                if activity.idx < len(self.clients):
                    visits.append((self.clients[activity.idx], activity.start_time))
                else:
                    place = self.break_location[activity.idx - len(self.clients)]
                    breaks.append(TakenBreak(activity.start_time, activity.end_time, place))
            start_time, end_time = route.start_time(), route.end_time()
            if self.prefix[wi] is None and visits:
                # A break at home (or the outlet) first or last is taken before leaving or after
                # returning, as in the OR-Tools model: it is not part of the route's duration.
                w = p.workers[wi]
                ahead = sorted((b for b in breaks if b.start < visits[0][1]), key=lambda b: b.start)
                while ahead and ahead[0].location == w.start:
                    start_time = ahead.pop(0).end
                last = p.visits[visits[-1][0]]
                after = sorted(
                    (b for b in breaks if b.start >= visits[-1][1] + last.service), key=lambda b: -b.end
                )
                while after and after[0].location == w.end:
                    end_time = after.pop(0).start
            taken[wi] = (visits, breaks, start_time, end_time)
        routes = []
        for wi, w in enumerate(p.workers):
            pre = self.prefix[wi]
            if wi not in taken and pre is None:
                continue
            visits, breaks, start_time, end_time = taken.get(wi, ([], [], 0, 0))
            if pre is not None:
                if wi not in taken:
                    end_time = pre.finish + int(p.duration[pre.location, w.end])
                visits = list(zip(pre.visits, pre.starts, strict=True)) + visits
                breaks = pre.breaks + breaks
                start_time = pre.depart
            if visits:
                routes.append(make_route(p, w, visits, breaks, start_time, end_time))
        return routes
