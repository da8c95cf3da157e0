"""The demo city's trade-in (以旧换新): every tenant's valuation table (each category's grid of age bands ×
condition grades, a floor, and a campaign subsidy on air conditioners, refrigerators and washing
machines), and, in the demo tenant, customer01's story: their nine-year-old refrigerator is collected on a
recycling order (tech01 finds it 一般, the table values it, customer01 accepts), and its credit is applied
to the installation order of the new refrigerator they bought, which tech01 is to install. Every step is
the real action at fixed times some days before the anchor; the portal, the technician's app and the
console show the two orders linked and the credit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog.codes import CategoryCode
from anxin.catalog.models import Category, ProductModel
from anxin.customer.models import Address
from anxin.dispatch.matching import assignment
from anxin.notify.models import OutboxMessage
from anxin.pricing import quotes
from anxin.technician.models import Technician
from anxin.tradein import records, valuation
from anxin.tradein.codes import AgeBand, Condition
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder

# What a nearly new appliance in perfect condition fetches, in yuan; the grid scales it down by age and
# condition (whole yuan), the floor is a twentieth of it (at least ¥10).
TOP_YUAN = {
    CategoryCode.AIR_CONDITIONER: 600,
    CategoryCode.REFRIGERATOR: 500,
    CategoryCode.WASHING_MACHINE: 300,
    CategoryCode.WATER_HEATER: 200,
    CategoryCode.RANGE_HOOD: 150,
    CategoryCode.GAS_STOVE: 80,
    CategoryCode.DISHWASHER: 400,
    CategoryCode.TELEVISION: 400,
    CategoryCode.WATER_PURIFIER: 100,
    CategoryCode.MICROWAVE: 60,
}
BAND_SHARE = {AgeBand.Y0_2: 100, AgeBand.Y3_5: 60, AgeBand.Y6_8: 35, AgeBand.Y9_PLUS: 20}  # per cent
GRADE_SHARE = {Condition.INTACT: 100, Condition.FAIR: 70, Condition.POOR: 40, Condition.DEAD: 10}
SUBSIDISED = {CategoryCode.AIR_CONDITIONER, CategoryCode.REFRIGERATOR, CategoryCode.WASHING_MACHINE}
SUBSIDY_FEN, SUBSIDY_LABEL = 20000, "焕新季以旧换新补贴"
DAYS_AGO = 1  # yesterday; the new refrigerator is installed tomorrow afternoon


def grid(top_yuan: int) -> list[tuple[str, str, int]]:
    """(band, condition, fen) for every cell: the top value times the band's and the grade's shares, in
    whole yuan (so an older band or a worse grade is never worth more)."""
    return [
        (band.value, grade.value, top_yuan * band_share * grade_share // 10000 * 100)
        for band, band_share in BAND_SHARE.items()
        for grade, grade_share in GRADE_SHARE.items()
    ]


def load_table(db: Session, *, tenant_id: int) -> None:
    """The tenant's valuation table, every category (as the platform's own seeding: no actor)."""
    for category, top in TOP_YUAN.items():
        valuation.set_category(
            db,
            tenant_id=tenant_id,
            category=category.value,
            cells=grid(top),
            floor_fen=max(10, top // 20) * 100,
            subsidy_fen=SUBSIDY_FEN if category in SUBSIDISED else 0,
            subsidy_label=SUBSIDY_LABEL if category in SUBSIDISED else None,
            actor=None,
        )


def _at(moment: datetime, step):  # noqa: ANN001, ANN202 - a step of the story at its moment
    with clock.travel(moment):
        return step()


def load(
    db: Session, *, tenant_id: int, users: dict[str, User], today: date, local, story: bool
) -> WorkOrder | None:  # noqa: ANN001
    """The table; with ``story``, customer01's recycling order linked to their installation order (the
    recycling order, or None when the tenant lacks customer01, tech01 or a refrigerator model)."""
    load_table(db, tenant_id=tenant_id)
    if not story:
        return None
    customer, tech = users.get("customer01"), users.get("tech01")
    agent = next((u for u in users.values() if u.role == Role.AGENT), None)
    dispatcher = next((u for u in users.values() if u.role == Role.DISPATCHER), None)
    model = db.scalar(
        select(ProductModel)
        .join(Category, Category.id == ProductModel.category_id)
        .where(ProductModel.tenant_id == tenant_id, Category.code == CategoryCode.REFRIGERATOR.value)
        .order_by(ProductModel.id)
        .limit(1)
    )
    if None in (customer, tech, agent, dispatcher, model):
        return None
    day = today - timedelta(days=DAYS_AGO)
    address = db.scalar(
        select(Address).where(Address.customer_id == customer.customer_id).order_by(Address.id)
    )
    technician = db.get(Technician, tech.technician_id)

    def appliance(serial: str, bought: date):  # noqa: ANN202
        return appliance_service.create(
            db,
            tenant_id=tenant_id,
            customer_id=customer.customer_id,
            product_model_id=model.id,
            serial_number=f"DEMO-TI-{tenant_id:03d}-{serial}",
            purchase_date=bought,
            purchase_channel="suning" if serial == "OLD" else "jd",
            install_date=None,
            address_id=address.id if address else None,
        )

    old = _at(
        local(day - timedelta(days=1), 19),
        lambda: appliance("OLD", today - timedelta(days=9 * 365 + 40)),
    )
    new = _at(local(day - timedelta(days=1), 19.1), lambda: appliance("NEW", day - timedelta(days=1)))

    def order(service_type: str, appliance_id: int, text: str) -> WorkOrder:
        intake = actions.Intake(
            customer_id=customer.customer_id,
            appliance_id=appliance_id,
            service_type=service_type,
            channel="hotline",
            fault_description=text,
        )
        return actions.create_order(db, actor=agent, intake=intake).order

    recycling = _at(local(day, 9), lambda: order("recycling", old.id, "以旧换新：旧冰箱上门回收，已用九年"))
    installation = _at(
        local(day, 9.05), lambda: order("installation", new.id, "以旧换新：新冰箱送装，需拆旧装新")
    )
    ctx = actions.Context
    for target in (recycling, installation):
        _at(
            local(day, 9.2),
            lambda o=target: actions.perform(db, order=o, action="accept", actor=agent, ctx=ctx()),
        )
        _at(
            local(day, 9.3),
            lambda o=target: assignment.assign(
                db, order=o, technician=technician, actor=dispatcher, ctx=ctx(), override=True
            ),
        )
        _at(
            local(day, 9.4),
            lambda o=target: actions.perform(db, order=o, action="acknowledge", actor=tech, ctx=ctx()),
        )
    window = (local(today + timedelta(days=1), 14), local(today + timedelta(days=1), 16))
    _at(
        local(day, 9.5),
        lambda: actions.appoint(
            db, order=installation, actor=agent, ctx=ctx(), start=window[0], end=window[1]
        ),
    )
    lat, lng = (address.lat, address.lng) if address else (None, None)
    steps = [
        (10.0, lambda: actions.perform(db, order=recycling, action="depart", actor=tech, ctx=ctx())),
        (
            10.5,
            lambda: actions.perform(
                db, order=recycling, action="arrive", actor=tech, ctx=ctx(lat=lat, lng=lng)
            ),
        ),
        (
            10.6,
            lambda: records.assess(
                db,
                order=recycling,
                actor=tech,
                condition=Condition.FAIR.value,
                note="能制冷，门封老化，侧板有划痕",
            ),
        ),
        (10.7, lambda: records.accept(db, order=recycling, actor=customer)),
        (10.75, lambda: records.link(db, recycling=recycling, installation=installation, actor=customer)),
        (10.8, lambda: _finish(db, recycling, tech, customer)),
    ]
    for hour, step in steps:
        _at(local(day, hour), step)
    # The story's messages went out back then, as the history's did.
    db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.work_order_id.in_([recycling.id, installation.id]),
            OutboxMessage.status == "pending",
        )
        .values(status="sent", sent_at=OutboxMessage.created_at, attempts=1)
    )
    return recycling


def _finish(db: Session, order: WorkOrder, tech: User, customer: User) -> None:
    """The recycling visit's end: a zero quote the customer approves on the spot, the old refrigerator
    carried away."""
    ctx = actions.Context
    lines = [
        {"kind": "other", "description": "旧机拆卸搬运（以旧换新，不收费）", "amount_fen": 0, "quantity": 1}
    ]
    quotes.quote(db, order=order, actor=tech, ctx=ctx(), lines=lines)
    actions.decide_quote(db, order=order, actor=customer, ctx=ctx(), approve=True)
    actions.perform(db, order=order, action="start", actor=tech, ctx=ctx())
    actions.perform(db, order=order, action="complete", actor=tech, ctx=ctx(note="旧冰箱已拆运回收"))
