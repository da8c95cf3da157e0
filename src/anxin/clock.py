"""The one source of "now": aware UTC datetimes. Tests travel in time with time-machine; the demo-city
generator replays months of history through the real actions with ``travel``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_override: ContextVar[datetime | None] = ContextVar("anxin_clock_override", default=None)


def now() -> datetime:
    return _override.get() or datetime.now(UTC)


@contextmanager
def travel(to: datetime) -> Iterator[None]:
    """Within the block, ``now()`` is ``to`` (for replaying history; not a substitute for real time)."""
    token = _override.set(as_utc(to))
    try:
        yield
    finally:
        _override.reset(token)


def as_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC; convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def local(moment: datetime | None, zone: ZoneInfo | str, fmt: str = "%m-%d %H:%M") -> str | None:
    """``moment`` as a person reads it in ``zone`` (a tenant's: ``auth.tenant_clock.zone``); None for none."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone).strftime(fmt)
