"""The demo city: a Hangzhou-like service organisation (tenant ``demo``) with outlets, technicians,
customers, appliances and 90 days of work orders replayed through the real actions, and a small second
tenant (``acme``, in a Ningbo-like city) to show that nothing crosses tenants.

Deterministic: one ``random.Random`` with a fixed seed drives everything; the only outside input is the
time now, the anchor of the history (travel with ``anxin.clock.travel`` for a fixed one). Every login's
password is ``demo1234``.
"""

from __future__ import annotations

import gc
import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.appliance.schemas import PurchaseChannel
from anxin.auth import service as auth_service
from anxin.auth.models import Tenant, User
from anxin.auth.roles import Role
from anxin.auth.security import hash_password
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CategoryCode
from anxin.catalog.models import Brand, ProductModel
from anxin.customer.models import Address, Customer
from anxin.customer.phone import normalise_mobile
from anxin.demo import assistant as demo_assistant
from anxin.demo import avatars as demo_avatars
from anxin.demo import contracts as demo_contracts
from anxin.demo import history, price_book, telemetry_history
from anxin.demo import knowledge as demo_knowledge
from anxin.demo import parts as demo_parts
from anxin.demo import payments as demo_payments
from anxin.demo import proactive as demo_proactive
from anxin.demo import settlement as demo_settlement
from anxin.demo import telemetry as demo_telemetry
from anxin.demo import tradein as demo_tradein
from anxin.demo.names import (
    BRAND_WARRANTY,
    BRANDS,
    DEMO_CUSTOMER_PHONE,
    ESTATE_HEADS,
    ESTATE_TAILS,
    GIVEN_CHARS,
    HANGZHOU,
    MOBILE_PREFIXES,
    NINGBO,
    PRODUCTS,
    SURNAMES,
    City,
)
from anxin.dispatch.core import rules
from anxin.dispatch.core.rules import LEVELS
from anxin.dispatch.models import DispatchPolicy
from anxin.technician import service as technician_service
from anxin.technician.models import Crew, CrewMember, Outlet, Technician
from anxin.telephony import relay
from anxin.work_order import service as work_order_service
from anxin.work_order.models import WorkOrder

SEED = 20261122
# About 11 a day over 90 days. An order is ~12 actions, ~25 ms of CPU in all on a small 2-core machine,
# so 1,000 load in about half a minute; 2,600 would take over a minute.
DEMO_ORDERS = 1000
PASSWORD = "demo1234"
TIMEZONE = ZoneInfo("Asia/Shanghai")
CATEGORY_ORDER = [c.value for c in CategoryCode]
BRAND_ZH = {code: zh for code, zh, _, _ in BRANDS}
# Technicians specialise; each group is a trade a technician may have.
TRADES = [
    ("air_conditioner", "refrigerator"),
    ("washing_machine", "dishwasher"),
    ("water_heater", "gas_stove", "range_hood"),
    ("television", "microwave"),
    ("water_purifier", "water_heater"),
]
CHANNEL_WEIGHTS = [
    (PurchaseChannel.JD, 25),
    (PurchaseChannel.TMALL, 20),
    (PurchaseChannel.OFFLINE_DEALER, 15),
    (PurchaseChannel.SUNING, 12),
    (PurchaseChannel.BRAND_STORE, 12),
    (PurchaseChannel.PINDUODUO, 8),
    (PurchaseChannel.GOME, 5),
    (PurchaseChannel.OTHER, 3),
]
# customer01's appliances, so its orders are predictable: (category, brand, years since purchase)
FIRST_CUSTOMER_APPLIANCES = [("refrigerator", "haier", 1.2), ("air_conditioner", "gree", 3.5),
                             ("washing_machine", "midea", 6.5)]  # fmt: skip


class DemoAlreadyLoaded(RuntimeError):
    """The database already has a ``demo`` or ``acme`` tenant; loading again would collide with it."""


@dataclass(frozen=True)
class Spec:
    slug: str
    name: str
    city: City
    brands: tuple[str, ...]
    technicians: int
    customers: int
    appliances: int
    orders: int
    recent_orders: int  # reported in the last 36 hours, so the queue has open work in it
    staff: tuple[tuple[str, str], ...]  # (username, role)
    customer_users: int
    sla_overrides: list[dict] | None = None


def demo_spec(scale: float) -> Spec:
    def scaled(n: int, least: int) -> int:
        return max(least, round(n * scale))

    staff = [("admin", "admin"), ("agent", "agent"), ("agent02", "agent"), ("agent03", "agent")]
    staff += [("dispatcher", "dispatcher"), ("dispatcher02", "dispatcher"), ("quality", "quality")]
    staff += [(f"outlet{i + 1:02d}", "outlet_manager") for i in range(len(HANGZHOU.outlets))]
    return Spec(
        slug="demo",
        name="杭州安心家电服务有限公司",
        city=HANGZHOU,
        brands=tuple(code for code, *_ in BRANDS),
        technicians=scaled(60, 16),
        customers=scaled(2000, 40),
        appliances=scaled(3000, 60),
        orders=scaled(DEMO_ORDERS, 60),
        recent_orders=scaled(30, 16),
        staff=tuple(staff),
        customer_users=5,
        sla_overrides=[
            {"service_type": "cleaning", "arrive_minutes": 2880, "complete_minutes": 2880},
            {"service_type": "maintenance", "arrive_minutes": 2880, "complete_minutes": 2880},
            {"service_type": "relocation", "arrive_minutes": 2880, "complete_minutes": 2880},
        ],
    )


ACME = Spec(
    slug="acme",
    name="Acme 宁波家电维修",
    city=NINGBO,
    brands=("haier", "midea", "gree", "hisense"),
    technicians=3,
    customers=12,
    appliances=16,
    orders=12,
    recent_orders=3,
    staff=(
        ("admin", "admin"),
        ("agent", "agent"),
        ("dispatcher", "dispatcher"),
        ("quality", "quality"),
        ("outlet01", "outlet_manager"),
    ),
    customer_users=2,
)


def _customer_phone(maker: Maker, index: int) -> str:
    """customer01's phone is ``DEMO_CUSTOMER_PHONE``; a number is drawn for it all the same, so that the
    rest of the city stays what the seed made it."""
    drawn = maker.phone()
    return DEMO_CUSTOMER_PHONE if index == 0 else drawn


class Maker:
    """Random names, numbers and places from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.phones: set[str] = set()
        self._surnames = [s for s, _ in SURNAMES]
        self._surname_weights = [w for _, w in SURNAMES]

    def name(self) -> str:
        surname = self.rng.choices(self._surnames, self._surname_weights)[0]
        size = 1 if self.rng.random() < 0.25 else 2
        return surname + "".join(self.rng.choice(GIVEN_CHARS) for _ in range(size))

    def phone(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phones and normalise_mobile(number) == number:
                self.phones.add(number)
                return number

    def address(self, city: City, district_index: int) -> dict:
        district = city.districts[district_index]
        rng = self.rng
        head = rng.randrange(len(ESTATE_HEADS) // 2) * 2
        estate = ESTATE_HEADS[head : head + 2] + rng.choice(ESTATE_TAILS)
        detail = (
            f"{rng.choice(district.roads)}{rng.randint(1, 999)}号 {estate}"
            f"{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元{rng.randint(1, 28)}{rng.randint(1, 4):02d}室"
        )
        return {
            "province": city.province,
            "city": city.name,
            "district": district.name,
            "detail": detail,
            "lat": round(district.lat + rng.uniform(-1, 1) * district.spread, 6),
            "lng": round(district.lng + rng.uniform(-1, 1) * district.spread * 1.15, 6),
            "area_type": district.area_type,
        }


def _catalog(db: Session, rng: random.Random, spec: Spec, tenant_id: int) -> dict[str, list[ProductModel]]:
    """Brands and their product models with warranty policies; returns category -> models."""
    categories = {c.code: c for c in catalog_service.ensure_categories(db, tenant_id=tenant_id)}
    by_category: dict[str, list[ProductModel]] = {code: [] for code in CATEGORY_ORDER}
    for code, zh, en, makes in BRANDS:
        if code not in spec.brands:
            continue
        brand = Brand(tenant_id=tenant_id, code=code, name_zh=zh, name_en=en)
        db.add(brand)
        db.flush()
        for category in makes:
            product = PRODUCTS[category]
            unit = BRAND_WARRANTY.get((code, category), product.warranty_months)
            parts = {part: months for part, months in product.key_parts.items() if months >= unit}
            for index, name in enumerate(rng.sample(product.names, min(2, len(product.names)))):
                model = ProductModel(
                    tenant_id=tenant_id,
                    brand_id=brand.id,
                    category_id=categories[category].id,
                    model_code=f"{product.model_prefix}{rng.randint(100, 999)}{code[:2].upper()}{index + 1}",
                    name=f"{zh} {name}",
                    warranty_months=unit,
                    key_part_months=parts,
                )
                db.add(model)
                by_category[category].append(model)
    db.flush()
    return by_category


SHIFTS = [("08:00", "17:30"), ("08:30", "18:00"), ("09:00", "18:30"), ("10:00", "19:30")]
THIRD_PARTY_BRANDS = 3  # a third-party outlet's technicians are authorised for a few brands only


def _technicians(
    db: Session,
    maker: Maker,
    spec: Spec,
    tenant_id: int,
    outlets: list[Outlet],
    today: date,
) -> list[Technician]:
    """Technicians with trades (skills per category at a level), the certificates their trades need (a few
    expired or missing, as in life), brands (all for own outlets, a few for third parties), a home near their
    outlet, one of four shifts with a lunch break and a rotating rest day."""
    rng = maker.rng
    technicians = []
    for index in range(spec.technicians):
        trades = rng.sample(TRADES, 2 if rng.random() < 0.6 else 1)
        skills = {skill for trade in trades for skill in trade}
        if index == 0 or rng.random() < 0.5:  # air conditioners are the bulk of the work
            skills |= set(TRADES[0])
        if index == 0:
            skills |= {category for category, _, _ in FIRST_CUSTOMER_APPLIANCES}
        outlet = outlets[index % len(outlets)]
        level = "master" if index == 0 else rng.choices(LEVELS, weights=[35, 45, 20])[0]
        shift = SHIFTS[index % len(SHIFTS)]
        rest = 7 if index == 0 else 1 + index % 7
        brands = None
        if outlet.kind == "third_party":
            brands = sorted(rng.sample(list(spec.brands), min(THIRD_PARTY_BRANDS, len(spec.brands))))
        ratings = rng.randint(0, 160)
        technician = Technician(
            tenant_id=tenant_id,
            outlet_id=outlet.id,
            name=maker.name(),
            phone=maker.phone(),
            level=level,
            brands=brands,
            home_lat=round(outlet.lat + rng.uniform(-0.03, 0.03), 6),
            home_lng=round(outlet.lng + rng.uniform(-0.035, 0.035), 6),
            daily_capacity=rng.choice([6, 7, 8, 8]),
            shift_start=shift[0],
            shift_end=shift[1],
            work_days=[d for d in range(1, 8) if d != rest],
            rating=round(min(5.0, rng.gauss(4.7, 0.18)), 2) if ratings else None,
            rating_count=ratings,
            created_at=history.local_moment(today - timedelta(days=rng.randint(120, 1500)), 9),
        )
        technician_service.grant(technician, [c for c in CATEGORY_ORDER if c in skills], level=level)
        technicians.append(technician)
    for position in range(len(outlets)):  # every outlet covers every category
        staff = technicians[position :: len(outlets)]
        for category in CATEGORY_ORDER:
            if staff and not any(category in t.categories for t in staff):
                chosen = rng.choice(staff)
                technician_service.grant(chosen, [category], level=chosen.level)
    for index, technician in enumerate(technicians):
        _certify(technician, rng, today, may_lapse=index > 0)  # tech01 serves customer01's scripted orders
    db.add_all(technicians)
    db.flush()
    return technicians


def _certify(technician: Technician, rng: random.Random, today: date, *, may_lapse: bool) -> None:
    """The certificates a technician's trades need, valid for years; one in twenty has let one lapse."""
    needed = set()
    for category in technician.categories:
        for service_type in ("repair", "installation", "relocation"):
            needed |= rules.requirement_for(category, service_type).certificates
    for number, kind in enumerate(sorted(needed)):
        lapsed = rng.random() < 0.05 and may_lapse
        expires = (
            today - timedelta(days=rng.randint(5, 200))
            if lapsed
            else today + timedelta(days=rng.randint(90, 1500))
        )
        technician_service.certify(
            technician, kind, expires_on=expires, number=f"{kind[:2].upper()}{technician.phone[-6:]}{number}"
        )


def _crews(db: Session, technicians: list[Technician], outlets: list[Outlet]) -> None:
    """Two-person crews for central air conditioners at the first two outlets: two senior AC technicians."""
    for outlet in outlets[:2]:
        seniors = [
            t
            for t in technicians
            if t.outlet_id == outlet.id and "air_conditioner" in t.categories and t.level != "junior"
        ]
        if len(seniors) >= 2:
            lead, mate = seniors[:2]
            crew = Crew(
                tenant_id=lead.tenant_id,
                outlet_id=outlet.id,
                name=f"{outlet.name[:4]}安装班组",
                lead_id=lead.id,
            )
            crew.members = [CrewMember(technician_id=lead.id), CrewMember(technician_id=mate.id)]
            db.add(crew)
    db.flush()


def _dispatch_policies(db: Session, tenant_id: int, slug: str) -> None:
    """The demo tenant dispatches repairs automatically, puts cleaning and maintenance in the order pool
    and leaves the rest to the dispatcher; acme's dispatcher picks from suggestions."""
    if slug != "demo":
        db.add(DispatchPolicy(tenant_id=tenant_id, mode="suggest"))
        db.flush()
        return
    db.add_all(
        [
            DispatchPolicy(tenant_id=tenant_id, mode="suggest"),
            DispatchPolicy(tenant_id=tenant_id, service_type="repair", mode="auto"),
            DispatchPolicy(tenant_id=tenant_id, service_type="cleaning", mode="pool"),
            DispatchPolicy(tenant_id=tenant_id, service_type="maintenance", mode="pool"),
        ]
    )
    db.flush()


def _homes(
    db: Session, maker: Maker, spec: Spec, tenant_id: int, models: dict[str, list[ProductModel]], today: date
) -> list[history.Home]:
    """Customers, their addresses and their appliances, added in three flushes."""
    rng = maker.rng
    city = spec.city
    district_weights = [d.weight for d in city.districts]
    customers, address_fields = [], []
    maker.phones.add(DEMO_CUSTOMER_PHONE)  # customer01's, known in advance: no one else draws it
    for index in range(spec.customers):
        district = 0 if index == 0 else rng.choices(range(len(city.districts)), district_weights)[0]
        address_fields.append(maker.address(city, district))
        customers.append(
            Customer(
                tenant_id=tenant_id,
                name=maker.name(),
                phone=_customer_phone(maker, index),
                elderly_household=index != 0 and rng.random() < 0.12,
                infant_household=index != 0 and rng.random() < 0.06,
            )
        )
    first = len(FIRST_CUSTOMER_APPLIANCES)  # customer01's come first, then one each, then the rest at random
    extra = spec.appliances - spec.customers - first + 1
    owners = [0] * first + sorted(
        [*range(1, spec.customers), *(rng.randrange(1, spec.customers) for _ in range(extra))]
    )
    categories = [c for c in CATEGORY_ORDER if models[c]]
    category_weights = [PRODUCTS[c].weight for c in categories]
    plans = []  # (owner, model, purchase date, install date)
    for position, owner in enumerate(owners):
        if position < first:
            category, brand, years = FIRST_CUSTOMER_APPLIANCES[position]
            model = next(m for m in models[category] if m.name.startswith(BRAND_ZH[brand]))
            bought = today - timedelta(days=int(years * 365))
        else:
            category = rng.choices(categories, category_weights)[0]
            model = rng.choice(models[category])
            bought = today - timedelta(days=3 + int(rng.random() ** 1.4 * 8 * 365))
        installed = None
        if rng.random() < PRODUCTS[category].install:
            installed = min(today, bought + timedelta(days=rng.randint(1, 7)))
        plans.append((owner, model, category, bought, installed))
    registered = [history.local_moment(p[4] or p[3], rng.uniform(9, 20)) for p in plans]
    for owner, moment in zip(owners, registered, strict=True):
        customer = customers[owner]
        customer.created_at = min(customer.created_at or moment, moment - timedelta(hours=1))
    db.add_all(customers)
    db.flush()
    addresses = [
        Address(tenant_id=tenant_id, customer_id=c.id, created_at=c.created_at, **fields)
        for c, fields in zip(customers, address_fields, strict=True)
    ]
    db.add_all(addresses)
    db.flush()
    channels, channel_weights = zip(*CHANNEL_WEIGHTS, strict=True)
    appliances = []
    for number, ((owner, model, _category, bought, installed), moment) in enumerate(
        zip(plans, registered, strict=True)
    ):
        appliances.append(
            Appliance(
                tenant_id=tenant_id,
                customer_id=customers[owner].id,
                address_id=addresses[owner].id,
                product_model_id=model.id,
                serial_number=f"{spec.slug.upper()}{model.brand_id:02d}{bought:%y%m}{number + 1:06d}",
                purchase_date=bought,
                purchase_channel=rng.choices(channels, channel_weights)[0].value,
                install_date=installed,
                created_at=moment,
            )
        )
    db.add_all(appliances)
    db.flush()
    return [
        history.Home(
            appliance=appliance,
            model=model,
            category=category,
            customer=customers[owner],
            customer_index=owner,
            address=addresses[owner],
            registered_at=moment,
        )
        for appliance, (owner, model, category, _, _), moment in zip(
            appliances, plans, registered, strict=True
        )
    ]


def _build(
    db: Session, rng: random.Random, maker: Maker, spec: Spec, password_hash: str, today: date
) -> history.Town:
    founded = history.local_moment(today - timedelta(days=3 * 365), 9)
    tenant = Tenant(slug=spec.slug, name=spec.name, timezone="Asia/Shanghai", created_at=founded)
    db.add(tenant)
    db.flush()
    if spec.sla_overrides is not None:
        work_order_service.set_policy(db, tenant_id=tenant.id, overrides=spec.sla_overrides)
    models = _catalog(db, rng, spec, tenant.id)
    price_book.load(db, tenant_id=tenant.id, today=today, versions=2 if spec.slug == "demo" else 1)
    demo_knowledge.load(db, tenant_id=tenant.id)  # the fault knowledge base, before any order is taken
    outlets = []
    for code, name, kind, district_name in spec.city.outlets:
        district = next(d for d in spec.city.districts if d.name == district_name)
        outlets.append(
            Outlet(
                tenant_id=tenant.id,
                code=code,
                name=name,
                kind=kind,
                district=district.name,
                lat=round(district.lat + rng.uniform(-0.01, 0.01), 6),
                lng=round(district.lng + rng.uniform(-0.01, 0.01), 6),
                coverage=[district.name]
                + [served for served, by in spec.city.served_by.items() if by == district.name],
                score=round(rng.uniform(4.3, 4.9), 2),
                created_at=founded,
            )
        )
    db.add_all(outlets)
    db.flush()
    by_district = {o.district: o for o in outlets}
    outlet_of = {
        d.name: by_district.get(d.name) or by_district[spec.city.served_by[d.name]]
        for d in spec.city.districts
    }
    technicians = _technicians(db, maker, spec, tenant.id, outlets, today)
    _crews(db, technicians, outlets)
    _dispatch_policies(db, tenant.id, spec.slug)
    homes = _homes(db, maker, spec, tenant.id, models, today)

    def user(username: str, role: str, display: str, **links) -> User:
        return User(
            tenant_id=tenant.id,
            username=username,
            display_name=display,
            role=role,
            password_hash=password_hash,
            created_at=founded,
            **links,
        )

    users = {}
    for username, role in spec.staff:
        links = {}
        if role == Role.OUTLET_MANAGER:
            links["outlet_id"] = outlets[int(username.removeprefix("outlet")) - 1].id
        users[username] = user(username, role, f"{maker.name()}（{username}）", **links)
    tech_users = {}
    for index, technician in enumerate(technicians):
        name = f"tech{index + 1:02d}"
        users[name] = tech_users[technician.id] = user(
            name, Role.TECHNICIAN, technician.name, technician_id=technician.id
        )
    customers_by_index = {}
    for index in range(spec.customer_users):
        customer = next(h.customer for h in homes if h.customer_index == index)
        name = f"customer{index + 1:02d}"
        customers_by_index[index] = users[name] = user(
            name, Role.CUSTOMER, customer.name, customer_id=customer.id
        )
    db.add_all(users.values())
    db.flush()
    for home in homes:
        home.customer_user = customers_by_index.get(home.customer_index)
    reserved = [h for h in homes if h.customer_index == 0][: len(FIRST_CUSTOMER_APPLIANCES)]
    storeman = demo_parts.stock_town(
        db,
        tenant_id=tenant.id,
        slug=spec.slug,
        city=spec.city.name,
        models=models,
        outlets=outlets,
        technicians=technicians,
        dispatcher=next((u for u in users.values() if u.role == Role.DISPATCHER), None),
        founded=founded,
    )
    return history.Town(
        tenant=tenant,
        users=users,
        outlets=outlets,
        outlet_of=outlet_of,
        technicians=technicians,
        tech_users=tech_users,
        homes=[h for h in homes if h not in reserved],
        reserved=reserved,
        categories=catalog_service.get_categories(db, tenant_id=tenant.id),
        storeman=storeman,
    )


def _release_past_relays(db: Session, anchor: datetime) -> None:
    """The relay numbers of orders finished more than a day before ``anchor`` released, as the periodic
    sweep would have done meanwhile (else the demo's first sweep releases hundreds at once)."""
    while True:
        done = relay.sweep(db, now=anchor)
        if not done["released"] and not done["extended"]:
            return


def load_demo_city(
    db: Session,
    progress: Console | None = None,
    scale: float = 1.0,
    *,
    save_models: bool = False,
    upload_dir: Path | None = None,
) -> str:
    """Create tenants ``demo`` and ``acme`` with their history; returns a short summary. Refuses (raises
    ``DemoAlreadyLoaded``) when either tenant exists. ``scale`` shrinks the demo tenant for tests;
    ``save_models`` keeps each tenant's trained failure model where ``anxin pdm score`` reads it; with
    ``upload_dir`` every technician gets a drawn avatar as their photo (``demo.avatars``)."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    for slug in ("demo", "acme"):
        if auth_service.get_tenant_by_slug(db, slug=slug) is not None:
            raise DemoAlreadyLoaded(f"tenant {slug!r} already exists: the demo city is loaded already")
    started = time.perf_counter()
    rng = random.Random(SEED)
    maker = Maker(rng)
    anchor = clock.now().replace(second=0, microsecond=0)
    today = anchor.astimezone(TIMEZONE).date()
    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    lines = []
    for spec in (demo_spec(scale), ACME):
        with clock.travel(anchor):
            town = _build(db, rng, maker, spec, password_hash, today)
        if upload_dir is not None:  # drawn avatars, not photographs (demo/avatars.py)
            demo_avatars.load(db, technicians=town.technicians, upload_dir=upload_dir, now=anchor)
        if progress is not None:
            progress.print(
                f"{spec.slug}: {len(town.outlets)} outlets, {len(town.technicians)} technicians, "
                f"{spec.customers} customers, {len(town.homes) + len(town.reserved)} appliances"
            )
        collecting = gc.isenabled()
        gc.disable()  # tens of thousands of short-lived ORM objects: cyclic GC passes cost ~20% here
        try:
            history.replay(db, rng, town, spec.orders, spec.recent_orders, anchor, progress)
        finally:
            if collecting:
                gc.enable()
        with clock.travel(anchor):  # the history's relay numbers released as the sweep would have
            _release_past_relays(db, anchor)
        if spec.slug == "demo":  # customer01's repair paid by WeChat Pay, its e-invoice issued
            demo_payments.load(
                db, tenant_id=town.tenant.id, users=town.users, today=today, local=history.local_moment
            )
        demo_contracts.load(db, town=town, anchor=anchor)  # plans; the demo's contracts, claims and visits
        # the valuation table; in demo, customer01's old refrigerator's credit on their new one's installation
        demo_tradein.load(
            db,
            tenant_id=town.tenant.id,
            users=town.users,
            today=today,
            local=history.local_moment,
            story=spec.slug == "demo",
        )
        # fee rules, last month's closures reviewed and its statements (one confirmed), this month's queue
        settled = demo_settlement.settle_town(db, town, anchor)
        if progress is not None:
            progress.print(f"{spec.slug}: {settled}")
        demo_assistant.load(db, tenant_id=town.tenant.id)  # a chat handed off to the agents
        # the alert policy, customers' consent to proactive contact, customer01's household
        proactive = demo_proactive.load(db, tenant_id=town.tenant.id, users=town.users)
        if progress is not None:
            progress.print(f"{spec.slug}: {proactive}")
        # which appliances are connected, and two with a fault developing now (the failure model's catch)
        connected_plan = telemetry_history.plan(db, tenant_id=town.tenant.id)
        # a day of readings, rolled up by the hour
        connected = demo_telemetry.load(
            db,
            tenant_id=town.tenant.id,
            shape=connected_plan.shape,
            appliance_ids=list(connected_plan.connected),
        )
        if progress is not None:
            progress.print(f"{spec.slug}: {connected}")
        # forty days of roll-ups with faults developing before past repairs; the model trained and scoring
        past = telemetry_history.load(
            db, tenant_id=town.tenant.id, tenant_slug=spec.slug, plan=connected_plan, save_model=save_models
        )
        if progress is not None:
            progress.print(
                f"{spec.slug}: telemetry past: {past.rows} roll-ups of {past.devices} appliances "
                f"({past.repaired} repaired in the time); failure model: {past.trained}; "
                f"{past.scored} scored, {past.alerts} predicted-failure alert(s)"
            )
        counts = dict(
            db.execute(
                select(WorkOrder.status, func.count())
                .where(WorkOrder.tenant_id == town.tenant.id)
                .group_by(WorkOrder.status)
                .order_by(WorkOrder.status)
            ).all()
        )
        states = ", ".join(f"{status} {n}" for status, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        lines.append(f"{spec.slug}: {sum(counts.values())} orders ({states})")
    seconds = time.perf_counter() - started
    return f"demo city loaded in {seconds:.1f} s; password for every login: {PASSWORD}\n" + "\n".join(lines)
