"""The KPI workbook (openpyxl): a sheet of the period's KPIs, one sheet per breakdown, one of the trend.

Every row goes through ``row``, so text from customers and staff (a district, an outlet's or a brand's name)
is never read as a formula: text starting with a character a spreadsheet reads as one (OWASP's list for
CSV injection: ``= + - @``, tab, carriage return) gets a leading single quote and stays text, and control
characters a workbook cannot hold are dropped; numbers stay numbers."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from anxin.analytics.period import GROUPS

SHARES = (
    "responded_within_30m",
    "arrived_within_4h",
    "completed_within_24h",
    "first_time_fix_rate",
    "rework_rate",
    "satisfaction",
    "remote_resolution_rate",
    "utilisation",
    "idle_share",
    "parts_fill_rate",
)
COLUMNS = (
    "orders",
    *SHARES[:7],
    "mean_response_minutes",
    "nps",
    "complaints",
    "complaints_per_1000",
    "complaint_mean_close_hours",
    "utilisation",
    "idle_share",
)
DIMENSIONS = ("attitude", "skill", "punctuality", "promises", "overall")
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: Any) -> Any:
    """``value`` safe as a cell: text that would start a formula gets a leading ``'``; anything else as it
    is."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def row(values: list[Any]) -> list[Any]:
    return [text_cell(value) for value in values]


def _flat(kpis: dict[str, Any]) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [(name, kpis.get(name)) for name in COLUMNS]
    rows.append(("parts_fill_rate", kpis.get("parts_fill_rate")))
    rows += [(f"satisfaction_{d}", kpis["satisfaction_dimensions"].get(d)) for d in DIMENSIONS]
    rows += [(f"revenue_fen_{c}", fen) for c, fen in kpis["revenue_fen_by_billing_category"].items()]
    return rows


def _header(sheet: Any, names: list[str]) -> None:
    sheet.append(row(names))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def _table(sheet: Any, first: str, items: list[tuple[Any, dict]]) -> None:
    _header(sheet, [first, *COLUMNS, *(f"satisfaction_{d}" for d in DIMENSIONS), "revenue_fen"])
    for label, kpis in items:
        sheet.append(
            row(
                [
                    label,
                    *(kpis.get(c) for c in COLUMNS),
                    *(kpis["satisfaction_dimensions"].get(d) for d in DIMENSIONS),
                    sum(kpis["revenue_fen_by_billing_category"].values()),
                ]
            )
        )
    for column in sheet.iter_cols(min_row=2, min_col=2):
        name = sheet.cell(row=1, column=column[0].column).value
        if name in SHARES:
            for cell in column:
                cell.number_format = "0.0%"


def workbook(report: dict[str, Any]) -> bytes:
    """``report`` as from ``kpis.dashboard``: totals, ``breakdowns`` and ``trend``."""
    book = Workbook()
    sheet = book.active
    sheet.title = "KPIs"
    period = report["period"]
    sheet.append(row(["period", f"{period['from']} .. {period['to']}", period["timezone"]]))
    _header(sheet, ["kpi", "value"])
    for name, value in _flat(report["kpis"]):
        sheet.append(row([name, value]))
        if name in SHARES:
            sheet.cell(row=sheet.max_row, column=2).number_format = "0.0%"
    sheet.append([])
    _header(sheet, ["unavailable", "reason"])
    for note in report["unavailable"]:
        sheet.append(row([note["kpi"], note["reason"]]))
    sheet.column_dimensions["A"].width = 30
    for group in GROUPS:
        grouped = report["breakdowns"].get(group) or []
        _table(book.create_sheet(f"by {group}"), group, [(g["label"], g["kpis"]) for g in grouped])
    _table(book.create_sheet("trend"), "date", [(p["date"], p["kpis"]) for p in report["trend"]])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
