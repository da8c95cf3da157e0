"""The period a KPI report covers and who it is for: local calendar dates in the tenant's zone, turned into
the UTC instants the queries compare ``work_order.created_at`` with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import AnxinError

MAX_DAYS = 366
GROUPS = ("area", "outlet", "category", "brand")


class InvalidPeriod(AnxinError):
    status_code = 422
    code = "invalid_period"
    message_zh = "统计区间无效：{reason_zh}"
    message_en = "Invalid period: {reason_en}"


class InvalidGroup(AnxinError):
    status_code = 422
    code = "invalid_group_by"
    message_zh = "分组方式无效，可选 area、outlet、category、brand"
    message_en = "group_by must be one of area, outlet, category, brand"


@dataclass(frozen=True)
class Period:
    """``first``..``last`` inclusive local dates; ``start``..``end`` the UTC half-open range they cover."""

    first: date
    last: date
    timezone: str
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def bucket_days(self) -> int:
        """The trend's step: a day, or a week for ranges longer than 62 days."""
        return 7 if self.days > 62 else 1

    def as_dict(self) -> dict:
        return {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "days": self.days,
            "timezone": self.timezone,
            "trend_step_days": self.bucket_days,
        }


@dataclass(frozen=True)
class Scope:
    """Whose orders: one tenant, and for an outlet manager one outlet (orders sent to it or done by its
    technicians)."""

    tenant_id: int
    outlet_id: int | None
    period: Period
    now: datetime


# The days a period may name: the calendar's ends (year 1, year 9999) cannot be turned into instants in
# every time zone, and no order is that old or that far ahead.
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


def _parse(value: str | None, name: str) -> date:
    if not value:
        raise InvalidPeriod(reason_zh=f"缺少 {name}", reason_en=f"{name} is required (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidPeriod(
            reason_zh=f"{name} 不是 YYYY-MM-DD 日期", reason_en=f"{name} is not a YYYY-MM-DD date"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidPeriod(
            reason_zh=f"{name} 须在 {EARLIEST} 至 {LATEST} 之间",
            reason_en=f"{name} must lie between {EARLIEST} and {LATEST}",
        )
    return day


def period(first: str | None, last: str | None, *, timezone: str) -> Period:
    start_date, end_date = _parse(first, "from"), _parse(last, "to")
    if end_date < start_date:
        raise InvalidPeriod(reason_zh="to 早于 from", reason_en="to is before from")
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise InvalidPeriod(reason_zh=f"最长 {MAX_DAYS} 天", reason_en=f"at most {MAX_DAYS} days")
    zone = ZoneInfo(timezone)
    start = datetime.combine(start_date, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    end = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    return Period(first=start_date, last=end_date, timezone=timezone, start=start, end=end)


def check_group(group_by: str | None) -> str | None:
    if group_by in (None, ""):
        return None
    if group_by not in GROUPS:
        raise InvalidGroup()
    return group_by


def scope_for(user: User, the_period: Period, now: datetime) -> Scope:
    outlet = (user.outlet_id or -1) if user.role == Role.OUTLET_MANAGER else None
    return Scope(tenant_id=user.tenant_id, outlet_id=outlet, period=the_period, now=now)
