"""The valuation table and its arithmetic: value = max(table[category][band][grade], floor) + subsidy;
the admin sets a category's whole grid, everyone of the tenant reads it and asks for a quote; nothing
crosses tenants."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.tradein import valuation
from anxin.tradein.codes import AgeBand, band_of
from tests.tradein.scene import FLOOR_FEN, RATES, SUBSIDY_FEN, VALUATION, grid_body, set_table

ROLES = ("customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin")


@pytest.mark.parametrize(
    ("years", "band"),
    [(0, "0_2"), (2, "0_2"), (3, "3_5"), (5, "3_5"), (6, "6_8"), (8, "6_8"), (9, "9_plus"), (40, "9_plus")],
)
def test_an_age_falls_in_its_band(years, band):
    assert band_of(years) == AgeBand(band)


def test_a_negative_age_has_no_band():
    with pytest.raises(ValueError):
        band_of(-1)


def test_the_arithmetic_raises_to_the_floor_then_adds_the_subsidy():
    assert valuation.compute(base_fen=50000, floor_fen=5000, subsidy_fen=20000) == 70000
    assert valuation.compute(base_fen=3000, floor_fen=5000, subsidy_fen=20000) == 25000
    assert valuation.compute(base_fen=3000, floor_fen=0, subsidy_fen=0) == 3000


@pytest.mark.parametrize(
    ("age", "condition", "base_yuan"),
    [
        (1, "intact", 800),
        (1, "fair", 500),
        (4, "poor", 120),
        (7, "intact", 300),
        (12, "fair", 100),
        (20, "poor", 50),
    ],
)
def test_a_quote_reads_the_band_and_grade_of_the_table(client, world, age, condition, base_yuan):
    # Given the demo tenant's refrigerator table (floor ¥50, subsidy ¥200)
    set_table(client, world.demo)
    # When a customer asks what such an old refrigerator is worth
    query = {"category": "refrigerator", "age_years": age, "condition": condition}
    answer = client.get(VALUATION, params=query, headers=world.demo.headers("customer"))
    # Then the value is the table's for its band and grade, plus the subsidy
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["age_band"] == band_of(age).value
    assert body["base_fen"] == base_yuan * 100
    assert body["value_fen"] == max(base_yuan * 100, FLOOR_FEN) + SUBSIDY_FEN
    assert body["subsidy_label"] == "以旧换新焕新补贴"


def test_a_dead_appliance_is_worth_the_floor_plus_the_subsidy(client, world):
    set_table(client, world.demo)
    query = {"category": "refrigerator", "age_years": 15, "condition": "dead"}
    body = client.get(VALUATION, params=query, headers=world.demo.headers("agent")).json()
    assert body["base_fen"] == 3000  # ¥30 in the table, under the ¥50 floor
    assert body["floor_fen"] == 5000
    assert body["value_fen"] == 5000 + 20000


def test_every_role_of_the_tenant_may_quote_and_a_stranger_may_not(client, world):
    set_table(client, world.demo)
    query = {"category": "refrigerator", "age_years": 3, "condition": "intact"}
    for role in ROLES:
        assert client.get(VALUATION, params=query, headers=world.demo.headers(role)).status_code == 200, role
    assert client.get(VALUATION, params=query).status_code == 401


def test_a_category_without_a_table_is_refused_with_its_code(client, world):
    set_table(client, world.demo)
    query = {"category": "television", "age_years": 3, "condition": "intact"}
    answer = client.get(VALUATION, params=query, headers=world.demo.headers("customer"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "trade_in_no_rate"
    assert "暂无回收估价" in answer.json()["error"]["message"]


def test_one_tenants_table_is_not_anothers(client, world):
    # Given only the demo tenant values refrigerators
    set_table(client, world.demo)
    # When acme's customer asks
    query = {"category": "refrigerator", "age_years": 3, "condition": "intact"}
    answer = client.get(VALUATION, params=query, headers=world.acme.headers("customer"))
    # Then acme has no table for it, and its table lists nothing
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "trade_in_no_rate"
    assert client.get(RATES, headers=world.acme.headers("admin")).json() == []


def test_the_admin_replaces_a_grid_and_it_is_audited(client, world, db):
    set_table(client, world.demo)
    body = grid_body(floor_fen=8000, subsidy_fen=0, subsidy_label=None)
    body["rates"][0]["value_fen"] = 90000  # 0-2 years, intact: ¥900
    answer = client.put(RATES, json=body, headers=world.demo.headers("admin"))
    assert answer.status_code == 200, answer.text
    listed = client.get(
        RATES, params={"category": "refrigerator"}, headers=world.demo.headers("customer")
    ).json()
    (table,) = listed
    assert table["floor_fen"] == 8000 and table["subsidy_fen"] == 0
    cell = next(c for c in table["rates"] if c["age_band"] == "0_2" and c["condition"] == "intact")
    assert cell["value_fen"] == 90000
    rows = db.scalars(select(AuditEvent).where(AuditEvent.action == "trade_in.rates")).all()
    assert len(rows) == 2 and rows[-1].changes["0_2.intact"] == {"before": 80000, "after": 90000}


def test_only_the_admin_edits_the_table(client, world):
    for role in ROLES[:-1]:
        answer = client.put(RATES, json=grid_body(), headers=world.demo.headers(role))
        assert answer.status_code == 403, role


def test_a_grid_where_worse_is_worth_more_is_refused(client, world):
    body = grid_body()
    body["rates"][1]["value_fen"] = 90000  # 0-2 years, fair above intact
    answer = client.put(RATES, json=body, headers=world.demo.headers("admin"))
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "trade_in_rates_out_of_order"
    assert client.get(RATES, headers=world.demo.headers("admin")).json() == []


def test_a_grid_with_a_cell_twice_or_missing_is_refused(client, world):
    body = grid_body()
    body["rates"][1] = dict(body["rates"][0])
    answer = client.put(RATES, json=body, headers=world.demo.headers("admin"))
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_input"
    short = grid_body()
    short["rates"] = short["rates"][:-1]
    assert client.put(RATES, json=short, headers=world.demo.headers("admin")).status_code == 422
