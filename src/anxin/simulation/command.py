"""``anxin simulate``: run the city simulator for one scenario and policy, print the figures, and optionally
draw the chart that compares both policies on the same seed.

Register with ``app.command("simulate")(simulate)`` in ``anxin/cli.py``.
"""

from __future__ import annotations

import json as jsonlib
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from anxin.simulation import POLICIES, SCENARIOS, run, scenario_named
from anxin.simulation.optimized import ITERATIONS
from anxin.simulation.report import figures, write_chart


def _options(policy: str, iterations: int, seconds: float | None, solver: str) -> dict[str, Any]:
    if policy == "nearest":
        return {}
    return {"iterations": iterations, "seconds": seconds, "solver": solver}


def simulate(
    scenario: str = typer.Option("normal", help=f"one of: {', '.join(SCENARIOS)}"),
    policy: str = typer.Option("optimized", help="nearest (the habit) or optimized (the product)"),
    seed: int = typer.Option(1, help="the same seed gives the same orders, events and figures"),
    days: int = typer.Option(1, min=1, max=30, help="measured days, chained (unfinished work carries over)"),
    json: bool = typer.Option(False, "--json", help="print the figures as one JSON object"),
    chart_path: Path | None = typer.Option(
        None, "--chart", help="write a PNG comparing both policies (also runs the other one, same seed)"
    ),
    iterations: int = typer.Option(ITERATIONS, min=1, help="PyVRP iterations per re-plan (optimized)"),
    seconds: float | None = typer.Option(
        None, min=0.1, help="wall-time budget per re-plan instead of iterations (not repeatable)"
    ),
    solver: str = typer.Option("pyvrp", help="route solver for the optimized policy: pyvrp or ortools"),
    technicians: int | None = typer.Option(None, min=4, help="override the workforce size (default 60)"),
    orders_per_day: float | None = typer.Option(None, min=1, help="override the scenario's daily orders"),
) -> None:
    """Simulate the demo city's service day(s) and measure one dispatch policy: SLA shares, travel,
    utilisation, overtime and unserved orders."""
    if scenario not in SCENARIOS:
        raise typer.BadParameter(f"choose one of {', '.join(SCENARIOS)}", param_hint="--scenario")
    if policy not in POLICIES:
        raise typer.BadParameter(f"choose one of {', '.join(POLICIES)}", param_hint="--policy")
    if solver not in ("pyvrp", "ortools"):
        raise typer.BadParameter("choose pyvrp or ortools", param_hint="--solver")
    chosen = scenario_named(scenario, technicians=technicians, orders_per_day=orders_per_day)
    quiet = Console(stderr=True, quiet=json)
    runs = [policy] + ([p for p in POLICIES if p != policy] if chart_path is not None else [])
    results: dict[str, dict[str, Any]] = {}
    for name in runs:
        with quiet.status(f"simulating {scenario}, {name}, seed {seed}, {days} day(s)…"):
            sim = run(chosen, name, seed=seed, days=days, **_options(name, iterations, seconds, solver))
        results[name] = figures(sim)
    out = dict(results[policy])
    if chart_path is not None:
        write_chart(
            list(results.values()), chart_path, title=f"Dispatch simulation: {scenario}, {days} day(s)"
        )
        out["chart"] = str(chart_path)
        out["compared"] = {name: figures_ for name, figures_ in results.items() if name != policy}
    if json:
        sys.stdout.write(jsonlib.dumps(out, ensure_ascii=False) + "\n")
        return
    console = Console()
    table = Table(title=f"{scenario} · seed {seed} · {days} day(s)")
    table.add_column("figure")
    for name in results:
        table.add_column(name, justify="right")
    for key in results[policy]:
        if key in ("scenario", "policy", "seed", "days"):
            continue
        table.add_row(key, *(str(results[name].get(key, "")) for name in results))
    console.print(table)
    if chart_path is not None:
        console.print(f"chart written to {chart_path}")
