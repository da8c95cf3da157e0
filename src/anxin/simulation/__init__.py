"""The city simulator: a discrete-event simulation of a day (or several) of after-sales service in the demo
city, to compare the product's dispatch (``optimized``) with the habit of giving each order to the nearest
free technician (``nearest``) on the same orders and the same random events.

Modules: ``city`` (geography and the workforce), ``scenarios`` (the order stream and what happens to each
order), ``engine`` (the event loop), ``nearest`` and ``optimized`` (the policies), ``report`` (figures and
the chart), ``command`` (``anxin simulate``). The product's parts are used, not copied: the travel model
(``dispatch.core.travel``), the hard rules and score (``dispatch.core.scoring``, ``dispatch.core.rules``)
and the route planner (``dispatch.core.vrp``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from anxin.simulation.engine import Policy, Simulation
from anxin.simulation.scenarios import SCENARIOS, Scenario

POLICIES = ("nearest", "optimized")


def make_policy(name: str, **options: Any) -> Policy:
    """A fresh policy by name; ``options`` go to ``OptimizedPolicy`` (``iterations``, ``seconds``,
    ``solver``, ``breaks``, ``warm_start``, ``drive_value``, ``savable_margin``, ``fill``, ``overload_only``)
    and are refused for ``nearest``."""
    if name == "nearest":
        from anxin.simulation.nearest import NearestPolicy

        if options:
            raise ValueError(f"the nearest policy takes no options, got {sorted(options)}")
        return NearestPolicy()
    if name == "optimized":
        from anxin.simulation.optimized import OptimizedPolicy

        return OptimizedPolicy(**options)
    raise ValueError(f"unknown policy {name!r}; choose one of {', '.join(POLICIES)}")


def scenario_named(
    name: str, *, technicians: int | None = None, orders_per_day: float | None = None
) -> Scenario:
    """A scenario by name, optionally scaled (fewer technicians, fewer orders: for quick runs and tests)."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose one of {', '.join(SCENARIOS)}")
    scenario = SCENARIOS[name]
    if technicians is not None:
        scenario = replace(scenario, technicians=technicians)
    if orders_per_day is not None:
        scenario = replace(scenario, orders_per_day=orders_per_day)
    return scenario


def run(
    scenario: str | Scenario,
    policy: str | Policy,
    *,
    seed: int = 1,
    days: int = 1,
    **options: Any,
) -> Simulation:
    """Run one simulation to its end and return it (``report.figures`` turns it into numbers)."""
    chosen = scenario_named(scenario) if isinstance(scenario, str) else scenario
    chosen_policy = make_policy(policy, **options) if isinstance(policy, str) else policy
    return Simulation(chosen, chosen_policy, seed=seed, days=days).run()


__all__ = ["POLICIES", "SCENARIOS", "Scenario", "Simulation", "make_policy", "run", "scenario_named"]
