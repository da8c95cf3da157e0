"""Day-route optimiser on VRPTW benchmark instances: gap to the best-known cost, per solver.

    .venv/bin/python benchmarks/routing.py PATHS... [--seconds 60] [--solver pyvrp|ortools|both] [--seed 0]

Runs the product's own routing path on each VRPLIB instance: ``vrplib.read_instance`` ->
``anxin.dispatch.core.vrp.problem_from_vrplib`` (DIMACS convention: distances, durations, windows and service
times times 10, truncated; one worker per ``VEHICLES``; every customer required) -> ``vrp.solve`` with the
given time budget per instance and solver. Solves run one at a time.

Prints one JSON object per instance and solver, one per line:
``instance``, ``solver``, ``default`` (is it the product's default solver), ``seconds`` (the budget),
``wall_seconds`` (measured, model building included), ``cost`` (total distance in the instance's own
units, i.e. tenths divided back by 10), ``bks`` (best-known cost, the last ``Cost`` line of the ``.sol``
file beside the instance, or null), ``gap_pct``, ``feasible`` (``vrp.validate`` found nothing wrong),
``vehicles`` (routes used) and ``unserved`` (customers left out).

The data for the figures in BENCHMARKS.md is ``../shared/benchmarks/vrptw`` (Gehring-Homberger, 1000
customers); any instance of the same format works. Nothing here asserts on the results.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import vrplib

from anxin.dispatch.core.vrp import DEFAULT_SOLVER, SOLVERS, problem_from_vrplib, solve

SCALE = 10  # DIMACS: one decimal, as integer tenths


def best_known(instance: Path) -> float | None:
    """The best-known cost from the last ``Cost`` line of the ``.sol`` file beside the instance."""
    solution = instance.with_suffix(".sol")
    if not solution.exists():
        return None
    costs = [line.split()[1] for line in solution.read_text().splitlines() if line.startswith("Cost")]
    return float(costs[-1]) if costs else None


def run(path: Path, solver: str, seconds: float, seed: int) -> dict:
    """Solve one instance with one solver and return the JSON-ready result."""
    problem = problem_from_vrplib(vrplib.read_instance(str(path)), scale=SCALE)
    solution = solve(problem, seconds=seconds, solver=solver, seed=seed)
    cost = solution.cost / SCALE
    bks = best_known(path)
    return {
        "instance": path.stem,
        "solver": solver,
        "default": solver == DEFAULT_SOLVER,
        "seconds": seconds,
        "wall_seconds": round(solution.seconds, 2),
        "cost": round(cost, 1),
        "bks": bks,
        "gap_pct": None if bks is None else round(100 * (cost - bks) / bks, 2),
        "feasible": solution.feasible,
        "vehicles": len(solution.routes),
        "unserved": len(solution.unserved),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="VRPLIB .vrp files")
    parser.add_argument("--seconds", type=float, default=60.0, help="time budget per instance and solver")
    parser.add_argument("--solver", choices=[*SOLVERS, "both"], default="both")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    solvers = (
        [DEFAULT_SOLVER] + [s for s in SOLVERS if s != DEFAULT_SOLVER]
        if args.solver == "both"
        else [args.solver]
    )
    for path in args.paths:
        for solver in solvers:
            print(json.dumps(run(path, solver, args.seconds, args.seed)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
