"""Held appointment slots that can no longer be kept: the technician is suspended, off that day, or (for
today's windows) would arrive after the window's end from where they are through their queue. The slot is
marked at risk, the order gets a ``slot_at_risk`` event and the customer is offered other windows."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth import service as auth_service
from anxin.auth import tenant_clock
from anxin.clock import as_utc
from anxin.dispatch.core.travel import TravelModel
from anxin.dispatch.day import WAITING, Visit, tech_days, walk
from anxin.dispatch.matching import live
from anxin.dispatch.models import SlotReservation
from anxin.work_order import events
from anxin.work_order.models import WorkOrder

RISKS = {
    "technician_unavailable": ("师傅已停派或离岗", "the technician is suspended or off"),
    "technician_off": ("师傅当天休息", "the technician is off that day"),
    "late": (
        "按师傅当前位置和待办工单将晚于预约时段",
        "from where the technician is and their queue they would arrive after the window",
    ),
}


def flag_slots_at_risk(
    db: Session, *, tenant_id: int, now: datetime, travel: TravelModel | None = None
) -> list[SlotReservation]:
    """Mark the tenant's held reservations that can no longer be kept as ``at_risk`` and write a
    ``slot_at_risk`` event on each order: the holding technician is suspended or off, has a day off on
    that day, or (for today's windows) would arrive after the window's end, walking their queue and the
    visits booked before it from their fresh position (else their base). Returns the reservations flagged."""
    model = travel or live.travel()
    zone = tenant_clock.zone(db, tenant_id)
    today = now.astimezone(zone).date()
    rows = db.execute(
        select(SlotReservation, WorkOrder)
        .join(WorkOrder, WorkOrder.id == SlotReservation.work_order_id)
        .where(
            SlotReservation.tenant_id == tenant_id,
            SlotReservation.status == "held",
            SlotReservation.window_end_at > now,
            WorkOrder.status.in_(WAITING),
        )
        .order_by(SlotReservation.window_start_at, SlotReservation.id)
    ).all()
    flagged = []
    for reservation, order in rows:
        reason = _risk(db, reservation, order, now=now, today=today, zone=zone, travel=model)
        if reason is None:
            continue
        reservation.status = "at_risk"
        zh, en = RISKS[reason]
        events.record(
            db,
            order=order,
            action="slot_at_risk",
            actor=auth_service.system_user(db, tenant_id=order.tenant_id),
            from_status=order.status,
            note=zh,
            payload={
                "reason": reason,
                "message": en,
                "technician_id": reservation.technician_id,
                "window_start_at": reservation.window_start_at.isoformat(),
                "window_end_at": reservation.window_end_at.isoformat(),
            },
            at=now,
        )
        flagged.append(reservation)
    db.flush()
    return flagged


def _risk(
    db: Session,
    reservation: SlotReservation,
    order: WorkOrder,
    *,
    now: datetime,
    today: date,
    zone: ZoneInfo,
    travel: TravelModel,
) -> str | None:
    day = reservation.window_start_at.astimezone(zone).date()
    techs = live.techs_for(
        db, tenant_id=order.tenant_id, ids=[reservation.technician_id], day=day, now=now, travel_model_=travel
    )
    if not techs or techs[0].status in ("suspended", "off"):
        return "technician_unavailable"
    if techs[0].shift is None:
        return "technician_off"
    if day != today:
        return None
    day_start = as_utc(datetime.combine(day, time(0), zone))
    days = tech_days(
        db,
        techs,
        day_start=day_start,
        day_end=day_start + timedelta(days=1),
        now=now,
        today=True,
        exclude_order_id=order.id,
    )
    if not days:
        return None
    tech_day = days[0]
    earlier = [v for v in tech_day.booked if v.window[0] < reservation.window_start_at]
    point = live.order_point(order, db)
    job = Visit(order.id, point, 0, (reservation.window_start_at, reservation.window_end_at))
    times, _ = walk(tech_day, [*tech_day.queue, *earlier, job], travel=travel)
    arrival = times[-1][0]
    return "late" if arrival > reservation.window_end_at else None
