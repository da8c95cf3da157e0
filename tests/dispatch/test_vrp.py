"""The day-route planner on small cases whose optimum is known by hand, for both solver backends."""

from __future__ import annotations

import dataclasses
import textwrap

import numpy as np
import pytest
import vrplib

from anxin.dispatch.core.vrp import (
    SOLVERS,
    Break,
    Problem,
    Solution,
    TakenBreak,
    Visit,
    Worker,
    drive,
    problem_from_vrplib,
    solve,
    validate,
)

BUDGET = 0.3  # seconds per solve: these cases are tiny


def line(*xs: int) -> np.ndarray:
    """Distance (= duration) matrix of points on a line at the given positions."""
    points = np.array(xs, dtype=np.int64)
    return np.abs(points[:, None] - points[None, :])


def plan(problem: Problem, solver: str) -> Solution:
    solution = solve(problem, seconds=BUDGET, solver=solver)
    assert solution.solver == solver
    assert validate(problem, solution) == []
    assert solution.feasible
    return solution


def keys(solution: Solution, worker: str) -> list:
    return [s.key for r in solution.routes if r.worker == worker for s in r.stops]


@pytest.mark.parametrize("solver", SOLVERS)
def test_windows_force_the_only_optimal_order(solver: str) -> None:
    # Given a depot at 0 and customers at 10, 20, 30 whose windows allow only one cheapest order
    m = line(0, 10, 20, 30)
    visits = (
        Visit("v10", 1, service=0, window=(60, 100), required=True),
        Visit("v20", 2, service=0, window=(45, 200), required=True),
        Visit("v30", 3, service=0, window=(0, 40), required=True),
    )
    problem = Problem(m, m, (Worker("w", 0, 0, shift=(0, 500)),), visits)
    # When planned
    solution = plan(problem, solver)
    # Then out to 30 first, back through 20 and 10: 30 + 10 + 10 + 10
    assert keys(solution, "w") == ["v30", "v20", "v10"]
    assert solution.cost == solution.distance == 60
    # And the worker leaves late enough not to wait: at 10, at 30 by 40, back at 70
    route = solution.routes[0]
    assert [s.start for s in route.stops] == [40, 50, 60]
    assert (route.start_time, route.end_time, route.duration) == (10, 70, 60)


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_workers_share_visits_that_cannot_follow_each_other(solver: str) -> None:
    # Given customers on both sides of the outlet who both want service at time 10
    m = line(0, -10, 10)
    visits = (Visit("west", 1, 5, (10, 10), required=True), Visit("east", 2, 5, (10, 10), required=True))
    workers = (Worker("a", 0, 0, (0, 100)), Worker("b", 0, 0, (0, 100)))
    # When planned
    solution = plan(Problem(m, m, workers, visits), solver)
    # Then each worker takes one and the cost is two round trips
    assert sorted(len(r.stops) for r in solution.routes) == [1, 1]
    assert solution.cost == 40


@pytest.mark.parametrize("solver", SOLVERS)
def test_required_visit_is_served_and_infeasible_optional_one_dropped(solver: str) -> None:
    # Given one worker, an urgent visit from 20 to 70, and an optional one that must start by 30
    m = line(0, 10, 20)
    visits = (
        Visit("urgent", 1, service=50, window=(20, 20), required=True),
        Visit("optional", 2, service=10, window=(20, 30), penalty=1000),
    )
    problem = Problem(m, m, (Worker("w", 0, 0, (0, 200)),), visits)
    # When planned
    solution = plan(problem, solver)
    # Then the urgent one is served and the optional one is left, its penalty counted
    assert keys(solution, "w") == ["urgent"]
    assert solution.unserved == ("optional",)
    assert solution.cost == 20 + 1000


@pytest.mark.parametrize(("penalty", "served"), [(5, False), (500, True)])
@pytest.mark.parametrize("solver", SOLVERS)
def test_optional_visit_is_served_only_when_its_penalty_outweighs_the_detour(
    solver: str, penalty: int, served: bool
) -> None:
    # Given an optional visit 100 away (a 200 detour)
    m = line(0, 100)
    problem = Problem(
        m, m, (Worker("w", 0, 0, (0, 1000)),), (Visit("far", 1, 0, (0, 1000), penalty=penalty),)
    )
    # When planned
    solution = plan(problem, solver)
    # Then it is served only when leaving it costs more than going
    assert (solution.unserved == ()) is served
    assert solution.cost == (200 if served else penalty)


@pytest.mark.parametrize("solver", SOLVERS)
def test_eligibility_beats_proximity(solver: str) -> None:
    # Given worker a at 0 and b at 100, and each customer only allowed to the far worker
    m = line(0, 100, 10, 90)
    workers = (Worker("a", 0, 0, (0, 1000)), Worker("b", 1, 1, (0, 1000)))
    visits = (
        Visit("near-a", 2, 0, (0, 1000), required=True, eligible=frozenset({"b"})),
        Visit("near-b", 3, 0, (0, 1000), required=True, eligible=frozenset({"a"})),
    )
    # When planned
    solution = plan(Problem(m, m, workers, visits), solver)
    # Then each goes the long way
    assert keys(solution, "a") == ["near-b"]
    assert keys(solution, "b") == ["near-a"]
    assert solution.cost == 2 * 90 + 2 * 90


@pytest.mark.parametrize("solver", SOLVERS)
def test_capacity_splits_the_visits(solver: str) -> None:
    # Given three parts to deliver at one address and two vans that carry two each
    m = line(0, 10)
    visits = tuple(Visit(f"v{i}", 1, 0, (0, 1000), demand=1, required=True) for i in range(3))
    workers = (Worker("a", 0, 0, (0, 1000), capacity=2), Worker("b", 0, 0, (0, 1000), capacity=2))
    # When planned
    solution = plan(Problem(m, m, workers, visits), solver)
    # Then both vans go, neither over its capacity
    assert sorted(len(r.stops) for r in solution.routes) == [1, 2]
    assert solution.cost == 40


@pytest.mark.parametrize("solver", SOLVERS)
def test_fixed_prefix_is_kept_even_when_a_detour(solver: str) -> None:
    # Given a technician already committed to 30 and then 10, and a free visit at 20
    m = line(0, 10, 20, 30)
    visits = tuple(Visit(f"v{x}", i, 0, (0, 1000), required=True) for i, x in ((1, 10), (2, 20), (3, 30)))
    worker = Worker("w", 0, 0, (0, 1000), fixed=("v30", "v10"))
    # When re-planned
    solution = plan(Problem(m, m, (worker,), visits), solver)
    # Then the committed visits come first, in order, and the free one after: 30 + 20 + 10 + 20
    assert keys(solution, "w") == ["v30", "v10", "v20"]
    assert solution.cost == 80


@pytest.mark.parametrize("solver", SOLVERS)
def test_break_is_taken_inside_its_window_between_services(solver: str) -> None:
    # Given two long jobs and a lunch break that must start between 50 and 60
    m = line(0, 10, 20)
    visits = (Visit("a", 1, 100, (0, 1000), required=True), Visit("b", 2, 100, (0, 1000), required=True))
    worker = Worker("w", 0, 0, (0, 1000), breaks=(Break((50, 60), 30),))
    # When planned
    solution = plan(Problem(m, m, (worker,), visits), solver)
    # Then the break starts in its window, lasts 30, and no service overlaps it
    (route,) = solution.routes
    (taken,) = route.breaks
    assert 50 <= taken.start <= 60 and taken.end == taken.start + 30
    assert all(taken.end <= s.start or s.end <= taken.start for s in route.stops)
    assert solution.cost == 40


@pytest.mark.parametrize("solver", SOLVERS)
def test_break_goes_inside_a_fixed_prefix_when_it_cannot_wait(solver: str) -> None:
    # Given a technician committed to a job ending at 50 and one starting at 100, with a break due by 60
    m = line(0, 10, 20)
    visits = (Visit("a", 1, 40, (10, 10), required=True), Visit("b", 2, 10, (100, 110), required=True))
    worker = Worker("w", 0, 0, (0, 1000), breaks=(Break((50, 60), 30),), fixed=("a", "b"))
    # When re-planned
    solution = plan(Problem(m, m, (worker,), visits), solver)
    # Then the break falls between the two committed jobs
    (route,) = solution.routes
    (taken,) = route.breaks
    assert [s.key for s in route.stops] == ["a", "b"]
    assert route.stops[0].end <= taken.start <= 60 and taken.end <= route.stops[1].start
    assert solution.cost == 40


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_jobs_at_one_address_can_need_different_workers(solver: str) -> None:
    # Given a washer and a fridge job at the same flat, each needing a different certificate
    m = line(0, 10, 20)
    workers = (Worker("washers", 0, 0, (0, 100)), Worker("fridges", 2, 2, (0, 100)))
    visits = (
        Visit("washer", 1, 5, (0, 100), required=True, eligible=frozenset({"washers"})),
        Visit("fridge", 1, 5, (0, 100), required=True, eligible=frozenset({"fridges"})),
    )
    # When planned
    solution = plan(Problem(m, m, workers, visits), solver)
    # Then each job goes to its own specialist
    assert keys(solution, "washers") == ["washer"] and keys(solution, "fridges") == ["fridge"]
    assert solution.cost == 40


def day(seed: int) -> Problem:
    """A small city day with every feature: skills, vans, lunch, a committed job; feasible by design."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 4000, size=(24, 2))
    metres = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1)).astype(np.int64)
    seconds = metres // 8  # 8 m/s: at most about 12 minutes between two places
    hour = 3600
    workers = tuple(
        Worker(
            f"t{k}", k, k, (8 * hour, 18 * hour), capacity=8, breaks=(Break((11 * hour, 13 * hour), hour),)
        )
        for k in range(4)
    )
    visits = []
    for n in range(20):
        begin = int(rng.integers(8, 15)) * hour
        skilled = frozenset({f"t{n % 4}", f"t{(n + 1) % 4}"})
        visits.append(Visit(f"o{n}", 4 + n, 1800, (begin, begin + 2 * hour), required=True, eligible=skilled))
    visits[0] = dataclasses.replace(visits[0], window=(8 * hour, 10 * hour))
    workers = (dataclasses.replace(workers[0], fixed=("o0",)), *workers[1:])
    return Problem(metres, seconds, workers, tuple(visits))


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_day_with_every_feature_is_planned_feasibly(solver: str) -> None:
    # Given a generous day of 20 required jobs for 4 technicians, each job open to two of them
    problem = day(seed=7)
    # When planned
    solution = solve(problem, seconds=1.0, solver=solver)
    # Then every job is served by a skilled technician, everyone working has lunch, and validate agrees
    assert validate(problem, solution) == []
    assert solution.feasible and solution.unserved == ()
    assert keys(solution, "t0")[0] == "o0"
    assert all(len(r.breaks) == 1 for r in solution.routes)


def test_validate_reports_what_a_broken_plan_breaks() -> None:
    # Given a valid plan
    m = line(0, 10, 20, 30)
    visits = (
        Visit("v10", 1, 0, (60, 100), required=True),
        Visit("v20", 2, 0, (45, 200), required=True, eligible=frozenset({"w"})),
        Visit("v30", 3, 0, (0, 40), required=True),
    )
    problem = Problem(m, m, (Worker("w", 0, 0, (0, 500), capacity=3),), visits)
    good = plan(problem, "pyvrp")
    route = good.routes[0]
    # When a stop is moved out of its window
    late = dataclasses.replace(route.stops[0], start=41, end=41)
    broken = dataclasses.replace(good, routes=(dataclasses.replace(route, stops=(late, *route.stops[1:])),))
    # Then validate says so
    assert any("outside its window" in e for e in validate(problem, broken))
    # When the same plan is checked against a smaller van
    small = Problem(m, m, (Worker("w", 0, 0, (0, 500), capacity=2),), visits)
    assert any("exceeds capacity" in e for e in validate(small, good))
    # When a required visit is dropped without being listed, or another served twice
    dropped = dataclasses.replace(good, routes=(dataclasses.replace(route, stops=route.stops[:2]),))
    assert any("neither served nor listed" in e for e in validate(problem, dropped))
    assert any("required visit 'v10'" in e for e in validate(problem, dropped))
    twice = dataclasses.replace(
        good, routes=(dataclasses.replace(route, stops=(*route.stops, route.stops[0])),)
    )
    assert any("served 2 times" in e for e in validate(problem, twice))
    # When the reported cost is wrong, or the route is claimed by an ineligible worker
    assert any("cost" in e for e in validate(problem, dataclasses.replace(good, cost=1)))
    other = Problem(m, m, (Worker("x", 0, 0, (0, 500)),), visits)
    renamed = dataclasses.replace(good, routes=(dataclasses.replace(route, worker="x"),))
    assert any("not eligible" in e for e in validate(other, renamed))


def test_validate_checks_travel_time_around_breaks() -> None:
    # Given a worker who says it reached a customer 10 away while on a break for the whole trip
    m = line(0, 10)
    worker = Worker("w", 0, 0, (0, 100), breaks=(Break((0, 10), 10),))
    problem = Problem(m, m, (worker,), (Visit("v", 1, 0, (0, 100), required=True),))
    good = plan(problem, "ortools")
    route = good.routes[0]
    stop = dataclasses.replace(route.stops[0], arrival=10, start=10, end=10)
    squeezed = dataclasses.replace(route, stops=(stop,), breaks=(TakenBreak(0, 10),), start_time=0)
    # Then validate finds the trip impossible
    errors = validate(problem, dataclasses.replace(good, routes=(squeezed,)))
    assert any("cannot reach" in e for e in errors)
    assert drive(0, 10, [(0, 10)]) == 20


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: dataclasses.replace(p, distance=np.zeros((3, 4), dtype=np.int64)), "square"),
        (lambda p: dataclasses.replace(p, duration=p.duration.astype(float)), "integers"),
        (lambda p: dataclasses.replace(p, visits=(dataclasses.replace(p.visits[0], location=9),)), "outside"),
        (
            lambda p: dataclasses.replace(p, visits=(dataclasses.replace(p.visits[0], window=(9, 1)),)),
            "window",
        ),
        (lambda p: dataclasses.replace(p, visits=p.visits * 2), "duplicate visit"),
        (
            lambda p: dataclasses.replace(
                p, workers=(dataclasses.replace(p.workers[0], fixed=("v",)), p.workers[0])
            ),
            "duplicate worker",
        ),
        (
            lambda p: dataclasses.replace(p, workers=(dataclasses.replace(p.workers[0], fixed=("nope",)),)),
            "not in the problem",
        ),
        (
            lambda p: dataclasses.replace(
                p,
                visits=(dataclasses.replace(p.visits[0], eligible=frozenset({"other"})),),
                workers=(dataclasses.replace(p.workers[0], fixed=("v",)),),
            ),
            "not eligible",
        ),
        (lambda p: dataclasses.replace(p, workers=()), "no workers"),
    ],
)
def test_malformed_problem_is_refused(change, message: str) -> None:
    # Given a well-formed problem
    m = line(0, 10, 20)
    good = Problem(m, m, (Worker("w", 0, 0, (0, 100)),), (Visit("v", 1, 0, (0, 100)),))
    good.check()
    # When it is broken, Then both check() and solve() refuse it, naming the rule
    bad = change(good)
    with pytest.raises(ValueError, match=message):
        bad.check()
    with pytest.raises(ValueError, match=message):
        solve(bad, seconds=BUDGET)


TINY_VRPLIB = textwrap.dedent("""\
    NAME : tiny
    TYPE : VRPTW
    DIMENSION : 4
    VEHICLES : 2
    CAPACITY : 2
    SERVICE_TIME : 1
    EDGE_WEIGHT_TYPE : EUC_2D
    NODE_COORD_SECTION
    1 0 0
    2 3 4
    3 6 8
    4 1 1
    DEMAND_SECTION
    1 0
    2 1
    3 1
    4 1
    TIME_WINDOW_SECTION
    1 0 100
    2 0 100
    3 0 100
    4 0 100
    DEPOT_SECTION
    1
    -1
    EOF
    """)


@pytest.mark.parametrize("solver", SOLVERS)
def test_vrplib_instance_becomes_a_problem_in_tenths(tmp_path, solver: str) -> None:
    # Given a tiny VRPTW instance (capacity 2: the three customers need two vans)
    path = tmp_path / "tiny.vrp"
    path.write_text(TINY_VRPLIB)
    # When adapted with the DIMACS convention
    problem = problem_from_vrplib(vrplib.read_instance(str(path)))
    # Then distances are truncated tenths, times are tenths, every customer is required
    assert problem.distance[0, 1] == 50 and problem.distance[0, 3] == 14  # 5.0 and 1.414...
    assert problem.distance[1, 3] == 36  # sqrt(13) = 3.605...
    assert [v.window for v in problem.visits] == [(0, 1000)] * 3
    assert {v.service for v in problem.visits} == {10} and all(v.required for v in problem.visits)
    assert [(w.shift, w.capacity) for w in problem.workers] == [((0, 1000), 2)] * 2
    # And the solver finds the optimum: 0-(3,4)-(6,8)-0 and 0-(1,1)-0 = 5 + 5 + 10 + 2 * 1.414
    solution = plan(problem, solver)
    assert solution.cost == 50 + 50 + 100 + 14 + 14


def test_an_iteration_budget_gives_the_same_plan_every_time() -> None:
    # Given a day planned twice by PyVRP with an iteration budget instead of a time budget
    problem = day(seed=3)
    first = solve(problem, iterations=300, seed=1)
    second = solve(problem, iterations=300, seed=1)
    # Then both plans are the same (whatever the machine's load), and valid
    assert first.routes == second.routes and first.feasible
    # And OR-Tools, which has no such budget, refuses it
    with pytest.raises(ValueError, match="pyvrp solver only"):
        solve(problem, iterations=300, solver="ortools")


# --- warm start ---------------------------------------------------------------------------------------


def routes_of(solution: Solution) -> dict:
    return {r.worker: [s.key for s in r.stops] for r in solution.routes}


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hinted_day_is_planned_feasibly(solver: str) -> None:
    # Given a day with skills, lunch and a committed job, and a hint that is a poor but sensible start:
    # every job on the first technician allowed to do it, in key order
    problem = day(seed=5)
    hint: dict = {}
    for v in problem.visits:
        hint.setdefault(min(v.eligible), []).append(v.key)
    # When planned from the hint
    solution = solve(problem, seconds=1.0, solver=solver, hint=hint)
    # Then the plan is as valid as without one
    assert validate(problem, solution) == []
    assert solution.feasible and solution.unserved == ()


def test_what_a_hint_cannot_mean_is_ignored() -> None:
    # Given a hint naming an unknown worker, unknown visits, a visit the worker may not do, a fixed visit
    # on another worker's route and a visit twice
    problem = day(seed=3)
    ineligible = next(v.key for v in problem.visits if "t2" not in v.eligible and v.key != "o0")
    hint = {"nobody": ["o1"], "t2": ["nothing", ineligible, "o0", "o1", "o1"], "t1": ["o1"]}
    # When planned with it
    solution = solve(problem, iterations=200, seed=1, hint=hint)
    # Then the plan is valid: the committed job stays first on its route, skills are kept
    assert validate(problem, solution) == [] and solution.feasible
    assert routes_of(solution)["t0"][0] == "o0"


def test_an_unchanged_day_replanned_from_its_plan_keeps_the_plan() -> None:
    # Given a day planned once
    problem = day(seed=3)
    first = solve(problem, iterations=2000, seed=1)
    # When it is planned again, with another seed, starting from that plan
    again = solve(problem, iterations=300, seed=2, hint=routes_of(first))
    # Then nothing moves: the search only leaves the hint for a cheaper plan
    assert again.cost <= first.cost
    assert routes_of(again) == routes_of(first)


def test_interchangeable_workers_keep_their_hinted_visits() -> None:
    # Given two workers alike in every way (one PyVRP vehicle type) and two jobs on either side of their
    # outlet, with a hint giving the west job to b and the east one to a
    m = line(0, -10, 10)
    visits = (
        Visit("west", 1, service=5, window=(0, 100), required=True),
        Visit("east", 2, service=5, window=(0, 100), required=True),
    )
    workers = (Worker("a", 0, 0, shift=(0, 40)), Worker("b", 0, 0, shift=(0, 40)))
    problem = Problem(m, m, workers, visits)
    for hint in ({"b": ["west"], "a": ["east"]}, {"a": ["west"], "b": ["east"]}):
        # When planned from the hint
        solution = solve(problem, iterations=50, hint=hint)
        # Then each worker keeps the job the hint gave them (neither can do both: 10+5+20+5+10 > 40)
        assert solution.feasible and routes_of(solution) == hint
