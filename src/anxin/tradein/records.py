"""A trade-in's life, as verbs: the technician values the old appliance on the recycling order
(``assess``), the customer accepts the valuation (``accept``), its credit is put against an installation
order of the same customer (``link``) or taken off it (``unlink``), and a cancelled order gives it back
(``release_for_cancelled``, run by ``handlers.py``).

The rules of a link: the first order is a recycling order, the second an installation order, both of one
customer of one tenant (the caller must see both: ``work_order.service.get_for``); the valuation is
accepted and not expired (``codes.CREDIT_VALID`` after acceptance); the trade-in has no active link and the
installation order no credit yet; the installation order is still open. The credit is the whole valuation,
never more. Each change is audited (``audit.trail``) in the caller's transaction; nothing commits here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock, money
from anxin.appliance import service as appliance_service
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog.codes import SERVICE_TYPE_NAMES, ServiceType
from anxin.exceptions import InvalidInput
from anxin.tradein import booking, valuation
from anxin.tradein.codes import CREDIT_VALID, MAX_AGE_YEARS, TradeInState
from anxin.tradein.exceptions import (
    AlreadyAccepted,
    AlreadyLinked,
    Expired,
    NotAccepted,
    NotLinked,
    NotNow,
    NotValued,
    OtherCustomer,
    Void,
    WrongServiceType,
)
from anxin.tradein.models import ACCEPTED, ACTIVE, RELEASED, VALUED, VOID, TradeIn, TradeInLink
from anxin.work_order.exceptions import NotYourOrder
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import DONE, OPEN, Status

S = Status
# The technician values the old appliance on site, until the work is done.
ASSESSABLE = frozenset({S.ON_SITE, S.QUOTED, S.QUOTE_APPROVED, S.IN_PROGRESS, S.PENDING_PARTS, S.CARRIED_IN})
ORDER_WORDS = {
    "recycling": ("回收工单", "recycling order"),
    "installation": ("安装工单", "installation order"),
}


# --- reads -----------------------------------------------------------------------------------------------


def of_recycling(db: Session, *, order: WorkOrder, lock: bool = False) -> TradeIn | None:
    query = select(TradeIn).where(
        TradeIn.tenant_id == order.tenant_id, TradeIn.recycling_order_id == order.id
    )
    if lock:
        query = query.with_for_update()
    return db.scalar(query)


def active_link(
    db: Session, *, trade_in_id: int | None = None, installation_id: int | None = None
) -> TradeInLink | None:
    query = select(TradeInLink).where(TradeInLink.status == ACTIVE)
    if trade_in_id is not None:
        query = query.where(TradeInLink.trade_in_id == trade_in_id)
    if installation_id is not None:
        query = query.where(TradeInLink.installation_order_id == installation_id)
    return db.scalar(query)


def state_of(trade_in: TradeIn, link: TradeInLink | None, now: datetime) -> TradeInState:
    if trade_in.status == VOID:
        return TradeInState.VOID
    if link is not None:
        return TradeInState.APPLIED
    if trade_in.status == VALUED:
        return TradeInState.VALUED
    if trade_in.expires_at is not None and now > trade_in.expires_at:
        return TradeInState.EXPIRED
    return TradeInState.ACCEPTED


@dataclass(frozen=True)
class OrderTradeIn:
    """What an order has of trade-in: the side it is on (``recycling`` or ``installation``; None for an
    order of another type or an installation without a credit), its trade-in, the active link and the
    other order."""

    side: str | None
    trade_in: TradeIn | None
    link: TradeInLink | None
    recycling: WorkOrder | None
    installation: WorkOrder | None
    state: TradeInState | None
    paired: WorkOrder | None = None  # the order booked together with this one (``booking``)

    @property
    def credit_fen(self) -> int:
        return self.link.credit_fen if self.link is not None else 0


def for_order(db: Session, *, order: WorkOrder) -> OrderTradeIn:
    found = _for_order(db, order=order)
    if found.side is None:
        return found
    return replace(found, paired=booking.pair_of(db, order=order))


def _for_order(db: Session, *, order: WorkOrder) -> OrderTradeIn:
    now = clock.now()
    if order.service_type == ServiceType.RECYCLING:
        trade_in = of_recycling(db, order=order)
        link = active_link(db, trade_in_id=trade_in.id) if trade_in else None
        installation = db.get(WorkOrder, link.installation_order_id) if link else None
        state = state_of(trade_in, link, now) if trade_in else None
        return OrderTradeIn("recycling", trade_in, link, order, installation, state)
    if order.service_type == ServiceType.INSTALLATION:
        link = active_link(db, installation_id=order.id)
        if link is None:
            return OrderTradeIn("installation", None, None, None, order, None)
        trade_in = db.get(TradeIn, link.trade_in_id)
        recycling = db.get(WorkOrder, trade_in.recycling_order_id)
        return OrderTradeIn("installation", trade_in, link, recycling, order, state_of(trade_in, link, now))
    return OrderTradeIn(None, None, None, None, None, None)


def usable_for(db: Session, *, installation: WorkOrder) -> list[tuple[TradeIn, WorkOrder]]:
    """The customer's accepted, unexpired, unlinked trade-ins that could go on ``installation``."""
    now = clock.now()
    rows = db.execute(
        select(TradeIn, WorkOrder)
        .join(WorkOrder, WorkOrder.id == TradeIn.recycling_order_id)
        .where(
            TradeIn.tenant_id == installation.tenant_id,
            TradeIn.customer_id == installation.customer_id,
            TradeIn.status == ACCEPTED,
            TradeIn.expires_at >= now,
        )
        .order_by(TradeIn.id)
    ).all()
    return [(t, o) for t, o in rows if active_link(db, trade_in_id=t.id) is None]


def open_installations(db: Session, *, recycling: WorkOrder) -> list[WorkOrder]:
    """The customer's open installation orders without a credit: where ``recycling``'s could go."""
    orders = db.scalars(
        select(WorkOrder)
        .where(
            WorkOrder.tenant_id == recycling.tenant_id,
            WorkOrder.customer_id == recycling.customer_id,
            WorkOrder.service_type == ServiceType.INSTALLATION,
            WorkOrder.status.in_([s.value for s in OPEN]),
        )
        .order_by(WorkOrder.id.desc())
        .limit(20)
    ).all()
    return [o for o in orders if active_link(db, installation_id=o.id) is None]


# --- changes ---------------------------------------------------------------------------------------------


def _must_be(order: WorkOrder, service_type: ServiceType, field: str) -> None:
    if order.service_type != service_type:
        zh, en = ORDER_WORDS[service_type.value]
        actual = SERVICE_TYPE_NAMES.get(ServiceType(order.service_type), (order.service_type,) * 2)
        names = SERVICE_TYPE_NAMES[service_type]
        raise WrongServiceType(
            which=zh,
            which_en=en,
            expected=names[0],
            expected_en=names[1].lower(),
            actual=actual[0],
            actual_en=actual[1].lower(),
            field=field,
        )


def age_of(db: Session, *, order: WorkOrder, today: date) -> int | None:
    """Whole years since the order's appliance was installed (else bought), as the customer registered it."""
    appliance = appliance_service.get(db, tenant_id=order.tenant_id, id=order.appliance_id)
    since = appliance.install_date or appliance.purchase_date
    if since is None or since > today:
        return None
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    return min(years, MAX_AGE_YEARS)


def assess(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    condition: str,
    age_years: int | None = None,
    note: str | None = None,
) -> TradeIn:
    """The order's technician records the old appliance's condition on site; the valuation is computed from
    the tenant's table and stored. Again, until the customer accepts, replaces it. ``age_years`` None: from
    the appliance's installation (else purchase) date."""
    _must_be(order, ServiceType.RECYCLING, "order_id")
    if actor.role == Role.TECHNICIAN and order.technician_id != actor.technician_id:
        raise NotYourOrder()
    if order.status not in ASSESSABLE:
        raise NotNow(
            which="回收工单",
            which_en="recycling order",
            what="登记旧机成色",
            what_en="be valued",
            current_code=order.status,
        )
    note = (note or "").strip() or None
    if note is not None and len(note) > 200:
        raise InvalidInput("note", "备注不能超过 200 个字", "at most 200 characters")
    if age_years is None:
        age_years = age_of(db, order=order, today=tenant_clock.today(db, order.tenant_id))
        if age_years is None:
            raise InvalidInput("age_years", "请填写旧机使用年限", "give the appliance's age in years")
    if not 0 <= age_years <= MAX_AGE_YEARS:
        raise InvalidInput(
            "age_years", f"使用年限应在 0 至 {MAX_AGE_YEARS} 年之间", f"0 to {MAX_AGE_YEARS} years"
        )
    quoted = valuation.quote(
        db, tenant_id=order.tenant_id, category=order.category_code, age_years=age_years, condition=condition
    )
    trade_in = of_recycling(db, order=order, lock=True)
    before = trail.snapshot(trade_in, FIELDS) if trade_in is not None else None
    if trade_in is None:
        trade_in = TradeIn(
            tenant_id=order.tenant_id, recycling_order_id=order.id, customer_id=order.customer_id
        )
        db.add(trade_in)
    elif trade_in.status == ACCEPTED:
        raise AlreadyAccepted(value=money.yuan(trade_in.value_fen))
    elif trade_in.status == VOID:
        raise Void()
    trade_in.category_code = quoted.category
    trade_in.age_years, trade_in.age_band, trade_in.condition = age_years, quoted.age_band, quoted.condition
    trade_in.note = note
    trade_in.base_fen, trade_in.floor_fen = quoted.base_fen, quoted.floor_fen
    trade_in.subsidy_fen, trade_in.subsidy_label = quoted.subsidy_fen, quoted.subsidy_label
    trade_in.value_fen = quoted.value_fen
    trade_in.status = VALUED
    trade_in.valued_at, trade_in.valued_by_id = clock.now(), actor.id
    db.flush()
    _audit(db, trade_in=trade_in, actor=actor, action="trade_in.assess", before=before)
    return trade_in


FIELDS = (
    "category_code",
    "age_years",
    "condition",
    "base_fen",
    "floor_fen",
    "subsidy_fen",
    "value_fen",
    "status",
)


def accept(db: Session, *, order: WorkOrder, actor: User) -> TradeIn:
    """The customer (or an agent on the phone for them) accepts the valuation: from now on it is fixed and
    its credit may be used for ``codes.CREDIT_VALID``; an order booked with an installation order
    (``booking``) applies it there at once. Accepting again changes nothing."""
    _must_be(order, ServiceType.RECYCLING, "order_id")
    trade_in = of_recycling(db, order=order, lock=True)
    if trade_in is None:
        raise NotValued()
    if trade_in.status == VOID:
        raise Void()
    if trade_in.status == ACCEPTED:
        return trade_in
    before = trail.snapshot(trade_in, FIELDS)
    now = clock.now()
    trade_in.status, trade_in.accepted_at, trade_in.accepted_by_id = ACCEPTED, now, actor.id
    trade_in.expires_at = now + CREDIT_VALID
    db.flush()
    _audit(db, trade_in=trade_in, actor=actor, action="trade_in.accept", before=before)
    # booked as a pair: the credit goes on the paired installation order at once, while it is open and free
    paired = booking.pair_of(db, order=order)
    if paired is not None and paired.status in OPEN and active_link(db, installation_id=paired.id) is None:
        link(db, recycling=order, installation=paired, actor=actor)
    return trade_in


def link(db: Session, *, recycling: WorkOrder, installation: WorkOrder, actor: User) -> TradeInLink:
    """Put ``recycling``'s accepted valuation against ``installation`` as its credit (both orders as the
    caller sees them: another tenant's or another customer's is 404 before this)."""
    _must_be(recycling, ServiceType.RECYCLING, "order_id")
    _must_be(installation, ServiceType.INSTALLATION, "installation_order_id")
    if recycling.tenant_id != installation.tenant_id or recycling.customer_id != installation.customer_id:
        raise OtherCustomer()
    trade_in = of_recycling(db, order=recycling, lock=True)
    if trade_in is None:
        raise NotValued()
    if trade_in.status == VOID:
        raise Void()
    if trade_in.status != ACCEPTED:
        raise NotAccepted()
    if active_link(db, trade_in_id=trade_in.id) is not None:
        raise AlreadyLinked(
            what="该旧机的抵扣额已用于另一张安装工单",
            what_en="This trade-in's credit is already applied to an installation order",
        )
    if active_link(db, installation_id=installation.id) is not None:
        raise AlreadyLinked(
            what="该安装工单已抵扣过以旧换新额度",
            what_en="This installation order already has a trade-in credit",
        )
    now = clock.now()
    if trade_in.expires_at is not None and now > trade_in.expires_at:
        zone = tenant_clock.zone(db, trade_in.tenant_id)
        raise Expired(day=clock.local(trade_in.expires_at, zone, "%Y-%m-%d"))
    if installation.status not in OPEN:
        raise NotNow(
            which="安装工单",
            which_en="installation order",
            what="抵扣",
            what_en="take a credit",
            current_code=installation.status,
        )
    row = TradeInLink(
        tenant_id=trade_in.tenant_id,
        trade_in_id=trade_in.id,
        installation_order_id=installation.id,
        credit_fen=trade_in.value_fen,
        status=ACTIVE,
        linked_at=now,
        linked_by_id=actor.id,
    )
    db.add(row)
    db.flush()
    trail.record(
        db,
        tenant_id=trade_in.tenant_id,
        actor=actor,
        action="trade_in.link",
        object_type="trade_in",
        object_id=trade_in.id,
        changes=trail.changes(None, {"installation_order_id": installation.id, "credit_fen": row.credit_fen}),
        note=f"{recycling.number} → {installation.number}",
    )
    return row


def unlink(db: Session, *, order: WorkOrder, actor: User, reason: str | None = None) -> TradeInLink:
    """Take the credit off its installation order (``order`` is either of the two), while that order is
    still open: the valuation may then go on another one until it expires."""
    found = for_order(db, order=order)
    if found.link is None:
        raise NotLinked()
    if found.installation is not None and found.installation.status in DONE:
        raise NotNow(
            which="安装工单",
            which_en="installation order",
            what="撤销抵扣",
            what_en="give the credit back",
            current_code=found.installation.status,
        )
    text = (reason or "").strip() or "手动撤销"
    if len(text) > 200:
        raise InvalidInput("reason", "原因不能超过 200 个字", "at most 200 characters")
    return _release(db, link=found.link, actor=actor, reason=text)


def _release(db: Session, *, link: TradeInLink, actor: User | None, reason: str) -> TradeInLink:
    link.status, link.released_at = RELEASED, clock.now()
    link.released_by_id = actor.id if actor is not None else None
    link.release_reason = reason[:200]
    db.flush()
    trail.record(
        db,
        tenant_id=link.tenant_id,
        actor=actor,
        action="trade_in.release",
        object_type="trade_in",
        object_id=link.trade_in_id,
        changes=trail.changes(
            {"installation_order_id": link.installation_order_id, "credit_fen": link.credit_fen}, None
        ),
        note=reason[:200],
    )
    return link


def release_for_cancelled(db: Session, *, order: WorkOrder, actor: User | None) -> None:
    """``order`` was cancelled: an installation order's credit goes back to its trade-in; a recycling
    order's trade-in is void, and its credit leaves the installation order it was on."""
    if order.service_type == ServiceType.INSTALLATION:
        link = active_link(db, installation_id=order.id)
        if link is not None:
            _release(db, link=link, actor=actor, reason=f"安装工单 {order.number} 已取消")
    elif order.service_type == ServiceType.RECYCLING:
        trade_in = of_recycling(db, order=order, lock=True)
        if trade_in is None or trade_in.status == VOID:
            return
        link = active_link(db, trade_in_id=trade_in.id)
        if link is not None:
            _release(db, link=link, actor=actor, reason=f"回收工单 {order.number} 已取消")
        before = trail.snapshot(trade_in, FIELDS)
        trade_in.status, trade_in.voided_at = VOID, clock.now()
        db.flush()
        _audit(db, trade_in=trade_in, actor=actor, action="trade_in.void", before=before)


def _audit(db: Session, *, trade_in: TradeIn, actor: User | None, action: str, before: dict | None) -> None:
    trail.record(
        db,
        tenant_id=trade_in.tenant_id,
        actor=actor,
        action=action,
        object_type="trade_in",
        object_id=trade_in.id,
        changes=trail.changes(before, trail.snapshot(trade_in, FIELDS)),
    )
