"""Dates relative to the day a test runs, so a test gives the same answer on any day (the suite can be run
on another day with ``ANXIN_TEST_TODAY``, see ``conftest.py``)."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from anxin import clock


def local_today() -> date:
    """Today in the test tenants' zone, on whatever clock the test runs (real or travelled)."""
    return clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()


def months_ago(months: int) -> date:
    """A purchase date ``months`` whole months before today (the 1st of that month, so any day of the
    month gives the same warranty answer within it)."""
    today = local_today()
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def days_ahead(days: int) -> date:
    return local_today() + timedelta(days=days)


def far_day() -> str:
    """A day far enough ahead that nothing of a test's own is planned or booked on it (ISO format)."""
    return days_ahead(1000).isoformat()
