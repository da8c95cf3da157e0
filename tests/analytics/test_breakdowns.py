"""Breakdowns by area and brand, and the Excel workbook holding the same figures as the API."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from anxin.analytics import kpis
from anxin.analytics.period import GROUPS
from anxin.auth.models import User
from anxin.feedback.models import Complaint
from anxin.work_order.models import WorkOrder
from tests.analytics import support
from tests.analytics.support import DAY, T0
from tests.helpers import act

H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture
def three(client, world, sessionmaker_):
    """Three orders of the day: two for Haier in 西湖区 (one accepted in 10 min, one in 50), one for a
    Midea refrigerator moved to 滨江区, accepted in 5 min; the clock read a day later."""
    demo = world.demo
    haier = support.appliance(sessionmaker_, demo)
    midea = support.appliance(sessionmaker_, demo, brand="midea")
    with time_machine.travel(T0, tick=False) as traveller:
        ids = []
        for offset, appliance, respond in ((0, demo.appliance_id, 10), (1, haier, 50), (2, midea, 5)):
            start = T0 + offset * H
            traveller.move_to(start)
            order_id = support.new_order(client, demo, appliance)
            traveller.move_to(start + respond * M)
            assert act(client, demo, order_id, "agent", "accept").status_code == 200
            ids.append(order_id)
        with sessionmaker_() as db:
            db.get(WorkOrder, ids[2]).district = "滨江区"
            db.commit()
        traveller.move_to(T0 + timedelta(days=1))
        yield ids


def _groups(body: dict) -> dict:
    return {g["label"]: g["kpis"] for g in body["groups"]}


def test_grouped_by_area_each_district_has_its_own_figures(client, world, three):
    body = support.kpis(client, world.demo, group_by="area")
    groups = _groups(body)
    assert set(groups) == {"西湖区", "滨江区"}
    assert groups["西湖区"]["orders"] == 2 and groups["西湖区"]["responded_within_30m"] == 0.5
    assert groups["滨江区"]["orders"] == 1 and groups["滨江区"]["responded_within_30m"] == 1.0
    assert body["kpis"]["orders"] == 3 and body["kpis"]["responded_within_30m"] == round(2 / 3, 4)
    # utilisation cannot be split by area: said so, and null
    assert groups["西湖区"]["utilisation"] is None
    assert {"parts_fill_rate", "utilisation"} == {n["kpi"] for n in body["unavailable"]}


def test_grouped_by_brand_the_labels_are_the_brand_names(client, world, three):
    groups = _groups(support.kpis(client, world.demo, group_by="brand"))
    assert set(groups) == {"海尔", "midea"}
    assert groups["海尔"]["orders"] == 2 and groups["海尔"]["mean_response_minutes"] == 30.0
    assert groups["midea"]["orders"] == 1 and groups["midea"]["mean_response_minutes"] == 5.0


def test_grouped_by_category_and_outlet(client, world, three):
    assert _groups(support.kpis(client, world.demo, group_by="category"))["冰箱"]["orders"] == 3
    by_outlet = support.kpis(client, world.demo, group_by="outlet")["groups"]
    # accepted only: no outlet, no technician yet
    assert [(g["key"], g["kpis"]["orders"]) for g in by_outlet] == [(None, 3)]


def test_the_workbook_holds_the_same_figures_as_the_api(client, world, three, sessionmaker_):
    with sessionmaker_() as db:
        db.add(
            Complaint(
                tenant_id=world.demo.tenant.id,
                number="CP202611-0001",
                status="registered",
                channel="hotline",
                category="timeliness",
                description="响应慢",
                work_order_id=three[1],
                registered_at=T0 + 2 * H,
            )
        )
        db.commit()
    api = support.kpis(client, world.demo)["kpis"]
    response = client.get(
        "/api/v1/analytics/kpis.xlsx", params={"from": DAY, "to": DAY}, headers=world.demo.headers("admin")
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["KPIs", "by area", "by outlet", "by category", "by brand", "trend"]
    values = {}
    for name, value, *_ in book["KPIs"].iter_rows(min_row=3, values_only=True):
        if name is None:  # the notes on unavailable figures follow a blank row
            break
        values[name] = value
    assert values["orders"] == 3
    assert values["responded_within_30m"] == api["responded_within_30m"]
    assert values["mean_response_minutes"] == api["mean_response_minutes"] == round((10 + 50 + 5) / 3, 1)
    assert values["complaints_per_1000"] == api["complaints_per_1000"] == round(1000 / 3, 2)
    assert values["parts_fill_rate"] is None
    areas = list(book["by area"].iter_rows(min_row=2, values_only=True))
    assert sorted((row[0], row[1]) for row in areas) == [("滨江区", 1), ("西湖区", 2)]
    trend = list(book["trend"].iter_rows(min_row=2, values_only=True))
    assert trend == [trend[0]] and trend[0][:2] == (DAY, 3)


def test_the_workbook_is_refused_to_a_technician(client, world):
    response = client.get(
        "/api/v1/analytics/kpis.xlsx",
        params={"from": DAY, "to": DAY},
        headers=world.demo.headers("technician"),
    )
    assert response.status_code == 403


def test_the_dashboard_in_one_pass_agrees_with_the_separate_queries(world, three, db):
    # given the dashboard's figures (one query per table, GROUPING SETS on PostgreSQL)
    user = db.get(User, world.demo.users["admin"].id)
    scope = kpis.scope_of(db, user, "2026-11-09", DAY)
    board = kpis.dashboard(db, scope)
    # then they are those of the query per breakdown
    assert board["kpis"] == kpis.report(db, scope)["kpis"]
    assert board["kpis"]["orders"] == 3
    for group in GROUPS:
        assert board["breakdowns"][group] == kpis.groups(db, scope, group)
    assert board["trend"] == kpis.trend(db, scope)
    assert [p["kpis"]["orders"] for p in board["trend"]] == [0, 3]
