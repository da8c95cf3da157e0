"""OR-Tools backend of the day-route planner (``vrp.solve(..., solver="ortools")``).

How the planning model maps onto the OR-Tools routing library (``RoutingModel``, constraint solver):

- Nodes: one per visit that some worker may do, plus one per distinct start/end location; each worker is
  a vehicle with its own start and end node. Matrices are registered with ``RegisterTransitMatrix``.
- Cost: one arc-cost matrix per distinct ``distance_cost``; ``duration_cost`` is the span cost of the
  time dimension (end cumul minus start cumul = route duration).
- Time: a dimension whose transit i -> j is service(i) + travel(i, j), with slack for waiting and breaks.
  A visit's cumul is its service start, ranged to its window; a vehicle's start and end cumuls are ranged
  to its shift. Finalizers push departures late and returns early, so routes do not wait needlessly.
- Capacity: a load dimension with one capacity per vehicle (None = the sum of all demands).
- Eligibility: ``VehicleVar(index).SetValues([-1, allowed...])``, exactly as the model says.
- Optional visits: a one-node disjunction with the visit's penalty. Required (and fixed) visits get a
  disjunction with a penalty larger than any plan's cost, so the solver still returns its best plan when
  no plan serves them all; ``validate`` then reports the plan as infeasible.
- Breaks: ``SetBreakIntervalsOfVehicle`` with one fixed-duration interval per break, its start ranged to
  the break's window (and the shift); the visits' service times are passed so a break never overlaps a
  service. OR-Tools may place a break on the road, while waiting, or before leaving / after returning.
- Fixed prefix: ``NextVar`` constraints chain start -> fixed[0] -> fixed[1] ... (what ``ApplyLocks`` does).
- Search: PARALLEL_CHEAPEST_INSERTION first solution (it does better across the Gehring-Homberger classes
  than PATH_CHEAPEST_ARC, LOCAL_CHEAPEST_INSERTION and SAVINGS), then guided local search until the time
  limit. Above ``LARGE`` visits the insertion-based LNS neighbourhoods are off, because on large days they
  overrun the time limit. OR-Tools' routing search takes no random seed; ``seed`` is accepted and ignored.
  The trials behind these settings are in docs/benchmark-history.md ("Routing").
"""

from __future__ import annotations

import time

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2
from ortools.util import optional_boolean_pb2

from anxin.dispatch.core.vrp import Problem, Route, TakenBreak, cost_bound, is_eligible, make_route

FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"  # a routing_enums_pb2.FirstSolutionStrategy name
METAHEURISTIC = "GUIDED_LOCAL_SEARCH"  # a routing_enums_pb2.LocalSearchMetaheuristic name
LOG_SEARCH = False
# Insertion-based neighbourhoods that overrun the time limit on large days; they are turned off above
# LARGE visits.
LARGE = 300
SLOW_OPERATORS = (
    "use_global_cheapest_insertion_path_lns",
    "use_local_cheapest_insertion_path_lns",
    "use_relocate_path_global_cheapest_insertion_insert_unperformed",
    "use_global_cheapest_insertion_visit_types_lns",
    "use_local_cheapest_insertion_visit_types_lns",
)


def plan(problem: Problem, *, deadline: float, seed: int = 0) -> list[Route]:
    """Routes for the problem found by OR-Tools before ``deadline`` (a ``time.perf_counter()`` value);
    an empty list when it finds no assignment at all."""
    del seed  # the routing search is deterministic
    p = problem
    workers, visits = p.workers, p.visits
    allowed = [[k for k, w in enumerate(workers) if is_eligible(v, w)] for v in visits]
    nodes = [i for i, v in enumerate(visits) if allowed[i]]
    depot_locations = sorted({w.start for w in workers} | {w.end for w in workers})
    depot_node = {loc: len(nodes) + d for d, loc in enumerate(depot_locations)}
    node_location = np.array([visits[i].location for i in nodes] + depot_locations, dtype=np.int64)
    service = np.array([visits[i].service for i in nodes] + [0] * len(depot_locations), dtype=np.int64)

    manager = pywrapcp.RoutingIndexManager(
        len(node_location),
        len(workers),
        [depot_node[w.start] for w in workers],
        [depot_node[w.end] for w in workers],
    )
    routing = pywrapcp.RoutingModel(manager)
    solver = routing.solver()
    distance = p.distance[np.ix_(node_location, node_location)]
    for dc in sorted({w.distance_cost for w in workers}):
        callback = routing.RegisterTransitMatrix((dc * distance).tolist())
        for k, w in enumerate(workers):
            if w.distance_cost == dc:
                routing.SetArcCostEvaluatorOfVehicle(callback, k)

    travel = p.duration[np.ix_(node_location, node_location)] + service[:, None]
    horizon = max([w.shift[1] for w in workers] + [v.window[1] for v in visits])
    routing.AddDimension(routing.RegisterTransitMatrix(travel.tolist()), horizon, horizon, False, "Time")
    clock = routing.GetDimensionOrDie("Time")
    index_of = {i: manager.NodeToIndex(n) for n, i in enumerate(nodes)}
    must = cost_bound(p)
    fixed = {key for w in workers for key in w.fixed}
    for i, index in index_of.items():
        v = visits[i]
        if v.key in fixed:  # committed: late is reported, not a reason to return no plan at all
            clock.CumulVar(index).SetRange(v.window[0], horizon)
            clock.SetCumulVarSoftUpperBound(index, v.window[1], must)
        else:
            clock.CumulVar(index).SetRange(*v.window)
    for k, w in enumerate(workers):
        for index in (routing.Start(k), routing.End(k)):
            clock.CumulVar(index).SetRange(*w.shift)
        clock.SetSpanCostCoefficientForVehicle(w.duration_cost, k)
    # Finish as early as possible first, then leave as late as that finish allows.
    for k in range(len(workers)):
        routing.AddVariableMinimizedByFinalizer(clock.CumulVar(routing.End(k)))
    for k in range(len(workers)):
        routing.AddVariableMaximizedByFinalizer(clock.CumulVar(routing.Start(k)))

    if any(w.capacity is not None for w in workers):
        demand = [visits[i].demand for i in nodes] + [0] * len(depot_locations)
        total = sum(demand)
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterUnaryTransitVector(demand),
            0,
            [total if w.capacity is None else w.capacity for w in workers],
            True,
            "Load",
        )

    for i, index in index_of.items():
        v = visits[i]
        if len(allowed[i]) < len(workers):
            routing.VehicleVar(index).SetValues([-1, *allowed[i]])
        routing.AddDisjunction([index], must if v.required or v.key in fixed else v.penalty)

    key_index = {visits[i].key: index for i, index in index_of.items()}
    for k, w in enumerate(workers):
        previous = routing.Start(k)
        for key in w.fixed:
            solver.Add(routing.NextVar(previous) == key_index[key])
            previous = key_index[key]

    visit_transits = [int(service[manager.IndexToNode(index)]) for index in range(routing.Size())]
    intervals: dict[int, list] = {}
    for k, w in enumerate(workers):
        if not w.breaks:
            continue
        intervals[k] = []
        for n, b in enumerate(w.breaks):
            earliest = max(b.window[0], w.shift[0])
            latest = max(earliest, min(b.window[1], w.shift[1] - b.duration))
            intervals[k].append(
                solver.FixedDurationIntervalVar(earliest, latest, b.duration, False, f"break {k}.{n}")
            )
        clock.SetBreakIntervalsOfVehicle(intervals[k], k, visit_transits)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, FIRST_SOLUTION)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, METAHEURISTIC)
    params.log_search = LOG_SEARCH
    if len(nodes) > LARGE:
        for name in SLOW_OPERATORS:
            setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_FALSE)
    params.time_limit.FromMilliseconds(max(10, int(1000 * (deadline - time.perf_counter()))))
    assignment = routing.SolveWithParameters(params)
    if assignment is None:
        return []

    routes = []
    for k, w in enumerate(workers):
        sequence = []
        index = assignment.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            sequence.append((nodes[manager.IndexToNode(index)], assignment.Value(clock.CumulVar(index))))
            index = assignment.Value(routing.NextVar(index))
        if not sequence:
            continue
        start_time = assignment.Value(clock.CumulVar(routing.Start(k)))
        end_time = assignment.Value(clock.CumulVar(routing.End(k)))
        breaks = []
        for iv, b in zip(intervals.get(k, []), w.breaks, strict=True):
            begin = assignment.StartValue(iv)
            # Before leaving it is taken at the start, after returning at the end, else on the way.
            place = w.start if begin + b.duration <= start_time else w.end if begin >= end_time else None
            breaks.append(TakenBreak(begin, begin + b.duration, place))
        routes.append(make_route(p, w, sequence, breaks, start_time, end_time))
    return routes
