"""A technician's penalties one by one, each with the reason in plain words, and the messages that tell the
technician of a penalty, a suspension and its lifting.

A penalty is derived from the order's facts, never stored on its own (``stats.penalties`` counts these):

- ``far-<event id>``: an ``arrive`` or ``complete`` event recorded by the technician's account whose payload
  carries ``far_from_address_m`` (``work_order.evidence`` set it: the distance less the position's accuracy
  beyond the allowed distance);
- ``late-<order id>``: an order whose appointment window ended in the period and which the technician
  reached after it, or was taken off (reassigned, unassigned, cancelled) after it without having arrived;
- ``complaint-<complaint id>``: a complaint closed in the period with the technician responsible.

An appeal quality overturned (``appeal_models.PenaltyAppeal``) keeps its penalty on the list, marked, and out
of the points."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.clock import as_utc
from anxin.exceptions import NotFound
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.models import Complaint, QualityPolicy
from anxin.notify.outbox import Recipient, enqueue
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder, WorkOrderEvent

APPEAL_DAYS = 7  # a penalty may be appealed within this many days of it
TAKEN_OFF = ("assign", "unassign", "cancel")
KEY = re.compile(r"^(far|late|complaint)-([1-9][0-9]{0,11})$")
KEY_PATTERN = KEY.pattern
STEP_WORDS = {"arrive": ("到达", "Arrival"), "complete": ("完工", "Completion")}
SUSPENSION_WORDS = {
    "low_rating_run": ("连续多单评价过低", "a run of low ratings"),
    "penalty_points": ("扣分达到停派线", "penalty points reached the suspension line"),
}


@dataclass
class Penalty:
    kind: str  # far, late, complaint
    source_id: int
    occurred_at: datetime
    points: int
    reason_zh: str
    reason_en: str
    work_order_id: int | None = None
    number: str | None = None
    appeal: PenaltyAppeal | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.source_id}"

    @property
    def counted(self) -> bool:
        return self.appeal is None or self.appeal.status != "overturned"


def parse_key(key: str) -> tuple[str, int]:
    """``(kind, source id)`` of a penalty's key; 404 for anything else."""
    match = KEY.match(key or "")
    if match is None:
        raise NotFound("penalty", "扣分记录")
    return match.group(1), int(match.group(2))


def distance_words(metres: int) -> tuple[str, str]:
    if metres < 1000:
        return f"约 {metres} 米", f"about {metres} m"
    km = f"{metres / 1000:.1f}".rstrip("0").rstrip(".")
    return f"约 {km} 公里", f"about {km} km"


def far_reason(action: str, distance_m: int, accuracy_m: int | None) -> tuple[str, str]:
    """ "到达位置距客户地址约 4.5 公里（定位精度 ±50 米）" and its English."""
    step_zh, step_en = STEP_WORDS.get(action, ("打卡", "Check-in"))
    zh, en = distance_words(distance_m)
    text_zh = f"{step_zh}位置距客户地址{zh}"
    text_en = f"{step_en} recorded {en} from the customer's address"
    if accuracy_m is not None:
        text_zh += f"（定位精度 ±{accuracy_m} 米）"
        text_en += f" (accuracy ±{accuracy_m} m)"
    return text_zh, text_en


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return as_utc(moment).astimezone(zone).strftime("%m-%d %H:%M")


def found(
    db: Session, *, technician: Technician, policy: QualityPolicy, since: datetime, now: datetime
) -> list[Penalty]:
    """Every penalty of ``technician`` from ``since`` to ``now``, newest first, with its appeal if any."""
    tid, tenant = technician.id, technician.tenant_id
    zone = tenant_clock.zone(db, tenant)
    out: list[Penalty] = []
    for complaint in db.scalars(
        select(Complaint).where(
            Complaint.tenant_id == tenant,
            Complaint.technician_id == tid,
            Complaint.status == "closed",
            Complaint.responsibility == "technician",
            Complaint.closed_at >= since,
            Complaint.closed_at <= now,
        )
    ):
        out.append(
            Penalty(
                "complaint",
                complaint.id,
                complaint.closed_at,
                policy.points_upheld_complaint,
                f"客户投诉经核实属工程师责任（投诉 {complaint.number}）",
                f"A complaint found to be the technician's responsibility ({complaint.number})",
                complaint.work_order_id,
            )
        )
    in_window = (
        WorkOrder.tenant_id == tenant,
        WorkOrder.appointment_end_at >= since,
        WorkOrder.appointment_end_at <= now,
    )
    missed: dict[int, Penalty] = {}
    for order in db.scalars(
        select(WorkOrder).where(
            *in_window, WorkOrder.technician_id == tid, WorkOrder.on_site_at > WorkOrder.appointment_end_at
        )
    ):
        missed[order.id] = Penalty(
            "late",
            order.id,
            order.on_site_at,
            policy.points_missed_appointment,
            f"超过约定时段到达：约定 {_local(order.appointment_end_at, zone)} 前，"
            f"{_local(order.on_site_at, zone)} 到达",
            f"Arrived after the agreed window: due by {_local(order.appointment_end_at, zone)}, "
            f"arrived {_local(order.on_site_at, zone)}",
            order.id,
            order.number,
        )
    payload = WorkOrderEvent.payload
    for order, taken_at in db.execute(
        select(WorkOrder, WorkOrderEvent.occurred_at)
        .join(WorkOrderEvent, WorkOrderEvent.work_order_id == WorkOrder.id)
        .where(
            *in_window,
            WorkOrderEvent.action.in_(TAKEN_OFF),
            WorkOrderEvent.occurred_at > WorkOrder.appointment_end_at,
            or_(WorkOrder.on_site_at.is_(None), WorkOrder.on_site_at > WorkOrderEvent.occurred_at),
            or_(
                (WorkOrderEvent.action == "unassign") & (payload["technician_id"].as_integer() == tid),
                (WorkOrderEvent.action == "assign")
                & (payload["previous_technician_id"].as_integer() == tid)
                & (payload["technician_id"].as_integer() != tid),
                (WorkOrderEvent.action == "cancel") & (WorkOrder.technician_id == tid),
            ),
        )
        .order_by(WorkOrderEvent.occurred_at)
    ):
        missed.setdefault(
            order.id,
            Penalty(
                "late",
                order.id,
                taken_at,
                policy.points_missed_appointment,
                f"约定时段（{_local(order.appointment_end_at, zone)} 前）已过仍未上门，工单已改派或取消",
                f"Not on site by the end of the agreed window ({_local(order.appointment_end_at, zone)}); "
                "the order was reassigned or cancelled",
                order.id,
                order.number,
            ),
        )
    out.extend(missed.values())
    accounts = select(User.id).where(User.tenant_id == tenant, User.technician_id == tid)
    for event, number in db.execute(
        select(WorkOrderEvent, WorkOrder.number)
        .join(WorkOrder, WorkOrder.id == WorkOrderEvent.work_order_id)
        .where(
            WorkOrderEvent.tenant_id == tenant,
            WorkOrderEvent.action.in_(("arrive", "complete")),
            WorkOrderEvent.actor_id.in_(accounts),
            WorkOrderEvent.occurred_at >= since,
            WorkOrderEvent.occurred_at <= now,
            payload["far_from_address_m"].as_integer().is_not(None),
        )
    ):
        out.append(far_penalty(event, number, policy))
    _attach_appeals(db, technician, out)
    out.sort(key=lambda p: (as_utc(p.occurred_at), p.kind, p.source_id), reverse=True)
    return out


def far_penalty(event: WorkOrderEvent, number: str | None, policy: QualityPolicy) -> Penalty:
    body = event.payload or {}
    accuracy = body.get("accuracy_m")
    zh, en = far_reason(
        event.action, int(body["far_from_address_m"]), int(accuracy) if accuracy is not None else None
    )
    return Penalty(
        "far", event.id, event.occurred_at, policy.points_far_evidence, zh, en, event.work_order_id, number
    )


def _attach_appeals(db: Session, technician: Technician, penalties: list[Penalty]) -> None:
    if not penalties:
        return
    appeals = {
        (a.kind, a.source_id): a
        for a in db.scalars(
            select(PenaltyAppeal).where(
                PenaltyAppeal.tenant_id == technician.tenant_id, PenaltyAppeal.technician_id == technician.id
            )
        )
    }
    for penalty in penalties:
        penalty.appeal = appeals.get((penalty.kind, penalty.source_id))


def technician_inbox(technician: Technician) -> list[Recipient]:
    return [Recipient("inbox", f"technician:{technician.id}")]


def tell(db: Session, *, technician: Technician, penalty: Penalty) -> None:
    """The technician hears of a new penalty at once, with its reason, its points and the appeal window."""
    if penalty.points <= 0:
        return
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="technician.penalty",
        to=technician_inbox(technician),
        context={
            "technician_id": technician.id,
            "number": penalty.number,
            "reason": penalty.reason_zh,
            "reason_en": penalty.reason_en,
            "points": penalty.points,
            "days": APPEAL_DAYS,
            "penalty": penalty.key,
        },
        dedupe_key=f"penalty:{technician.id}:{penalty.key}",
        work_order_id=penalty.work_order_id,
    )


def tell_of_order_event(
    db: Session, *, technician: Technician, policy: QualityPolicy, order: WorkOrder, event: WorkOrderEvent
) -> None:
    """The penalty this order event gave ``technician`` (far evidence, a late arrival), told at once."""
    payload = event.payload or {}
    if "far_from_address_m" in payload and event.actor_id is not None:
        actor = db.get(User, event.actor_id)
        if actor is not None and actor.technician_id == technician.id:
            tell(db, technician=technician, penalty=far_penalty(event, order.number, policy))
    late = (
        event.action == "arrive"
        and order.technician_id == technician.id
        and order.appointment_end_at is not None
        and event.occurred_at > order.appointment_end_at
    )
    if late:
        zone = tenant_clock.zone(db, technician.tenant_id)
        penalty = Penalty(
            "late",
            order.id,
            event.occurred_at,
            policy.points_missed_appointment,
            f"超过约定时段到达：约定 {_local(order.appointment_end_at, zone)} 前，"
            f"{_local(event.occurred_at, zone)} 到达",
            f"Arrived after the agreed window: due by {_local(order.appointment_end_at, zone)}, "
            f"arrived {_local(event.occurred_at, zone)}",
            order.id,
            order.number,
        )
        tell(db, technician=technician, penalty=penalty)


def suspension_words(reason: str | None) -> tuple[str, str]:
    return SUSPENSION_WORDS.get(reason or "", ("质量原因", "quality reasons"))


def tell_suspended(db: Session, *, technician: Technician, reason: str, detail: dict, now: datetime) -> None:
    zh, en = suspension_words(reason)
    points = detail.get("points")
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="technician.suspended_notice",
        to=technician_inbox(technician),
        context={"technician_id": technician.id, "reason": zh, "reason_en": en, "points": points},
        dedupe_key=f"suspended-notice:{technician.id}:{now.isoformat()}",
    )


def tell_reinstated(db: Session, *, technician: Technician, note: str, now: datetime) -> None:
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="technician.reinstated",
        to=technician_inbox(technician),
        context={"technician_id": technician.id, "note": note},
        dedupe_key=f"reinstated-notice:{technician.id}:{now.isoformat()}",
    )
