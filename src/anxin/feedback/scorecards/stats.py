"""The figures of a technician's scorecard, computed in grouped SQL for one technician or a whole tenant.

Definitions (a period is ``[start, end)`` in UTC; "completed" means ``completed_at`` falls in the period):

- **ratings**: answered surveys (``Survey.status == "answered"``, ``overall`` set) answered in the period;
  their count and mean ``overall``.
- **first-time fix rate**: of the completed orders, the share that no rework order points back to
  (``WorkOrder.rework_of_id``, whenever it was opened) and whose follow-up did not say the fault was not
  fixed (``Survey.resolved is False``; a missing survey or answer counts as fixed).
- **rework rate**: of the completed orders, the share that got a rework order opened within 30 days of
  the completion.
- **punctuality**: of the visits made in the period (``on_site_at`` in the period) that had an appointment
  window, the share where ``on_site_at <= appointment_end_at``.
- **orders per working day**: completed orders divided by the technician's scheduled working days in the
  period (their ``work_days`` weekdays, tenant time, minus recorded days off); ``None`` with no working day.
- **revenue**: the sum of approved quotes (``Quote.status == "approved"``, ``total_fen``) of the completed
  orders, in fen.
- **penalty points** (``penalties``): upheld complaints, missed appointments and far-from-address evidence,
  each defined in its docstring, weighted by the tenant's ``QualityPolicy.points_*``.
- **service stars** (``stars``): technicians with at least ``STAR_MIN_ORDERS`` completed orders in the
  month, ranked by ``0.5 × rating/5 + 0.3 × first-time fix rate + 0.2 × volume/the month's top volume``
  (rating: the month's mean, else the rolling rating, else 0); ties by volume, then id; top ``STAR_TOP``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.clock import as_utc
from anxin.exceptions import InvalidInput
from anxin.feedback.models import QualityPolicy, Survey
from anxin.feedback.scorecards import penalties as penalty_list
from anxin.feedback.scorecards.schemas import ScorecardRead
from anxin.technician import service as technician_service
from anxin.technician.models import Technician, TechnicianDayOff
from anxin.work_order.models import Quote, WorkOrder

REWORK_DAYS = 30
STAR_MIN_ORDERS = 5
STAR_TOP = 10
TAKEN_OFF = ("assign", "unassign", "cancel")


@dataclass
class Figures:
    technician_id: int
    ratings: int = 0
    rating: float | None = None
    completed: int = 0
    first_time_fixed: int = 0
    reworked: int = 0
    visits_with_window: int = 0
    on_time: int = 0
    working_days: int = 0
    revenue_fen: int = 0

    @property
    def first_time_fix_rate(self) -> float | None:
        return _share(self.first_time_fixed, self.completed)

    @property
    def rework_rate(self) -> float | None:
        return _share(self.reworked, self.completed)

    @property
    def punctuality(self) -> float | None:
        return _share(self.on_time, self.visits_with_window)

    @property
    def orders_per_day(self) -> float | None:
        return round(self.completed / self.working_days, 2) if self.working_days else None


@dataclass(frozen=True)
class Star:
    rank: int
    technician_id: int
    name: str
    score: float
    rating: float | None
    completed: int
    first_time_fix_rate: float | None


@dataclass
class Penalties:
    upheld_complaints: int = 0
    missed_appointments: int = 0
    far_evidence: int = 0
    points: int = 0


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(
    db: Session, *, tenant_id: int, start: datetime, end: datetime, ids: Iterable[int] | None = None
) -> dict[int, Figures]:
    """The period's figures for ``ids`` (default: every technician of the tenant), a handful of grouped
    queries whatever the number of orders."""
    techs = select(Technician).where(Technician.tenant_id == tenant_id)
    if ids is not None:
        techs = techs.where(Technician.id.in_(list(ids)))
    technicians = list(db.scalars(techs.order_by(Technician.id)))
    out = {t.id: Figures(t.id) for t in technicians}
    if not out:
        return out
    wanted = list(out)
    _ratings(db, out, tenant_id, start, end, wanted)
    _completions(db, out, tenant_id, start, end, wanted)
    _punctuality(db, out, tenant_id, start, end, wanted)
    _working_days(db, out, technicians, tenant_id, start, end)
    return out


def _ratings(db, out, tenant_id, start, end, wanted) -> None:
    rows = db.execute(
        select(Survey.technician_id, func.count(Survey.id), func.avg(Survey.overall))
        .where(
            Survey.tenant_id == tenant_id,
            Survey.technician_id.in_(wanted),
            Survey.status == "answered",
            Survey.overall.is_not(None),
            Survey.answered_at >= start,
            Survey.answered_at < end,
        )
        .group_by(Survey.technician_id)
    )
    for technician_id, count, mean in rows:
        out[technician_id].ratings = count
        out[technician_id].rating = round(float(mean), 2) if mean is not None else None


def _completions(db, out, tenant_id, start, end, wanted) -> None:
    rework = aliased(WorkOrder)
    has_rework = exists().where(rework.rework_of_id == WorkOrder.id)
    unresolved = exists().where(Survey.work_order_id == WorkOrder.id, Survey.resolved.is_(False))
    completed = and_(
        WorkOrder.tenant_id == tenant_id,
        WorkOrder.technician_id.in_(wanted),
        WorkOrder.completed_at >= start,
        WorkOrder.completed_at < end,
    )
    rows = db.execute(
        select(
            WorkOrder.technician_id,
            func.count(WorkOrder.id),
            func.sum(case((or_(has_rework, unresolved), 0), else_=1)),
        )
        .where(completed)
        .group_by(WorkOrder.technician_id)
    )
    for technician_id, count, fixed in rows:
        out[technician_id].completed = count
        out[technician_id].first_time_fixed = int(fixed or 0)
    # Only orders that got a rework come back here, with their first rework's opening.
    reworked = db.execute(
        select(WorkOrder.technician_id, WorkOrder.completed_at, func.min(rework.created_at))
        .join(rework, rework.rework_of_id == WorkOrder.id)
        .where(completed)
        .group_by(WorkOrder.id, WorkOrder.technician_id, WorkOrder.completed_at)
    )
    for technician_id, completed_at, first_rework_at in reworked:
        if as_utc(first_rework_at) - as_utc(completed_at) <= timedelta(days=REWORK_DAYS):
            out[technician_id].reworked += 1
    revenue = db.execute(
        select(WorkOrder.technician_id, func.sum(Quote.total_fen))
        .join(Quote, Quote.work_order_id == WorkOrder.id)
        .where(completed, Quote.status == "approved")
        .group_by(WorkOrder.technician_id)
    )
    for technician_id, total in revenue:
        out[technician_id].revenue_fen = int(total or 0)


def _punctuality(db, out, tenant_id, start, end, wanted) -> None:
    rows = db.execute(
        select(
            WorkOrder.technician_id,
            func.count(WorkOrder.id),
            func.sum(case((WorkOrder.on_site_at <= WorkOrder.appointment_end_at, 1), else_=0)),
        )
        .where(
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.technician_id.in_(wanted),
            WorkOrder.appointment_end_at.is_not(None),
            WorkOrder.on_site_at >= start,
            WorkOrder.on_site_at < end,
        )
        .group_by(WorkOrder.technician_id)
    )
    for technician_id, count, on_time in rows:
        out[technician_id].visits_with_window = count
        out[technician_id].on_time = int(on_time or 0)


def _working_days(db, out, technicians, tenant_id, start, end) -> None:
    zone = tenant_clock.zone(db, tenant_id)
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)] if last >= first else []
    off: dict[int, set[date]] = {}
    for technician_id, day in db.execute(
        select(TechnicianDayOff.technician_id, TechnicianDayOff.day).where(
            TechnicianDayOff.tenant_id == tenant_id,
            TechnicianDayOff.technician_id.in_(list(out)),
            TechnicianDayOff.day >= first,
            TechnicianDayOff.day <= last,
        )
    ):
        off.setdefault(technician_id, set()).add(day)
    for technician in technicians:
        weekdays = set(technician.work_days or [])
        out[technician.id].working_days = sum(
            1 for d in days if d.isoweekday() in weekdays and d not in off.get(technician.id, set())
        )


def penalties(
    db: Session, *, technician: Technician, policy: QualityPolicy, since: datetime, now: datetime
) -> Penalties:
    """Penalty points earned from ``since`` to ``now``, counted from ``penalty_list.found`` (each kind
    defined there: upheld complaints, missed appointments, far-from-address evidence); a penalty whose
    appeal quality overturned is not counted."""
    counted = [
        p
        for p in penalty_list.found(db, technician=technician, policy=policy, since=since, now=now)
        if p.counted
    ]
    out = Penalties(
        sum(1 for p in counted if p.kind == "complaint"),
        sum(1 for p in counted if p.kind == "late"),
        sum(1 for p in counted if p.kind == "far"),
    )
    out.points = (
        out.upheld_complaints * policy.points_upheld_complaint
        + out.missed_appointments * policy.points_missed_appointment
        + out.far_evidence * policy.points_far_evidence
    )
    return out


def this_month(db: Session, tenant_id: int, now: datetime) -> str:
    """``YYYY-MM`` of ``now`` in the tenant's zone."""
    return now.astimezone(tenant_clock.zone(db, tenant_id)).strftime("%Y-%m")


def month_range(db: Session, tenant_id: int, month: str) -> tuple[datetime, datetime]:
    """``month_bounds`` in the tenant's zone; 422 for a malformed month."""
    try:
        return month_bounds(month, tenant_clock.zone(db, tenant_id))
    except ValueError:
        raise InvalidInput("month", "月份格式应为 YYYY-MM", "month must be YYYY-MM") from None


@dataclass
class Month:
    month: str
    start: datetime
    end: datetime
    cards: list[ScorecardRead]
    stars: list[Star]


def month_for(db: Session, *, user: User, month: str | None, now: datetime) -> Month:
    """Every technician's card for ``month`` (default: this month) and its service stars; an outlet
    manager sees their outlet's technicians only."""
    month = month or this_month(db, user.tenant_id, now)
    start, end = month_range(db, user.tenant_id, month)
    ids = None
    if user.role == Role.OUTLET_MANAGER:
        ids = technician_service.ids_in_outlet(db, tenant_id=user.tenant_id, outlet_id=user.outlet_id)
    found, figures_by_id, technicians = cards(db, tenant_id=user.tenant_id, start=start, end=end, ids=ids)
    return Month(month, start, end, found, stars(figures_by_id, technicians))


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``YYYY-MM`` in the tenant's zone as a UTC ``[start, end)``; ``ValueError`` when malformed."""
    year, number = (int(part) for part in month.split("-"))
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return (
        as_utc(datetime.combine(first, time(0), zone)),
        as_utc(datetime.combine(following, time(0), zone)),
    )


def stars(figures_by_id: dict[int, Figures], technicians: dict[int, Technician]) -> list[Star]:
    """The month's service stars (the composite is in this module's docstring)."""
    eligible = [f for f in figures_by_id.values() if f.completed >= STAR_MIN_ORDERS]
    if not eligible:
        return []
    top_volume = max(f.completed for f in eligible)
    scored = []
    for f in eligible:
        technician = technicians[f.technician_id]
        rating = f.rating if f.rating is not None else technician.rating
        score = (
            0.5 * (rating or 0.0) / 5 + 0.3 * (f.first_time_fix_rate or 0.0) + 0.2 * f.completed / top_volume
        )
        scored.append((round(score * 100, 1), f, technician, rating))
    scored.sort(key=lambda item: (-item[0], -item[1].completed, item[1].technician_id))
    return [
        Star(
            rank=index + 1,
            technician_id=f.technician_id,
            name=technician.name,
            score=score,
            rating=rating,
            completed=f.completed,
            first_time_fix_rate=f.first_time_fix_rate,
        )
        for index, (score, f, technician, rating) in enumerate(scored[:STAR_TOP])
    ]


def flags_of(technician: Technician) -> list[str]:
    out = []
    if technician.retraining:
        out.append("retraining")
    if technician.suspended_at is not None:
        out.append("suspended")
    if not technician.auto_dispatch:
        out.append("auto_dispatch_paused")
    return out


def cards(
    db: Session, *, tenant_id: int, start: datetime, end: datetime, ids: Iterable[int] | None = None
) -> tuple[list[ScorecardRead], dict[int, Figures], dict[int, Technician]]:
    """The scorecards of ``ids`` (default: the tenant's technicians) for the period, with the figures and
    technicians behind them (for the ranking)."""
    found = figures(db, tenant_id=tenant_id, start=start, end=end, ids=ids)
    technicians = {t.id: t for t in db.scalars(select(Technician).where(Technician.id.in_(list(found))))}
    out = []
    for technician_id, f in found.items():
        t = technicians[technician_id]
        out.append(
            ScorecardRead(
                technician_id=t.id,
                name=t.name,
                start=start,
                end=end,
                rating=t.rating,
                rating_count=t.rating_count,
                period_ratings=f.ratings,
                period_rating=f.rating,
                completed=f.completed,
                first_time_fix_rate=f.first_time_fix_rate,
                rework_rate=f.rework_rate,
                punctuality=f.punctuality,
                working_days=f.working_days,
                orders_per_day=f.orders_per_day,
                revenue_fen=f.revenue_fen,
                penalty_points=t.penalty_points,
                grade=t.grade,
                flags=flags_of(t),
                suspended_at=t.suspended_at,
                suspension_reason=t.suspension_reason,
                reinstated_at=t.reinstated_at,
            )
        )
    return out, found, technicians
