"""The dashboard's figures against their targets: each KPI with a goal is ``good`` (meets it), ``near``
(misses it by no more than its margin) or ``bad`` (misses it by more), ``none`` without a figure.

Where the goals come from:

=============================  ==========  ===========  ====================================================
KPI                            goal        amber band   source
=============================  ==========  ===========  ====================================================
mean_response_minutes          ≤ 30 min    ≤ 36 min     ``kpis.TARGETS["respond_minutes"]`` (the SLA's 30 min)
responded_within_30m           ≥ 95 %      ≥ 90 %       ``SHARE_GOALS`` below: the share of orders meeting
arrived_within_4h              ≥ 90 %      ≥ 85 %       the SLA's own limits (30 min, 4 h, 24 h); the code
completed_within_24h           ≥ 90 %      ≥ 85 %       had the limits, not how many must meet them
first_time_fix_rate            ≥ 90 %      ≥ 85 %       ``SHARE_GOALS``
rework_rate                    ≤ 3 %       ≤ 5 %        ``SHARE_GOALS`` (返修: a new order within 30 days)
satisfaction                   ≥ 95 %      ≥ 90 %       ``SHARE_GOALS`` (surveys scoring 4–5 overall)
parts_fill_rate                ≥ 90 %      ≥ 85 %       ``SHARE_GOALS``
overall rating (1–5)           ≥ 4.5       ≥ 4.3        the tenant's ``quality_policy.retraining_below``
complaints_per_1000            ≤ 5         ≤ 10         ``SHARE_GOALS``
complaint_mean_close_hours     ≤ 168 h     ≤ 201.6 h    the tenant's ``quality_policy.general_resolve_hours``
=============================  ==========  ===========  ====================================================

A goal of ``SHARE_GOALS`` is this module's (the common goals of Chinese appliance after-sales service); the
others follow the tenant's policies. The other figures (orders, NPS, remote resolution, utilisation, idle
share) have no goal and are shown without a colour. ``rate`` is the rule, with no database: the page and
the tests call it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.orm import Session

from anxin.analytics.kpis import TARGETS
from anxin.feedback import policy as quality_policy

Better = Literal["higher", "lower"]
Rating = Literal["good", "near", "bad", "none"]


@dataclass(frozen=True)
class Goal:
    kpi: str
    goal: float
    better: Better
    margin: float  # how far past the goal is still amber
    unit: str  # share (0..1), minutes, hours, score (1..5), per_1000


# (goal, margin, better) of the shares and counts no policy of the code sets
SHARE_GOALS: dict[str, tuple[float, float, Better]] = {
    "responded_within_30m": (0.95, 0.05, "higher"),
    "arrived_within_4h": (0.90, 0.05, "higher"),
    "completed_within_24h": (0.90, 0.05, "higher"),
    "first_time_fix_rate": (0.90, 0.05, "higher"),
    "rework_rate": (0.03, 0.02, "lower"),
    "satisfaction": (0.95, 0.05, "higher"),
    "parts_fill_rate": (0.90, 0.05, "higher"),
    "complaints_per_1000": (5.0, 5.0, "lower"),
}
TIME_MARGIN = 0.2  # a time goal is amber up to 20 % over it
RATING_MARGIN = 0.2  # an average rating is amber up to 0.2 below the goal


def rate(value: float | None, goal: float, *, better: Better, margin: float) -> Rating:
    """``good`` when ``value`` meets ``goal``, ``near`` when it misses by at most ``margin``, else ``bad``;
    ``none`` without a value. A value exactly on a line counts for the better side."""
    if value is None:
        return "none"
    gap = (goal - value) if better == "higher" else (value - goal)
    if gap <= 1e-9:
        return "good"
    if gap <= margin + 1e-9:
        return "near"
    return "bad"


def goals(*, retraining_below: float, general_resolve_hours: float) -> list[Goal]:
    """Every goal, with the tenant's quality policy's two numbers."""
    respond = float(TARGETS["respond_minutes"])
    found = [
        Goal("mean_response_minutes", respond, "lower", respond * TIME_MARGIN, "minutes"),
        *(
            Goal(kpi, goal, better, margin, "per_1000" if kpi == "complaints_per_1000" else "share")
            for kpi, (goal, margin, better) in SHARE_GOALS.items()
        ),
        Goal("overall_rating", retraining_below, "higher", RATING_MARGIN, "score"),
        Goal(
            "complaint_mean_close_hours",
            float(general_resolve_hours),
            "lower",
            general_resolve_hours * TIME_MARGIN,
            "hours",
        ),
    ]
    return found


def goals_for(db: Session, *, tenant_id: int) -> list[Goal]:
    policy = quality_policy.for_tenant(db, tenant_id=tenant_id)
    return goals(retraining_below=policy.retraining_below, general_resolve_hours=policy.general_resolve_hours)


def value_of(kpis: dict[str, Any], kpi: str) -> float | None:
    if kpi == "overall_rating":
        return (kpis.get("satisfaction_dimensions") or {}).get("overall")
    value = kpis.get(kpi)
    return None if value is None else float(value)


def cards(kpis: dict[str, Any], found: list[Goal]) -> list[dict[str, Any]]:
    """Each goal with the period's figure and its rating, in the order of ``found``."""
    out = []
    for goal in found:
        value = value_of(kpis, goal.kpi)
        out.append(
            {
                "kpi": goal.kpi,
                "value": value,
                "goal": goal.goal,
                "better": goal.better,
                "margin": goal.margin,
                "unit": goal.unit,
                "rating": rate(value, goal.goal, better=goal.better, margin=goal.margin),
            }
        )
    return out
