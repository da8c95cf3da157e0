"""The SLA sweep: open orders whose clock turned at risk or ran out get a warning in every active
dispatcher's inbox; a breach is also chased (催办) to the tenant's admins, the dispatchers' supervisors.
Idempotent: each warning has its dedupe key (``sla.breached:<order id>``, ``sla.at_risk:<order id>:<due>``),
so a second pass, or a second worker, writes nothing new."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin import clock, links
from anxin.auth import service as auth_service
from anxin.auth import tenant_clock
from anxin.notify.outbox import Recipient, enqueue
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN, PAUSED

WATCHED = sorted(OPEN - PAUSED)


@dataclass
class SlaSweepReport:
    at_risk: int = 0
    breached: int = 0


def sweep(db: Session, *, now: datetime) -> SlaSweepReport:
    report = SlaSweepReport()
    orders = db.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.status.in_(WATCHED),
            or_(
                WorkOrder.sla_breached.is_(True),
                WorkOrder.sla_due_at <= now,
                WorkOrder.sla_risk_at <= now,
            ),
        )
        .order_by(WorkOrder.tenant_id, WorkOrder.id)
    ).all()
    staff: dict[tuple[int, str], list[Recipient]] = {}

    def inboxes(tenant_id: int, role: str) -> list[Recipient]:
        if (tenant_id, role) not in staff:
            users = auth_service.active_staff(db, tenant_id=tenant_id, roles=[role])
            staff[tenant_id, role] = [Recipient("inbox", f"user:{u.id}") for u in users]
        return staff[tenant_id, role]

    for order in orders:
        breached = order.sla_breached or (order.sla_due_at is not None and order.sla_due_at <= now)
        context = {
            "number": order.number,
            "order_id": order.id,
            "status": order.status,
            "due": clock.local(order.sla_due_at, tenant_clock.zone(db, order.tenant_id)),
            "link": links.console_order(order.id),
        }
        common = {"tenant_id": order.tenant_id, "context": context, "work_order_id": order.id}
        if breached:
            key = f"sla.breached:{order.id}"
            written = enqueue(
                db, event="sla.breached", to=inboxes(order.tenant_id, "dispatcher"), dedupe_key=key, **common
            )
            written += enqueue(
                db,
                event="sla.breached",
                to=inboxes(order.tenant_id, "admin"),
                dedupe_key=key,  # other addresses: the same key, one webhook row
                **{**common, "context": {**context, "template": "sla.breached_supervisor"}},
            )
            report.breached += bool(written)
        else:
            due = int(order.sla_due_at.timestamp()) if order.sla_due_at else 0
            written = enqueue(
                db,
                event="sla.at_risk",
                to=inboxes(order.tenant_id, "dispatcher"),
                dedupe_key=f"sla.at_risk:{order.id}:{due}",
                **common,
            )
            report.at_risk += bool(written)
    return report
