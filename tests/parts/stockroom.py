"""A tenant's stockroom for the parts tests: a central and a regional warehouse, the outlet's store, a van
for each technician, parts that fit the tenant's refrigerator model (one that must go back to the factory,
one material any model takes, one that fits no model of the tenant's), and orders walked to a state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.dispatch.matching import assignment
from anxin.models import Address, ProductModel, Technician, WorkOrder
from anxin.parts import catalog, stock, warehouses
from anxin.parts.models import PartReturn, PartStock
from anxin.pricing import quotes
from anxin.work_order import actions
from anxin.work_order.states import MOVES, Status
from tests.conftest import TenantWorld
from tests.helpers import HAPPY_PATH, intake, quote_lines


@dataclass
class Stockroom:
    central: int
    regional: int
    store: int
    van: int  # tech01's
    other_van: int  # tech02's
    thermostat: int  # fits the model; on the van
    compressor: int  # fits the model, goes back to the factory; regional only
    refrigerant: int  # any model takes it; in the store
    foreign: int  # fits no model of the tenant's
    parts: dict[str, int] = field(default_factory=dict)


def build(db: Session, world: TenantWorld, *, van: int = 2, store: int = 3, regional: int = 10) -> Stockroom:
    """The stockroom, stocked: ``van`` thermostats on tech01's van, ``store`` units of refrigerant in the
    outlet's store, ``regional`` compressors and thermostats regionally, plenty centrally."""
    tenant_id = world.tenant.id
    model_id = db.scalar(select(ProductModel.id).where(ProductModel.tenant_id == tenant_id))
    slug = world.tenant.slug

    def place(code: str, name: str, level: str, parent: int | None = None, **links) -> int:
        return warehouses.create(
            db, tenant_id=tenant_id, code=f"{slug}-{code}", name=name, level=level, parent_id=parent, **links
        ).id

    central = place("central", "中心库", "central")
    regional_id = place("east", "华东区域库", "regional", central)
    store_id = place("west", "西湖网点库", "outlet", regional_id, outlet_id=world.outlet_id)
    van_id = place("van-1", "王师傅车载库", "van", store_id, technician_id=world.technician_id)
    other_van = place("van-2", "李师傅车载库", "van", store_id, technician_id=world.other_technician_id)

    def part(code: str, name: str, price: int, models: list[int], **flags) -> int:
        return catalog.create(
            db,
            tenant_id=tenant_id,
            code=code,
            name=name,
            list_price_fen=price,
            product_model_ids=models,
            category_code="refrigerator",
            **flags,
        ).id

    thermostat = part("TH-470", "温控器", 12000, [model_id])
    compressor = part("CP-470", "压缩机", 95000, [model_id], key_part="compressor", return_required=True)
    refrigerant = part("R600A", "冷媒 R600a", 3000, [], fits_all=True, unit="瓶")
    foreign = part("WM-MOTOR", "洗衣机电机", 68000, [])

    def put(warehouse: int, part_id: int, quantity: int) -> None:
        if quantity:
            stock.put(db, tenant_id=tenant_id, warehouse_id=warehouse, part_id=part_id, quantity=quantity)

    put(van_id, thermostat, van)
    put(store_id, refrigerant, store)
    put(regional_id, compressor, regional)
    put(regional_id, thermostat, regional)
    for part_id in (thermostat, compressor, refrigerant, foreign):
        put(central, part_id, 100)
    db.flush()
    return Stockroom(
        central=central,
        regional=regional_id,
        store=store_id,
        van=van_id,
        other_van=other_van,
        thermostat=thermostat,
        compressor=compressor,
        refrigerant=refrigerant,
        foreign=foreign,
    )


def steps_to(state: Status) -> list[tuple[str, str, dict | None]]:
    """The happy path's steps from created to ``state`` (and waiting for parts after in progress)."""
    if state == Status.PENDING_PARTS:
        return [*steps_to(Status.IN_PROGRESS), ("technician", "wait-parts", {"reason": "等配件"})]
    steps, current = [], Status.CREATED
    for role, action, body in HAPPY_PATH:
        if current == state:
            break
        steps.append((role, action, body))
        current = MOVES[action].target
    assert current == state, state
    return steps


def take(
    db: Session, world: TenantWorld, order: WorkOrder, role: str, action: str, body: dict | None
) -> None:
    actor = db.get(User, world.users[role].id)
    body = body or {}
    ctx = actions.Context(reason=body.get("reason"), note=body.get("note"))
    if action == "assign":
        technician = db.get(Technician, world.technician_id)
        assignment.assign(db, order=order, technician=technician, actor=actor, ctx=ctx)
    elif action == "quote":
        quotes.quote(
            db, order=order, actor=actor, ctx=ctx, lines=quote_lines(db, order.tenant_id, body["lines"])
        )
    elif action in ("approve-quote", "decline-quote"):
        actions.decide_quote(db, order=order, actor=actor, ctx=ctx, approve=action == "approve-quote")
    else:
        actions.perform(db, order=order, action=action, actor=actor, ctx=ctx)


def order_at(db: Session, world: TenantWorld, state: Status, serial: str) -> WorkOrder:
    """An order of customer01 assigned to tech01, walked to ``state``, on an appliance of its own (intake
    allows one open order per appliance and service type)."""
    tenant_id = world.tenant.id
    model_id = db.scalar(select(ProductModel.id).where(ProductModel.tenant_id == tenant_id))
    address_id = db.scalar(select(Address.id).where(Address.customer_id == world.customer_id))
    appliance = appliance_service.create(
        db,
        tenant_id=tenant_id,
        customer_id=world.customer_id,
        product_model_id=model_id,
        serial_number=f"SNPT{serial}",
        purchase_date=date(2025, 6, 1),
        purchase_channel="jd",
        install_date=None,
        address_id=address_id,
    )
    agent = db.get(User, world.users["agent"].id)
    order = actions.create_order(db, actor=agent, intake=intake(world, appliance_id=appliance.id)).order
    for role, action, body in steps_to(state):
        take(db, world, order, role, action, body)
    assert order.status == state
    return order


def held(db: Session, warehouse_id: int, part_id: int, condition: str = "good") -> tuple[int, int]:
    """(on hand, reserved) of the part in the warehouse, read afresh (in a new transaction: on SQLite a
    read transaction keeps seeing the database as it was when it began)."""
    db.rollback()
    row = db.execute(
        select(PartStock.on_hand, PartStock.reserved)
        .where(
            PartStock.warehouse_id == warehouse_id,
            PartStock.part_id == part_id,
            PartStock.condition == condition,
        )
        .execution_options(populate_existing=True)
    ).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


@dataclass
class PartsScene:
    """What the route tables (tests/test_access_matrix.py, tests/test_tenant_isolation.py) name: a line
    reserved on the quoted order, a transfer to ship (tech01's van to the store, requested), one to receive
    (the store to the van, shipped), and an old part held in the van."""

    room: Stockroom
    line_id: int
    transfers: dict[str, int]  # "ship", "receive"
    return_id: int


def scene(db: Session, world: TenantWorld, *, quoted_order: int, working_order: int) -> PartsScene:
    from anxin.parts import reservations, transfers

    room = build(db, world, van=6)
    users = {role: db.get(User, user.id) for role, user in world.users.items()}
    quoted, working = db.get(WorkOrder, quoted_order), db.get(WorkOrder, working_order)
    line = reservations.reserve(
        db, order=quoted, actor=users["technician"], part_id=room.thermostat, quantity=1
    )
    fitted = reservations.reserve(
        db, order=working, actor=users["technician"], part_id=room.thermostat, quantity=1
    )
    reservations.fit(
        db,
        order=working,
        line=fitted,
        actor=users["technician"],
        quantity=1,
        serial_numbers=["TH-SCENE-1"],
        removed_serial_numbers=["TH-OLD-1"],
        return_old=True,
    )
    dispatcher = users["dispatcher"]
    to_ship = transfers.request(
        db,
        user=dispatcher,
        from_warehouse_id=room.van,
        to_warehouse_id=room.store,
        part_id=room.thermostat,
        quantity=1,
    )
    to_receive = transfers.request(
        db,
        user=dispatcher,
        from_warehouse_id=room.store,
        to_warehouse_id=room.van,
        part_id=room.refrigerant,
        quantity=1,
    )
    transfers.ship(db, user=dispatcher, transfer=to_receive, courier_no="SCENE-1")
    old = db.scalar(select(PartReturn).where(PartReturn.work_order_id == working.id))
    db.flush()
    return PartsScene(
        room=room,
        line_id=line.id,
        transfers={"ship": to_ship.id, "receive": to_receive.id},
        return_id=old.id,
    )
