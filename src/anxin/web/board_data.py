"""What the schedule board (``/console/board``) and the dispatcher's queue show, gathered through the
domain services: each technician's day as blocks on a time line, the unassigned queue by SLA risk, which
SLA deadline an order's countdown counts to, and durations in hours and minutes.

A technician's visits are timed the way appointment slots and the fit check time them (``dispatch.day``:
``tech_days`` and ``walk`` with the configured travel model): today's queue first from where the technician
is, then the visits booked with a window, in window order; the travel between two visits is a leg of the
same travel model. Those are the times the dispatcher's drop is checked against (``assignment.check``), so
the board and the checks agree; a stored day plan is the solver's proposal and is read on the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.dependencies import DbSession
from anxin.dispatch import day as tech_day
from anxin.dispatch.core.rules import service_minutes
from anxin.dispatch.matching import live
from anxin.technician import service as technician_service
from anxin.web import i18n
from anxin.work_order import service
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import Status

# The SLA clocks by name, as ``work_order.sla`` names them, and the word the countdown says it counts to.
DEADLINE_WORDS = {
    "respond": ("响应", "response"),
    "appointment": ("预约", "appointment"),
    "arrive": ("上门", "arrival"),
    "complete": ("完工", "completion"),
}
MOVABLE = (Status.ASSIGNED.value, Status.ACKNOWLEDGED.value)  # a block may be dragged (assign, appoint)
AXIS = (7 * 60, 21 * 60)  # the time line's default hours (minutes of the local day)
ROWS = 200  # technicians on one board

i18n.extend(
    {
        "bd_title": ("排班看板", "Schedule board"),
        "bd_date": ("日期", "Date"),
        "bd_show": ("查看", "Show"),
        "bd_unassigned": ("待派工单", "Unassigned orders"),
        "bd_by_risk": ("按时限先后", "by deadline"),
        "bd_none": ("没有待派的工单", "No unassigned orders"),
        "bd_no_technicians": ("没有工程师", "No technicians"),
        "bd_off": ("今日休息", "Off today"),
        "bd_suspended": ("已停派", "Suspended"),
        "bd_travel": ("路程", "Travel"),
        "bd_help": (
            "把左侧工单拖到师傅所在行即派工；拖动色块可改派或改时间。触屏：先点工单，再点师傅行。",
            "Drag an order onto a technician's row to assign it; drag a block to reassign or move it. "
            "On a touch screen: tap an order, then a technician's row.",
        ),
        "bd_pick_row": ("已选中，请点师傅所在行", "Selected: now tap a technician's row"),
        "bd_checking": ("正在检查…", "Checking…"),
        "bd_ok": ("可以派给此师傅", "Can go to this technician"),
        "bd_overlap": ("与已排工单时间重叠", "Overlaps a booked visit"),
        "bd_saved": ("已更新", "Updated"),
        "bd_failed": ("操作未成功", "Not done"),
        "bd_override": ("仍要派给此师傅", "Assign anyway"),
        "bd_cancel": ("取消", "Cancel"),
        "bd_orders": ("单", "orders"),
        "bd_window": ("预约时段", "Booked window"),
        "bd_late": ("赶不上预约时段", "Misses the booked window"),
        "bd_deadline": ("时限", " deadline"),  # after the clock's word: 上门时限, arrival deadline
        "bq_left": ("剩余", "in"),
        "bq_overdue": ("已超时", "overdue"),
        "bq_earlier_missed": ("前序时限已超", "an earlier limit was missed"),
        "bq_search": ("搜索", "Search"),
        "bq_search_hint": ("单号、手机号或姓名", "Order number, phone or name"),
        "bq_customer": ("客户", "Customer"),
        "bq_counts_to": ("计时至", "counts to"),
    }
)


def duration_text(minutes: float, lang: str = "zh") -> str:
    """A duration as people say it: "约 1小时25分", "约 25分" ("about 1 h 25 min")."""
    total = max(0, round(minutes))
    hours, rest = divmod(total, 60)
    if lang == "en":
        return f"about {hours} h {rest} min" if hours else f"about {rest} min"
    return f"约 {hours}小时{rest}分" if hours else f"约 {rest}分"


def overdue_text(minutes: float, lang: str = "zh") -> str:
    total = max(0, round(minutes))
    hours, rest = divmod(total, 60)
    if lang == "en":
        return f"overdue {hours} h {rest} min" if hours else f"overdue {rest} min"
    return f"已超时 {hours}小时{rest}分" if hours else f"已超时 {rest}分"


@dataclass(frozen=True)
class Deadline:
    """The SLA deadline an open order's countdown counts to: which clock, when, and whether it has passed;
    ``earlier_missed`` when an earlier clock was met late (the order is breached while this one runs)."""

    clock: str | None
    due_at: datetime | None
    passed: bool
    earlier_missed: bool

    def word(self, lang: str) -> str:
        pair = DEADLINE_WORDS.get(self.clock or "")
        return "" if pair is None else pair[1 if lang == "en" else 0]


def deadline_of(db: DbSession, order: WorkOrder, now: datetime) -> Deadline:
    """Which running clock ``sla_due_at`` is (the earliest still running), from the order's SLA report."""
    policy = service.get_policy(db, tenant_id=order.tenant_id)
    zone = tenant_clock.zone_name(db, order.tenant_id)
    report = service.sla_report(order, policy, timezone=zone, now=now)
    running = [c for c in report.clocks if c.met_at is None and c.due_at is not None]
    first = min(running, key=lambda c: c.due_at, default=None)
    due = first.due_at if first else None
    passed = due is not None and due <= now
    missed = any(c.state == "met_late" for c in report.clocks)
    return Deadline(first.name if first else None, due, passed, missed and not passed)


def _minute(moment: datetime, day_start: datetime) -> int:
    return round((clock.as_utc(moment) - clock.as_utc(day_start)).total_seconds() / 60)


def _hhmm(moment: datetime, zone) -> str:
    return f"{clock.as_utc(moment).astimezone(zone):%H:%M}"


def board(db: DbSession, *, user: User, day: date, lang: str) -> dict:
    """The board of ``day`` for ``user``: a row per technician (an outlet manager: their outlet's) with
    their visits and the travel between them, and the unassigned queue by deadline."""
    now = clock.now()
    zone = tenant_clock.zone(db, user.tenant_id)
    day_start, day_end = tenant_clock.day_bounds(day, zone)
    today = day == now.astimezone(zone).date()
    outlet = user.outlet_id if user.role == Role.OUTLET_MANAGER else None
    technicians = technician_service.search(
        db, tenant_id=user.tenant_id, skill=None, outlet_id=outlet, page=1, page_size=ROWS
    ).items
    if user.role == Role.OUTLET_MANAGER and outlet is None:  # a manager of no outlet manages nobody
        technicians = []
    snapshots = live.techs_for(
        db, tenant_id=user.tenant_id, ids=[t.id for t in technicians], day=day, now=now
    )
    snapshot_of = {s.id: s for s in snapshots}
    days = {
        d.tech.id: d
        for d in tech_day.tech_days(
            db,
            [s for s in snapshots if s.size == 1],
            day_start=day_start,
            day_end=day_end,
            now=now,
            today=today,
            exclude_order_id=None,
        )
    }
    visible = service.list_for(
        db,
        user=user,
        now=now,
        page=1,
        page_size=500,
        status=[s.value for s in tech_day.QUEUED],
    ).items
    orders = {o.id: o for o in visible}
    categories = {
        c.code: (c.name_en if lang == "en" else c.name_zh)
        for c in catalog_service.get_categories(db, tenant_id=user.tenant_id)
    }
    model = tech_day.travel()
    axis = list(AXIS)
    rows = []
    for tech in technicians:
        snap = snapshot_of.get(tech.id)
        plan = days.get(tech.id)
        row: dict = {"id": tech.id, "name": tech.name, "state": "", "blocks": [], "travel": []}
        if snap is not None and (snap.status == "suspended" or snap.quality_suspended):
            row["state"] = "suspended"
        elif plan is None or snap is None or snap.shift is None:
            row["state"] = "off"
        if plan is not None:
            row["shift"] = [_minute(plan.shift.start, day_start), _minute(plan.shift.end, day_start)]
            axis[0] = min(axis[0], max(0, row["shift"][0] // 60 * 60))
            axis[1] = max(axis[1], min(24 * 60, -(-row["shift"][1] // 60) * 60))
            visits = [*plan.queue, *plan.booked]
            times, _ = tech_day.walk(plan, visits, travel=model)
            moment, here = plan.start, plan.origin
            for visit, (begin, end) in zip(visits, times, strict=True):
                if visit.on_site_at is None:
                    leg = model.leg(here, visit.point, moment)
                    if leg.seconds > 0:
                        row["travel"].append(
                            {
                                "start": _minute(moment, day_start),
                                "end": _minute(moment + timedelta(seconds=leg.seconds), day_start),
                                "text": f"{duration_text(leg.minutes, lang)} · {leg.km:.1f} km",
                            }
                        )
                moment, here = end, visit.point
                order = orders.get(visit.order_id)
                if order is None:  # not one the viewer may see
                    continue
                block = {
                    "order_id": order.id,
                    "number": order.number,
                    "status": order.status,
                    "status_text": i18n.translate(lang, order.status),
                    "category": categories.get(order.category_code, order.category_code),
                    "district": order.district or "",
                    "start": _minute(begin, day_start),
                    "end": _minute(end, day_start),
                    "label": (
                        f"{clock.as_utc(begin).astimezone(zone):%m-%d %H:%M}"  # begun on an earlier day
                        if clock.as_utc(begin) < clock.as_utc(day_start)
                        else _hhmm(begin, zone)
                    )
                    + f"–{_hhmm(end, zone)}",
                    "movable": order.status in MOVABLE,
                    "late": visit.window is not None and clock.as_utc(begin) > clock.as_utc(visit.window[1]),
                }
                if visit.window is not None:
                    block["window"] = [
                        _minute(visit.window[0], day_start),
                        _minute(visit.window[1], day_start),
                    ]
                    block["window_text"] = f"{_hhmm(visit.window[0], zone)}–{_hhmm(visit.window[1], zone)}"
                row["blocks"].append(block)
        rows.append(row)
    rows.sort(key=lambda r: (r["state"] != "", not r["blocks"], r["id"]))  # working, busy first
    return {
        "date": day.isoformat(),
        "today": today,
        "now": _minute(now, day_start) if today else None,
        "axis": axis,
        "rows": rows,
        "queue": unassigned(db, user=user, now=now, lang=lang, categories=categories),
    }


def unassigned(
    db: DbSession, *, user: User, now: datetime, lang: str, categories: dict[str, str]
) -> list[dict]:
    """The accepted orders with no technician, nearest deadline first (no deadline last)."""
    page = service.list_for(db, user=user, now=now, page=1, page_size=200, status=[Status.ACCEPTED.value])
    found = [o for o in page.items if o.technician_id is None]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda o: (clock.as_utc(o.sla_due_at) if o.sla_due_at else far, o.id))
    zone = tenant_clock.zone(db, user.tenant_id)
    cards = []
    for order in found:
        deadline = deadline_of(db, order, now)
        window = None
        if order.appointment_start_at and order.appointment_end_at:
            window = f"{_hhmm(order.appointment_start_at, zone)}–{_hhmm(order.appointment_end_at, zone)}"
        cards.append(
            {
                "order_id": order.id,
                "number": order.number,
                "category": categories.get(order.category_code, order.category_code),
                "district": order.district or "",
                "priority": order.priority,
                "sla": service.sla_state_of(order, now),
                "sla_text": i18n.translate(lang, service.sla_state_of(order, now) or "on_track"),
                "deadline": deadline.word(lang),
                "due_at": clock.as_utc(deadline.due_at).isoformat() if deadline.due_at else None,
                "minutes": service_minutes(order.category_code, order.service_type),
                "window": window,
            }
        )
    return cards
