"""The figures of a run and the chart that compares policies.

Orders measured are those reported on the measured days (days 1..D, local time); the evening before (day 0)
and the day after (D + 1) are simulated so that the first morning has last night's bookings and the last
evening's orders meet a realistic next day, but their orders are not counted. Definitions:

* ``responded_within_30m``: the technician acknowledged an as-soon-as-possible order, or the booking of an
  appointment was confirmed to the customer, within 30 minutes of the clock start (the report, or 08:00 for
  one made in quiet hours, 22:00–08:00).
* ``arrived_within_4h``: the first arrival at the door was within 4 hours of the arrival clock's start: the
  clock start for as-soon-as-possible orders, the start of the booked window for appointments (a
  technician who arrives early and waits counts as on time).
* ``completed_within_24h``: the order was completed within 24 hours of that same start, not counting the
  time it waited for a part or for an absent customer's rebooked window (the product pauses its completion
  clock for these). Orders still waiting for a part at the end of the run (their clock paused, the outcome
  unknown) are left out of this share and counted in ``waiting_for_parts_at_end``.
* ``unserved``: measured orders nobody had visited by the end of the run (22:00 of the day after the last
  measured day); ``unfinished``: measured orders not completed by then (including those waiting for parts).
* ``travel_km_per_order``: kilometres driven on the measured days (outlet to customers and back) divided
  by the number of orders visited on those days; ``orders_per_technician``: orders completed on the
  measured days per technician at work per day; ``utilisation``: time on site over the scheduled shift time
  (less the lunch break) of the technicians at work; ``overtime_hours``: work running past the end of the
  shift, summed over technicians and days.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

import numpy as np

from anxin.simulation.engine import Simulation
from anxin.simulation.scenarios import DAY, HOUR

SHARES = ("responded_within_30m", "arrived_within_4h", "completed_within_24h")


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def figures(sim: Simulation) -> dict[str, Any]:
    """Every figure of a finished run, as one flat JSON-ready dict."""
    measured = [r for r in sim.records.values() if r.order.measured]
    days = range(1, sim.days + 1)
    total = len(measured)
    responded = sum(
        1 for r in measured if r.responded is not None and r.responded - r.order.clock_start <= 30 * 60
    )
    arrived = sum(
        1
        for r in measured
        if r.first_arrival is not None and r.first_arrival - r.order.arrival_clock <= 4 * HOUR
    )
    completed = sum(
        1
        for r in measured
        if r.completed is not None and r.completed - r.order.arrival_clock - r.paused <= 24 * HOUR
    )
    parts_pending = sum(
        1 for r in measured if r.completed is None and r.visits and r.visits[-1].outcome == "parts"
    )
    urgent = [r for r in measured if r.order.urgent]
    urgent_2h = sum(
        1
        for r in urgent
        if r.first_arrival is not None and r.first_arrival - r.order.arrival_clock <= 2 * HOUR
    )
    vulnerable = [r for r in measured if r.order.vulnerable]
    vulnerable_4h = sum(
        1
        for r in vulnerable
        if r.first_arrival is not None and r.first_arrival - r.order.arrival_clock <= 4 * HOUR
    )
    asap_waits = sorted(
        (r.first_arrival - r.order.arrival_clock) / 60
        for r in measured
        if r.order.window is None and r.first_arrival is not None
    )
    appointments = [r for r in measured if r.order.window is not None]
    in_window = sum(
        1 for r in appointments if r.first_arrival is not None and r.first_arrival <= r.order.window[1]
    )
    visited_orders = {
        r.order.id
        for r in sim.records.values()
        for v in r.visits
        if v.arrived is not None and v.arrived // DAY in days
    }
    stats = [t.stats(d) for t in sim.present for d in days]
    km = sum(s.km for s in stats)
    shift_seconds = sum(t.spec.shift.working_seconds for t in sim.present) * sim.days
    tech_days = len(sim.present) * sim.days
    visits = sum(s.visits for s in stats)
    result: dict[str, Any] = {
        "scenario": sim.scenario.name,
        "policy": sim.policy.name,
        "seed": sim.seed,
        "days": sim.days,
        "technicians": len(sim.present),
        "orders": total,
        "responded_within_30m": _share(responded, total),
        "arrived_within_4h": _share(arrived, total),
        "completed_within_24h": _share(completed, total - parts_pending),
        "urgent_orders": len(urgent),
        "urgent_arrived_within_2h": _share(urgent_2h, len(urgent)),
        "vulnerable_arrived_within_4h": _share(vulnerable_4h, len(vulnerable)),
        "appointments_arrived_in_window": _share(in_window, len(appointments)),
        "asap_arrival_minutes_p50": round(float(np.percentile(asap_waits, 50)), 1) if asap_waits else None,
        "asap_arrival_minutes_p90": round(float(np.percentile(asap_waits, 90)), 1) if asap_waits else None,
        "travel_km": round(km, 1),
        "travel_km_per_order": round(km / len(visited_orders), 2) if visited_orders else 0.0,
        "travel_hours_per_technician_day": round(sum(s.travel_seconds for s in stats) / 3600 / tech_days, 2),
        "visits": visits,
        "orders_per_technician": round(sum(s.completed for s in stats) / tech_days, 2),
        "utilisation": round(sum(s.service_seconds for s in stats) / shift_seconds, 4)
        if shift_seconds
        else 0.0,
        "overtime_hours": round(sum(s.overtime_seconds for s in stats) / 3600, 2),
        "technician_days_with_overtime": sum(1 for s in stats if s.overtime_seconds > 0),
        "overrun_visits": sum(s.overrun_visits for s in stats),
        "unserved": sum(1 for r in measured if r.first_arrival is None),
        "unfinished": sum(1 for r in measured if r.completed is None),
        "waiting_for_parts_at_end": parts_pending,
        "rejections": sum(r.rejections for r in measured),
        "no_shows": sum(
            1 for r in measured for v in r.visits if v.outcome == "no_show" and v.arrived is not None
        ),
        "parts_waits": sum(
            1 for r in measured for v in r.visits if v.outcome == "parts" and v.arrived is not None
        ),
        "wall_seconds": round(sim.wall_seconds, 1),
    }
    result.update(sim.policy.summary())
    return result


def average(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The mean of each numeric figure over runs of one scenario and policy (seeds side by side)."""
    out: dict[str, Any] = {"scenario": runs[0]["scenario"], "policy": runs[0]["policy"], "runs": len(runs)}
    for key, value in runs[0].items():
        if key in out or key == "seed" or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        out[key] = round(mean(values), 4)
    return out


def write_chart(
    runs: Sequence[dict[str, Any]], path: str | Path, *, title: str = "Dispatch simulation"
) -> Path:
    """A PNG comparing policies per scenario: the three SLA shares, travel per order, utilisation and
    unserved orders; bars are means over seeds, whiskers the lowest and highest run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
    policies = list(dict.fromkeys(r["policy"] for r in runs))
    panels = [
        ("responded_within_30m", "responded ≤ 30 min (share)"),
        ("arrived_within_4h", "arrived ≤ 4 h (share)"),
        ("completed_within_24h", "completed ≤ 24 h (share)"),
        ("travel_km_per_order", "travel km per order"),
        ("utilisation", "utilisation (on site / shift)"),
        ("unserved", "unserved orders"),
    ]
    colours = {"nearest": "#b0b0b0", "optimized": "#1f77b4"}
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    width = 0.8 / max(1, len(policies))
    for ax, (key, label) in zip(axes.flat, panels, strict=True):
        for index, policy in enumerate(policies):
            means, lows, highs = [], [], []
            for scenario in scenarios:
                values = [r[key] for r in runs if r["scenario"] == scenario and r["policy"] == policy]
                m = mean(values) if values else 0.0
                means.append(m)
                lows.append(m - min(values) if values else 0.0)
                highs.append(max(values) - m if values else 0.0)
            x = np.arange(len(scenarios)) + (index - (len(policies) - 1) / 2) * width
            ax.bar(x, means, width, yerr=[lows, highs], capsize=3, label=policy, color=colours.get(policy))
            for xi, m in zip(x, means, strict=True):
                ax.annotate(
                    f"{m:.2f}" if m < 10 else f"{m:.0f}",
                    (xi, m),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
        ax.set_xticks(np.arange(len(scenarios)), scenarios)
        ax.set_title(label, fontsize=10)
        if key in SHARES:
            ax.set_ylim(0, 1.08)
    axes.flat[0].legend(fontsize=8, loc="lower left")
    seeds = sorted({r["seed"] for r in runs})
    fig.suptitle(f"{title} (seeds {', '.join(map(str, seeds))})")
    fig.tight_layout()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=110)
    plt.close(fig)
    return target
