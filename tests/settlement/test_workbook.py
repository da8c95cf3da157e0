"""The statement's workbook: readable by openpyxl, yuan with two decimals, the right totals, a sheet of the
technicians' pay, and no text ever read as a formula."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook

from anxin.technician.models import Outlet, Technician
from tests.settlement.support import approve_all, finished_order, last_month, set_rules

FORMULA = '=HYPERLINK("http://x","y")'


def test_the_workbook(client, world, sessionmaker_):
    # given an outlet and a technician whose names would be formulas, and two approved orders
    demo = world.demo
    set_rules(client, demo)
    with sessionmaker_() as db:
        db.get(Outlet, demo.outlet_id).name = FORMULA
        db.get(Technician, demo.technician_id).name = "@SUM(A1)"
        db.commit()
    orders = [
        finished_order(client, sessionmaker_, demo),
        finished_order(client, sessionmaker_, demo, priority="urgent"),
    ]
    approve_all(client, demo, orders)
    [statement] = client.post(
        "/api/v1/settlements", json={"month": last_month()}, headers=demo.headers("admin")
    ).json()
    # when the outlet manager downloads it
    answer = client.get(f"/api/v1/settlements/{statement['id']}.xlsx", headers=demo.headers("outlet_manager"))
    # then it is a workbook of two sheets, Chinese headers, yuan with two decimals
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(answer.content))
    assert book.sheetnames == ["结算明细", "工程师薪酬"]
    lines = list(book["结算明细"].iter_rows(values_only=True))
    assert lines[1] == ("工单号", "类别", "说明", "数量", "金额（元）")
    body = [row for row in lines[2:] if row[0] not in ("服务费合计", "扣款合计", "应结总额")]
    assert [row[4] for row in body] == [90, 90, 20]  # 90.00 + 90.00 + 20.00 yuan
    totals = {row[0]: row[4] for row in lines if row[0] in ("服务费合计", "扣款合计", "应结总额")}
    assert totals == {"服务费合计": 200, "扣款合计": 0, "应结总额": 200}
    assert Decimal(str(totals["应结总额"])) * 100 == statement["total_fen"]
    money = book["结算明细"].cell(row=3, column=5)
    assert money.number_format == "#,##0.00"
    pay = list(book["工程师薪酬"].iter_rows(values_only=True))
    assert pay[0][0] == "工程师" and pay[1][0] == "'@SUM(A1)"
    assert pay[1][2] == 2 and pay[1][5] == 80  # 40% of 200 yuan
    assert pay[-1][0] == "合计"
    # and no cell is a formula: the outlet's name is text
    assert lines[0][0].startswith("'=HYPERLINK")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
