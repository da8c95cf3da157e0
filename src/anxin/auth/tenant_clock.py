"""The tenant's clock: its zone (read once per session and kept in ``Session.info``), its local today, and
its local day's bounds. Every place that turns a UTC moment into a tenant's local date or time asks here;
showing a moment in a zone is ``clock.local``."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import DEFAULT_ZONE, Tenant

ZONE_KEY = "tenant_timezone"  # Session.info's cache: tenant id -> zone name


def zone_name(db: Session, tenant_id: int) -> str:
    """The tenant's zone name (``Asia/Shanghai`` unless the tenant set another), read once per session."""
    cache = db.info.setdefault(ZONE_KEY, {})
    if tenant_id not in cache:
        cache[tenant_id] = db.scalar(select(Tenant.timezone).where(Tenant.id == tenant_id)) or DEFAULT_ZONE
    return cache[tenant_id]


def remember(db: Session, tenant_id: int, name: str | None) -> None:
    """Prime the session's cache with a zone read together with other facts (intake's one statement)."""
    db.info.setdefault(ZONE_KEY, {})[tenant_id] = name or DEFAULT_ZONE


def zone(db: Session, tenant_id: int) -> ZoneInfo:
    return ZoneInfo(zone_name(db, tenant_id))


def today(db: Session, tenant_id: int, now: datetime | None = None) -> date:
    """The tenant's local date at ``now`` (the clock's now by default)."""
    return (now or clock.now()).astimezone(zone(db, tenant_id)).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local midnights that begin and end ``day``."""
    start = datetime.combine(day, time(0), zone)
    return start, start + timedelta(days=1)
