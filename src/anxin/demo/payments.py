"""The demo city's payment: customer01's old air conditioner (bought six years ago, out of warranty) stops
cooling, its outdoor unit silent; tech01 comes, reserves a genuine start capacitor from the van, quotes from
the price book in force (visit fee, the capacitor's labour and the part, all of it the customer's), fits
the part with its serial number, and customer01 pays by WeChat Pay through the demo gateway (its signed
notification) and asks for the e-invoice, which the demo provider issues. Every step is the
real action, at fixed times some days before the anchor, so two loads tell the same story; the portal
shows customer01 the paid order and its invoice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog.models import Category, ProductModel
from anxin.customer.models import Address
from anxin.dispatch.matching import assignment
from anxin.notify.models import OutboxMessage
from anxin.parts import reservations, stock
from anxin.parts.models import Part, PartLine, Warehouse
from anxin.pricing import payments, payments_invoice, quotes
from anxin.pricing import service as pricing_service
from anxin.technician.models import Technician
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder

DAYS_AGO = 6
LINES = (("VISIT-URBAN", 1), ("AC-CAPACITOR", 1), ("PART-AC-02", 1))
PART = "AC-02"  # the demo catalog's air-conditioner start capacitor (demo/parts.py)


def _at(moment: datetime, step):  # noqa: ANN001, ANN202 - a step of the story at its moment
    with clock.travel(moment):
        return step()


def load(db: Session, *, tenant_id: int, users: dict[str, User], today: date, local) -> WorkOrder | None:  # noqa: ANN001
    """customer01's paid repair, ``DAYS_AGO`` days before ``today`` (``local(day, hour)`` is the tenant's
    moment); None when the tenant has no customer01, tech01 or air conditioner model."""
    customer, tech = users.get("customer01"), users.get("tech01")
    agent = next((u for u in users.values() if u.role == Role.AGENT), None)
    dispatcher = next((u for u in users.values() if u.role == Role.DISPATCHER), None)
    model = db.scalar(
        select(ProductModel)
        .join(Category, Category.id == ProductModel.category_id)
        .where(ProductModel.tenant_id == tenant_id, Category.code == "air_conditioner")
        .order_by(ProductModel.id)
        .limit(1)
    )
    if None in (customer, tech, agent, dispatcher, model):
        return None
    day = today - timedelta(days=DAYS_AGO)
    address = db.scalar(
        select(Address).where(Address.customer_id == customer.customer_id).order_by(Address.id)
    )
    appliance = _at(
        local(day - timedelta(days=1), 20),
        lambda: appliance_service.create(
            db,
            tenant_id=tenant_id,
            customer_id=customer.customer_id,
            product_model_id=model.id,
            serial_number=f"DEMO-PAY-{tenant_id:03d}-AC",
            purchase_date=today - timedelta(days=6 * 365),
            purchase_channel="jd",
            install_date=None,
            address_id=address.id if address else None,
        ),
    )
    intake = actions.Intake(
        customer_id=customer.customer_id,
        appliance_id=appliance.id,
        service_type="repair",
        channel="app",
        fault_description="卧室空调不制冷，室外机不转，已用了六年",
    )
    order = _at(local(day, 9), lambda: actions.create_order(db, actor=customer, intake=intake).order)
    technician = db.get(Technician, tech.technician_id)
    lines: list[PartLine | None] = []
    steps = [
        (9.2, lambda: actions.perform(db, order=order, action="accept", actor=agent, ctx=actions.Context())),
        (
            9.3,
            lambda: assignment.assign(
                db, order=order, technician=technician, actor=dispatcher, ctx=actions.Context(), override=True
            ),
        ),
        (
            9.4,
            lambda: actions.perform(db, order=order, action="acknowledge", actor=tech, ctx=actions.Context()),
        ),
        (10.0, lambda: _move(db, order, "depart", tech, technician.home_lat, technician.home_lng)),
        (
            10.6,
            lambda: _move(
                db, order, "arrive", tech, address.lat if address else None, address.lng if address else None
            ),
        ),
        (10.7, lambda: lines.append(_reserve(db, order, tech, technician))),
        (10.8, lambda: _quote(db, order, tech)),
        (
            10.9,
            lambda: actions.decide_quote(
                db, order=order, actor=customer, ctx=actions.Context(), approve=True
            ),
        ),
        (11.0, lambda: actions.perform(db, order=order, action="start", actor=tech, ctx=actions.Context())),
        (11.7, lambda: _fit(db, order, tech, lines[0], day)),
        (
            11.8,
            lambda: actions.perform(
                db,
                order=order,
                action="complete",
                actor=tech,
                ctx=actions.Context(note="室外机启动电容失效，更换原厂电容后试机，制冷正常"),
            ),
        ),
    ]
    for hour, step in steps:
        _at(local(day, hour), step)
    payment = _at(
        local(day, 11.85), lambda: payments.start(db, order=order, actor=customer, method="wechat")[0]
    )
    _at(local(day, 11.9), lambda: payments.demo_scan(db, order=order, payment=payment))
    _at(
        local(day, 20.5),
        lambda: payments_invoice.request(
            db, order=order, actor=customer, title="个人", tax_id=None, email="customer01@example.com"
        ),
    )
    # The story's messages went out back then, as the history's did.
    db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.work_order_id == order.id, OutboxMessage.status == "pending")
        .values(status="sent", sent_at=OutboxMessage.created_at, attempts=1)
    )
    return order


def _reserve(db: Session, order: WorkOrder, tech: User, technician: Technician) -> PartLine | None:
    """The capacitor from tech01's van, restocked with two units first (the story must not depend on
    what the history left in the van)."""
    part = db.scalar(select(Part).where(Part.tenant_id == order.tenant_id, Part.code == PART))
    van = db.scalar(
        select(Warehouse).where(
            Warehouse.tenant_id == order.tenant_id, Warehouse.technician_id == technician.id
        )
    )
    if part is None or van is None:
        return None
    stock.put(db, tenant_id=order.tenant_id, warehouse_id=van.id, part_id=part.id, quantity=2)
    return reservations.reserve(db, order=order, actor=tech, part_id=part.id, quantity=1)


def _fit(db: Session, order: WorkOrder, tech: User, line: PartLine | None, day: date) -> None:
    if line is not None:
        serial = f"{PART}-{day:%y%m%d}90001"
        reservations.fit(db, order=order, line=line, actor=tech, quantity=1, serial_numbers=[serial])


def _move(db: Session, order: WorkOrder, action: str, actor: User, lat, lng) -> None:  # noqa: ANN001
    ctx = actions.Context(lat=lat, lng=lng)
    actions.perform(db, order=order, action=action, actor=actor, ctx=ctx)


def _quote(db: Session, order: WorkOrder, tech: User) -> None:
    book = pricing_service.book_in_force(
        db,
        tenant_id=order.tenant_id,
        on=tenant_clock.today(db, order.tenant_id),
        category=order.category_code,
    )
    ids = {price.code: price.id for price in book.prices}
    lines = [{"price_item_id": ids[code], "quantity": quantity} for code, quantity in LINES if code in ids]
    quotes.quote(db, order=order, actor=tech, ctx=actions.Context(), lines=lines)
