"""A trade-in booked in one step (以旧换新一键下单): an agent reports, for one customer, the recycling of the
old appliance and the installation of the new one; both orders are made by the work-order intake itself
(``work_order.actions.create_order``, the same as ``POST /api/v1/work-orders``) and recorded as a pair
(``trade_in_booking``). Once the technician has valued the old appliance and the customer has accepted,
the credit goes on the paired installation order by itself (``records.accept``).

Both orders are new or nothing is: an appliance with an open order of the same service refuses the booking
(``BookingClash``), and the caller's transaction rolls back the order made before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth.models import User
from anxin.catalog.codes import ServiceType
from anxin.exceptions import InvalidInput
from anxin.tradein.exceptions import BookingClash
from anxin.tradein.models import TradeInBooking
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder

WHAT = {ServiceType.RECYCLING: ("回收", "recycling"), ServiceType.INSTALLATION: ("安装", "installation")}


@dataclass(frozen=True)
class Booked:
    recycling: WorkOrder
    installation: WorkOrder


def book(
    db: Session,
    *,
    actor: User,
    customer_id: int,
    old_appliance_id: int,
    new_appliance_id: int,
    channel: str,
    note: str | None = None,
    preferred_start_at: datetime | None = None,
    preferred_end_at: datetime | None = None,
) -> Booked:
    """The pair of orders for ``customer_id``: recycling ``old_appliance_id``, installing
    ``new_appliance_id`` (both the customer's, looked up by the intake: 404 otherwise)."""
    if old_appliance_id == new_appliance_id:
        raise InvalidInput(
            "new_appliance_id", "新旧家电不能是同一台", "the new appliance cannot be the old one"
        )
    extra = (note or "").strip()
    orders = {}
    for service_type, appliance_id, text in (
        (ServiceType.RECYCLING, old_appliance_id, "以旧换新：旧机上门回收"),
        (ServiceType.INSTALLATION, new_appliance_id, "以旧换新：新机送装"),
    ):
        intake = actions.Intake(
            customer_id=customer_id,
            appliance_id=appliance_id,
            service_type=service_type.value,
            channel=channel,
            fault_description=f"{text}。{extra}" if extra else text,
            preferred_start_at=preferred_start_at,
            preferred_end_at=preferred_end_at,
        )
        created = actions.create_order(db, actor=actor, intake=intake)
        booked_before = db.scalar(
            select(TradeInBooking.id).where(
                or_(
                    TradeInBooking.recycling_order_id == created.order.id,
                    TradeInBooking.installation_order_id == created.order.id,
                )
            )
        )
        if not created.created or booked_before is not None:
            zh, en = WHAT[service_type]
            raise BookingClash(what=zh, what_en=en, number=created.order.number)
        orders[service_type] = created.order
    pair = TradeInBooking(
        tenant_id=actor.tenant_id,
        recycling_order_id=orders[ServiceType.RECYCLING].id,
        installation_order_id=orders[ServiceType.INSTALLATION].id,
        booked_by_id=actor.id,
    )
    db.add(pair)
    db.flush()
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="trade_in.book",
        object_type="trade_in_booking",
        object_id=pair.id,
        changes=trail.changes(
            None,
            {
                "recycling_order_id": pair.recycling_order_id,
                "installation_order_id": pair.installation_order_id,
            },
        ),
        note=f"{orders[ServiceType.RECYCLING].number} + {orders[ServiceType.INSTALLATION].number}",
    )
    return Booked(orders[ServiceType.RECYCLING], orders[ServiceType.INSTALLATION])


def pair_of(db: Session, *, order: WorkOrder) -> WorkOrder | None:
    """The other order booked with ``order``, if it was booked as a pair."""
    row = db.scalar(
        select(TradeInBooking).where(
            TradeInBooking.tenant_id == order.tenant_id,
            or_(
                TradeInBooking.recycling_order_id == order.id,
                TradeInBooking.installation_order_id == order.id,
            ),
        )
    )
    if row is None:
        return None
    other = row.installation_order_id if row.recycling_order_id == order.id else row.recycling_order_id
    return db.get(WorkOrder, other)
