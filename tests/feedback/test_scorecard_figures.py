"""Scorecard figures against a small case worked out by hand (first-time fix, rework, punctuality,
orders per working day, revenue, the month's service stars), who may read which card, and the grade that
breaks a tie in dispatch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from anxin.dispatch.core.scoring import Job, Shift, Tech, rank
from anxin.dispatch.core.travel import OfflineTravel
from anxin.feedback.models import Survey
from anxin.feedback.scorecards import consequences as scorecards
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.geo import Point
from anxin.technician.models import Outlet, Technician, TechnicianDayOff
from anxin.work_order.models import Quote, WorkOrder
from tests.helpers import report, walk

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou, a Tuesday


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def local(day: int, hour: int = 10) -> datetime:
    """A November 2026 moment in Hangzhou, as UTC."""
    return datetime(2026, 11, day, hour - 8, 0, tzinfo=UTC)


def completed_order(client, world) -> int:
    order = report(client, world).json()
    walk(client, world, order["id"], until="complete")
    return order["id"]


def survey_of(db, order: WorkOrder) -> Survey:
    survey = db.scalar(select(Survey).where(Survey.work_order_id == order.id))
    if survey is None:
        survey = Survey(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            expires_at=NOON + timedelta(days=7),
        )
        db.add(survey)
    return survey


@pytest.fixture
def november(client, world, db):
    """tech01 completes four orders in November (A on the 3rd, B the 10th, C the 17th, D the 24th):

    - A gets a rework order (E) ten days later → not a first-time fix, and reworked within 30 days;
    - C's customer says the fault was not fixed → not a first-time fix;
    - A was on site inside its window, B after it; C and D had no window;
    - every quote is 250.00 yuan and approved, but D's was superseded → revenue 750.00;
    - A is rated 5 and B 4 (answered in November); a day off on 5 November.
    """
    demo = world.demo
    ids = [completed_order(client, demo) for _ in range(4)]
    rework = report(client, demo).json()  # the fifth report on the appliance: open, not completed
    db.commit()
    a, b, c, d = (db.get(WorkOrder, i) for i in ids)
    for order, day in zip((a, b, c, d), (3, 10, 17, 24), strict=True):
        order.on_site_at = local(day, 9)
        order.completed_at = local(day, 11)
        order.rework_of_id, order.is_rework = None, False
        order.appointment_end_at = None
    a.appointment_end_at = local(3, 10)  # on site at 9, inside
    b.appointment_end_at = local(10, 8)  # on site at 9, late
    e = db.get(WorkOrder, rework["id"])
    e.rework_of_id, e.is_rework, e.created_at = a.id, True, local(13)
    db.execute(Quote.__table__.update().where(Quote.work_order_id == d.id).values(status="superseded"))
    for order, overall in ((a, 5), (b, 4)):
        survey = survey_of(db, order)
        survey.status, survey.overall, survey.answered_at = "answered", overall, local(25)
    survey_of(db, c).resolved = False
    db.add(
        TechnicianDayOff(tenant_id=demo.tenant.id, technician_id=demo.technician_id, day=date(2026, 11, 5))
    )
    db.commit()
    return ids


def test_the_figures_match_the_hand_computed_month(client, world, db, november):
    demo = world.demo
    response = client.get(
        f"/api/v1/technicians/{demo.technician_id}/scorecard",
        params={"from": "2026-10-31T16:00:00Z", "to": "2026-11-30T16:00:00Z"},
        headers=demo.headers("quality"),
    )
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["completed"] == 4
    assert card["first_time_fix_rate"] == 0.5  # B and D
    assert card["rework_rate"] == 0.25  # A
    assert card["punctuality"] == 0.5  # A of A and B
    assert card["working_days"] == 29  # every weekday works, less the day off
    assert card["orders_per_day"] == round(4 / 29, 2)
    assert card["revenue_fen"] == 75000
    assert (card["period_ratings"], card["period_rating"]) == (2, 4.5)
    assert card["penalties"]["missed_appointments"] == 1  # B's late arrival


def test_a_rework_after_thirty_days_is_not_rework_but_is_not_a_first_time_fix(client, world, db, november):
    demo = world.demo
    a = db.get(WorkOrder, november[0])
    rework = db.scalar(select(WorkOrder).where(WorkOrder.rework_of_id == a.id))
    rework.created_at = a.completed_at + timedelta(days=31)
    db.commit()
    start, end = scorecard_stats.month_bounds("2026-11", ZoneInfo("Asia/Shanghai"))
    figures = scorecard_stats.figures(db, tenant_id=demo.tenant.id, start=start, end=end)
    mine = figures[demo.technician_id]
    assert (mine.reworked, mine.first_time_fixed, mine.completed) == (0, 2, 4)
    assert figures[demo.other_technician_id].completed == 0


def test_the_month_lists_every_card_and_ranks_the_service_stars(client, world, db, november, monkeypatch):
    demo = world.demo
    monkeypatch.setattr(scorecard_stats, "STAR_MIN_ORDERS", 2)
    response = client.get(
        "/api/v1/scorecards", params={"month": "2026-11"}, headers=demo.headers("dispatcher")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["technician_id"] for c in body["scorecards"]] == [demo.technician_id, demo.other_technician_id]
    # 0.5 × 4.5/5 + 0.3 × 0.5 + 0.2 × 4/4 = 0.80
    assert body["stars"] == [
        {
            "rank": 1,
            "technician_id": demo.technician_id,
            "name": "王师傅",
            "score": 80.0,
            "rating": 4.5,
            "completed": 4,
            "first_time_fix_rate": 0.5,
        }
    ]
    bad = client.get("/api/v1/scorecards", params={"month": "2026-13"}, headers=demo.headers("quality"))
    assert bad.status_code == 422
    assert client.get("/api/v1/scorecards", headers=demo.headers("technician")).status_code == 403


def test_cards_stay_inside_the_tenant_and_a_technician_reads_only_their_own(client, world):
    demo, acme = world.demo, world.acme
    url = f"/api/v1/technicians/{demo.technician_id}/scorecard"
    assert client.get(url, headers=acme.headers("quality")).status_code == 404
    assert client.get(url, headers=demo.headers("technician")).status_code == 200
    assert client.get(url, headers=demo.headers("other_technician")).status_code == 404
    assert client.get(url, headers=demo.headers("customer")).status_code == 403
    assert client.get(url, headers=demo.headers("agent")).status_code == 200
    listing = client.get("/api/v1/scorecards", headers=acme.headers("quality")).json()
    assert {c["technician_id"] for c in listing["scorecards"]} == {
        acme.technician_id,
        acme.other_technician_id,
    }


def test_volume_and_rating_earn_the_grade():
    assert scorecards.grade_for(60, 4.8) == "gold"
    assert scorecards.grade_for(60, 4.7) == "silver"
    assert scorecards.grade_for(20, 4.6) == "silver"
    assert scorecards.grade_for(19, 5.0) == "bronze"
    assert scorecards.grade_for(5, None) == "bronze"
    assert scorecards.grade_for(4, 5.0) is None


def test_refresh_grades_by_completed_orders(client, world, db, monkeypatch):
    demo = world.demo
    monkeypatch.setattr(scorecards, "GRADES", (("gold", 2, 4.8), ("bronze", 1, None)))
    completed_order(client, demo)
    assert scorecards.refresh(db, technician_id=demo.technician_id, now=NOON).grade == "bronze"
    db.commit()
    order_id = completed_order(client, demo)
    db.commit()
    order = db.get(WorkOrder, order_id)
    survey = survey_of(db, order)
    survey.status, survey.overall, survey.answered_at = "answered", 5, NOON
    db.commit()
    assert scorecards.refresh(db, technician_id=demo.technician_id, now=NOON).grade == "gold"


def test_between_equal_scores_dispatch_prefers_the_higher_grade():
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    job = Job(order_id=1, category="refrigerator", service_type="repair", point=Point(30.27, 120.12))
    plain = Tech(
        id=1,
        skills={("refrigerator", "*"): "senior"},
        shift=Shift(now - timedelta(hours=2), now + timedelta(hours=8)),
        position=Point(30.27, 120.12),
    )
    gold = replace(plain, id=2, grade="gold")
    ranking = rank(job, [plain, gold], travel=OfflineTravel(), now=now)
    assert [c.technician_id for c in ranking.candidates] == [2, 1]
    assert ranking.candidates[0].score == ranking.candidates[1].score
    silver = replace(plain, id=3, grade="silver", booked=1)  # a lower score is not lifted by a grade
    ranking = rank(job, [plain, silver], travel=OfflineTravel(), now=now)
    assert [c.technician_id for c in ranking.candidates] == [1, 3]


def test_an_outlet_manager_sees_only_their_outlets_technicians(client, world, db):
    demo = world.demo
    east = Outlet(
        tenant_id=demo.tenant.id, code="east", name="东区网点", district="上城区", lat=30.25, lng=120.17
    )
    db.add(east)
    db.flush()
    db.get(Technician, demo.other_technician_id).outlet_id = east.id
    db.commit()
    headers = demo.headers("outlet_manager")
    listing = client.get("/api/v1/scorecards", headers=headers).json()
    assert [c["technician_id"] for c in listing["scorecards"]] == [demo.technician_id]
    other = client.get(f"/api/v1/technicians/{demo.other_technician_id}/scorecard", headers=headers)
    assert other.status_code == 404
