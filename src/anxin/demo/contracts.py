"""Extended warranties and care plans in the demo city (``anxin.contract``), made through the real
services and the real job, at the demo's "now":

- the tenant's plans: extended warranties of one, two and three years priced by purchase-price band, a
  yearly air-conditioner cleaning (¥199, two visits) and a water-purifier care plan;
- customer01's washing machine (six and a half years old) under a two-year extended warranty that ends
  in three weeks: its repair, reported today, is billed to the contract (category B, its claim recorded)
  and quoted by tech01 at ¥0 to pay ("延保合同保障"); the renewal notice with its offer has gone out;
- customer01's air conditioner on the cleaning plan, and a few neighbours' too: the care-plan job has
  created their first visits as orders (channel ``care_plan``);
- extended warranties sold to other customers' out-of-warranty appliances, one of them cancelled with its
  pro-rata refund.

Nothing here is random: the homes are taken in the town's order, so two loads make the same city."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.appliance.warranty import WarrantyStatus
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.contract import contracts, plans, schedule, terms
from anxin.contract.models import ServiceContract
from anxin.contract.schemas import ServicePlanCreate
from anxin.dispatch.matching import assignment
from anxin.pricing import quotes
from anxin.pricing import service as pricing_service
from anxin.technician.models import TechnicianSkill
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN

PLANS = [
    {"code": "EW-1Y", "name_zh": "整机延保 1 年", "name_en": "Extended warranty, 1 year", "term_months": 12,
     "bands": [(3000, 199), (8000, 399), (None, 699)]},
    {"code": "EW-2Y", "name_zh": "整机延保 2 年", "name_en": "Extended warranty, 2 years", "term_months": 24,
     "bands": [(3000, 349), (8000, 699), (None, 1199)]},
    {"code": "EW-3Y", "name_zh": "整机延保 3 年", "name_en": "Extended warranty, 3 years", "term_months": 36,
     "bands": [(3000, 499), (8000, 999), (None, 1699)]},
]  # fmt: skip
CARE = [
    {"code": "CARE-AC-CLEAN", "name_zh": "空调清洗年卡", "name_en": "Air-conditioner cleaning, yearly",
     "category_code": "air_conditioner", "price_fen": 19900, "visits": 2, "service_type": "cleaning",
     "description": "每年两次上门深度清洗（夏季前、冬季前），含滤网、蒸发器、接水盘"},
    {"code": "CARE-WP", "name_zh": "净水器保养年卡", "name_en": "Water purifier care, yearly",
     "category_code": "water_purifier", "price_fen": 29900, "visits": 2, "service_type": "maintenance",
     "description": "每半年上门保养一次，检测水质"},
]  # fmt: skip
NEIGHBOURS = 4  # other customers' contracts of each kind


def load(db: Session, *, town, anchor: datetime) -> None:
    """The plans for ``town``'s tenant; for the demo tenant, the contracts and what they did."""
    with clock.travel(anchor):
        admin = next(u for u in town.users.values() if u.role == "admin")
        made = _plans(db, tenant_id=town.tenant.id, admin=admin)
        if town.tenant.slug == "demo":
            _contracts(db, town=town, plans=made, now=anchor)


def _plans(db: Session, *, tenant_id: int, admin: User) -> dict[str, int]:
    made = {}
    for spec in PLANS:
        body = {k: v for k, v in spec.items() if k != "bands"} | {
            "kind": "extended_warranty",
            "max_age_months": 120,
            "renewal_discount_percent": 10,
            "description": "保障期内维修的人工费、配件费、上门费全免",
            "bands": [
                {"up_to_fen": up * 100 if up else None, "price_fen": price * 100}
                for up, price in spec["bands"]
            ],
        }
        made[spec["code"]] = plans.create(
            db, tenant_id=tenant_id, body=ServicePlanCreate(**body), actor=admin
        ).id
    for spec in CARE:
        body = spec | {"kind": "care", "term_months": 12, "renewal_discount_percent": 15}
        made[spec["code"]] = plans.create(
            db, tenant_id=tenant_id, body=ServicePlanCreate(**body), actor=admin
        ).id
    return made


def _contracts(db: Session, *, town, plans: dict[str, int], now: datetime) -> None:
    tenant_id = town.tenant.id
    today = tenant_clock.today(db, tenant_id, now)
    agent, dispatcher = town.users["agent"], town.users["dispatcher"]
    open_orders = set(
        db.scalars(
            select(WorkOrder.appliance_id).where(
                WorkOrder.tenant_id == tenant_id, WorkOrder.status.in_([s.value for s in OPEN])
            )
        )
    )
    by_category = {home.category: home for home in town.reserved}
    # customer01's washing machine: two years of extended warranty, sold 23 months ago, ending soon
    washer = by_category.get("washing_machine")
    if washer is not None and washer.appliance.id not in open_orders:
        contract = contracts.sell(
            db,
            user=agent,
            appliance_id=washer.appliance.id,
            plan_id=plans["EW-2Y"],
            purchase_price_fen=329_900,
        )
        _backdate(contract, start=today - timedelta(days=710), months=24)
        _zero_priced_repair(db, town=town, home=washer, agent=agent, dispatcher=dispatcher)
    # customer01's air conditioner on the cleaning plan, from today: one without an open order, or the new
    # one they registered a month ago (the scripted history keeps their first one busy)
    mine = [*town.reserved, *(home for home in town.homes if home.customer_index == 0)]
    cooler = next(
        (h.appliance for h in mine if h.category == "air_conditioner" and h.appliance.id not in open_orders),
        None,
    )
    if cooler is None and "air_conditioner" in by_category:
        home = by_category["air_conditioner"]
        cooler = appliance_service.create(
            db,
            tenant_id=tenant_id,
            customer_id=home.customer.id,
            product_model_id=home.model.id,
            serial_number=f"{town.tenant.slug.upper()}-CARE-0001",
            purchase_date=today - timedelta(days=30),
            purchase_channel="jd",
            install_date=today - timedelta(days=28),
            address_id=home.address.id,
        )
    if cooler is not None:
        contracts.sell(db, user=agent, appliance_id=cooler.id, plan_id=plans["CARE-AC-CLEAN"])
    # the neighbours: cleaning plans sold in the last days, extended warranties on old appliances
    care_sold = ew_sold = 0
    for index, home in enumerate(town.homes):
        if home.appliance.id in open_orders or home.appliance is cooler:
            continue
        if home.category == "air_conditioner" and care_sold < NEIGHBOURS:
            contract = contracts.sell(
                db, user=agent, appliance_id=home.appliance.id, plan_id=plans["CARE-AC-CLEAN"]
            )
            _backdate(contract, start=today - timedelta(days=care_sold * 2), months=12)
            care_sold += 1
        elif ew_sold < NEIGHBOURS and _out_of_warranty(db, home, today):
            code = ("EW-1Y", "EW-2Y", "EW-3Y")[index % 3]
            contracts.sell(
                db,
                user=agent,
                appliance_id=home.appliance.id,
                plan_id=plans[code],
                purchase_price_fen=(2 + index % 9) * 100_000,
            )
            ew_sold += 1
        if care_sold >= NEIGHBOURS and ew_sold >= NEIGHBOURS:
            break
    last = db.scalar(
        select(ServiceContract)
        .where(ServiceContract.tenant_id == tenant_id, ServiceContract.kind == "extended_warranty")
        .order_by(ServiceContract.id.desc())
        .limit(1)
    )
    if last is not None and ew_sold > 1:
        contracts.cancel(db, user=agent, contract=last, reason="客户已将旧机出售，申请退保")
    # what the hourly job has done by now: the due visits, the renewal notices
    schedule.create_due_visits(db, now=now)
    schedule.send_renewal_notices(db, now=now)


def _backdate(contract: ServiceContract, *, start, months: int) -> None:
    term = terms.term_from(start, months)
    contract.start_date, contract.end_date = term.start, term.end
    contract.sold_at = min(contract.sold_at, clock.as_utc(datetime(start.year, start.month, start.day, 3)))


def _out_of_warranty(db: Session, home, today) -> bool:
    warranty = appliance_service.warranty(db, appliance=home.appliance, on=today, model=home.model)
    return warranty.status != WarrantyStatus.IN_WARRANTY


def _zero_priced_repair(db: Session, *, town, home, agent: User, dispatcher: User) -> None:
    """A repair reported today for the covered washing machine, taken by tech01 up to the quote: billed
    to the contract, so the quote is ¥0 to pay."""
    made = actions.create_order(
        db,
        actor=agent,
        intake=actions.Intake(
            customer_id=home.customer.id,
            appliance_id=home.appliance.id,
            service_type="repair",
            channel="hotline",
            fault_description="洗衣机不排水，显示 E21（延保期内）",
        ),
    )
    order = made.order
    technician = town.technicians[0]
    skilled = db.scalar(
        select(TechnicianSkill.id).where(
            TechnicianSkill.technician_id == technician.id, TechnicianSkill.category == home.category
        )
    )
    if order.billing_category != "B" or skilled is None:
        return
    tech_user = town.tech_users[technician.id]
    ctx = actions.Context()
    actions.perform(db, order=order, action="accept", actor=agent, ctx=ctx)
    assignment.assign(db, order=order, technician=technician, actor=dispatcher, ctx=ctx, override=True)
    for action in ("acknowledge", "depart", "arrive"):
        actions.perform(db, order=order, action=action, actor=tech_user, ctx=ctx)
    book = pricing_service.book_in_force(
        db,
        tenant_id=order.tenant_id,
        on=tenant_clock.today(db, order.tenant_id),
        category=home.category,
        service_type="repair",
    )
    codes = {price.code: price.id for price in book.prices}
    lines = [
        {"price_item_id": codes[code], "quantity": 1} for code in ("VISIT-URBAN", "WM-PUMP") if code in codes
    ]
    if lines:
        quotes.quote(db, order=order, actor=tech_user, ctx=ctx, lines=lines)
