"""Monthly complaint figures: how many by category and by responsibility, how long closing took, and the
share closed within the deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import tenant_clock
from anxin.exceptions import InvalidInput
from anxin.feedback.models import Complaint


@dataclass
class MonthStats:
    month: str
    total: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_responsibility: dict[str, int] = field(default_factory=dict)
    closed: int = 0
    mean_hours_to_close: float | None = None
    closed_on_time_share: float | None = None


def _bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    try:
        year, number = (int(part) for part in month.split("-"))
        start = datetime(year, number, 1, tzinfo=zone)
        end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)  # no month after 9999-12
    except ValueError as exc:
        raise InvalidInput("month", "月份格式为 YYYY-MM", "month is YYYY-MM") from exc
    return clock.as_utc(start), clock.as_utc(end)


def month(db: Session, *, tenant_id: int, month: str) -> MonthStats:
    """Complaints registered in ``month`` (YYYY-MM, the tenant's local time). Responsibility counts the
    closed ones; on time means resolved by the (last round's) resolution deadline."""
    zone = tenant_clock.zone(db, tenant_id)
    start, end = _bounds(month, zone)
    rows = db.scalars(
        select(Complaint).where(
            Complaint.tenant_id == tenant_id,
            Complaint.registered_at >= start,
            Complaint.registered_at < end,
        )
    ).all()
    stats = MonthStats(month=month, total=len(rows))
    hours: list[float] = []
    on_time = 0
    for complaint in rows:
        stats.by_category[complaint.category] = stats.by_category.get(complaint.category, 0) + 1
        if complaint.status != "closed" or complaint.closed_at is None:
            continue
        stats.closed += 1
        who = complaint.responsibility or "none"
        stats.by_responsibility[who] = stats.by_responsibility.get(who, 0) + 1
        closed_at = clock.as_utc(complaint.closed_at)
        hours.append((closed_at - clock.as_utc(complaint.registered_at)).total_seconds() / 3600)
        resolved_at = clock.as_utc(complaint.resolved_at or complaint.closed_at)
        if complaint.resolve_due_at is None or resolved_at <= clock.as_utc(complaint.resolve_due_at):
            on_time += 1
    if hours:
        stats.mean_hours_to_close = round(sum(hours) / len(hours), 2)
        stats.closed_on_time_share = round(on_time / len(hours), 4)
    return stats
