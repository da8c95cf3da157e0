"""An outlet's monthly statement (对账单): every order of the month the brand approved (``review.py``) with
its fees, the month's deductions, and each technician's pay inside the outlet, totalled by ``fees.py``'s
rules.

``generate`` is idempotent: a month's statement per outlet is made once; generating again replaces a
draft's lines (the same statement, its history kept), and leaves a confirmed statement (frozen for good)
and a disputed one (waiting for an admin) as they are. The outlet manager confirms or disputes with a
reason; an admin resolves a dispute, which puts the statement back to draft and generates it again."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant, User
from anxin.auth.roles import Role
from anxin.exceptions import InvalidInput, NotFound
from anxin.feedback import policy as quality_policy
from anxin.feedback.models import Complaint
from anxin.feedback.scorecards import stats as scorecard_stats
from anxin.pagination import Page
from anxin.pricing.models import ReworkChargeback
from anxin.settlement import fees, review, rules
from anxin.settlement.exceptions import MonthNotOver, StatementFrozen
from anxin.settlement.models import (
    CONFIRMED,
    DISPUTED,
    DRAFT,
    Statement,
    StatementEvent,
    StatementLine,
    TechnicianPay,
)
from anxin.settlement.vocabulary import LINE_NAMES, STATEMENT_STATUS_NAMES
from anxin.technician.models import Outlet, Technician
from anxin.work_order.models import Quote, WorkOrder

WHAT = {
    "confirm": ("确认", "confirmed"),
    "dispute": ("提出异议", "disputed"),
    "resolve": ("处理异议", "resolved"),
    "regenerate": ("重新生成", "generated again"),
}


def bounds(db: Session, tenant_id: int, month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` in the tenant's zone as a UTC ``[start, end)``; 422 for a malformed month."""
    if (
        len(month) != 7
        or month[4] != "-"
        or not (month[:4] + month[5:]).isdigit()
        or not 1 <= int(month[5:]) <= 12
    ):
        raise InvalidInput("month", "月份格式应为 YYYY-MM", "month must be YYYY-MM")
    return scorecard_stats.month_range(db, tenant_id, month)


def _scope(user: User):
    condition = Statement.tenant_id == user.tenant_id
    if user.role == Role.OUTLET_MANAGER:
        return condition & (Statement.outlet_id == (user.outlet_id or -1))
    return condition


def get_for(db: Session, *, user: User, id: int, lock: bool = False) -> Statement:
    query = select(Statement).where(Statement.id == id, _scope(user))
    if lock:
        query = query.with_for_update()
    statement = db.scalar(query)
    if statement is None:
        raise NotFound("statement", "结算单")
    return statement


def list_for(
    db: Session,
    *,
    user: User,
    page: int,
    page_size: int,
    outlet_id: int | None = None,
    month: str | None = None,
    status: str | None = None,
) -> Page[Statement]:
    """Statements the caller sees (an outlet manager: their outlet's), the latest month first."""
    query = select(Statement).where(_scope(user))
    if outlet_id is not None:
        query = query.where(Statement.outlet_id == outlet_id)
    if month is not None:
        bounds(db, user.tenant_id, month)
        query = query.where(Statement.month == month)
    if status is not None:
        query = query.where(Statement.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(
        query.order_by(Statement.month.desc(), Statement.outlet_id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(items=list(rows), total=total, page=page, page_size=page_size)


def outlet_names(db: Session, *, tenant_id: int, ids: list[int] | None = None) -> dict[int, str]:
    query = select(Outlet.id, Outlet.name).where(Outlet.tenant_id == tenant_id)
    if ids is not None:
        query = query.where(Outlet.id.in_(ids or [-1]))
    return {id_: name for id_, name in db.execute(query.order_by(Outlet.id))}


# --- generation ----------------------------------------------------------------------------------------------


def generate(
    db: Session, *, tenant_id: int, month: str, actor: User | None = None, outlet_id: int | None = None
) -> list[Statement]:
    """The month's statement of every outlet with approved orders in it (or of ``outlet_id``), made or, for
    a draft, made again. 422 for a month not over yet."""
    start, end = bounds(db, tenant_id, month)
    if end > clock.now():
        raise MonthNotOver(month=month)
    outlets = outlet_names(db, tenant_id=tenant_id, ids=[outlet_id] if outlet_id is not None else None)
    if outlet_id is not None and outlet_id not in outlets:
        raise NotFound("outlet", "网点")
    found = []
    for outlet in outlets:
        statement = _generate_one(
            db, tenant_id=tenant_id, outlet_id=outlet, month=month, start=start, end=end, actor=actor
        )
        if statement is not None:
            found.append(statement)
    return found


def _existing(db: Session, tenant_id: int, outlet_id: int, month: str) -> Statement | None:
    return db.scalar(
        select(Statement)
        .where(Statement.tenant_id == tenant_id, Statement.outlet_id == outlet_id, Statement.month == month)
        .with_for_update()
    )


def _generate_one(
    db: Session,
    *,
    tenant_id: int,
    outlet_id: int,
    month: str,
    start: datetime,
    end: datetime,
    actor: User | None,
) -> Statement | None:
    statement = _existing(db, tenant_id, outlet_id, month)
    if statement is not None and statement.status != DRAFT:
        return statement  # confirmed: frozen; disputed: an admin resolves it first
    orders = review.approved_in(db, tenant_id=tenant_id, outlet_id=outlet_id, start=start, end=end)
    if statement is None and not orders:
        return None
    action = "regenerate" if statement is not None else "generate"
    if statement is None:
        statement = Statement(tenant_id=tenant_id, outlet_id=outlet_id, month=month, status=DRAFT)
        db.add(statement)
    statement.lines.clear()
    statement.pay.clear()
    db.flush()
    _fill(db, statement, orders, start, end)
    statement.generated_at = clock.now()
    db.flush()
    _event(db, statement, action, actor, None)
    return statement


def _line(statement: Statement, code: str, amount: int, **fields) -> StatementLine:
    zh, en = LINE_NAMES[code]
    line = StatementLine(
        tenant_id=statement.tenant_id,
        code=code,
        amount_fen=amount,
        description=fields.pop("description", zh),
        description_en=fields.pop("description_en", en),
        **fields,
    )
    statement.lines.append(line)
    return line


def _fill(db: Session, statement: Statement, orders: list[WorkOrder], start: datetime, end: datetime) -> None:
    tenant_id, outlet_id = statement.tenant_id, statement.outlet_id
    book = rules.list_for(db, tenant_id=tenant_id)
    fees_of: dict[int, int] = defaultdict(int)
    orders_of: dict[int, int] = defaultdict(int)
    for order in orders:
        for fee in fees.order_fees(
            book,
            service_type=order.service_type,
            category_code=order.category_code,
            area_type=order.area_type,
            priority=order.priority,
        ):
            _line(
                statement,
                fee.code,
                fee.amount_fen,
                description=fee.description,
                description_en=fee.description_en,
                work_order_id=order.id,
                order_number=order.number,
                technician_id=order.technician_id,
            )
            if order.technician_id is not None:
                fees_of[order.technician_id] += fee.amount_fen
        if order.technician_id is not None:
            orders_of[order.technician_id] += 1
    technicians = {
        t.id: t
        for t in db.scalars(
            select(Technician).where(Technician.tenant_id == tenant_id, Technician.outlet_id == outlet_id)
        )
    }
    reworks = _reworks(db, tenant_id, outlet_id, start, end)
    costs_of: dict[int, list[int]] = defaultdict(list)
    for chargeback, number, original in reworks:
        _line(
            statement,
            "rework",
            fees.rework_deduction(book, chargeback.amount_fen),
            description=f"返修扣款（原工单 {original}，返修费用 {chargeback.amount_fen / 100:.2f} 元）",
            description_en=f"Rework deduction (first order {original}, rework cost {chargeback.amount_fen / 100:.2f} yuan)",
            work_order_id=chargeback.work_order_id,
            order_number=number,
            technician_id=chargeback.technician_id,
        )
        if chargeback.technician_id is not None:
            costs_of[chargeback.technician_id].append(chargeback.amount_fen)
    upheld = _upheld(db, tenant_id, outlet_id, list(technicians), start, end)
    numbers = review.orders_by_id(
        db, tenant_id=tenant_id, ids=[c.work_order_id for c in upheld if c.work_order_id]
    )
    for complaint in upheld:
        _line(
            statement,
            "complaint",
            fees.each(book, "complaint", 1),
            description=f"有责投诉扣款（{complaint.number or complaint.id}）",
            description_en=f"Upheld complaint ({complaint.number or complaint.id})",
            work_order_id=complaint.work_order_id,
            order_number=numbers[complaint.work_order_id].number
            if complaint.work_order_id in numbers
            else None,
            technician_id=complaint.technician_id,
        )
    policy = quality_policy.for_tenant(db, tenant_id=tenant_id)
    points_of: dict[int, int] = {}
    for technician in technicians.values():
        points = scorecard_stats.penalties(
            db, technician=technician, policy=policy, since=start, now=end
        ).points
        points_of[technician.id] = points
        if points:
            _line(
                statement,
                "penalty_point",
                fees.each(book, "penalty_point", points),
                quantity=points,
                description=f"扣分扣款（{technician.name}，{points} 分）",
                description_en=f"Penalty points ({technician.name}, {points})",
                technician_id=technician.id,
            )
    held = _deposits_held(db, tenant_id, statement.month, list(technicians))
    for technician in technicians.values():
        tid = technician.id
        if not (orders_of.get(tid) or costs_of.get(tid) or points_of.get(tid)):
            continue
        pay = fees.technician_pay(
            book,
            level=technician.level,
            fees_fen=fees_of.get(tid, 0),
            rework_costs_fen=costs_of.get(tid, []),
            penalty_points=points_of.get(tid, 0),
            deposit_held_fen=held.get(tid, 0),
        )
        statement.pay.append(
            TechnicianPay(
                tenant_id=tenant_id,
                technician_id=tid,
                name=technician.name,
                level=technician.level,
                orders=orders_of.get(tid, 0),
                fees_fen=fees_of.get(tid, 0),
                rate_bp=pay.rate_bp,
                commission_fen=pay.commission_fen,
                rework_fen=pay.rework_fen,
                penalty_points=points_of.get(tid, 0),
                penalty_fen=pay.penalty_fen,
                deposit_fen=pay.deposit_fen,
                deposit_held_fen=held.get(tid, 0) + pay.deposit_fen,
                net_fen=pay.net_fen,
            )
        )
    statement.orders = len(orders)
    statement.fees_fen = sum(line.amount_fen for line in statement.lines if line.amount_fen > 0)
    statement.deductions_fen = sum(line.amount_fen for line in statement.lines if line.amount_fen < 0)
    statement.total_fen = statement.fees_fen + statement.deductions_fen


def _reworks(db: Session, tenant_id: int, outlet_id: int, start: datetime, end: datetime):
    """The month's reworks charged back to the outlet whose quote the customer approved, with the rework's
    and the first order's numbers."""
    rework = select(WorkOrder.number).where(WorkOrder.id == ReworkChargeback.work_order_id).scalar_subquery()
    original = (
        select(WorkOrder.number).where(WorkOrder.id == ReworkChargeback.original_order_id).scalar_subquery()
    )
    return db.execute(
        select(ReworkChargeback, rework, original)
        .join(Quote, Quote.id == ReworkChargeback.quote_id)
        .where(
            ReworkChargeback.tenant_id == tenant_id,
            ReworkChargeback.outlet_id == outlet_id,
            ReworkChargeback.created_at >= start,
            ReworkChargeback.created_at < end,
            Quote.status == "approved",
        )
        .order_by(ReworkChargeback.id)
    ).all()


def _upheld(
    db: Session, tenant_id: int, outlet_id: int, technician_ids: list[int], start, end
) -> list[Complaint]:
    """Complaints closed in the month with the outlet or one of its technicians held responsible."""
    return list(
        db.scalars(
            select(Complaint)
            .where(
                Complaint.tenant_id == tenant_id,
                Complaint.status == "closed",
                Complaint.responsibility.in_(("technician", "outlet")),
                Complaint.closed_at >= start,
                Complaint.closed_at < end,
                (Complaint.outlet_id == outlet_id) | Complaint.technician_id.in_(technician_ids or [-1]),
            )
            .order_by(Complaint.id)
        )
    )


def _deposits_held(db: Session, tenant_id: int, month: str, technician_ids: list[int]) -> dict[int, int]:
    rows = db.execute(
        select(TechnicianPay.technician_id, func.sum(TechnicianPay.deposit_fen))
        .join(Statement, Statement.id == TechnicianPay.statement_id)
        .where(
            Statement.tenant_id == tenant_id,
            Statement.month < month,
            TechnicianPay.technician_id.in_(technician_ids or [-1]),
        )
        .group_by(TechnicianPay.technician_id)
    )
    return {tid: int(total or 0) for tid, total in rows}


# --- the outlet's answer and the admin's -------------------------------------------------------------------------


def _event(db: Session, statement: Statement, action: str, actor: User | None, note: str | None) -> None:
    db.add(
        StatementEvent(
            tenant_id=statement.tenant_id,
            statement_id=statement.id,
            action=action,
            actor_id=actor.id if actor else None,
            actor_role=str(actor.role) if actor else "system",
            occurred_at=clock.now(),
            note=note,
            total_fen=statement.total_fen,
        )
    )
    db.flush()
    trail.record(
        db,
        tenant_id=statement.tenant_id,
        actor=actor,
        action=f"settlement.{action}",
        object_type="settlement_statement",
        object_id=statement.id,
        changes={"status": statement.status, "total_fen": statement.total_fen},
        note=note,
    )


def _refuse(statement: Statement, what: str) -> StatementFrozen:
    zh, en = WHAT[what]
    return StatementFrozen(
        current=STATEMENT_STATUS_NAMES[statement.status][0],
        current_code=statement.status,
        what=zh,
        what_en=en,
    )


def confirm(db: Session, *, statement: Statement, actor: User) -> Statement:
    """The outlet manager agrees: the statement is frozen for good."""
    if statement.status != DRAFT:
        raise _refuse(statement, "confirm")
    statement.status = CONFIRMED
    statement.confirmed_by_id = actor.id
    statement.confirmed_at = clock.now()
    _event(db, statement, "confirm", actor, None)
    return statement


def dispute(db: Session, *, statement: Statement, actor: User, reason: str) -> Statement:
    if statement.status != DRAFT:
        raise _refuse(statement, "dispute")
    statement.status = DISPUTED
    statement.dispute_reason = reason
    statement.disputed_at = clock.now()
    _event(db, statement, "dispute", actor, reason)
    return statement


def resolve(db: Session, *, statement: Statement, actor: User, resolution: str) -> Statement:
    """An admin answers a dispute: the statement goes back to draft and is generated again from the rules
    and reviews as they are now, for the outlet manager to confirm."""
    if statement.status != DISPUTED:
        raise _refuse(statement, "resolve")
    statement.status = DRAFT
    statement.resolution = resolution
    statement.resolved_by_id = actor.id
    statement.resolved_at = clock.now()
    _event(db, statement, "resolve", actor, resolution)
    start, end = bounds(db, statement.tenant_id, statement.month)
    _generate_one(
        db,
        tenant_id=statement.tenant_id,
        outlet_id=statement.outlet_id,
        month=statement.month,
        start=start,
        end=end,
        actor=actor,
    )
    return statement


def events_of(db: Session, *, statement: Statement) -> list[StatementEvent]:
    return list(
        db.scalars(
            select(StatementEvent)
            .where(StatementEvent.statement_id == statement.id)
            .order_by(StatementEvent.id)
        )
    )


def last_month(db: Session, tenant_id: int) -> str:
    """``YYYY-MM`` of the calendar month before today's, in the tenant's zone."""
    today = tenant_clock.today(db, tenant_id)
    return f"{today.year - 1}-12" if today.month == 1 else f"{today.year}-{today.month - 1:02d}"


def tenant_ids(db: Session) -> list[int]:
    """Every tenant, for the monthly job (each generates in a transaction of its own)."""
    return list(db.scalars(select(Tenant.id).order_by(Tenant.id)))
