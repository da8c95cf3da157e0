"""The dashboard's figures as cards: each KPI with its target coloured green (meets it), amber (within the
margin) or red (misses it), saying so in words beside the colour (``analytics/targets.py`` holds the goals
and the rule); the figures without a target as plain cards."""

from __future__ import annotations

from typing import Any

from anxin.analytics import targets
from anxin.web import i18n

# The cards in the order they are shown: (kpi, words key, unit); the kpis with a goal are coloured.
CARDS: tuple[tuple[str, str, str], ...] = (
    ("orders", "dash_orders", "count"),
    ("responded_within_30m", "dash_responded", "share"),
    ("mean_response_minutes", "dash_card_mean_response", "minutes"),
    ("arrived_within_4h", "dash_arrived", "share"),
    ("completed_within_24h", "dash_completed", "share"),
    ("first_time_fix_rate", "dash_ftf", "share"),
    ("rework_rate", "dash_rework", "share"),
    ("satisfaction", "dash_satisfaction", "share"),
    ("overall_rating", "dash_overall_rating", "score"),
    ("nps", "dash_nps", "count"),
    ("complaints_per_1000", "dash_complaints", "per_1000"),
    ("complaint_mean_close_hours", "dash_card_complaint_close", "hours"),
    ("parts_fill_rate", "dash_parts", "share"),
    ("remote_resolution_rate", "dash_remote", "share"),
    ("utilisation", "dash_utilisation", "share"),
    ("idle_share", "dash_idle", "share"),
)

i18n.extend(
    {
        "dash_overall_rating": ("平均总体评分（1–5）", "Average overall rating (1–5)"),
        "dash_card_mean_response": ("平均响应时长", "Mean response time"),
        "dash_card_complaint_close": ("投诉平均关闭时长", "Mean time to close a complaint"),
        "dash_cards": ("指标与目标", "Figures and targets"),
        "dash_cards_note": (
            "绿色为达标，黄色为接近目标（差距在允许范围内），红色为未达标；灰色为无目标或暂无数据。",
            "Green meets the target, amber is near it (within the margin), red misses it; grey has no target "
            "or no data.",
        ),
        "dash_rating_good": ("达标", "Meets target"),
        "dash_rating_near": ("接近目标", "Near target"),
        "dash_rating_bad": ("未达标", "Misses target"),
        "dash_rating_none": ("暂无数据", "No data"),
        "dash_no_goal": ("无目标", "No target"),
        "dash_goal_higher": ("目标 ≥ {goal}", "Target ≥ {goal}"),
        "dash_goal_lower": ("目标 ≤ {goal}", "Target ≤ {goal}"),
        "dash_unit_minutes": ("{v} 分钟", "{v} min"),
        "dash_unit_hours": ("{v} 小时", "{v} h"),
        "dash_unit_score": ("{v} 分", "{v}"),
    }
)

MARKS = {"good": "✓", "near": "!", "bad": "✕", "none": "–"}


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def figure(value: float | int | None, unit: str, lang: str, *, goal: bool = False) -> str:
    """A figure as the card shows it: "92.5%", "18 分钟", "4.6 分", "—" for none; a goal without a needless
    ".0" ("95%")."""
    if value is None:
        return "—"
    if unit == "share":
        return f"{_number(value * 100)}%" if goal else f"{value * 100:.1f}%"
    if unit in ("minutes", "hours", "score"):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if unit == "score" else _number(value)
        return i18n.translate(lang, f"dash_unit_{unit}").format(v=text)
    if unit == "per_1000":
        return _number(float(value))
    return str(value)


def cards(kpis: dict[str, Any], goals: list[targets.Goal], lang: str) -> list[dict[str, Any]]:
    """Every card: its words, figure, target in words, rating (good/near/bad/none, or "" without a
    target) and the rating's words."""
    rated = {c["kpi"]: c for c in targets.cards(kpis, goals)}
    out = []
    for kpi, key, unit in CARDS:
        value = targets.value_of(kpis, kpi)
        card: dict[str, Any] = {
            "kpi": kpi,
            "label": i18n.translate(lang, key),
            "figure": figure(value if kpi not in ("orders", "nps") else kpis.get(kpi), unit, lang),
            "rating": "",
            "goal": i18n.translate(lang, "dash_no_goal"),
            "verdict": "",
            "mark": "",
        }
        found = rated.get(kpi)
        if found is not None:
            card["rating"] = found["rating"]
            goal = figure(found["goal"], unit, lang, goal=True)
            card["goal"] = i18n.translate(lang, f"dash_goal_{found['better']}").format(goal=goal)
            card["verdict"] = i18n.translate(lang, f"dash_rating_{found['rating']}")
            card["mark"] = MARKS[found["rating"]]
        out.append(card)
    return out
