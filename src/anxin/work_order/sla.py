"""SLA clocks: pure functions of an order's timestamps, the tenant's policy and the time now.

Four clocks run from the moment an order is reported: respond (the technician acknowledges), appointment
(a visit time is agreed with the customer), arrive (the technician is on site; the limit depends on the
address being urban or suburban) and complete. A report made in quiet hours (22:00–08:00 local by
default), when nobody may contact the customer, starts its clocks when quiet hours end.

A visit the customer asked for later than the arrival limit (the preferred window of the report, or the
appointment agreed afterwards, which wins) is no lateness of the provider: the arrival and completion
deadlines move back by the time the customer chose to wait.

Clocks pause while the order waits on parts or on the customer's decision about a quote. Those states come
after arrival in the state table, so a pause only ever delays the completion clock; the time spent paused
is added to its deadline.

Each clock is ``met``, ``met_late``, ``on_track``, ``at_risk`` (less than ``at_risk_share`` of its budget
left), ``breached`` or ``paused``; the order is ``breached`` if any clock is breached or was met late, else
``at_risk`` if any is, else ``on_track``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from anxin.auth.models import DEFAULT_ZONE


class SlaState(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"


CLOCKS = ("respond", "appointment", "arrive", "complete")
DEFAULTS = {"respond": 30, "appointment": 120, "arrive_urban": 240, "arrive_suburban": 480, "complete": 1440}


@dataclass(frozen=True)
class Limits:
    minutes: dict[str, int]
    at_risk_share: float = 0.25
    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    timezone: str = DEFAULT_ZONE


@dataclass(frozen=True)
class Clock:
    name: str
    due_at: datetime | None
    met_at: datetime | None
    state: str


@dataclass(frozen=True)
class SlaReport:
    state: SlaState
    clocks: tuple[Clock, ...]
    due_at: datetime | None  # the earliest deadline still running
    risk_at: datetime | None  # when the earliest running clock turns at risk
    breached: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "due_at": self.due_at,
            "clocks": [
                {"name": c.name, "due_at": c.due_at, "met_at": c.met_at, "state": c.state}
                for c in self.clocks
            ],
        }


def _hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def limits_for(policy: Any, *, channel: str, service_type: str, area_type: str, timezone: str) -> Limits:
    """The limits that apply to one order: the tenant's defaults, then the most specific override matching
    its channel and service type (a rule naming both beats one naming either)."""
    minutes = {
        "respond": policy.respond_minutes,
        "appointment": policy.appointment_minutes,
        "arrive": policy.arrive_suburban_minutes if area_type == "suburban" else policy.arrive_urban_minutes,
        "complete": policy.complete_minutes,
    }
    matching = [
        rule
        for rule in policy.overrides or []
        if rule.get("channel") in (None, channel) and rule.get("service_type") in (None, service_type)
    ]
    matching.sort(key=lambda rule: (rule.get("channel") is not None) + (rule.get("service_type") is not None))
    for rule in matching:
        for clock in CLOCKS:
            if f"{clock}_minutes" in rule:
                minutes[clock] = int(rule[f"{clock}_minutes"])
    return Limits(
        minutes=minutes,
        at_risk_share=policy.at_risk_share,
        quiet_start=_hhmm(policy.quiet_start),
        quiet_end=_hhmm(policy.quiet_end),
        timezone=timezone,
    )


def clock_start(reported_at: datetime, limits: Limits) -> datetime:
    """When the clocks start: at once, or at the end of quiet hours for a report made during them."""
    zone = ZoneInfo(limits.timezone)
    local = reported_at.astimezone(zone)
    start, end = limits.quiet_start, limits.quiet_end
    moment = local.time()
    in_quiet = (moment >= start or moment < end) if start > end else (start <= moment < end)
    if not in_quiet:
        return reported_at
    day = local.date() if moment < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(reported_at.tzinfo)


def evaluate(
    *,
    reported_at: datetime,
    met: dict[str, datetime | None],
    limits: Limits,
    paused_seconds: int,
    paused_since: datetime | None,
    now: datetime,
    visit_by: datetime | None = None,
) -> SlaReport:
    """The state of every clock at ``now``. ``met`` maps a clock name to when it was met (or None);
    ``visit_by`` is the end of the visit window the customer asked for or agreed to."""
    start = clock_start(reported_at, limits)
    arrive_due = start + timedelta(minutes=limits.minutes["arrive"])
    customer_wait = max(visit_by - arrive_due, timedelta(0)) if visit_by else timedelta(0)
    clocks: list[Clock] = []
    running: list[tuple[datetime, datetime]] = []
    breached = False
    at_risk = False
    for name in CLOCKS:
        budget = timedelta(minutes=limits.minutes[name])
        due = start + budget
        met_at = met.get(name)
        if name in ("arrive", "complete"):
            due += customer_wait
        if name == "complete":
            pause = paused_seconds + (int((now - paused_since).total_seconds()) if paused_since else 0)
            due += timedelta(seconds=pause)
        if met_at is not None:
            state = "met" if met_at <= due else "met_late"
            breached |= state == "met_late"
        elif name == "complete" and paused_since is not None:
            state = "paused"
            due = None
        else:
            risk_at = due - budget * limits.at_risk_share
            running.append((due, risk_at))
            if now >= due:
                state = "breached"
                breached = True
            elif now >= risk_at:
                state = "at_risk"
                at_risk = True
            else:
                state = "on_track"
        clocks.append(Clock(name=name, due_at=due, met_at=met_at, state=state))
    overall = SlaState.BREACHED if breached else SlaState.AT_RISK if at_risk else SlaState.ON_TRACK
    return SlaReport(
        state=overall,
        clocks=tuple(clocks),
        due_at=min((due for due, _ in running), default=None),
        risk_at=min((risk for _, risk in running), default=None),
        breached=any(c.state == "met_late" for c in clocks),
    )
