"""A statement as an Excel workbook (openpyxl): the outlet's lines with a totals row on the first sheet,
each technician's pay on the second. Chinese headers; money in yuan with two decimals (the fen divided
exactly: ``Decimal``, never float arithmetic); every text cell through ``analytics.export.text_cell``, so
an order number, a name or a reason is never read as a formula."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from anxin.analytics import export as analytics_export
from anxin.settlement.models import Statement
from anxin.settlement.vocabulary import LEVEL_NAMES, LINE_NAMES, STATEMENT_STATUS_NAMES, name

YUAN = "#,##0.00"
LINES_HEADER = ["工单号", "类别", "说明", "数量", "金额（元）"]
PAY_HEADER = [
    "工程师",
    "级别",
    "完成工单",
    "工单服务费（元）",
    "提成比例",
    "提成（元）",
    "返修扣款（元）",
    "扣分",
    "扣分扣款（元）",
    "本月保证金（元）",
    "累计保证金（元）",
    "实发（元）",
]


@dataclass(frozen=True)
class Titles:
    outlet: str
    month: str


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _row(sheet: Any, values: list[Any], *, bold: bool = False, money: tuple[int, ...] = ()) -> None:
    sheet.append([analytics_export.text_cell(value) for value in values])
    for index, cell in enumerate(sheet[sheet.max_row]):
        if bold:
            cell.font = Font(bold=True)
        if index in money:
            cell.number_format = YUAN


def workbook(statement: Statement, titles: Titles) -> bytes:
    book = Workbook()
    lines = book.active
    lines.title = "结算明细"
    _row(
        lines,
        [f"{titles.outlet} {titles.month} 结算单", name(STATEMENT_STATUS_NAMES, statement.status)],
        bold=True,
    )
    _row(lines, LINES_HEADER, bold=True)
    for line in statement.lines:
        _row(
            lines,
            [
                line.order_number or "",
                name(LINE_NAMES, line.code),
                line.description,
                line.quantity,
                yuan(line.amount_fen),
            ],
            money=(4,),
        )
    _row(lines, ["服务费合计", "", "", statement.orders, yuan(statement.fees_fen)], bold=True, money=(4,))
    _row(lines, ["扣款合计", "", "", "", yuan(statement.deductions_fen)], bold=True, money=(4,))
    _row(lines, ["应结总额", "", "", "", yuan(statement.total_fen)], bold=True, money=(4,))
    for column, width in zip("ABCDE", (22, 14, 48, 8, 14), strict=True):
        lines.column_dimensions[column].width = width
    pay = book.create_sheet("工程师薪酬")
    _row(pay, PAY_HEADER, bold=True)
    for p in statement.pay:
        _row(
            pay,
            [
                p.name,
                name(LEVEL_NAMES, p.level),
                p.orders,
                yuan(p.fees_fen),
                f"{p.rate_bp / 100:g}%",
                yuan(p.commission_fen),
                yuan(p.rework_fen),
                p.penalty_points,
                yuan(p.penalty_fen),
                yuan(-p.deposit_fen),
                yuan(p.deposit_held_fen),
                yuan(p.net_fen),
            ],
            money=(3, 5, 6, 8, 9, 10, 11),
        )
    _row(
        pay,
        [
            "合计",
            "",
            sum(p.orders for p in statement.pay),
            yuan(sum(p.fees_fen for p in statement.pay)),
            "",
            yuan(sum(p.commission_fen for p in statement.pay)),
            yuan(sum(p.rework_fen for p in statement.pay)),
            sum(p.penalty_points for p in statement.pay),
            yuan(sum(p.penalty_fen for p in statement.pay)),
            yuan(-sum(p.deposit_fen for p in statement.pay)),
            "",
            yuan(sum(p.net_fen for p in statement.pay)),
        ],
        bold=True,
        money=(3, 5, 6, 8, 9, 11),
    )
    pay.column_dimensions["A"].width = 14
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
