"""Appeals (申诉) against penalties: the technician files one with a written reason, quality decides.

- **File**: a technician appeals one of their own penalties (``penalties.found`` over the last
  ``consequences.POINTS_DAYS`` days; another's, or none, is 404) within ``penalties.APPEAL_DAYS`` days of it
  (409 ``appeal_window_closed``), once (409 ``appeal_exists``; the unique constraint behind it). Quality's
  inboxes hear of it.
- **Decide**: quality (or an admin) upholds or overturns an open appeal (409 ``appeal_decided`` once decided)
  with a note. Overturned, the penalty stays listed but its points stop counting: the card is refreshed, and
  when the technician is suspended for penalty points, the penalty came before the suspension and the points
  since the last reinstatement are now under the suspension line, the suspension is lifted
  (``consequences.reinstate``, as the deciding user). The technician is told either way; the decision is
  in the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.clock import as_utc
from anxin.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.scorecards import consequences
from anxin.feedback.scorecards import penalties as penalty_list
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.notify.outbox import enqueue
from anxin.technician.models import Technician, TechnicianQualityEvent
from anxin.work_order.models import WorkOrder

DECISIONS = ("upheld", "overturned")
DECISION_WORDS = {"upheld": "申诉驳回，维持扣分", "overturned": "申诉成立，撤销扣分"}
MAX_REASON = 1000


class AppealExists(Conflict):
    code = "appeal_exists"
    message_zh = "这条扣分已经申诉过，请等待质检处理结果"
    message_en = "This penalty has already been appealed; quality will decide"


class AppealWindowClosed(Conflict):
    code = "appeal_window_closed"
    message_zh = "已超过申诉期限（扣分后 {days} 天内可申诉）"
    message_en = "The appeal window has closed (appeals within {days} days of the penalty)"


class AppealDecided(Conflict):
    code = "appeal_decided"
    message_zh = "该申诉已处理，不能再次处理"
    message_en = "This appeal has already been decided"


@dataclass
class Standing:
    """What the technician's app shows: the points, every penalty with its reason, the suspension."""

    technician: Technician
    points: int
    penalties: list[penalty_list.Penalty]
    history: list[TechnicianQualityEvent]
    now: datetime

    def appealable(self, penalty: penalty_list.Penalty) -> bool:
        return penalty.appeal is None and within_window(penalty, self.now)


def within_window(penalty: penalty_list.Penalty, now: datetime) -> bool:
    return as_utc(now) - as_utc(penalty.occurred_at) <= timedelta(days=penalty_list.APPEAL_DAYS)


def own_technician(db: Session, user: User) -> Technician:
    if user.role != Role.TECHNICIAN or user.technician_id is None:
        raise Forbidden()
    technician = db.get(Technician, user.technician_id)
    if technician is None or technician.tenant_id != user.tenant_id:
        raise NotFound("technician", "工程师")
    return technician


def standing(db: Session, *, user: User, now: datetime) -> Standing:
    technician = own_technician(db, user)
    policy = consequences.policy_for(db, tenant_id=technician.tenant_id)
    since = now - timedelta(days=consequences.POINTS_DAYS)
    found = penalty_list.found(db, technician=technician, policy=policy, since=since, now=now)
    history = [
        e
        for e in consequences.history(db, technician=technician)
        if e.action in ("suspended", "reinstated", "warning")
    ]
    points = sum(p.points for p in found if p.counted)
    return Standing(technician, points, found, list(reversed(history)), now)


def suspension_words_of(db: Session, *, user: User, lang: str) -> str | None:
    """The reason of the caller's current suspension in words (for the app's banner), else None."""
    technician = db.get(Technician, user.technician_id) if user.technician_id else None
    if technician is None or technician.suspended_at is None or technician.tenant_id != user.tenant_id:
        return None
    zh, en = penalty_list.suspension_words(technician.suspension_reason)
    return en if lang == "en" else zh


def penalty_of(db: Session, *, user: User, key: str, now: datetime) -> penalty_list.Penalty:
    """The caller's own penalty named ``key`` (of the last ``POINTS_DAYS`` days), else 404."""
    kind, source_id = penalty_list.parse_key(key)
    for penalty in standing(db, user=user, now=now).penalties:
        if penalty.kind == kind and penalty.source_id == source_id:
            return penalty
    raise NotFound("penalty", "扣分记录")


def clean_text(value: str | None, field: str, zh: str, en: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, zh, en)
    if len(text) > MAX_REASON:
        raise InvalidInput(field, f"最多 {MAX_REASON} 字", f"at most {MAX_REASON} characters")
    return text


def file(db: Session, *, user: User, key: str, reason: str, now: datetime) -> PenaltyAppeal:
    """The technician appeals their own penalty ``key`` (module docstring)."""
    penalty = penalty_of(db, user=user, key=key, now=now)
    text = clean_text(reason, "reason", "请写明申诉理由", "give the reason for your appeal")
    if penalty.appeal is not None:
        raise AppealExists()
    if not within_window(penalty, now):
        raise AppealWindowClosed(days=penalty_list.APPEAL_DAYS)
    technician = own_technician(db, user)
    appeal = PenaltyAppeal(
        tenant_id=technician.tenant_id,
        technician_id=technician.id,
        kind=penalty.kind,
        source_id=penalty.source_id,
        work_order_id=penalty.work_order_id,
        points=penalty.points,
        penalty_at=penalty.occurred_at,
        penalty_reason=penalty.reason_zh,
        reason=text,
        status="open",
        filed_at=now,
        filed_by_id=user.id,
    )
    try:
        with db.begin_nested():
            db.add(appeal)
            db.flush()
    except IntegrityError:  # filed at the same moment by another request
        raise AppealExists() from None
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="penalty.appeal_filed",
        to=consequences._quality_inboxes(db, technician.tenant_id),
        context={
            "technician_id": technician.id,
            "technician": technician.name,
            "reason": penalty.reason_zh,
            "reason_en": penalty.reason_en,
            "points": penalty.points,
            "appeal_id": appeal.id,
        },
        dedupe_key=f"appeal-filed:{appeal.id}",
        work_order_id=penalty.work_order_id,
    )
    return appeal


def get(db: Session, *, user: User, id: int, lock: bool = False) -> PenaltyAppeal:
    query = select(PenaltyAppeal).where(PenaltyAppeal.id == id, PenaltyAppeal.tenant_id == user.tenant_id)
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("appeal", "申诉")
    return found


def listed(db: Session, *, user: User, status: str | None = None, limit: int = 200) -> list[PenaltyAppeal]:
    """The tenant's appeals, open ones first (oldest first), then decided ones (newest first)."""
    query = select(PenaltyAppeal).where(PenaltyAppeal.tenant_id == user.tenant_id)
    if status is not None:
        query = query.where(PenaltyAppeal.status == status)
    found = list(db.scalars(query.order_by(PenaltyAppeal.id.desc()).limit(limit)))
    opened = sorted((a for a in found if a.status == "open"), key=lambda a: a.id)
    return opened + [a for a in found if a.status != "open"]


def technicians(db: Session, *, tenant_id: int, ids: list[int]) -> dict[int, Technician]:
    if not ids:
        return {}
    found = db.scalars(select(Technician).where(Technician.tenant_id == tenant_id, Technician.id.in_(ids)))
    return {t.id: t for t in found}


def order_numbers(db: Session, *, tenant_id: int, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.execute(
        select(WorkOrder.id, WorkOrder.number).where(WorkOrder.tenant_id == tenant_id, WorkOrder.id.in_(ids))
    )
    return {order_id: number for order_id, number in rows}


def decide(
    db: Session, *, user: User, appeal_id: int, decision: str, note: str, now: datetime
) -> PenaltyAppeal:
    """Quality's decision (module docstring)."""
    if decision not in DECISIONS:
        raise InvalidInput("decision", "请选择维持或撤销扣分", "decision must be upheld or overturned")
    text = clean_text(note, "note", "请填写处理意见", "give a note for the decision")
    appeal = get(db, user=user, id=appeal_id, lock=True)
    if appeal.status != "open":
        raise AppealDecided()
    technician = db.get(Technician, appeal.technician_id)
    appeal.status, appeal.decided_at, appeal.decided_by_id = decision, now, user.id
    appeal.decision_note = text
    db.flush()
    if decision == "overturned":
        consequences.refresh(db, technician_id=technician.id, now=now)
        appeal.lifted_suspension = _lift_if_cleared(db, technician, appeal, user, now)
    trail.record(
        db,
        tenant_id=technician.tenant_id,
        actor=user,
        action="penalty_appeal.decide",
        object_type="technician",
        object_id=technician.id,
        note=f"{DECISION_WORDS[decision]}（{appeal.penalty_reason}）：{text}",
    )
    enqueue(
        db,
        tenant_id=technician.tenant_id,
        event="penalty.appeal_decided",
        to=penalty_list.technician_inbox(technician),
        context={
            "template": f"penalty.appeal_{decision}",
            "technician_id": technician.id,
            "reason": appeal.penalty_reason,
            "points": appeal.points,
            "note": text,
            "lifted": "已恢复自动派单。" if appeal.lifted_suspension else None,
            "lifted_en": "Automatic dispatch is back on." if appeal.lifted_suspension else None,
        },
        dedupe_key=f"appeal-decided:{appeal.id}",
        work_order_id=appeal.work_order_id,
    )
    db.flush()
    return appeal


def _lift_if_cleared(
    db: Session, technician: Technician, appeal: PenaltyAppeal, user: User, now: datetime
) -> bool:
    """Lift a suspension the overturned penalty helped cause once the points are under the line."""
    if technician.suspended_at is None or technician.suspension_reason != "penalty_points":
        return False
    if as_utc(appeal.penalty_at) > as_utc(technician.suspended_at):
        return False
    policy = consequences.policy_for(db, tenant_id=technician.tenant_id)
    since = now - timedelta(days=consequences.POINTS_DAYS)
    if technician.reinstated_at is not None and as_utc(technician.reinstated_at) > since:
        since = as_utc(technician.reinstated_at)
    points = scorecard_stats.penalties(db, technician=technician, policy=policy, since=since, now=now).points
    if points >= policy.suspension_points:
        return False
    consequences.reinstate(
        db,
        technician=technician,
        actor=user,
        note=f"申诉改判，扣分降至 {points} 分，低于停派线 {policy.suspension_points} 分",
        now=now,
    )
    return True
