"""Service tasks: work waiting for a person (a follow-up call, a callback after a low score, a complaint
reminder). Opened by the follow-up and complaint desks with a dedupe key, so a job run twice opens one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import NotFound
from anxin.feedback.exceptions import TaskTaken
from anxin.feedback.models import ServiceTask

KINDS = ("follow_up_call", "callback", "training", "complaint_reminder")


def open_task(
    db: Session,
    *,
    tenant_id: int,
    kind: str,
    role: str,
    title: str,
    dedupe_key: str,
    due_at: datetime | None = None,
    **links,
) -> ServiceTask | None:
    """Open a task unless one with ``dedupe_key`` exists; returns the new task, or None when it existed."""
    existing = db.scalar(
        select(ServiceTask.id).where(ServiceTask.tenant_id == tenant_id, ServiceTask.dedupe_key == dedupe_key)
    )
    if existing is not None:
        return None
    task = ServiceTask(
        tenant_id=tenant_id,
        kind=kind,
        status="open",
        role=role,
        title=title,
        dedupe_key=dedupe_key,
        due_at=due_at,
        created_at=clock.now(),
        detail=links.pop("detail", {}),
        **links,
    )
    db.add(task)
    db.flush()
    return task


def visible_to(user: User):
    """Agents see the agents' queue, quality the quality queue, an admin every task of the tenant."""
    condition = ServiceTask.tenant_id == user.tenant_id
    if user.role == Role.ADMIN:
        return condition
    return condition & (ServiceTask.role == str(user.role))


def list_for(
    db: Session, *, user: User, kind: str | None = None, status: str | None = "open", limit: int = 200
) -> Sequence[ServiceTask]:
    query = select(ServiceTask).where(visible_to(user))
    if kind:
        query = query.where(ServiceTask.kind == kind)
    if status:
        query = query.where(ServiceTask.status == status)
    order = (ServiceTask.due_at.is_(None), ServiceTask.due_at, ServiceTask.id)
    return db.scalars(query.order_by(*order).limit(limit)).all()


def get_for(db: Session, *, user: User, id: int, lock: bool = False) -> ServiceTask:
    query = select(ServiceTask).where(ServiceTask.id == id, visible_to(user))
    if lock:
        query = query.with_for_update()
    task = db.scalar(query)
    if task is None:
        raise NotFound("task", "任务")
    return task


def take(db: Session, *, task: ServiceTask, actor: User) -> ServiceTask:
    """Put an open task in ``actor``'s hands; someone else's or a finished task is refused."""
    if task.status != "open" or (task.assignee_id is not None and task.assignee_id != actor.id):
        raise TaskTaken()
    task.assignee_id = actor.id
    db.flush()
    return task


def done(db: Session, *, task: ServiceTask, actor: User, outcome: str | None) -> ServiceTask:
    """Finish a task with what came of it."""
    if task.status != "open" or (task.assignee_id is not None and task.assignee_id != actor.id):
        raise TaskTaken()
    task.assignee_id = task.assignee_id or actor.id
    task.status = "done"
    task.done_at = clock.now()
    task.done_by_id = actor.id
    task.outcome = outcome
    db.flush()
    return task


def finish_for_survey(db: Session, *, survey_id: int, actor: User | None, outcome: str) -> None:
    """A recorded answer settles the survey's open follow-up call."""
    for task in db.scalars(
        select(ServiceTask).where(
            ServiceTask.survey_id == survey_id,
            ServiceTask.kind == "follow_up_call",
            ServiceTask.status == "open",
        )
    ):
        task.status = "done"
        task.done_at = clock.now()
        task.done_by_id = actor.id if actor else None
        task.outcome = outcome
    db.flush()
