"""A relay number's life with its order: bound when the order is assigned (or on the first request for
it), rebound to the new technician when the order is reassigned (the number stays the customer's; the
old technician's phone reaches no one through it), released at once when the order goes back to the
pool, and kept for a grace period (``GRACE``) after the order is finished or cancelled so the customer
can still call back, then released by the sweep (``sweep``). A binding lives ``TTL`` at a time; the
sweep extends one whose order is still open before it runs out.

Every change is written to the audit log (``relay.bind``, ``relay.rebind``, ``relay.release``) with the
bridge in masked form: "客户 138****8000 ↔ 师傅 139****1234 经 17000000012". Services flush, never commit.
What the provider refuses: a bind is given up (the order's assignment goes on; the next request binds
again), a rebind becomes a release (so the old technician is never left bridged), an unbind is tried
again by the sweep (``unbound_at`` stays empty)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer.models import Customer
from anxin.masking import mask_phone
from anxin.technician.models import Technician
from anxin.telephony import providers
from anxin.telephony.exceptions import NoRelay, TelephonyUnavailable
from anxin.telephony.models import RelayBinding
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN

log = structlog.get_logger(__name__)

TTL = timedelta(days=7)  # a binding's life at a time (the providers' own limit is often 7–30 days)
RENEW_BEFORE = timedelta(days=1)  # the sweep extends an open order's binding this long before it runs out
GRACE = timedelta(hours=24)  # after the order is finished or cancelled the customer may still call back


def live_for(db: Session, *, order: WorkOrder, lock: bool = False) -> RelayBinding | None:
    """The order's active or closing binding, if any."""
    query = select(RelayBinding).where(
        RelayBinding.work_order_id == order.id, RelayBinding.status.in_(("active", "closing"))
    )
    if lock:
        query = query.with_for_update()
    return db.scalar(query)


def _phones(db: Session, order: WorkOrder, technician_id: int) -> tuple[str, str]:
    customer = db.get(Customer, order.customer_id)
    technician = db.get(Technician, technician_id)
    return (customer.phone if customer else ""), (technician.phone if technician else "")


def bridge_text(binding: RelayBinding) -> str:
    """The bridge as the audit log keeps it, masked: "客户 138****8000 ↔ 师傅 139****1234 经 170…"."""
    return f"客户 {binding.customer_masked} ↔ 师傅 {binding.technician_masked} 经 {binding.relay_number}"


# why a binding was released, as the audit log's note says it
RELEASE_WORDS = {
    "unassign": "工单改回待派",
    "reject": "师傅拒单",
    "expired": "到期释放",
    "rebind_failed": "改绑失败，已释放",
    "erased": "用户已注销",
}


def _audit(
    db: Session, binding: RelayBinding, action: str, actor: User | None, why: str = "", **changes
) -> None:
    note = bridge_text(binding) + (f"（{why}）" if why else "")
    trail.record(
        db,
        tenant_id=binding.tenant_id,
        actor=actor,
        action=action,
        object_type="work_order",
        object_id=binding.work_order_id,
        changes={k: {"after": v} for k, v in changes.items()},
        note=note,
    )


def bind(db: Session, *, order: WorkOrder, actor: User | None = None) -> RelayBinding:
    """Bind a relay number for the order's customer and technician through the configured provider (409
    ``no_telephony_provider`` without one, 409 ``relay_unavailable`` for an order with no technician or
    finished, 503 ``telephony_unavailable`` when the provider fails)."""
    provider = providers.provider()
    if order.status not in OPEN:
        raise NoRelay("order_closed")
    if order.technician_id is None:
        raise NoRelay("no_technician")
    customer_phone, technician_phone = _phones(db, order, order.technician_id)
    now = clock.now()
    binding = RelayBinding(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        provider=provider.name,
        relay_number="",
        subscription_id="",
        customer_id=order.customer_id,
        technician_id=order.technician_id,
        customer_masked=mask_phone(customer_phone),
        technician_masked=mask_phone(technician_phone),
        status="active",
        bound_at=now,
        expires_at=now + TTL,
    )
    with db.begin_nested():  # a failed provider leaves no row behind
        db.add(binding)
        db.flush()
        try:
            bound = provider.bind(
                key=binding.id,
                party_a=customer_phone,
                party_b=technician_phone,
                expires_at=binding.expires_at,
            )
        except providers.ProviderFailed as exc:
            log.warning("telephony.bind_failed", order=order.id, provider=provider.name, error=str(exc))
            raise TelephonyUnavailable() from None
        binding.relay_number, binding.subscription_id = bound.relay_number, bound.subscription_id
        db.flush()
    _audit(db, binding, "relay.bind", actor, relay_number=binding.relay_number)
    return binding


def ensure(db: Session, *, order: WorkOrder, actor: User | None = None) -> RelayBinding:
    """The order's live binding, bound now when there is none (``bind``'s refusals otherwise). A provider
    must be configured even for a binding made before (the call button goes with the configuration)."""
    providers.provider()
    if order.status in OPEN and order.technician_id is None:
        raise NoRelay("no_technician")  # a binding still live is released by the unassignment's handler
    binding = live_for(db, order=order, lock=True)
    if binding is not None and order.status in OPEN and binding.technician_id != order.technician_id:
        binding = rebind(db, binding=binding, order=order, actor=actor)
        if binding is None:
            raise TelephonyUnavailable()
    if binding is not None and binding.expires_at > clock.now():
        return binding
    if binding is not None:
        release(db, binding=binding, reason="expired", actor=actor)
    return bind(db, order=order, actor=actor)


def release(db: Session, *, binding: RelayBinding, reason: str, actor: User | None = None) -> None:
    """Release the binding: its number reaches no one. The row is released whatever the provider says;
    an unbind the provider refused is tried again by the sweep."""
    binding.status = "released"
    binding.released_at = clock.now()
    binding.release_reason = reason[:30]
    _unbind(binding)
    db.flush()
    _audit(db, binding, "relay.release", actor, why=RELEASE_WORDS.get(reason, reason))


def _unbind(binding: RelayBinding) -> None:
    try:
        providers.provider(binding.provider).unbind(subscription_id=binding.subscription_id)
    except (providers.ProviderFailed, LookupError) as exc:
        log.warning("telephony.unbind_failed", binding=binding.id, error=str(exc))
        return
    binding.unbound_at = clock.now()


def follow_assignment(db: Session, *, order: WorkOrder, actor: User | None = None) -> RelayBinding | None:
    """After an assignment: the live binding follows the order's technician (rebound, same number), or a
    new one is bound when a provider is configured. Never refuses the assignment: a provider failure is
    logged and the binding waits for the next request."""
    binding = live_for(db, order=order, lock=True)
    if (
        binding is not None
        and order.technician_id is not None
        and binding.technician_id != order.technician_id
    ):
        return rebind(db, binding=binding, order=order, actor=actor)
    if binding is not None or not providers.configured():
        return binding
    try:
        return bind(db, order=order, actor=actor)
    except (NoRelay, TelephonyUnavailable):
        return None
    except LookupError as exc:  # a provider name nobody knows: the configuration's fault, not the order's
        log.error("telephony.unknown_provider", error=str(exc))
        return None


def rebind(
    db: Session, *, binding: RelayBinding, order: WorkOrder, actor: User | None
) -> RelayBinding | None:
    """Point the binding's technician side at the order's technician now (the number stays). A provider
    that refuses gets the binding released instead (the old technician must not stay bridged) and a new
    one bound when it can be."""
    _, technician_phone = _phones(db, order, order.technician_id)
    expires = clock.now() + TTL
    try:
        providers.provider(binding.provider).rebind(
            subscription_id=binding.subscription_id, party_b=technician_phone, expires_at=expires
        )
    except (providers.ProviderFailed, LookupError) as exc:
        log.warning("telephony.rebind_failed", binding=binding.id, error=str(exc))
        release(db, binding=binding, reason="rebind_failed", actor=actor)
        db.flush()
        if not providers.configured():
            return None
        try:
            return bind(db, order=order, actor=actor)
        except (NoRelay, TelephonyUnavailable):
            return None
    binding.technician_id = order.technician_id
    binding.technician_masked = mask_phone(technician_phone)
    binding.expires_at = expires
    binding.status = "active"
    binding.rebinds += 1
    db.flush()
    _audit(db, binding, "relay.rebind", actor, relay_technician=binding.technician_masked)
    return binding


def wind_down(
    db: Session, *, order: WorkOrder, actor: User | None = None, at: datetime | None = None
) -> None:
    """The order was finished or cancelled (``at``, by default now): its binding stays for ``GRACE`` from
    then (the customer may call back), then the sweep releases it."""
    binding = live_for(db, order=order, lock=True)
    if binding is None or binding.status == "closing":
        return
    binding.status = "closing"
    binding.expires_at = min(binding.expires_at, clock.as_utc(at or clock.now()) + GRACE)
    db.flush()


def sweep(db: Session, *, now: datetime | None = None) -> dict[str, int]:
    """The periodic pass: release closing bindings past their grace and any binding past its expiry whose
    order is no longer open with that technician; extend open orders' bindings about to run out; retry
    unbinds the provider refused."""
    now = now or clock.now()
    counts = {"released": 0, "extended": 0, "unbound": 0}
    due = db.scalars(
        select(RelayBinding)
        .where(
            or_(
                (RelayBinding.status == "closing") & (RelayBinding.expires_at <= now),
                (RelayBinding.status == "active") & (RelayBinding.expires_at <= now + RENEW_BEFORE),
            )
        )
        .order_by(RelayBinding.id)
        .limit(500)
        .with_for_update(skip_locked=True)
    ).all()
    for binding in due:
        order = db.get(WorkOrder, binding.work_order_id)
        still = (
            binding.status == "active"
            and order is not None
            and order.status in OPEN
            and order.technician_id == binding.technician_id
        )
        if still and _extend(binding, now):
            counts["extended"] += 1
        elif not still or binding.expires_at <= now:
            release(db, binding=binding, reason="expired")
            counts["released"] += 1
    stuck = db.scalars(
        select(RelayBinding)
        .where(RelayBinding.status == "released", RelayBinding.unbound_at.is_(None))
        .order_by(RelayBinding.id)
        .limit(500)
    ).all()
    for binding in stuck:
        _unbind(binding)
        counts["unbound"] += binding.unbound_at is not None
    db.flush()
    return counts


def _extend(binding: RelayBinding, now: datetime) -> bool:
    """Extend the binding by ``TTL`` from now, its parties unchanged; False when the provider refuses."""
    expires = now + TTL
    try:
        providers.provider(binding.provider).rebind(
            subscription_id=binding.subscription_id, party_b=None, expires_at=expires
        )
    except (providers.ProviderFailed, LookupError) as exc:
        log.warning("telephony.extend_failed", binding=binding.id, error=str(exc))
        return False
    binding.expires_at = expires
    return True


@dataclass(frozen=True)
class Relay:
    """What a caller is told of an order's relay: the number, until when, and whom it reaches when this
    caller dials it (``technician`` for the customer, ``customer`` for the technician, None for staff,
    whom the provider does not bridge)."""

    relay_number: str
    expires_at: datetime
    reaches: str | None
    closing: bool


def reaches(user: User) -> str | None:
    if user.role == Role.CUSTOMER:
        return "technician"
    if user.role == Role.TECHNICIAN:
        return "customer"
    return None


def _relay(binding: RelayBinding, user: User) -> Relay:
    return Relay(
        relay_number=binding.relay_number,
        expires_at=binding.expires_at,
        reaches=reaches(user),
        closing=binding.status == "closing",
    )


def relay_for(db: Session, *, order: WorkOrder, user: User) -> Relay:
    """The order's relay as ``user`` may read it (the caller may see the order: ``visible_to``), bound now
    when there is none (the API's read, in a writing transaction)."""
    return _relay(ensure(db, order=order, actor=user), user)


def shown_for(db: Session, *, order: WorkOrder, user: User) -> Relay | None:
    """What a page shows (reading only): the live binding while the order is open with a technician and
    a provider is configured; None otherwise (no call button)."""
    if not providers.configured() or order.status not in OPEN or order.technician_id is None:
        return None
    binding = live_for(db, order=order)
    if binding is None or binding.expires_at <= clock.now() or binding.technician_id != order.technician_id:
        return None
    return _relay(binding, user)


def callee(db: Session, *, relay_number: str, caller: str, now: datetime | None = None) -> str | None:
    """Whom a call from ``caller`` to ``relay_number`` reaches (the provider's routing, as the demo plays
    it): the other party of the live, unexpired binding the caller belongs to; None for anyone else."""
    now = now or clock.now()
    rows = db.scalars(
        select(RelayBinding).where(
            RelayBinding.relay_number == relay_number, RelayBinding.status.in_(("active", "closing"))
        )
    ).all()
    for binding in rows:
        if binding.expires_at <= now:
            continue
        customer = db.get(Customer, binding.customer_id)
        technician = db.get(Technician, binding.technician_id)
        if customer is not None and caller == customer.phone:
            return technician.phone if technician else None
        if technician is not None and caller == technician.phone:
            return customer.phone if customer else None
    return None
