"""The demo city's parts: a central and a regional warehouse, each outlet's store, a van for every
technician, a genuine part for each repair the history quotes (fitting the tenant's models of its
category; key parts go back to the factory), and what the history's orders do with them through the real
actions: reserve at the quote, wait for a transfer when the part was not on hand (the order resumes when it
arrives), fit it with a serial number before completion, send the old key part back to the factory.

Deterministic with its own ``random.Random`` (seeded by the tenant's slug), so the rest of the city draws
the same numbers whether or not parts are replayed."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.catalog.models import ProductModel
from anxin.demo.names import PRODUCTS
from anxin.parts import catalog, reservations, returns, stock, transfers, warehouses
from anxin.parts.exceptions import InsufficientStock
from anxin.parts.models import Part, PartLine, PartTransfer, Warehouse
from anxin.technician.models import Outlet, Technician
from anxin.work_order.models import WorkOrder

PREFIX = {
    "air_conditioner": "AC",
    "refrigerator": "RF",
    "washing_machine": "WM",
    "water_heater": "WH",
    "range_hood": "RH",
    "gas_stove": "GS",
    "dishwasher": "DW",
    "television": "TV",
    "water_purifier": "WP",
    "microwave": "MW",
}
COURIERS = ("顺丰速运", "京东物流", "中通快递")


class Replay(Protocol):
    """What the parts story uses of the history's replay (``history.Simulation``)."""

    order: WorkOrder | None
    t: datetime | None

    def after(self, minutes: float, step: Callable[[], Any], *, working: bool = False) -> Any: ...


@dataclass
class Storeman:
    """A tenant's parts as the history uses them: the part for each (category, name), the people who move
    stock, and a counter for serial numbers."""

    db: Session
    rng: random.Random
    parts: dict[tuple[str, str], Part]
    dispatcher: User | None = None
    serials: int = 0

    def part(self, category: str, name: str | None) -> Part | None:
        return self.parts.get((category, name)) if name else None

    # --- steps of an order's story (each runs at its moment inside ``Replay.after``) -------------------

    def reserve(self, sim: Replay, tech: User, category: str, name: str | None) -> PartLine | None:
        """The technician reserves the part the quote names, a few minutes before quoting."""
        part = self.part(category, name)
        if part is None:
            return None

        def step() -> PartLine | None:
            try:
                return reservations.reserve(self.db, order=sim.order, actor=tech, part_id=part.id, quantity=1)
            except InsufficientStock:  # nowhere in the chain: quoted anyway, fitted from elsewhere
                return None

        return sim.after(self.rng.uniform(2, 6), step)

    def deliver(self, sim: Replay, line: PartLine, tech: User) -> None:
        """The regional warehouse ships the order's transfer within hours; the technician takes it into
        the van a day or three later, and the order resumes by itself."""
        transfer = self.db.get(PartTransfer, line.transfer_id)
        courier = f"SF{self.rng.randrange(10**11, 10**12)}"
        shipper = self.dispatcher or tech
        sim.after(
            self.rng.uniform(120, 480),
            lambda: transfers.ship(self.db, user=shipper, transfer=transfer, courier_no=courier),
            working=True,
        )
        sim.after(
            self.rng.uniform(1, 3) * 1440,
            lambda: transfers.receive(self.db, user=tech, transfer=transfer),
            working=True,
        )

    def fit(self, sim: Replay, line: PartLine, tech: User, appliance_serial: str) -> None:
        """Before completing, the technician records the new part's serial and the old one's."""
        part = self.db.get(Part, line.part_id)
        self.serials += 1
        serial = f"{part.code}-{sim.t:%y%m%d}{self.serials:05d}"
        removed = [f"{appliance_serial}-{part.key_part or 'P'}"[:60]] if part.return_required else []
        sim.after(
            self.rng.uniform(5, 25),
            lambda: reservations.fit(
                self.db,
                order=sim.order,
                line=line,
                actor=tech,
                quantity=1,
                serial_numbers=[serial],
                removed_serial_numbers=removed,
            ),
        )

    def send_back(self, sim: Replay, tech: User) -> None:
        """The old key parts of the order go to the factory a few days later (freight collect), and get
        there a few days after that."""
        olds = returns.for_order(self.db, order_id=sim.order.id)
        receiver = self.dispatcher or tech
        for old in olds:
            company = self.rng.choice(COURIERS)
            number = f"{self.rng.randrange(10**11, 10**12)}"
            sim.after(
                self.rng.uniform(1, 4) * 1440,
                lambda old=old, company=company, number=number: returns.ship(
                    self.db,
                    user=tech,
                    old=old,
                    courier_company=company,
                    courier_no=number,
                    postage_paid_by="brand",
                ),
                working=True,
            )
            sim.after(
                self.rng.uniform(2, 5) * 1440,
                lambda old=old: returns.receive(self.db, user=receiver, old=old),
                working=True,
            )


def stock_town(
    db: Session,
    *,
    tenant_id: int,
    slug: str,
    city: str,
    models: dict[str, list[ProductModel]],
    outlets: list[Outlet],
    technicians: list[Technician],
    dispatcher: User | None,
    founded: datetime,
) -> Storeman:
    """Warehouses, parts and opening stock for one tenant, stocked before the history starts."""
    rng = random.Random(f"parts:{slug}")
    with clock.travel(founded):
        return _stock(db, rng, tenant_id, city, models, outlets, technicians, dispatcher)


def _stock(
    db: Session,
    rng: random.Random,
    tenant_id: int,
    city: str,
    models: dict[str, list[ProductModel]],
    outlets: list[Outlet],
    technicians: list[Technician],
    dispatcher: User | None,
) -> Storeman:
    def place(code: str, name: str, level: str, parent: Warehouse | None = None, **links: Any) -> Warehouse:
        return warehouses.create(
            db,
            tenant_id=tenant_id,
            code=code,
            name=name,
            level=level,
            parent_id=parent.id if parent else None,
            **links,
        )

    central = place("WH-CENTRAL", "全国中心库", "central")
    regional = place("WH-REGION", f"{city}区域库", "regional", central)
    stores = {
        o.id: place(f"WH-{o.code}", f"{o.name}仓库", "outlet", regional, outlet_id=o.id) for o in outlets
    }
    vans = [
        (t, place(f"VAN-{t.id:04d}", f"{t.name}车载库", "van", stores.get(t.outlet_id), technician_id=t.id))
        for t in technicians
    ]
    parts: dict[tuple[str, str], Part] = {}
    for category, product in PRODUCTS.items():
        fitting = [m.id for m in models.get(category, []) if m.id is not None]
        if not fitting:
            continue
        zh = CATEGORY_NAMES[CategoryCode(category)][0]
        for index, (name, price, key) in enumerate(product.parts, start=1):
            parts[(category, name)] = catalog.create(
                db,
                tenant_id=tenant_id,
                code=f"{PREFIX[category]}-{index:02d}",
                name=f"{zh}{name}",
                list_price_fen=price,
                product_model_ids=fitting,
                category_code=category,
                unit="台" if key else "个",
                genuine=True,
                key_part=key,
                return_required=key is not None,
            )

    def put(warehouse: Warehouse, part: Part, quantity: int, reorder_point: int) -> None:
        stock.put(db, tenant_id=tenant_id, warehouse_id=warehouse.id, part_id=part.id, quantity=quantity)
        stock.set_reorder_point(
            db, tenant_id=tenant_id, warehouse_id=warehouse.id, part_id=part.id, reorder_point=reorder_point
        )

    for part in parts.values():
        put(central, part, 200, 20)
        put(regional, part, 40, 8)
        for store in stores.values():
            if rng.random() < 0.6:
                put(store, part, rng.randint(3, 8), 2)
    for technician, van in vans:
        trade = set(technician.categories)
        for (category, _), part in parts.items():
            if category in trade and part.key_part is None and rng.random() < 0.55:
                put(van, part, rng.randint(2, 5), 1)
    db.flush()
    return Storeman(db=db, rng=rng, parts=parts, dispatcher=dispatcher)


__all__ = ["Replay", "Storeman", "stock_town"]
