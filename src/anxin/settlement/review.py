"""Closure review (封单审核): an outlet manager submits a finished order of their outlet, with the evidence
the order already holds (its service report, photos and the customer's signature, linked, not copied); the
brand (the tenant's admin) approves it or rejects it with a reason, which sends it back to the outlet to
fix and submit again. Only approved orders are settled (``statements.py``).

This is a record of its own (``closure_review`` and its history), not a move of the order's state table:
the order stays ``completed``, ``followed_up`` or ``closed`` throughout. Who among the roles may act is
checked here: an outlet manager only on their own outlet's orders (404 for another's); the permission
table (``Action.CLOSURE_*``) decides the roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import NotFound
from anxin.pagination import Page
from anxin.settlement.exceptions import NoOutlet, NotFinished, ReviewState
from anxin.settlement.models import APPROVED, PENDING, REJECTED, ClosureReview, ClosureReviewEvent
from anxin.settlement.vocabulary import REVIEW_STATUS_NAMES
from anxin.technician.models import Technician
from anxin.work_order import photos as order_photos
from anxin.work_order import report as order_report
from anxin.work_order.models import WorkOrder

FINISHED = ("completed", "followed_up", "closed")
WHAT = {
    "submit": ("提交", "submitted"),
    "approve": ("审核通过", "approved"),
    "reject": ("驳回", "rejected"),
}


def outlet_of(db: Session, order: WorkOrder) -> int | None:
    """The outlet an order is settled with: the one it was sent to, else its technician's."""
    if order.outlet_id is not None:
        return order.outlet_id
    if order.technician_id is None:
        return None
    return db.scalar(select(Technician.outlet_id).where(Technician.id == order.technician_id))


def _scope(user: User):
    condition = ClosureReview.tenant_id == user.tenant_id
    if user.role == Role.OUTLET_MANAGER:
        return condition & (ClosureReview.outlet_id == (user.outlet_id or -1))
    return condition


def get_for(db: Session, *, user: User, id: int, lock: bool = False) -> ClosureReview:
    """The review if ``user`` may see it (an admin: the tenant's; an outlet manager: their outlet's)."""
    query = select(ClosureReview).where(ClosureReview.id == id, _scope(user))
    if lock:
        query = query.with_for_update()
    review = db.scalar(query)
    if review is None:
        raise NotFound("closure review", "封单审核")
    return review


def of_order(db: Session, *, order: WorkOrder) -> ClosureReview | None:
    return db.scalar(select(ClosureReview).where(ClosureReview.work_order_id == order.id))


def list_for(
    db: Session,
    *,
    user: User,
    page: int,
    page_size: int,
    statuses: tuple[str, ...] = (),
    outlet_id: int | None = None,
) -> Page[ClosureReview]:
    """Reviews the caller sees, the oldest submission first (the queue's order)."""
    query = select(ClosureReview).where(_scope(user))
    if statuses:
        query = query.where(ClosureReview.status.in_(statuses))
    if outlet_id is not None:
        query = query.where(ClosureReview.outlet_id == outlet_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(ClosureReview.submitted_at, ClosureReview.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(items=list(rows), total=total, page=page, page_size=page_size)


def unsubmitted(db: Session, *, user: User, limit: int = 50) -> list[WorkOrder]:
    """The outlet manager's finished orders not yet submitted, the earliest completed first."""
    submitted = select(ClosureReview.work_order_id).where(ClosureReview.tenant_id == user.tenant_id)
    in_outlet = select(Technician.id).where(Technician.outlet_id == (user.outlet_id or -1))
    return list(
        db.scalars(
            select(WorkOrder)
            .where(
                WorkOrder.tenant_id == user.tenant_id,
                WorkOrder.status.in_(FINISHED),
                (WorkOrder.outlet_id == (user.outlet_id or -1))
                | (WorkOrder.outlet_id.is_(None) & WorkOrder.technician_id.in_(in_outlet)),
                WorkOrder.id.not_in(submitted),
            )
            .order_by(WorkOrder.completed_at, WorkOrder.id)
            .limit(limit)
        )
    )


def _order_for_manager(db: Session, *, user: User, order_id: int) -> tuple[WorkOrder, int]:
    order = db.scalar(
        select(WorkOrder)
        .where(WorkOrder.id == order_id, WorkOrder.tenant_id == user.tenant_id)
        .with_for_update()
    )
    outlet_id = outlet_of(db, order) if order is not None else None
    if order is None or (user.role == Role.OUTLET_MANAGER and outlet_id != user.outlet_id):
        raise NotFound("work order", "工单")
    if outlet_id is None:
        raise NoOutlet()
    return order, outlet_id


def _event(db: Session, review: ClosureReview, action: str, actor: User, note: str | None) -> None:
    review.events.append(
        ClosureReviewEvent(
            tenant_id=review.tenant_id,
            action=action,
            round=review.round,
            actor_id=actor.id,
            actor_role=str(actor.role),
            occurred_at=clock.now(),
            note=note,
        )
    )
    db.flush()
    trail.record(
        db,
        tenant_id=review.tenant_id,
        actor=actor,
        action=f"closure_review.{action}",
        object_type="closure_review",
        object_id=review.id,
        changes={"status": review.status, "round": review.round},
        note=note,
    )


def _refuse(review: ClosureReview, what: str) -> ReviewState:
    zh, en = WHAT[what]
    return ReviewState(
        current=REVIEW_STATUS_NAMES[review.status][0], current_code=review.status, what=zh, what_en=en
    )


def submit(db: Session, *, user: User, order_id: int, note: str | None) -> ClosureReview:
    """Submit a finished order of the caller's outlet for review, or submit a rejected one again (a new
    round). 404 for another outlet's order, 409 for an unfinished order or one pending or approved."""
    order, outlet_id = _order_for_manager(db, user=user, order_id=order_id)
    if order.status not in FINISHED:
        raise NotFinished(current=order.status, current_code=order.status)
    review = of_order(db, order=order)
    now = clock.now()
    if review is None:
        review = ClosureReview(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            outlet_id=outlet_id,
            status=PENDING,
            round=1,
            note=note,
            submitted_by_id=user.id,
            submitted_at=now,
        )
        db.add(review)
        db.flush()
        _event(db, review, "submit", user, note)
        return review
    if review.status != REJECTED:
        raise _refuse(review, "submit")
    review.status = PENDING
    review.round += 1
    review.note = note
    review.submitted_by_id = user.id
    review.submitted_at = now
    review.reviewed_by_id = None
    review.reviewed_at = None
    _event(db, review, "resubmit", user, note)
    return review


def approve(db: Session, *, review: ClosureReview, actor: User, note: str | None = None) -> ClosureReview:
    if review.status != PENDING:
        raise _refuse(review, "approve")
    review.status = APPROVED
    review.reviewed_by_id = actor.id
    review.reviewed_at = clock.now()
    review.reject_reason = None
    _event(db, review, "approve", actor, note)
    return review


def reject(db: Session, *, review: ClosureReview, actor: User, reason: str) -> ClosureReview:
    """Send the order back to the outlet with ``reason`` (required: the schema refuses a blank one)."""
    if review.status != PENDING:
        raise _refuse(review, "reject")
    review.status = REJECTED
    review.reviewed_by_id = actor.id
    review.reviewed_at = clock.now()
    review.reject_reason = reason
    _event(db, review, "reject", actor, reason)
    return review


@dataclass
class Evidence:
    """What the order already holds as proof of the work, by reference."""

    report: bool
    cause: str | None
    work_done: str | None
    signature_photo_id: int | None
    photo_ids: list[int]
    report_url: str
    photos_url: str


def evidence_of(db: Session, *, order: WorkOrder) -> Evidence:
    record = order_report.get_record(db, order=order)
    photos = order_photos.list_for(db, order=order)
    return Evidence(
        report=record is not None,
        cause=record.cause if record else None,
        work_done=record.work_done if record else None,
        signature_photo_id=record.signature_photo_id if record else None,
        photo_ids=[photo.id for photo in photos],
        report_url=f"/api/v1/work-orders/{order.id}/report.pdf",
        photos_url=f"/api/v1/work-orders/{order.id}/photos",
    )


def orders_by_id(db: Session, *, tenant_id: int, ids: list[int]) -> dict[int, WorkOrder]:
    if not ids:
        return {}
    rows = db.scalars(select(WorkOrder).where(WorkOrder.tenant_id == tenant_id, WorkOrder.id.in_(ids)))
    return {order.id: order for order in rows}


def approved_in(
    db: Session, *, tenant_id: int, outlet_id: int, start: datetime, end: datetime
) -> list[WorkOrder]:
    """The outlet's approved orders completed in ``[start, end)``, the earliest first."""
    return list(
        db.scalars(
            select(WorkOrder)
            .join(ClosureReview, ClosureReview.work_order_id == WorkOrder.id)
            .where(
                ClosureReview.tenant_id == tenant_id,
                ClosureReview.outlet_id == outlet_id,
                ClosureReview.status == APPROVED,
                WorkOrder.completed_at >= start,
                WorkOrder.completed_at < end,
            )
            .order_by(WorkOrder.completed_at, WorkOrder.id)
        )
    )
