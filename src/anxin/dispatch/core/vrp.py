"""The day-route planning model: who visits which customer, in what order and when.

This module is pure: plain dataclasses and numpy matrices in, a plan out; no database, no web framework.
``solve()`` hands the problem to one of two solver backends (PyVRP in ``solver_pyvrp``, OR-Tools in
``solver_ortools``) and returns their plans in one shape; ``validate()`` checks any plan against the rules
independently of the solver that made it, recomputing times and distances from the matrices.

Units: times are integer seconds from a horizon origin the caller chooses (e.g. local midnight of the plan
day) and must not be negative; distances are integers (metres in the product, tenths of a unit in the
DIMACS benchmarks). ``distance[i, j]`` and ``duration[i, j]`` are square int64 matrices indexed by location.

A visit's window bounds the START of service (service may run past the window's end); a worker may leave
its start at ``shift[0]`` and must be back at its end by ``shift[1]``. Every break of a worker whose route
is in the plan is reported in ``Route.breaks`` (in time order) as a ``TakenBreak``: at a place (a location
the route passes through, e.g. a customer before or after the service, or the outlet), or with no
location, meaning on the road or wherever the worker happens to be; it never overlaps a service.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

SOLVERS = ("pyvrp", "ortools")
# PyVRP is the default: it comes far closer to the best-known costs than OR-Tools (BENCHMARKS.md, "Routing").
DEFAULT_SOLVER = "pyvrp"


@dataclass(frozen=True)
class Visit:
    """One job at a customer."""

    key: Hashable  # e.g. a work-order id
    location: int  # index into the matrices
    service: int  # service duration, seconds
    window: tuple[int, int]  # earliest and latest START of service
    demand: int = 1  # load it takes from the worker's capacity
    required: bool = False  # urgent jobs must be served
    penalty: int = 0  # cost of leaving it unserved when not required
    eligible: frozenset | None = None  # worker keys allowed to do it; None = any


@dataclass(frozen=True)
class Break:
    """A break the worker must take if the worker works that day."""

    window: tuple[int, int]  # earliest and latest start of the break
    duration: int


@dataclass(frozen=True)
class Worker:
    """One technician (or crew) for the day."""

    key: Hashable
    start: int  # location of the start (home, outlet, or current position when re-planning)
    end: int  # location of the end
    shift: tuple[int, int]  # may leave start at shift[0], must be back at end by shift[1]
    capacity: int | None = None  # sum of demands; None = unlimited
    breaks: tuple[Break, ...] = ()
    fixed: tuple[Hashable, ...] = ()  # visit keys that stay first on this route, in this order
    distance_cost: int = 1  # cost per distance unit
    duration_cost: int = 0  # cost per second of route duration


@dataclass(frozen=True, eq=False)
class Problem:
    """A day's routing problem. Compared by identity (it holds numpy arrays)."""

    distance: np.ndarray
    duration: np.ndarray
    workers: tuple[Worker, ...]
    visits: tuple[Visit, ...]

    def check(self) -> None:
        """Raise ValueError naming the first rule a malformed problem breaks; return None when well formed."""
        check(self)


@dataclass(frozen=True)
class Stop:
    key: Hashable  # the visit key
    arrival: int
    start: int  # start of service (after any wait or break)
    end: int


@dataclass(frozen=True)
class TakenBreak:
    start: int
    end: int
    location: int | None = None  # where it is taken (part of the route's path); None = on the way


@dataclass(frozen=True)
class Route:
    worker: Hashable
    stops: tuple[Stop, ...]
    distance: int  # along start, stops and located breaks, end
    duration: int  # from leaving start to arriving at end
    start_time: int
    end_time: int
    breaks: tuple[TakenBreak, ...] = ()  # the worker's breaks, in time order


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]  # one per used worker; workers with no stops are omitted
    unserved: tuple[Hashable, ...]
    cost: int  # distance_cost*distance + duration_cost*duration + penalties of unserved visits
    distance: int
    feasible: bool  # validate() found nothing wrong
    solver: str  # "pyvrp" or "ortools"
    seconds: float  # wall time spent


Hint = Mapping[Hashable, Sequence[Hashable]]  # worker key -> visit keys in route order (a warm start)


def solve(
    problem: Problem,
    *,
    seconds: float = 5.0,
    solver: str = DEFAULT_SOLVER,
    seed: int = 0,
    iterations: int | None = None,
    hint: Hint | None = None,
) -> Solution:
    """Plan the day with the named solver within about ``seconds`` of wall time (model building included).

    Checks the problem first (ValueError when malformed). Always returns a Solution: when the solver finds
    no plan that keeps every rule, the best plan it has is returned with ``feasible=False``. With
    ``iterations`` (PyVRP only) the search stops after that many iterations instead of at the time budget,
    so that one problem and seed always give the same plan whatever the machine's load (simulations).

    ``hint`` (a warm start, e.g. the routes of the plan being re-planned) gives each worker's visits in
    order. The PyVRP backend starts its search from it (see ``solver_pyvrp``), so a re-plan of a day that
    changed little changes little; the plan may still differ from the hint wherever the search finds a
    cheaper one. Unknown workers and visits, fixed visits, visits the worker may not do and repeats are
    ignored; the hint need not be feasible. The OR-Tools backend ignores it.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}")
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if iterations is not None and (solver != "pyvrp" or iterations <= 0):
        raise ValueError("iterations must be positive and is supported by the pyvrp solver only")
    check(problem)
    # The backend is imported before the clock starts: a process's first import of OR-Tools takes 0.15
    # to 0.3 s, which would otherwise eat a short budget before the search begins.
    options: dict[str, Any] = {}
    if solver == "pyvrp":
        from anxin.dispatch.core import solver_pyvrp as backend

        options = {"iterations": iterations, "hint": hint}
    else:
        from anxin.dispatch.core import solver_ortools as backend
    started = time.perf_counter()
    routes = backend.plan(problem, deadline=started + seconds, seed=seed, **options)
    return make_solution(problem, routes, solver=solver, seconds=time.perf_counter() - started)


# --- checks -------------------------------------------------------------------------------------------


def check(problem: Problem) -> None:
    """Raise ValueError for a malformed problem: bad matrices, locations out of range, empty or negative
    windows and shifts, negative amounts, duplicate keys, or fixed visits that cannot be fixed as given."""
    n = _check_matrices(problem.distance, problem.duration)
    if not problem.workers:
        raise ValueError("the problem has no workers")
    visit_keys = [v.key for v in problem.visits]
    if dup := _duplicates(visit_keys):
        raise ValueError(f"duplicate visit keys: {dup}")
    worker_keys = [w.key for w in problem.workers]
    if dup := _duplicates(worker_keys):
        raise ValueError(f"duplicate worker keys: {dup}")
    for v in problem.visits:
        what = f"visit {v.key!r}"
        _check_location(v.location, n, what)
        _check_window(v.window, f"{what} window")
        for name in ("service", "demand", "penalty"):
            if getattr(v, name) < 0:
                raise ValueError(f"{what}: {name} must not be negative")
    by_key = {v.key: v for v in problem.visits}
    fixed_seen: dict[Hashable, Hashable] = {}
    for w in problem.workers:
        what = f"worker {w.key!r}"
        _check_location(w.start, n, f"{what} start")
        _check_location(w.end, n, f"{what} end")
        _check_window(w.shift, f"{what} shift")
        if w.capacity is not None and w.capacity < 0:
            raise ValueError(f"{what}: capacity must not be negative")
        if w.distance_cost < 0 or w.duration_cost < 0:
            raise ValueError(f"{what}: costs must not be negative")
        for b in w.breaks:
            _check_window(b.window, f"{what} break window")
            if b.duration < 0:
                raise ValueError(f"{what}: break duration must not be negative")
        for key in w.fixed:
            if key not in by_key:
                raise ValueError(f"{what}: fixed visit {key!r} is not in the problem")
            if key in fixed_seen:
                raise ValueError(f"fixed visit {key!r} is fixed on {fixed_seen[key]!r} and on {w.key!r}")
            fixed_seen[key] = w.key
            if not is_eligible(by_key[key], w):
                raise ValueError(f"{what}: fixed visit {key!r} is not eligible for this worker")


def _check_matrices(distance: np.ndarray, duration: np.ndarray) -> int:
    for name, m in (("distance", distance), ("duration", duration)):
        if not isinstance(m, np.ndarray) or m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"the {name} matrix must be a square 2-D numpy array")
        if not np.issubdtype(m.dtype, np.integer):
            raise ValueError(f"the {name} matrix must hold integers, not {m.dtype}")
        if m.size and m.min() < 0:
            raise ValueError(f"the {name} matrix has negative entries")
    if distance.shape != duration.shape:
        raise ValueError(f"distance {distance.shape} and duration {duration.shape} matrices differ in shape")
    return int(distance.shape[0])


def _check_location(location: int, n: int, what: str) -> None:
    if not 0 <= location < n:
        raise ValueError(f"{what}: location {location} is outside the matrices (0..{n - 1})")


def _check_window(window: tuple[int, int], what: str) -> None:
    if len(window) != 2 or window[0] < 0 or window[0] > window[1]:
        raise ValueError(f"{what} {window} must be (earliest, latest) with 0 <= earliest <= latest")


def _duplicates(keys: Sequence[Hashable]) -> list[Hashable]:
    return [k for k, count in Counter(keys).items() if count > 1]


def is_eligible(visit: Visit, worker: Worker) -> bool:
    """True when the worker may do the visit."""
    return visit.eligible is None or worker.key in visit.eligible


# --- schedule helpers shared by the backends and the checker -----------------------------------------


def drive(depart: int, travel: int, breaks: Sequence[tuple[int, int]]) -> int:
    """Arrival time when leaving at ``depart`` and driving ``travel`` seconds whenever not on a break."""
    t, remaining = depart, travel
    for start, end in sorted(breaks):
        if end <= t:
            continue
        if start >= t + remaining:
            break
        remaining -= max(0, start - t)
        t = end
    return t + remaining


@dataclass(frozen=True)
class _Place:
    """One place on a route's path, in time order: a stop, a located break, or the end."""

    location: int
    begin: int  # service (or break) start; for the end, the arrival time
    leave: int
    stop: Stop | None = None


def _path(
    worker: Worker, stops: Sequence[tuple[Stop, int]], breaks: Sequence[TakenBreak], start: int, end: int
) -> list[_Place]:
    """The places a route passes after its start: the stops (with their locations) in route order, each
    located break taken between leaving at ``start`` and arriving at ``end`` before the first stop that
    starts at or after the break's end, then the worker's end."""
    located = sorted(
        (b for b in breaks if b.location is not None and start <= b.start and b.end <= end),
        key=lambda b: b.start,
    )
    places: list[_Place] = []
    for stop, loc in stops:
        while located and located[0].end <= stop.start:
            b = located.pop(0)
            places.append(_Place(b.location, b.start, b.end))
        places.append(_Place(loc, stop.start, stop.end, stop))
    places += [_Place(b.location, b.start, b.end) for b in located]
    return [*places, _Place(worker.end, end, end)]


def make_route(
    problem: Problem,
    worker: Worker,
    visits: Sequence[tuple[int, int]],
    breaks: Sequence[TakenBreak],
    start_time: int,
    end_time: int,
) -> Route:
    """Build a Route from (visit index, service start) pairs, the breaks taken and the times the worker
    leaves its start and reaches its end. Arrivals assume driving whenever not on a break; the distance
    follows the path through the stops and the located breaks."""
    drafts = []
    for index, start in visits:
        v = problem.visits[index]
        drafts.append((Stop(v.key, start, start, start + v.service), v.location))
    on_road = [(b.start, b.end) for b in breaks if b.location is None]
    stops: list[Stop] = []
    loc, leave, distance = worker.start, start_time, 0
    for place in _path(worker, drafts, breaks, start_time, end_time):
        distance += int(problem.distance[loc, place.location])
        if place.stop is not None:
            arrival = drive(leave, int(problem.duration[loc, place.location]), on_road)
            stops.append(dataclasses.replace(place.stop, arrival=min(arrival, place.begin)))
        loc, leave = place.location, place.leave
    taken = tuple(sorted(breaks, key=lambda b: b.start))
    return Route(worker.key, tuple(stops), distance, end_time - start_time, start_time, end_time, taken)


def route_cost(worker: Worker, route: Route) -> int:
    """The route's share of the objective: distance and duration at the worker's rates."""
    return worker.distance_cost * route.distance + worker.duration_cost * route.duration


def make_solution(problem: Problem, routes: Sequence[Route], *, solver: str, seconds: float) -> Solution:
    """Assemble a Solution from the routes: unserved visits, cost, distance, and feasibility by validate()."""
    served = {s.key for r in routes for s in r.stops}
    unserved = tuple(v.key for v in problem.visits if v.key not in served)
    workers = {w.key: w for w in problem.workers}
    penalties = sum(v.penalty for v in problem.visits if v.key not in served)
    cost = sum(route_cost(workers[r.worker], r) for r in routes) + penalties
    distance = sum(r.distance for r in routes)
    draft = Solution(tuple(routes), unserved, cost, distance, True, solver, seconds)
    return Solution(draft.routes, unserved, cost, distance, not validate(problem, draft), solver, seconds)


def cost_bound(problem: Problem) -> int:
    """An upper bound on the cost of any plan that serves visits (used to size 'must' penalties)."""
    arcs = len(problem.visits) + len(problem.workers)
    max_dc = max(w.distance_cost for w in problem.workers)
    travel = max_dc * int(problem.distance.max(initial=0)) * arcs
    spans = sum(w.duration_cost * (w.shift[1] - w.shift[0]) for w in problem.workers)
    return travel + spans + sum(v.penalty for v in problem.visits) + 1


# --- independent checker ------------------------------------------------------------------------------


def validate(problem: Problem, solution: Solution) -> list[str]:
    """Every rule the solution breaks, recomputed from the problem's matrices; an empty list means valid.

    Rules: known and eligible workers and visits; each visit at most once and listed as unserved exactly
    when not served; required and fixed visits served, fixed ones first on their worker's route in order;
    capacity; service starts inside windows, service lasting its duration, arrivals no earlier than the
    previous departure plus travel (driving around breaks); shift start and end; every break of a used
    worker taken once, starting in its window, lasting its duration, inside the shift, never overlapping a
    service or another break; route distance, duration and the solution's totals and cost.
    """
    errors: list[str] = []
    workers = {w.key: w for w in problem.workers}
    visits = {v.key: v for v in problem.visits}
    seen: Counter[Hashable] = Counter()
    used: Counter[Hashable] = Counter()
    for route in solution.routes:
        worker = workers.get(route.worker)
        used[route.worker] += 1
        if worker is None:
            errors.append(f"route of unknown worker {route.worker!r}")
            continue
        for stop in route.stops:
            seen[stop.key] += 1
        errors.extend(_route_errors(problem, worker, visits, route))
    errors += [f"worker {k!r} has {n} routes" for k, n in used.items() if n > 1]
    errors += [f"visit {k!r} is served {n} times" for k, n in seen.items() if n > 1]
    errors += [f"unknown visit {k!r} on a route" for k in seen if k not in visits]
    unserved = set(solution.unserved)
    for v in problem.visits:
        if v.key in seen and v.key in unserved:
            errors.append(f"visit {v.key!r} is both served and listed unserved")
        if v.key not in seen and v.key not in unserved:
            errors.append(f"visit {v.key!r} is neither served nor listed unserved")
        if v.key not in seen and v.required:
            errors.append(f"required visit {v.key!r} is not served")
    for w in problem.workers:
        if w.fixed and used[w.key] == 0:
            errors.append(f"worker {w.key!r} has fixed visits but no route")
    distance = sum(r.distance for r in solution.routes)
    if distance != solution.distance:
        errors.append(f"solution distance {solution.distance} != sum of routes {distance}")
    cost = sum(route_cost(workers[r.worker], r) for r in solution.routes if r.worker in workers)
    cost += sum(v.penalty for v in problem.visits if v.key not in seen)
    if cost != solution.cost:
        errors.append(f"solution cost {solution.cost} != recomputed {cost}")
    return errors


def _route_errors(problem: Problem, w: Worker, visits: Mapping[Hashable, Visit], route: Route) -> list[str]:
    errors: list[str] = []
    name = f"route of {w.key!r}"
    stops = [s for s in route.stops if s.key in visits]
    keys = [s.key for s in route.stops]
    if tuple(keys[: len(w.fixed)]) != tuple(w.fixed):
        errors.append(f"{name}: starts {keys[: len(w.fixed)]} instead of the fixed prefix {list(w.fixed)}")
    load = 0
    for s in stops:
        v = visits[s.key]
        load += v.demand
        if not is_eligible(v, w):
            errors.append(f"{name}: visit {s.key!r} is not eligible for this worker")
        if not v.window[0] <= s.start <= v.window[1]:
            errors.append(f"{name}: visit {s.key!r} starts at {s.start}, outside its window {v.window}")
        if s.end != s.start + v.service:
            errors.append(f"{name}: visit {s.key!r} ends at {s.end}, not start + service")
        if s.arrival > s.start:
            errors.append(f"{name}: visit {s.key!r} starts at {s.start} before its arrival {s.arrival}")
    if w.capacity is not None and load > w.capacity:
        errors.append(f"{name}: load {load} exceeds capacity {w.capacity}")
    if route.start_time < w.shift[0]:
        errors.append(f"{name}: leaves at {route.start_time}, before the shift starts at {w.shift[0]}")
    if route.end_time > w.shift[1]:
        errors.append(f"{name}: ends at {route.end_time}, after the shift ends at {w.shift[1]}")
    if route.duration != route.end_time - route.start_time:
        errors.append(f"{name}: duration {route.duration} != end_time - start_time")
    errors.extend(_break_errors(w, route, name))
    n = problem.distance.shape[0]
    if any(b.location is not None and not 0 <= b.location < n for b in route.breaks):
        return [*errors, f"{name}: a break's location is outside the matrices"]
    # Walk the path: leave a place, drive (around breaks taken on the way), reach the next place in time.
    on_road = [(b.start, b.end) for b in route.breaks if b.location is None]
    located = [(s, visits[s.key].location) for s in stops]
    loc, leave, distance = w.start, route.start_time, 0
    for place in _path(w, located, route.breaks, route.start_time, route.end_time):
        travel = int(problem.duration[loc, place.location])
        distance += int(problem.distance[loc, place.location])
        inside = [b for b in on_road if leave <= b[0] and b[1] <= place.begin]
        earliest = drive(leave, travel, inside)
        what = repr(place.stop.key) if place.stop else f"the place at {place.begin}"
        if earliest > place.begin:
            errors.append(
                f"{name}: cannot reach {what} by {place.begin} (earliest {earliest} from the matrices)"
            )
        elif place.stop is not None and place.stop.arrival < leave + travel:
            errors.append(f"{name}: arrival {place.stop.arrival} at {what} is before leaving + travel")
        loc, leave = place.location, place.leave
    if route.distance != distance:
        errors.append(f"{name}: distance {route.distance} != recomputed {distance}")
    return errors


def _break_errors(w: Worker, route: Route, name: str) -> list[str]:
    errors: list[str] = []
    if len(route.breaks) != len(w.breaks):
        return [f"{name}: {len(route.breaks)} breaks taken, the worker has {len(w.breaks)}"]
    taken = sorted(route.breaks, key=lambda b: b.start)
    # Match taken breaks to the worker's breaks by window, earliest first.
    for t, b in zip(taken, sorted(w.breaks, key=lambda b: (b.window, b.duration)), strict=True):
        if not b.window[0] <= t.start <= b.window[1]:
            errors.append(f"{name}: break at {t.start} outside its window {b.window}")
        if t.end - t.start != b.duration:
            errors.append(f"{name}: break {t.start}-{t.end} does not last {b.duration}")
        if t.start < w.shift[0] or t.end > w.shift[1]:
            errors.append(f"{name}: break {t.start}-{t.end} outside the shift {w.shift}")
        for s in route.stops:
            if t.start < s.end and s.start < t.end:
                errors.append(f"{name}: break {t.start}-{t.end} overlaps the service of {s.key!r}")
        if t.location is None and (t.start < route.start_time < t.end or t.start < route.end_time < t.end):
            errors.append(f"{name}: break {t.start}-{t.end} straddles the start or end of the route")
        before = t.end <= route.start_time and t.location == w.start
        after = t.start >= route.end_time and t.location == w.end
        inside = route.start_time <= t.start and t.end <= route.end_time
        if t.location is not None and not (before or after or inside):
            errors.append(f"{name}: break at location {t.location} is neither on the route nor at its ends")
    for t1, t2 in zip(taken, taken[1:], strict=False):
        if t2.start < t1.end:
            errors.append(f"{name}: breaks overlap at {t2.start}")
    return errors


# --- VRPLIB adapter -----------------------------------------------------------------------------------


def problem_from_vrplib(instance: Mapping, *, scale: int = 10) -> Problem:
    """Turn a VRPTW instance as read by ``vrplib.read_instance`` into a Problem, all visits required.

    ``scale=10`` applies the DIMACS convention: distances and durations are the Euclidean (or given)
    edge weights times 10, truncated to integers, and time windows and service times are times 10, so
    costs come out in tenths. One worker per ``VEHICLES`` (default: one per customer) starts and ends at
    the (first) depot, with the depot's time window as shift and ``CAPACITY`` as capacity.
    """
    weights = np.asarray(instance["edge_weight"], dtype=float)
    matrix = (scale * weights).astype(np.int64)
    n = matrix.shape[0]
    depot = int(np.asarray(instance.get("depot", [0])).ravel()[0])
    demand = np.asarray(instance.get("demand", np.zeros(n)), dtype=np.int64).ravel()
    service = np.broadcast_to(np.asarray(instance.get("service_time", 0)), (n,))
    big = np.iinfo(np.int32).max
    windows = np.asarray(instance.get("time_window", [[0, big]] * n))
    capacity = instance.get("capacity")
    capacity = None if capacity is None else int(np.asarray(capacity).ravel()[0])
    shift = (int(scale * windows[depot][0]), int(scale * windows[depot][1]))
    visits = tuple(
        Visit(
            key=i,
            location=i,
            service=int(scale * service[i]),
            demand=int(demand[i]),
            required=True,
            window=(int(scale * windows[i][0]), int(scale * windows[i][1])),
        )
        for i in range(n)
        if i != depot
    )
    count = int(instance.get("vehicles", len(visits)))
    workers = tuple(
        Worker(key=k, start=depot, end=depot, shift=shift, capacity=capacity) for k in range(count)
    )
    return Problem(distance=matrix, duration=matrix, workers=workers, visits=visits)
