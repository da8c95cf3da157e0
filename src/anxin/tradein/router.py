"""The trade-in API (以旧换新): the valuation table and a quote from it, and a recycling order's trade-in:
the technician's valuation, the customer's acceptance, its credit put on (or taken off) an installation
order of the same customer, and what any order has of it.

Who may call what is the permission table's (``Action.TRADE_IN_*``); which orders, ``CurrentWorkOrder``'s
(404 for an order the caller may not see: another tenant's, another customer's, another technician's)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CategoryCode
from anxin.dependencies import DbSession, allowed
from anxin.tradein import booking, records, valuation
from anxin.tradein.codes import MAX_AGE_YEARS, Condition
from anxin.tradein.schemas import (
    AssessBody,
    BookingCreate,
    CategoryRatesRead,
    CategoryRatesWrite,
    LinkBody,
    LinkRead,
    OrderRef,
    OrderTradeInRead,
    RateCell,
    TradeInBookingRead,
    TradeInRead,
    UnlinkBody,
    ValuationRead,
)
from anxin.work_order import service as order_service
from anxin.work_order.api import CurrentWorkOrder
from anxin.work_order.models import WorkOrder

router = APIRouter(tags=["trade-in"])

Reader = Annotated[User, Depends(allowed(Action.TRADE_IN_READ))]
Admin = Annotated[User, Depends(allowed(Action.TRADE_IN_MANAGE))]
Assessor = Annotated[User, Depends(allowed(Action.TRADE_IN_ASSESS))]
Accepter = Annotated[User, Depends(allowed(Action.TRADE_IN_ACCEPT))]
Linker = Annotated[User, Depends(allowed(Action.TRADE_IN_LINK))]
Booker = Annotated[User, Depends(allowed(Action.TRADE_IN_BOOK))]
ORDER = "/api/v1/work-orders/{order_id}/trade-in"


def _ref(order: WorkOrder) -> OrderRef:
    return OrderRef(id=order.id, number=order.number, status=order.status)


def order_read(found: records.OrderTradeIn, order: WorkOrder) -> OrderTradeInRead:
    """``found`` (``records.for_order``) in the API's shape."""
    trade_in = None
    if found.trade_in is not None:
        t = found.trade_in
        link = None
        if found.link is not None and found.installation is not None:
            link = LinkRead(
                installation_order=_ref(found.installation),
                credit_fen=found.link.credit_fen,
                linked_at=found.link.linked_at,
            )
        trade_in = TradeInRead(
            id=t.id,
            recycling_order=_ref(found.recycling),
            category=t.category_code,
            age_years=t.age_years,
            age_band=t.age_band,
            condition=t.condition,
            note=t.note,
            base_fen=t.base_fen,
            floor_fen=t.floor_fen,
            subsidy_fen=t.subsidy_fen,
            subsidy_label=t.subsidy_label,
            value_fen=t.value_fen,
            state=found.state,
            valued_at=t.valued_at,
            accepted_at=t.accepted_at,
            expires_at=t.expires_at,
            link=link,
        )
    credit = found.credit_fen if found.side == "installation" else 0
    paired = _ref(found.paired) if found.paired is not None else None
    return OrderTradeInRead(
        order_id=order.id, side=found.side, trade_in=trade_in, credit_fen=credit, booked_with=paired
    )


def _table_read(table: valuation.CategoryTable) -> CategoryRatesRead:
    cells = [
        RateCell(age_band=band, condition=condition, value_fen=fen)
        for band, row in table.values.items()
        for condition, fen in row.items()
    ]
    return CategoryRatesRead(
        category=table.category,
        floor_fen=table.floor_fen,
        subsidy_fen=table.subsidy_fen,
        subsidy_label=table.subsidy_label,
        rates=cells,
    )


# --- the valuation table ---------------------------------------------------------------------------------


@router.get("/api/v1/trade-in/valuation", response_model=ValuationRead)
def quote_valuation(
    db: DbSession,
    user: Reader,
    category: CategoryCode,
    age_years: Annotated[int, Query(ge=0, le=MAX_AGE_YEARS, description="whole years since purchase")],
    condition: Condition,
):
    """What the tenant pays for an old appliance of ``category``, ``age_years`` old, in ``condition``:
    max(the table's value, the category's floor) + its subsidy. 422 ``trade_in_no_rate`` for a category
    the tenant does not value."""
    quoted = valuation.quote(
        db, tenant_id=user.tenant_id, category=category.value, age_years=age_years, condition=condition.value
    )
    return ValuationRead(**quoted.__dict__)


@router.get("/api/v1/trade-in/rates", response_model=list[CategoryRatesRead])
def list_rates(db: DbSession, user: Reader, category: CategoryCode | None = None):
    """The valuation table: per category valued, a value per age band and condition grade, the floor and
    the subsidy (``category`` given: that one, its ``rates`` empty when it is not valued)."""
    found = valuation.tables(db, tenant_id=user.tenant_id, category=category.value if category else None)
    return [_table_read(table) for table in found]


@router.put("/api/v1/trade-in/rates", response_model=CategoryRatesRead)
def set_rates(body: CategoryRatesWrite, db: DbSession, user: Admin):
    """Replace one category's grid and terms (audited). Valuations already made keep their amounts."""
    table = valuation.set_category(
        db,
        tenant_id=user.tenant_id,
        category=body.category.value,
        cells=[(c.age_band.value, c.condition.value, c.value_fen) for c in body.rates],
        floor_fen=body.floor_fen,
        subsidy_fen=body.subsidy_fen,
        subsidy_label=body.subsidy_label,
        actor=user,
    )
    return _table_read(table)


@router.post("/api/v1/trade-in/bookings", response_model=TradeInBookingRead, status_code=201)
def book(body: BookingCreate, db: DbSession, user: Booker):
    """以旧换新一键下单: the recycling order of the customer's old appliance and the installation order of
    the new one, made by the work-order intake and booked as a pair; once the customer accepts the old
    appliance's valuation its credit goes on the installation order by itself. 409
    ``trade_in_booking_exists`` when either appliance already has an open order of that service (nothing
    is created); 404 for a customer or appliance not of the tenant, or an appliance not the customer's."""
    booked = booking.book(
        db,
        actor=user,
        customer_id=body.customer_id,
        old_appliance_id=body.old_appliance_id,
        new_appliance_id=body.new_appliance_id,
        channel=body.channel.value,
        note=body.note,
        preferred_start_at=body.preferred_start_at,
        preferred_end_at=body.preferred_end_at,
    )
    return TradeInBookingRead(
        recycling_order=_ref(booked.recycling), installation_order=_ref(booked.installation)
    )


# --- an order's trade-in ---------------------------------------------------------------------------------


@router.get(ORDER, response_model=OrderTradeInRead)
def of_order(order: CurrentWorkOrder, db: DbSession, user: Reader):
    """The order's trade-in: on a recycling order the old appliance's valuation and where its credit went;
    on an installation order the credit applied to it (``credit_fen``, 0 when none)."""
    return order_read(records.for_order(db, order=order), order)


@router.put(ORDER, response_model=OrderTradeInRead)
def assess(body: AssessBody, order: CurrentWorkOrder, db: DbSession, user: Assessor):
    """The order's technician records the old appliance's condition on the recycling order (on site, until
    the work is done); the valuation is computed from the table and stored, replacing an earlier one until
    the customer accepts (then 409 ``trade_in_accepted``). 422 ``trade_in_wrong_service_type`` for another
    type of order."""
    records.assess(
        db, order=order, actor=user, condition=body.condition.value, age_years=body.age_years, note=body.note
    )
    return order_read(records.for_order(db, order=order), order)


@router.post(f"{ORDER}/accept", response_model=OrderTradeInRead)
def accept(order: CurrentWorkOrder, db: DbSession, user: Accepter):
    """The customer accepts the valuation (an agent may, on the phone): it is fixed from now on and its
    credit may be applied for 90 days. 409 ``trade_in_not_valued`` before the technician has valued it."""
    records.accept(db, order=order, actor=user)
    return order_read(records.for_order(db, order=order), order)


@router.post(f"{ORDER}/link", response_model=OrderTradeInRead)
def link(body: LinkBody, order: CurrentWorkOrder, db: DbSession, user: Linker):
    """Apply this recycling order's accepted valuation, as a credit, to an open installation order of the
    same customer. 422 ``trade_in_wrong_service_type``, ``trade_in_other_customer``,
    ``trade_in_already_linked`` (either order), ``trade_in_expired``; 409 ``trade_in_not_accepted``; 404
    for an installation order the caller may not see."""
    installation = order_service.get_for(db, user=user, id=body.installation_order_id, lock=True)
    records.link(db, recycling=order, installation=installation, actor=user)
    return order_read(records.for_order(db, order=order), order)


@router.post(f"{ORDER}/unlink", response_model=OrderTradeInRead)
def unlink(order: CurrentWorkOrder, db: DbSession, user: Linker, body: UnlinkBody | None = None):
    """Take the credit off its installation order (this order is either of the two) while that order is
    open; the valuation may then go on another until it expires. 409 ``trade_in_not_linked``."""
    records.unlink(db, order=order, actor=user, reason=(body or UnlinkBody()).reason)
    return order_read(records.for_order(db, order=order), order)
