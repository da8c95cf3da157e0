"""The dashboard's cards against their targets: the colouring rule (green meets, amber within the margin,
red beyond it, grey without a figure), the goals from the tenant's policies, and the cards on the page,
which say their rating in words as well as by colour."""

from __future__ import annotations

import re

import pytest
import time_machine

from anxin.analytics import targets
from anxin.analytics.targets import rate
from anxin.feedback.models import QualityPolicy
from anxin.web import dashboard_cards
from tests.analytics import support
from tests.analytics.support import T0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.97, "good"),
        (0.95, "good"),  # on the goal: meets it
        (0.9499, "near"),
        (0.90, "near"),  # on the edge of the margin: still amber
        (0.8999, "bad"),
        (0.0, "bad"),
        (None, "none"),
    ],
)
def test_a_higher_is_better_figure_is_green_amber_or_red(value, expected) -> None:
    assert rate(value, 0.95, better="higher", margin=0.05) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "good"), (0.03, "good"), (0.031, "near"), (0.05, "near"), (0.0501, "bad"), (None, "none")],
)
def test_a_lower_is_better_figure_is_green_amber_or_red(value, expected) -> None:
    assert rate(value, 0.03, better="lower", margin=0.02) == expected


def test_the_goals_follow_the_sla_and_the_tenants_quality_policy() -> None:
    goals = {g.kpi: g for g in targets.goals(retraining_below=4.2, general_resolve_hours=72)}
    assert goals["mean_response_minutes"].goal == 30 and goals["mean_response_minutes"].better == "lower"
    assert goals["overall_rating"].goal == 4.2  # the line below which technicians are sent to retraining
    assert goals["complaint_mean_close_hours"].goal == 72
    assert goals["rework_rate"].better == "lower" and goals["first_time_fix_rate"].better == "higher"


def test_cards_rate_each_figure_and_leave_figures_without_a_goal_uncoloured() -> None:
    kpis = {
        "orders": 120,
        "responded_within_30m": 0.96,
        "mean_response_minutes": 35.0,  # 5 over 30: within 20 %
        "arrived_within_4h": 0.70,
        "completed_within_24h": None,
        "first_time_fix_rate": 0.91,
        "rework_rate": 0.08,
        "satisfaction": 0.97,
        "satisfaction_dimensions": {"overall": 4.6},
        "nps": 40.0,
        "complaints_per_1000": 4.0,
        "complaint_mean_close_hours": 200.0,
        "parts_fill_rate": 0.86,
        "remote_resolution_rate": 0.1,
        "utilisation": 0.5,
        "idle_share": 0.5,
    }
    goals = targets.goals(retraining_below=4.5, general_resolve_hours=168)

    cards = {c["kpi"]: c for c in dashboard_cards.cards(kpis, goals, "zh")}

    assert {k: c["rating"] for k, c in cards.items() if c["rating"]} == {
        "responded_within_30m": "good",
        "mean_response_minutes": "near",
        "arrived_within_4h": "bad",
        "completed_within_24h": "none",
        "first_time_fix_rate": "good",
        "rework_rate": "bad",
        "satisfaction": "good",
        "overall_rating": "good",
        "complaints_per_1000": "good",
        "complaint_mean_close_hours": "near",  # 200 h against 168 h: within 20 %
        "parts_fill_rate": "near",
    }
    assert cards["orders"]["rating"] == "" and cards["orders"]["goal"] == "无目标"
    assert (
        cards["arrived_within_4h"]["figure"] == "70.0%" and cards["arrived_within_4h"]["goal"] == "目标 ≥ 90%"
    )
    assert cards["arrived_within_4h"]["verdict"] == "未达标"
    assert cards["mean_response_minutes"]["goal"] == "目标 ≤ 30 分钟"
    assert cards["mean_response_minutes"]["verdict"] == "接近目标"
    assert (
        cards["completed_within_24h"]["figure"] == "—"
        and cards["completed_within_24h"]["verdict"] == "暂无数据"
    )
    english = {c["kpi"]: c for c in dashboard_cards.cards(kpis, goals, "en")}
    assert (
        english["rework_rate"]["verdict"] == "Misses target"
        and english["rework_rate"]["goal"] == "Target ≤ 3%"
    )


def test_the_dashboard_shows_the_cards_with_their_words(client, world, sign_in, sessionmaker_) -> None:
    with sessionmaker_() as db, db.begin():  # this tenant sends to retraining below 4.0
        db.add(QualityPolicy(tenant_id=world.demo.tenant.id, retraining_below=4.0))
    with time_machine.travel(T0, tick=False):
        support.new_order(client, world.demo, world.demo.appliance_id)
        sign_in(client, "admin@demo")
        page = client.get("/dashboard", params={"from": "2026-11-01", "to": "2026-11-30"}).text

    cards = re.findall(r'<li class="kpi-card[^"]*" data-card="(\w+)"(?: data-rating="(\w+)")?>', page)
    assert [kpi for kpi, _ in cards] == [kpi for kpi, _, _ in dashboard_cards.CARDS]
    rated = dict(cards)
    assert rated["orders"] == "" and rated["nps"] == ""  # no target, no colour
    assert set(rated.values()) <= {"", "good", "near", "bad", "none"}
    assert rated["satisfaction"] == "none" and "暂无数据" in page  # no survey answered yet: grey, and said so
    assert "目标 ≥ 4 分" in page  # the tenant's own retraining line is the rating's target
    assert '<link rel="stylesheet" href="/static/dashboard.css">' in page
    assert client.get("/static/dashboard.css").status_code == 200
