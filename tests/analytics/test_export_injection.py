"""The KPI workbook never turns text from customers or staff into a live formula (CSV/formula injection),
through the API's export and the dashboard's alike."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from anxin.analytics import export
from anxin.work_order.models import WorkOrder
from tests.analytics import support
from tests.analytics.support import DAY, T0

FORMULA = '=HYPERLINK("http://x","y")'


@pytest.fixture
def district(client, world, sessionmaker_):
    """``district(text)``: an order of the day whose district reads ``text`` (as any path might write it)."""

    def made(text: str) -> None:
        with time_machine.travel(T0, tick=False):
            order_id = support.new_order(client, world.demo, world.demo.appliance_id)
        with sessionmaker_() as db:
            db.get(WorkOrder, order_id).district = text
            db.commit()

    return made


def api_export(client, world):
    return client.get(
        "/api/v1/analytics/kpis.xlsx", params={"from": DAY, "to": DAY}, headers=world.demo.headers("admin")
    )


def page_export(client, sign_in):
    sign_in(client, "admin@demo")
    return client.get("/dashboard/export.xlsx", params={"from": DAY, "to": DAY})


def area_cells(content: bytes) -> list:
    book = load_workbook(BytesIO(content))
    return [row[0] for row in book["by area"].iter_rows(min_row=2)]


def formulas(content: bytes) -> list[str]:
    book = load_workbook(BytesIO(content))
    return [
        cell.coordinate
        for sheet in book
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]


def test_a_district_written_as_a_formula_is_text_in_both_exports(client, world, sign_in, district) -> None:
    # Given an order whose district is a spreadsheet formula
    district(FORMULA)

    # When a manager exports the KPIs through the API and through the dashboard
    answers = {"api": api_export(client, world), "page": page_export(client, sign_in)}

    # Then in both workbooks the area is a text cell that starts with the quote, and no cell is a formula
    for name, answer in answers.items():
        assert answer.status_code == 200, (name, answer.text)
        (cell,) = area_cells(answer.content)
        assert cell.data_type == "s" and cell.value == "'" + FORMULA, name
        assert formulas(answer.content) == [], name


def test_a_district_with_a_control_character_does_not_break_the_export(client, world, district) -> None:
    # Given an order whose district carries a control character no workbook can hold
    district("西湖\x07区")

    # When the KPIs are exported
    answer = api_export(client, world)

    # Then the workbook is made, without the character
    assert answer.status_code == 200, answer.text
    assert [cell.value for cell in area_cells(answer.content)] == ["西湖区"]


@pytest.mark.parametrize(
    "text,cell",
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("\x00=1+1", "'=1+1"),
        ("西湖区", "西湖区"),
        ("a=b", "a=b"),
        ("—", "—"),
        ("", ""),
    ],
)
def test_text_that_would_start_a_formula_gets_a_leading_quote(text: str, cell: str) -> None:
    assert export.text_cell(text) == cell


@pytest.mark.parametrize("value", [-5, 0.25, 0, None, True])
def test_numbers_and_empty_cells_stay_as_they_are(value) -> None:
    assert export.text_cell(value) is value
