"""Settlement in the demo city: the tenant's fee rules; the outlets' finished orders of the history
submitted for closure review and approved by the admin (some rejected first for a missing photo or
signature, fixed and submitted again); some of this month's not yet submitted, waiting in the queue or
sent back; last
month's statement of every outlet, one confirmed by its manager and the others awaiting their review
(``outlet01``'s among them, so its manager can confirm or dispute it).

Everything goes through the real actions (``settlement.review``, ``settlement.statements``) at moments
on the history's clock after each order was completed."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.settlement import review, rules, statements
from anxin.settlement.models import Statement
from anxin.work_order.models import WorkOrder

RULES = [
    rules.RuleFields(kind="base", amount_fen=6000, note="其他服务"),
    rules.RuleFields(kind="base", service_type="repair", amount_fen=8000),
    rules.RuleFields(kind="base", service_type="repair", category_code="air_conditioner", amount_fen=10000),
    rules.RuleFields(kind="base", service_type="installation", amount_fen=12000),
    rules.RuleFields(
        kind="base", service_type="installation", category_code="air_conditioner", amount_fen=15000
    ),
    rules.RuleFields(kind="base", service_type="maintenance", amount_fen=5000),
    rules.RuleFields(kind="base", service_type="cleaning", amount_fen=4000),
    rules.RuleFields(kind="area", area_type="suburban", amount_fen=2000, note="郊区路远补贴"),
    rules.RuleFields(kind="urgent", amount_fen=3000),
    rules.RuleFields(kind="rework", amount_fen=2000, rate_bp=10000, note="返修费用全额追偿，另扣 20 元"),
    rules.RuleFields(kind="complaint", amount_fen=20000),
    rules.RuleFields(kind="penalty_point", amount_fen=1000),
    rules.RuleFields(kind="commission", level="junior", rate_bp=4000),
    rules.RuleFields(kind="commission", level="senior", rate_bp=5000),
    rules.RuleFields(kind="commission", level="master", rate_bp=6000),
    rules.RuleFields(kind="deposit", amount_fen=20000, cap_fen=100000, note="每月扣 200 元，满 1000 元为止"),
]
REJECTIONS = ("完工照片不清晰，请补拍", "缺少客户签字", "服务报告未写明故障原因", "配件序列号与旧件不符")
FIXES = ("已补拍照片", "已补客户签字", "已补充故障原因", "已核对序列号")


def _month_start(today_month: str, zone) -> datetime:
    year, month = (int(p) for p in today_month.split("-"))
    return datetime(year, month, 1, tzinfo=zone)


def _send_back(
    db: Session, rng: random.Random, *, admin: User, anchor: datetime, outlet_ids: list[int]
) -> int:
    """Make sure each of the first two outlets has a closure sent back to fix (their manager's to-do),
    from the pending ones: the admin rejected it a few hours after it came in."""
    sent = 0
    for outlet_id in outlet_ids[:2]:
        if review.list_for(
            db, user=admin, page=1, page_size=1, statuses=("rejected",), outlet_id=outlet_id
        ).total:
            continue
        pending = review.list_for(
            db, user=admin, page=1, page_size=1, statuses=("pending",), outlet_id=outlet_id
        )
        if not pending.items:
            continue
        item = pending.items[0]
        at = min(anchor - timedelta(minutes=30), item.submitted_at + timedelta(hours=3))
        with clock.travel(max(at, item.submitted_at + timedelta(minutes=1))):
            review.reject(db, review=item, actor=admin, reason=REJECTIONS[rng.randrange(len(REJECTIONS))])
        sent += 1
    return sent


def settle_town(db: Session, town, anchor: datetime) -> str:  # noqa: ANN001 - a history.Town
    """The town's settlement (``settle``) with a random stream of its own, so the rest of the demo city is
    the same with or without it."""
    rng = random.Random(f"settlement-{town.tenant.slug}")
    return settle(db, rng, tenant_id=town.tenant.id, users=town.users, anchor=anchor)


def settle(
    db: Session, rng: random.Random, *, tenant_id: int, users: dict[str, User], anchor: datetime
) -> str:
    """Fee rules, closure reviews and last month's statements of the tenant; returns a one-line summary."""
    admin = next(u for u in users.values() if u.role == Role.ADMIN)
    managers = {u.outlet_id: u for u in users.values() if u.role == Role.OUTLET_MANAGER and u.outlet_id}
    with clock.travel(anchor - timedelta(days=80)):
        for fields in RULES:
            rules.create(db, tenant_id=tenant_id, fields=fields, actor=admin)
    zone = tenant_clock.zone(db, tenant_id)
    this_month = _month_start(anchor.astimezone(zone).strftime("%Y-%m"), zone)
    last_month = (this_month - timedelta(days=1)).strftime("%Y-%m")
    orders = db.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.status.in_(review.FINISHED),
            WorkOrder.completed_at.is_not(None),
        )
        .order_by(WorkOrder.completed_at, WorkOrder.id)
    ).all()
    counts = {"approved": 0, "rejected": 0, "pending": 0}
    for order in orders:
        manager = managers.get(review.outlet_of(db, order))
        if manager is None or order.completed_at is None:
            continue
        submitted = order.completed_at + timedelta(hours=rng.uniform(2, 30))
        reviewed = submitted + timedelta(hours=rng.uniform(3, 40))
        if reviewed >= anchor:
            if submitted < anchor and rng.random() < 0.6:
                with clock.travel(submitted):
                    review.submit(db, user=manager, order_id=order.id, note=None)
                counts["pending"] += 1
            continue
        recent = order.completed_at >= this_month
        if recent and rng.random() < 0.3:
            continue  # not submitted yet: the manager's to-do
        with clock.travel(submitted):
            item = review.submit(db, user=manager, order_id=order.id, note=None)
        which = rng.randrange(len(REJECTIONS))
        if rng.random() < (0.3 if recent else 0.1):
            with clock.travel(reviewed):
                review.reject(db, review=item, actor=admin, reason=REJECTIONS[which])
            if recent and rng.random() < 0.6:
                counts["rejected"] += 1
                continue  # sent back, not fixed yet
            reviewed += timedelta(hours=rng.uniform(4, 30))
            with clock.travel(reviewed - timedelta(hours=2)):
                review.submit(db, user=manager, order_id=order.id, note=FIXES[which])
        if reviewed >= anchor or (recent and rng.random() < 0.25):
            counts["pending"] += 1
            continue
        with clock.travel(reviewed):
            review.approve(db, review=item, actor=admin)
        counts["approved"] += 1
    counts["rejected"] += _send_back(db, rng, admin=admin, anchor=anchor, outlet_ids=sorted(managers))
    with clock.travel(anchor):  # generated today, once every closure of last month was reviewed
        made = statements.generate(db, tenant_id=tenant_id, month=last_month, actor=admin)
    made = sorted(made, key=lambda s: s.outlet_id)
    confirmed = 0
    if len(made) > 1:  # the second outlet's manager has confirmed theirs; outlet01's awaits its manager
        statement: Statement = made[1]
        manager = managers.get(statement.outlet_id)
        if manager is not None:
            with clock.travel(anchor):
                statements.confirm(db, statement=statement, actor=manager)
            confirmed = 1
    return (
        f"settlement: {counts['approved']} closures approved, {counts['pending']} pending, "
        f"{counts['rejected']} sent back; {len(made)} statements of {last_month} ({confirmed} confirmed)"
    )
