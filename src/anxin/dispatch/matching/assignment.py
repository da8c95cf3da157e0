"""Assigning a technician: the verbs ``assign`` and ``unassign``, the checks every assignment passes,
manual or automatic, and the lock that keeps two dispatchers (or a dispatcher and the auto-dispatcher)
from overbooking one technician.

A person assigning may overrule the soft limits (coverage, shift, daily capacity) with ``override``; the event
then records which limits were overruled. Qualification (skill, level, brand, certificate, crew size) and a
suspension are never overruled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.dispatch.core.scoring import Reason, refusals
from anxin.dispatch.exceptions import TechnicianFull, TechnicianNotEligible
from anxin.dispatch.matching import live
from anxin.exceptions import InvalidInput
from anxin.technician.models import Crew, Technician
from anxin.work_order import actions
from anxin.work_order.actions import Context
from anxin.work_order.models import WorkOrder

HARD = frozenset({"suspended", "crew_size", "skill", "level", "brand", "certificate"})
SOFT = frozenset({"off_duty", "coverage", "capacity", "auto_dispatch_paused"})


def lock_technician(db: Session, technician_id: int) -> None:
    """Serialise assignments to one technician until the transaction ends: a row lock on PostgreSQL; on
    SQLite a no-op write takes the database's write lock before anything is counted."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(select(Technician.id).where(Technician.id == technician_id).with_for_update())
    else:
        db.execute(update(Technician).where(Technician.id == technician_id).values(id=Technician.id))


def check(
    db: Session, *, order: WorkOrder, technician: Technician, now: datetime, override: bool = False
) -> list[Reason]:
    """Lock the technician, then refuse if a hard rule fails, or a soft one without ``override``. Returns
    the soft limits that were overruled (for the event)."""
    lock_technician(db, technician.id)
    reasons = reasons_for(db, order=order, technician=technician, now=now)
    hard = [r for r in reasons if r.code in HARD]
    if hard:
        raise TechnicianNotEligible(hard)
    soft = [r for r in reasons if r.code in SOFT]
    if soft and not override:
        if any(r.code == "capacity" for r in soft):
            raise TechnicianFull(soft)
        raise TechnicianNotEligible(soft, overridable=True)
    return soft


def reasons_for(db: Session, *, order: WorkOrder, technician: Technician, now: datetime) -> list[Reason]:
    """Every rule the technician fails for the order (hard and soft), as ``check`` weighs them; read only,
    without the lock (what the schedule board shows before a drop)."""
    job = live.job_for(db, order)
    day = live.visit_day(db, order, now)
    snapshots = live.techs_for(
        db,
        tenant_id=order.tenant_id,
        ids=[technician.id],
        day=day,
        now=now,
        job=job,
        exclude_order_id=order.id,
    )
    snapshots = [t for t in snapshots if t.id == technician.id]  # for a crew job: the crew they lead
    if not snapshots:  # a crew job and the technician leads no crew
        snapshots = live.techs_for(
            db, tenant_id=order.tenant_id, ids=[technician.id], day=day, now=now, exclude_order_id=order.id
        )
    return refusals(job, snapshots[0], on=day)


def crew_for(db: Session, *, order: WorkOrder, technician: Technician) -> int | None:
    """The crew the technician leads, for an order that needs more than one person."""
    job = live.job_for(db, order)
    if job.requirement.crew_size <= 1:
        return None
    return db.scalar(
        select(Crew.id).where(Crew.lead_id == technician.id, Crew.active.is_(True)).order_by(Crew.id).limit(1)
    )


def assign(
    db: Session,
    *,
    order: WorkOrder,
    technician: Technician,
    actor: User,
    ctx: Context,
    override: bool = False,
    payload: dict | None = None,
    changes: dict[str, Any] | None = None,
) -> WorkOrder:
    """Give the order to a technician who passes the checks (or hand it to another). Soft limits
    (coverage, shift, a full day) can be overruled by a person with ``override``; the event says which.
    An assignment ends any escalation; ``changes`` carries the dispatcher's own field updates."""
    actions.check_allowed(order, "assign", actor)
    if actor.role == Role.OUTLET_MANAGER and technician.outlet_id != actor.outlet_id:
        raise InvalidInput("technician_id", "只能分派给本网点的工程师", "assign within your own outlet")
    overruled = check(db, order=order, technician=technician, now=clock.now(), override=override)
    body = {"technician_id": technician.id, "previous_technician_id": order.technician_id, **(payload or {})}
    if overruled:
        body["overruled"] = [r.code for r in overruled]
    updates = {
        "technician_id": technician.id,
        "crew_id": crew_for(db, order=order, technician=technician),
        "escalated_at": None,
        **(changes or {}),
    }
    return actions.perform(
        db, order=order, action="assign", actor=actor, ctx=ctx, payload=body, changes=updates
    )


def unassign(db: Session, *, order: WorkOrder, actor: User, ctx: Context) -> WorkOrder:
    """Take the order back from its technician (no acknowledgement, a change of plan); back in the queue."""
    payload = {"technician_id": order.technician_id}
    changes = {"technician_id": None, "crew_id": None}
    return actions.perform(
        db, order=order, action="unassign", actor=actor, ctx=ctx, payload=payload, changes=changes
    )
