"""Appointment slots: which two-hour windows of the coming days a customer can be offered for an order,
booking one (a ``SlotReservation`` held against the technician who can honour it, and the order's
appointment recorded through the work order's ``appoint`` action) and releasing it. Held slots that can
no longer be kept are flagged by ``risk``.

A window is offered when at least one technician passes every hard rule of ``scoring.refusals`` for the
order on that day (skill, level, brand, certificates, crew, coverage, daily capacity counting held slots;
a day off or a suspension refuses) and the job fits into that technician's day: walking their day from
the start of their shift (today: from now, at their fresh position, with their current queue first) through
their booked visits in window order, the job inserted among them by its window must start inside its
window and end before the shift does, travel by the travel model and service minutes from ``rules``, and
no visit that was on time before may become late. Starts inside a break wait for its end.

Booking re-checks under a lock: the candidate technicians' rows are locked (``SELECT … FOR UPDATE`` in id
order on PostgreSQL; on SQLite a no-op write takes the database's single write lock) before the window is
evaluated again from the database, so two customers racing for the last place get one booking and one
``slot_unavailable``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.clock import as_utc
from anxin.dispatch.core.scoring import Job, refusals
from anxin.dispatch.core.travel import TravelModel
from anxin.dispatch.day import LIVE, Visit, fit, tech_days
from anxin.dispatch.exceptions import NotASlot, SlotUnavailable
from anxin.dispatch.matching import live
from anxin.dispatch.models import SlotReservation
from anxin.technician.models import Technician
from anxin.work_order import actions
from anxin.work_order.exceptions import VersionConflict
from anxin.work_order.models import WorkOrder

SLOT_HOURS = 2  # width of an appointment window
FIRST_SLOT = time(8, 0)  # local start of the first window of a day
LAST_SLOT_END = time(20, 0)  # local end of the last window
LEAD_TIME = timedelta(hours=1)  # a window starting sooner than this is not offered
MAX_DAYS = 14  # how far ahead windows are offered


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    technician_ids: tuple[int, ...]  # who could take it, best first (least added travel, then least loaded)

    @property
    def available(self) -> bool:
        return bool(self.technician_ids)


@dataclass(frozen=True)
class Offer:
    order_id: int
    timezone: str
    slots: list[Slot]
    reservation: SlotReservation | None  # the order's live reservation (held or at risk)


def windows_on(day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's windows (``SLOT_HOURS`` wide from ``FIRST_SLOT`` to ``LAST_SLOT_END`` local), in UTC."""
    out = []
    moment = datetime.combine(day, FIRST_SLOT, zone)
    last = datetime.combine(day, LAST_SLOT_END, zone)
    while moment + timedelta(hours=SLOT_HOURS) <= last:
        out.append((as_utc(moment), as_utc(moment + timedelta(hours=SLOT_HOURS))))
        moment += timedelta(hours=SLOT_HOURS)
    return out


def live_reservation(db: Session, order: WorkOrder) -> SlotReservation | None:
    return db.scalar(
        select(SlotReservation).where(
            SlotReservation.work_order_id == order.id, SlotReservation.status.in_(LIVE)
        )
    )


def offer(
    db: Session, *, order: WorkOrder, now: datetime, days: int = 3, travel: TravelModel | None = None
) -> Offer:
    """Every window of the next ``days`` days (today first) that starts at least ``LEAD_TIME`` from now,
    each with the technicians who could honour it, best first; and the order's live reservation."""
    days = max(1, min(days, MAX_DAYS))
    model = travel or live.travel()
    zone = tenant_clock.zone(db, order.tenant_id)
    job = live.job_for(db, order)
    ids = _qualified(db, order=order, job=job)
    today = now.astimezone(zone).date()
    slots: list[Slot] = []
    for offset in range(days):
        slots += _slots_on(
            db,
            order=order,
            job=job,
            ids=ids,
            day=today + timedelta(days=offset),
            now=now,
            zone=zone,
            travel=model,
        )
    return Offer(order.id, zone.key, slots, live_reservation(db, order))


def _qualified(db: Session, *, order: WorkOrder, job: Job) -> list[int]:
    """The tenant's technicians with a skill row for the job, nearest first (``live.PREFILTER``)."""
    return live.nearest_ids(db, tenant_id=order.tenant_id, job=job, limit=live.PREFILTER, auto=False)


def _slots_on(
    db: Session,
    *,
    order: WorkOrder,
    job: Job,
    ids: Sequence[int],
    day: date,
    now: datetime,
    zone: ZoneInfo,
    travel: TravelModel,
    only: datetime | None = None,
) -> list[Slot]:
    windows = [w for w in windows_on(day, zone) if w[0] >= now + LEAD_TIME and (only is None or w[0] == only)]
    if not windows or not ids:
        return [Slot(start, end, ()) for start, end in windows]
    day_start = as_utc(datetime.combine(day, time(0), zone))
    day_end = as_utc(datetime.combine(day + timedelta(days=1), time(0), zone))
    techs = live.techs_for(
        db, tenant_id=order.tenant_id, ids=ids, day=day, now=now, travel_model_=travel, job=job
    )
    own = own_counts(db, order, day_start, day_end)
    eligible = []
    for tech in techs:
        tech = replace(tech, booked=max(0, tech.booked - own.get(tech.id, 0)))
        if tech.shift is not None and not refusals(job, tech, on=day):
            eligible.append(tech)
    today = now.astimezone(zone).date() == day
    days = tech_days(
        db, eligible, day_start=day_start, day_end=day_end, now=now, today=today, exclude_order_id=order.id
    )
    out = []
    for start, end in windows:
        fits = []
        for tech_day in days:
            extra = fit(
                tech_day, Visit(order.id, job.point, job.service_minutes, (start, end)), travel=travel
            )
            if extra is not None:
                fits.append((extra, tech_day.tech.booked, tech_day.tech.id))
        out.append(Slot(start, end, tuple(tech_id for *_, tech_id in sorted(fits))))
    return out


def own_counts(db: Session, order: WorkOrder, start: datetime, end: datetime) -> dict[int, int]:
    """How much the order itself adds to each technician's ``booked`` count for the day from ``start`` to
    ``end`` (the rule of ``snapshots.techs_for``: its own queue place and its own held slot), so that
    re-booking, or assigning it to the technician holding its slot, does not compete with itself."""
    own: dict[int, int] = defaultdict(int)
    appointment = order.appointment_start_at
    on_day = appointment is None or start <= appointment < end
    if order.technician_id is not None and order.status in {s.value for s in live.QUEUED} and on_day:
        own[order.technician_id] += 1
    held = live_reservation(db, order)
    if held is not None and start <= held.window_start_at < end and order.technician_id != held.technician_id:
        own[held.technician_id] += 1
    return own


def _grid_window(start: datetime, zone: ZoneInfo, today: date) -> tuple[datetime, datetime]:
    local = start.astimezone(zone)
    for window in windows_on(local.date(), zone):
        if window[0] == start and today <= local.date() < today + timedelta(days=MAX_DAYS):
            return window
    raise NotASlot(
        start=start.isoformat(),
        first=FIRST_SLOT.strftime("%H:%M"),
        last=LAST_SLOT_END.strftime("%H:%M"),
        hours=SLOT_HOURS,
        days=MAX_DAYS,
    )


def lock_technicians(db: Session, ids: Sequence[int]) -> None:
    """Hold the technicians' rows until the transaction ends: ``FOR UPDATE`` in id order (no deadlocks)
    on PostgreSQL; on SQLite a no-op write takes the database's write lock, so what is read next is current
    and nobody else writes until commit."""
    ordered = sorted(set(ids))
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            select(Technician.id).where(Technician.id.in_(ordered)).order_by(Technician.id).with_for_update()
        )
    else:
        db.execute(update(Technician).where(Technician.id.in_(ordered)).values(id=Technician.id))


def wait_for_writers(db: Session) -> None:
    """SQLite only: begin the session's (new) transaction with a write, which waits (the busy timeout) for
    the writer holding the database to commit and then holds the write lock, so what is read next is
    current. Call right after a rollback; a no-op on PostgreSQL."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(update(Technician).where(Technician.id.in_([])).values(id=Technician.id))


UNAVAILABLE = {
    "too_soon": ("时段已过或距开始不足一小时", "the window has passed or starts within the hour"),
    "full": ("没有师傅能在该时段上门", "no technician can come in that window"),
}


def _unavailable(reason: str) -> SlotUnavailable:
    zh, en = UNAVAILABLE[reason]
    return SlotUnavailable(reason=reason, why_zh=zh, why_en=en)


def book(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    start: datetime,
    now: datetime,
    version: int | None = None,
    travel: TravelModel | None = None,
) -> SlotReservation:
    """Hold the window starting at ``start`` for the order against the best technician who can still
    honour it (re-checked under a lock) and record it as the order's appointment. A booking the order
    already had is given up (its row is reused). Raises ``NotASlot`` for a time that is no window start,
    ``SlotUnavailable`` when nobody can take it any more, and the work order's own errors (state, role,
    version) before anything changes."""
    actions.check_allowed(order, "appoint", actor)
    model = travel or live.travel()
    zone = tenant_clock.zone(db, order.tenant_id)
    start = as_utc(start)
    window = _grid_window(start, zone, now.astimezone(zone).date())
    if window[0] < now + LEAD_TIME:
        raise _unavailable("too_soon")
    if version is not None and version != order.version:
        raise VersionConflict(current=order.version, expected=version)
    job = live.job_for(db, order)
    day = start.astimezone(zone).date()
    common = {
        "order": order,
        "job": job,
        "day": day,
        "now": now,
        "zone": zone,
        "travel": model,
        "only": start,
    }
    first = _slots_on(db, ids=_qualified(db, order=order, job=job), **common)
    if not first or not first[0].available:
        raise _unavailable("full")
    lock_technicians(db, first[0].technician_ids)
    again = _slots_on(db, ids=first[0].technician_ids, **common)
    if not again or not again[0].available:
        raise _unavailable("full")
    technician_id = again[0].technician_ids[0]
    reservation = db.scalar(select(SlotReservation).where(SlotReservation.work_order_id == order.id))
    if reservation is None:
        reservation = SlotReservation(tenant_id=order.tenant_id, work_order_id=order.id)
        db.add(reservation)
    reservation.technician_id = technician_id
    reservation.window_start_at, reservation.window_end_at = window
    reservation.status = "held"
    reservation.created_at = now
    db.flush()
    ctx = actions.Context(version=version, note="预约时段 / slot booked")
    actions.appoint(db, order=order, actor=actor, ctx=ctx, start=window[0], end=window[1])
    return reservation


def release_for_order(db: Session, order: WorkOrder) -> SlotReservation | None:
    """Give up the order's held (or at-risk) window, e.g. when the order is cancelled; returns the
    reservation released, or None when it held none. Writes no event: the caller's action does."""
    reservation = live_reservation(db, order)
    if reservation is not None:
        reservation.status = "released"
        db.flush()
    return reservation
