"""The pure rules of matching: each hard rule refuses on its own, and a candidate's score is exactly the sum
of its components' points."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from anxin.dispatch.core.rules import Requirement, requirement_for
from anxin.dispatch.core.scoring import WEIGHTS, Job, Shift, Tech, project_route, queue_key, rank, refusals
from anxin.dispatch.core.travel import OfflineTravel
from anxin.geo import Point

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Hangzhou
HOME = Point(30.27, 120.12)
SHIFT = Shift(
    NOW - timedelta(hours=2),
    NOW + timedelta(hours=8),
    ((NOW + timedelta(hours=2), NOW + timedelta(hours=3)),),
)
TRAVEL = OfflineTravel()

JOB = Job(
    order_id=1,
    category="air_conditioner",
    service_type="repair",
    point=HOME,
    requirement=requirement_for("air_conditioner", "repair"),
    brand="gree",
    district="西湖区",
    arrive_by=NOW + timedelta(hours=4),
    service_minutes=60,
)
GOOD = Tech(
    id=7,
    name="王师傅",
    coverage=frozenset({"西湖区"}),
    skills={("air_conditioner", "*"): "senior"},
    brands=frozenset({"gree", "midea"}),
    certificates={"refrigerant": date(2027, 6, 30)},
    shift=SHIFT,
    capacity=8,
    booked=2,
    position=Point(30.28, 120.13),
)


def codes(job: Job, tech: Tech, **kwargs) -> list[str]:
    return [r.code for r in refusals(job, tech, on=NOW.date(), **kwargs)]


def test_a_qualified_technician_passes_every_rule():
    assert codes(JOB, GOOD) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": "suspended"}, "suspended"),
        ({"shift": None}, "off_duty"),
        ({"coverage": frozenset({"上城区"})}, "coverage"),
        ({"skills": {("washing_machine", "*"): "master"}}, "skill"),
        ({"brands": frozenset({"haier"})}, "brand"),
        ({"certificates": {}}, "certificate"),
        ({"certificates": {"refrigerant": date(2026, 11, 22)}}, "certificate"),
        ({"booked": 8}, "capacity"),
        ({"size": 2, "member_ids": (7, 8)}, "crew_size"),
    ],
)
def test_each_hard_rule_refuses_on_its_own(change, code):
    assert codes(JOB, replace(GOOD, **change)) == [code]


def test_a_skill_below_the_required_level_is_refused():
    install = replace(
        JOB, service_type="installation", requirement=requirement_for("air_conditioner", "installation")
    )
    junior = replace(
        GOOD,
        skills={("air_conditioner", "*"): "junior"},
        certificates={"refrigerant": date(2027, 1, 1), "height": date(2027, 1, 1)},
    )
    assert codes(install, junior) == ["level"]
    assert codes(install, replace(junior, skills={("air_conditioner", "*"): "senior"})) == []


def test_a_job_for_two_needs_a_crew():
    crew_job = replace(JOB, requirement=Requirement("junior", frozenset({"refrigerant"}), crew_size=2))
    assert codes(crew_job, GOOD) == ["crew_size"]
    assert codes(crew_job, replace(GOOD, size=2, member_ids=(7, 8))) == []


def test_paused_auto_dispatch_refuses_only_in_auto_mode():
    paused = replace(GOOD, auto_dispatch=False)
    assert codes(JOB, paused) == []
    assert codes(JOB, paused, auto=True) == ["auto_dispatch_paused"]


def test_a_technician_who_cannot_finish_before_the_shift_ends_is_refused_off_shift():
    late = replace(GOOD, free_at=SHIFT.end - timedelta(minutes=30))
    ranking = rank(JOB, [late], travel=TRAVEL, now=NOW)
    assert ranking.candidates == ()
    assert [r.code for r in ranking.refused[7]] == ["off_shift"]


def test_the_score_is_the_sum_of_its_components_and_the_eta_matches_the_travel_model():
    ranking = rank(JOB, [GOOD], travel=TRAVEL, now=NOW)
    (best,) = ranking.candidates
    leg = TRAVEL.leg(GOOD.position, JOB.point, NOW)
    assert best.eta == NOW + timedelta(seconds=leg.seconds)
    assert best.travel_km == round(leg.km, 2)
    assert {c.name for c in best.components} == set(WEIGHTS)
    assert best.score == pytest.approx(sum(c.points for c in best.components), abs=0.1)
    eta = next(c for c in best.components if c.name == "eta")
    assert eta.points == pytest.approx(35 * (1 - best.eta_minutes / 120), abs=0.05)
    load = next(c for c in best.components if c.name == "load")
    assert load.value == 2 and load.points == pytest.approx(10 * (1 - 2 / 8))


def test_nearer_ranks_first_all_else_equal_and_a_rework_prefers_the_last_technician():
    far = replace(GOOD, id=8, name="李师傅", position=Point(30.35, 120.20))
    first = rank(JOB, [far, GOOD], travel=TRAVEL, now=NOW).candidates
    assert [c.technician_id for c in first] == [7, 8]
    rework = replace(JOB, rework=True, last_technician_id=8)
    again = rank(rework, [far, GOOD], travel=TRAVEL, now=NOW).candidates
    affinity = {c.technician_id: next(p for p in c.components if p.name == "affinity").points for c in again}
    assert affinity == {7: 0.0, 8: 10.0}
    assert any(r.code == "affinity" for r in next(c for c in again if c.technician_id == 8).reasons)


def test_a_technician_on_a_break_leaves_after_it():
    at_lunch = NOW + timedelta(hours=2, minutes=10)
    (best,) = rank(JOB, [GOOD], travel=TRAVEL, now=at_lunch).candidates
    assert best.eta >= SHIFT.breaks[0][1]


def test_a_miss_of_the_arrival_limit_scores_no_slack_and_says_so():
    tight = replace(JOB, arrive_by=NOW + timedelta(minutes=1))
    (best,) = rank(tight, [replace(GOOD, position=Point(30.35, 120.2))], travel=TRAVEL, now=NOW).candidates
    slack = next(c for c in best.components if c.name == "sla_slack")
    assert slack.points == 0 and any(r.code == "sla_miss" for r in best.reasons)


def test_urgent_and_vulnerable_households_jump_the_queue():
    plain = replace(JOB, order_id=1, created_at=NOW)
    urgent = replace(JOB, order_id=2, created_at=NOW + timedelta(minutes=5), priority="urgent")
    elderly = replace(JOB, order_id=3, created_at=NOW + timedelta(minutes=9), vulnerable=True)
    assert [j.order_id for j in sorted([plain, elderly, urgent], key=queue_key)] == [2, 3, 1]


def test_project_route_walks_the_queue_in_order():
    stops = [(Point(30.28, 120.13), 60, None), (Point(30.29, 120.14), 30, NOW + timedelta(hours=5))]
    free, where = project_route(HOME, NOW, stops, travel=TRAVEL)
    assert where == stops[-1][0]
    assert free == NOW + timedelta(hours=5, minutes=30)  # waited for the second window, then 30 minutes


def test_a_brand_refusal_names_the_brand_as_people_do():
    haier_only = replace(GOOD, brands=frozenset({"haier"}))
    named = replace(JOB, brand_names=("格力", "Gree"))
    (reason,) = refusals(named, haier_only, on=NOW.date())
    assert (reason.code, reason.zh, reason.en) == ("brand", "未获格力品牌授权", "not authorised for Gree")
