"""Dispatch in the simulated city: the product's dispatch (``optimized``) against the nearest-free-technician
habit (``nearest``), on the normal weekday and the heat wave, with the same seeds side by side.

    .venv/bin/python benchmarks/dispatch_sim.py [--seeds 1,2,3] [--scenarios normal,heatwave] [--days 1]
        [--iterations 1000] [--jobs 2] [--chart docs/benchmarks/dispatch_sim.png]

Each run is ``anxin.simulation`` for one scenario, policy and seed (see that package for the city,
the order stream and the definitions of the figures). Both policies of a seed face the same orders and the
same random events. The optimiser's budget is a number of PyVRP iterations per re-plan, so every figure
repeats exactly on any machine; only the wall times move with the machine's load. Runs go ``--jobs`` at a
time in separate processes.

It prints one JSON object per run, one per line, then one summary line: the means over seeds per scenario
and policy, the goals (optimized arrives within 4 hours for at least 95% of the normal day's orders, with
at least 20% less travel per order than nearest) and how each figure moves from the normal day to the heat
wave. Nothing here asserts; the ``goals`` booleans only report. The chart compares the means (whiskers: the
lowest and highest seed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from anxin.simulation import run  # noqa: E402
from anxin.simulation.report import average, figures, write_chart  # noqa: E402

GOAL_ARRIVED = 0.95
GOAL_TRAVEL_CUT = 0.20
COMPARED = (
    "orders",
    "responded_within_30m",
    "arrived_within_4h",
    "completed_within_24h",
    "urgent_arrived_within_2h",
    "vulnerable_arrived_within_4h",
    "appointments_arrived_in_window",
    "asap_arrival_minutes_p90",
    "travel_km_per_order",
    "orders_per_technician",
    "utilisation",
    "overtime_hours",
    "unserved",
    "unfinished",
    "moved_by_replan",
)


def one(scenario: str, policy: str, seed: int, days: int, iterations: int) -> dict[str, Any]:
    options = {"iterations": iterations} if policy == "optimized" else {}
    return figures(run(scenario, policy, seed=seed, days=days, **options))


def summarise(results: list[dict[str, Any]], seeds: list[int], args: argparse.Namespace) -> dict[str, Any]:
    means: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario in args.scenarios:
        means[scenario] = {}
        for policy in ("nearest", "optimized"):
            runs = [r for r in results if r["scenario"] == scenario and r["policy"] == policy]
            if runs:
                means[scenario][policy] = {k: v for k, v in average(runs).items() if k in COMPARED}
    out: dict[str, Any] = {"summary": True, "seeds": seeds, "days": args.days, "means": means}
    normal = means.get("normal", {})
    if "nearest" in normal and "optimized" in normal:
        optimized_runs = [r for r in results if r["scenario"] == "normal" and r["policy"] == "optimized"]
        cut = 1 - normal["optimized"]["travel_km_per_order"] / normal["nearest"]["travel_km_per_order"]
        out["goals"] = {
            "normal_optimized_arrived_within_4h": normal["optimized"]["arrived_within_4h"],
            "normal_optimized_arrived_within_4h_lowest_seed": min(
                r["arrived_within_4h"] for r in optimized_runs
            ),
            "arrived_goal_met": normal["optimized"]["arrived_within_4h"] >= GOAL_ARRIVED,
            "arrived_goal_met_every_seed": all(
                r["arrived_within_4h"] >= GOAL_ARRIVED for r in optimized_runs
            ),
            "travel_per_order_cut": round(cut, 4),
            "travel_goal_met": cut >= GOAL_TRAVEL_CUT,
        }
    heat = means.get("heatwave", {})
    if normal and heat:
        out["heatwave_vs_normal"] = {
            policy: {
                key: [normal[policy][key], heat[policy][key]]
                for key in COMPARED
                if normal[policy].get(key) is not None and heat[policy].get(key) is not None
            }
            for policy in ("nearest", "optimized")
            if policy in normal and policy in heat
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds")
    parser.add_argument("--scenarios", default="normal,heatwave", help="comma-separated scenarios")
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=1000, help="PyVRP iterations per re-plan")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (processes)")
    parser.add_argument("--chart", default=str(ROOT / "docs" / "benchmarks" / "dispatch_sim.png"))
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    jobs = [(scenario, policy, seed) for scenario in args.scenarios for seed in seeds
            for policy in ("nearest", "optimized")]  # fmt: skip
    started = time.perf_counter()
    results = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(one, scenario, policy, seed, args.days, args.iterations)
                   for scenario, policy, seed in jobs]  # fmt: skip
        for future in futures:
            result = future.result()
            results.append(result)
            print(json.dumps(result, ensure_ascii=False), flush=True)
    chart = write_chart(
        results, args.chart, title=f"Nearest free technician vs Anxin dispatch, {args.days} day(s)"
    )
    summary = summarise(results, seeds, args)
    summary.update(
        {
            "date": date.today().isoformat(),
            "command": " ".join([".venv/bin/python", "benchmarks/dispatch_sim.py", *(argv or sys.argv[1:])]),
            "iterations": args.iterations,
            "jobs": args.jobs,
            "machine": {
                "nproc": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "wall_seconds": round(time.perf_counter() - started, 1),
            "chart": str(chart),
        }
    )
    print(json.dumps(summary, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
