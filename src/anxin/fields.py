"""Bounded types for what comes from outside: ids, versions, coordinates, dates, and text that goes into a
LIKE pattern. The types work alike as FastAPI path, query and form parameters and as fields of Pydantic
bodies: a value out of range is refused with 422 ``validation_error`` naming the field, so it never reaches
the database (where an id of 2**63 overflows the driver) or the calendar (where a date near 9999 cannot be
added to). The helpers below them parse the same values from page forms, where a refusal is an
``InvalidInput`` (an error page in the page's language)."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from anxin.exceptions import InvalidInput

MAX_ID = 2**63 - 1  # the largest key a signed 64-bit column holds (BIGINT on PostgreSQL, INTEGER on SQLite)
MAX_VERSION = 2**31 - 1  # an order's version is a 32-bit INTEGER column
EARLIEST_DATE = date(1990, 1, 1)  # no appliance in service was bought or installed before this

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Version = Annotated[int, Field(ge=1, le=MAX_VERSION, description="the version you saw")]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
# A day in an appliance's life (bought, installed); that it is not in the future depends on the tenant's
# today, which the service checks (``not_after``).
ApplianceDate = Annotated[date, Field(ge=EARLIEST_DATE)]

_NUMBER = re.compile(r"\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*")


def _written(value: Any) -> Any:
    """A date or a time is written out (ISO 8601), as the document says: Pydantic would also read a number
    (``0``, ``"0.5"``, ``false``) as seconds since 1970 and answer for 1970-01-01."""
    if isinstance(value, bool | int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("write a date as YYYY-MM-DD, a time as YYYY-MM-DDTHH:MM[:SS][+08:00]")
    return value


Day = Annotated[date, BeforeValidator(_written)]  # a date in a query or a body, never a number
Instant = Annotated[datetime, BeforeValidator(_written)]  # a time in a query or a body, never a number

_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() also takes "²", which int() refuses


def not_after(field: str, value: date | None, today: date) -> None:
    """Refuse a day after ``today`` (the tenant's local date)."""
    if value is not None and value > today:
        raise InvalidInput(field, "日期不能晚于今天", "the date is in the future")


def form_version(value: Any) -> int | None:
    """The ``version`` a page's form carries: empty is None (no check); ASCII digits within range only,
    so ``²`` or ``٣`` are refused rather than read."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if _DIGITS.fullmatch(text) is None or not 1 <= int(text) <= MAX_VERSION:
        raise InvalidInput("version", "版本号有误，请刷新页面后重试", "not a valid version; reload the page")
    return int(text)


def form_coordinate(field: str, value: Any, low: float, high: float) -> float | None:
    """A latitude (``low, high = -90, 90``) or longitude (``-180, 180``) from a page form, as the browser's
    location gave it: empty is None (no location); text that is not a finite number in range is refused."""
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            return None
        try:
            number = float(text)
        except ValueError:
            raise InvalidInput(field, "位置数据有误", "the location is not a number") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInput(field, "位置超出范围", "the location is out of range")
    return number


LIKE_ESCAPE = "/"  # the escape character of every LIKE built from user text (as SQLAlchemy's autoescape)


def like_escaped(text: str) -> str:
    """``text`` as a literal inside a LIKE pattern written with ``escape=LIKE_ESCAPE``: its ``%``, ``_``
    and escape characters match themselves, not any text."""
    return (
        text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
