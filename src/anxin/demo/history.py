"""Ninety days of work orders, replayed through the real actions under ``clock.travel``.

Orders are taken in the order they were reported. Each gets a story (accept, assign, visit, quote, repair,
follow-up, close, or a side exit) told step by step at plausible moments; a step that would fall after
"now" is not taken, so recent orders are left in the open states they would really be in. Orders reported
in the last day and a half may also be left deliberately at an open state, so the queue has work in it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant, User
from anxin.auth.roles import Role
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.customer.models import Address, Customer
from anxin.demo import price_book as demo_book  # (price_book imports this module too)
from anxin.demo import quality
from anxin.demo.names import (
    CANCEL_REASONS,
    DECLINE_CANCEL_REASONS,
    PRODUCTS,
    REJECT_REASONS,
    REMOTE_NOTES,
    SERVICE_NOTES,
    SERVICE_PRICES,
    WORKSHOPS,
)
from anxin.demo.parts import PREFIX as PART_PREFIX
from anxin.dispatch.core import rules
from anxin.dispatch.core.scoring import Job, Shift, Tech, refusals
from anxin.dispatch.matching import assignment
from anxin.dispatch.matching.assignment import HARD
from anxin.geo import Point
from anxin.pricing import quotes
from anxin.pricing import service as pricing_service
from anxin.technician.models import Outlet, Technician
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN

TIMEZONE = ZoneInfo("Asia/Shanghai")
FOREVER = datetime.max.replace(tzinfo=UTC)
# Qualification checks in the replay ignore shifts (the replay picks a working day itself).
ALWAYS = Shift(datetime.min.replace(tzinfo=UTC), FOREVER)
# Reports by local hour of day.
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 3, 8, 12, 12, 11, 9, 9, 10, 10, 9, 8, 8, 9, 8, 6, 3, 2]
CHANNELS = [("hotline", 34), ("wechat", 24), ("app", 20), ("brand_system", 10), ("ecommerce", 8),
            ("retailer_system", 4)]  # fmt: skip
# Where a recent order may be left (None: its story runs on until now), how often, and how many minutes
# ago such an order was typically reported.
RECENT_STALLS = {None: (28, 10, 2160), "created": (5, 3, 40), "accepted": (8, 5, 60), "assigned": (10, 10, 90),
                 "acknowledged": (10, 20, 180), "en_route": (5, 60, 240), "on_site": (5, 90, 300),
                 "quoted": (8, 120, 1200), "quote_approved": (3, 120, 600), "in_progress": (8, 120, 600),
                 "pending_parts": (7, 300, 2160), "carried_in": (3, 300, 2160)}  # fmt: skip
CONTEXT = ("reason", "note", "lat", "lng")
OUTCOMES = [("visit", 87), ("remote", 6), ("cancel", 4), ("carry_in", 3)]
REWORK_SHARE = 0.03
REWORK_NOTE = "返修：上次维修后又出现同样问题。"
UNSTAFFED = "暂无具备资质的师傅，已向客户致歉并转合作服务商"


@dataclass(eq=False)
class Home:
    """One registered appliance and what the story of its orders needs to know."""

    appliance: Appliance
    model: ProductModel
    category: str
    customer: Customer
    customer_index: int
    address: Address
    registered_at: datetime
    customer_user: User | None = None
    busy_until: datetime | None = None  # the last step of its latest order; FOREVER while that is open
    last_completed: datetime | None = None


@dataclass(eq=False)
class Plan:
    at: datetime
    outcome: str = "visit"
    stall: str | None = None
    rework: bool = False
    home: Home | None = None
    technician: Technician | None = None
    channel: str | None = None


@dataclass
class Town:
    """A tenant's people and things, as the order history needs them."""

    tenant: Tenant
    users: dict[str, User]
    outlets: list[Outlet]
    outlet_of: dict[str, Outlet]  # district -> serving outlet
    technicians: list[Technician]
    tech_users: dict[int, User]  # technician id -> the technician's login
    homes: list[Home]
    reserved: list[Home] = field(default_factory=list)  # customer01's, for scripted orders
    # Held so the session's (weak) identity map keeps them: the actions look categories up by id.
    categories: list[Category] = field(default_factory=list)
    storeman: Any = None  # the tenant's parts (``demo.parts.Storeman``)


class _Stop(Exception):
    """The story has reached now, or the state the order is to be left in."""


def _pick(rng: random.Random, weighted: list[tuple[Any, float]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def local_moment(day: date, hour: float) -> datetime:
    moment = datetime(day.year, day.month, day.day, tzinfo=TIMEZONE) + timedelta(hours=hour)
    return clock.as_utc(moment)


class Simulation:
    def __init__(self, db: Session, rng: random.Random, town: Town, anchor: datetime) -> None:
        self.db, self.rng, self.town, self.anchor = db, rng, town, anchor
        users = list(town.users.values())
        self.by_role = {role: [u for u in users if u.role == role] for role in Role}
        self.managers = {u.outlet_id: u for u in self.by_role[Role.OUTLET_MANAGER]}
        self.outlets = {o.id: o for o in town.outlets}
        self.skilled: dict[tuple[int | None, str], list[Technician]] = {}
        for technician in town.technicians:
            for skill in technician.categories:
                for key in ((technician.outlet_id, skill), (None, skill)):
                    self.skilled.setdefault(key, []).append(technician)
        self.completed: list[tuple[WorkOrder, Home]] = []
        self.brand_codes = {
            b.id: b.code for b in db.scalars(select(Brand).where(Brand.tenant_id == town.tenant.id))
        }
        self.order: WorkOrder | None = None
        self.t: datetime | None = None
        self.stall: str | None = None
        self.voices = quality.Voices(self, town.technicians)

    # -- the plan: when orders are reported --------------------------------------------------------------

    def plans(self, count: int, recent: int) -> list[Plan]:
        rng, today = self.rng, self.anchor.astimezone(TIMEZONE).date()
        scripted = self._scripted(today)
        days = [today - timedelta(days=back) for back in range(2, 91)]
        day_weights = [(1.15 if d.weekday() >= 5 else 1.0) * (1.3 - (today - d).days / 300) for d in days]
        plans = []
        for _ in range(max(0, count - recent - len(scripted))):
            day = rng.choices(days, day_weights)[0]
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0] + rng.random()
            plans.append(
                Plan(local_moment(day, hour), _pick(rng, OUTCOMES), rework=rng.random() < REWORK_SHARE)
            )
        peak = max(HOUR_WEIGHTS)
        stalls = [(stall, weight) for stall, (weight, _, _) in RECENT_STALLS.items()]
        while recent > 0:
            stall = _pick(rng, stalls)
            _, youngest, oldest = RECENT_STALLS[stall]
            moment = self.anchor - timedelta(minutes=rng.uniform(youngest, oldest))
            if rng.random() * peak > HOUR_WEIGHTS[moment.astimezone(TIMEZONE).hour]:
                continue
            outcome = "carry_in" if stall == "carried_in" else "visit" if stall else _pick(rng, OUTCOMES)
            plans.append(Plan(moment, outcome, stall=stall))
            recent -= 1
        plans += scripted
        plans.sort(key=lambda plan: plan.at)
        return plans

    def _scripted(self, today: date) -> list[Plan]:
        """customer01's orders: a closed repair, a remote fix and an open order with a quote to decide."""
        reserved, tech = self.town.reserved, self.town.technicians[0]
        if len(reserved) < 3:
            return []
        return [
            Plan(local_moment(today - timedelta(days=40), 10), home=reserved[0], technician=tech, channel="app"),
            Plan(local_moment(today - timedelta(days=15), 19), "remote", home=reserved[2], channel="app"),
            Plan(local_moment(today - timedelta(days=1), 10.5), stall="quoted", home=reserved[1],
                 technician=tech, channel="app"),
        ]  # fmt: skip

    def _home_for(self, plan: Plan) -> tuple[Home, WorkOrder | None] | None:
        """A free appliance for the plan (no order open on it, none completed in the last month unless this
        is to be a rework), with the earlier order when it is a rework."""
        t, rng = plan.at, self.rng
        if plan.home is not None:
            return plan.home, None
        if plan.rework:
            window = [
                (order, home)
                for order, home in self.completed
                if t - timedelta(days=28) <= order.completed_at <= t - timedelta(days=1)
                and home.busy_until < t
                and home.last_completed == order.completed_at
            ]
            if window:
                order, home = rng.choice(window)
                return home, order
        homes = self.town.homes
        for _ in range(80):
            home = homes[rng.randrange(len(homes))]
            free = home.busy_until is None or home.busy_until < t
            settled = home.last_completed is None or home.last_completed < t - timedelta(days=31)
            if home.registered_at < t and free and settled:
                return home, None
        return None

    # -- telling one order's story -----------------------------------------------------------------------

    def _at(self, moment: datetime, step: Callable[[], Any]) -> Any:
        if self.t is not None:
            moment = max(moment, self.t + timedelta(minutes=1))
        if moment > self.anchor:
            raise _Stop
        with clock.travel(moment):
            result = step()
        self.t = moment
        if self.stall is not None and self.order is not None and self.order.status == self.stall:
            raise _Stop
        return result

    def after(self, minutes: float, step: Callable[[], Any], *, working: bool = False) -> Any:
        moment = self.t + timedelta(minutes=minutes)
        return self._at(self._working(moment) if working else moment, step)

    def _working(self, moment: datetime) -> datetime:
        """The moment, or the start of the next working day (08:00–22:00 local) when it falls outside."""
        local = moment.astimezone(TIMEZONE)
        if 8 <= local.hour < 22:
            return moment
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        return local_moment(day, 8 + self.rng.uniform(0, 0.15))

    def _call(self, act: Callable[..., Any], actor: User, **kwargs: Any) -> Callable[[], Any]:
        """An action on the current order, ready to run: context fields go into ``actions.Context``."""
        ctx = actions.Context(**{key: kwargs.pop(key) for key in list(kwargs) if key in CONTEXT})
        return lambda: act(self.db, order=self.order, actor=actor, ctx=ctx, **kwargs)

    def do(self, action: str, actor: User, **ctx: Any) -> Callable[[], Any]:
        return self._call(actions.perform, actor, action=action, **ctx)

    def run(self, plan: Plan) -> bool:
        found = self._home_for(plan)
        if found is None:
            return False
        home, earlier = found
        rng = self.rng
        self.order, self.t, self.stall = None, None, plan.stall
        product = PRODUCTS[home.category]
        category_zh = CATEGORY_NAMES[CategoryCode(home.category)][0]
        if earlier is not None:
            service = earlier.service_type
            fault = REWORK_NOTE + earlier.fault_description.removeprefix(REWORK_NOTE)
        else:
            service = _pick(rng, [("repair", 14), *product.services])
            fault = rng.choice(product.faults) if service == "repair" else SERVICE_NOTES[service]
            fault = fault.format(name=category_zh)
        channel = plan.channel or _pick(rng, CHANNELS)
        customer = home.customer
        urgent = "燃气味" in fault or rng.random() < 0.04
        urgent |= (
            service == "repair"
            and (customer.elderly_household or customer.infant_household)
            and rng.random() < 0.3
        )
        creator = home.customer_user if channel in ("app", "wechat") and home.customer_user else None
        intake = actions.Intake(
            customer_id=customer.id,
            appliance_id=home.appliance.id,
            service_type=service,
            channel=channel,
            fault_description=fault,
            extra_appliance_ids=[],
            priority="urgent" if urgent else "normal",
            external_ref=f"{channel[:2].upper()}{rng.randrange(10**9, 10**10)}"
            if channel.endswith(("system", "commerce"))
            else None,
        )

        def create() -> None:
            made = actions.create_order(
                self.db, actor=creator or rng.choice(self.by_role[Role.AGENT]), intake=intake
            )
            if not made.created:
                raise RuntimeError(f"demo city: unexpected duplicate of {made.order.number}")
            self.order = made.order

        try:
            self._at(plan.at, create)
            self._story(plan, home)
        except _Stop:
            pass
        order = self.order
        home.busy_until = FOREVER if order.status in OPEN else self.t
        if order.completed_at is not None:
            home.last_completed = order.completed_at
            self.completed.append((order, home))
        return True

    def _story(self, plan: Plan, home: Home) -> None:
        rng, order = self.rng, self.order
        agent = rng.choice(self.by_role[Role.AGENT])
        cancel_at = (
            rng.choice(["created", "accepted", "assigned", "acknowledged"])
            if plan.outcome == "cancel"
            else None
        )
        if cancel_at == "created":
            return self._cancel(agent, rng.uniform(10, 300), CANCEL_REASONS)
        self.after(self._quick(1, 12), self.do("accept", agent), working=True)
        remote_by_agent = plan.outcome == "remote" and rng.random() < 0.6
        if remote_by_agent:
            self.after(self._quick(3, 25), self.do("resolve-remote", agent, note=rng.choice(REMOTE_NOTES)))
            return self._follow_up()
        if cancel_at == "accepted":
            return self._cancel(agent, rng.uniform(10, 300), CANCEL_REASONS)
        technician = plan.technician or self._technician(home)
        if technician is None:
            return self._cancel(agent, rng.uniform(20, 120), [UNSTAFFED])
        self._assign(technician, self._quick(2, 15))
        if plan.technician is None and rng.random() < 0.04:
            tech = self.town.tech_users[technician.id]
            reason = rng.choice(REJECT_REASONS)
            self.after(self._quick(2, 15), self._call(actions.reject, tech, reason=reason))
            technician = self._technician(home, exclude=technician)
            self._assign(technician, self._quick(2, 10))
        if cancel_at == "assigned":
            return self._cancel(agent, rng.uniform(10, 300), CANCEL_REASONS)
        tech = self.town.tech_users[technician.id]
        self.after(
            rng.uniform(25, 75) if rng.random() < 0.06 else self._quick(1, 10),
            self.do("acknowledge", tech),
            working=True,
        )
        if plan.outcome == "remote":
            self.after(self._quick(3, 30), self.do("resolve-remote", tech, note=rng.choice(REMOTE_NOTES)))
            return self._follow_up()
        start, end, later = self._slot(home)
        if later or start - order.created_at > timedelta(minutes=90):  # a visit within the hour needs none
            self.after(rng.uniform(1, 6), self._call(actions.appoint, tech, start=start, end=end))
        if cancel_at == "acknowledged":
            return self._cancel(agent, rng.uniform(20, 240), CANCEL_REASONS)
        urban = home.address.area_type == "urban"
        travel = rng.uniform(15, 45) if urban else rng.uniform(30, 75)
        outlet = self.outlets[technician.outlet_id]
        self._at(
            start - timedelta(minutes=travel + rng.uniform(-15, 10)),
            self.do("depart", tech, lat=outlet.lat, lng=outlet.lng),
        )
        late = rng.uniform(20, 100) if rng.random() < 0.08 else 0
        here = {"lat": home.address.lat, "lng": home.address.lng}
        self.after(travel + late, self.do("arrive", tech, **here))
        if plan.outcome == "carry_in":
            receipt = f"RX{order.number[2:10]}{order.id:05d}"
            workshop = rng.choice(WORKSHOPS)
            carry_in = self._call(actions.carry_in, tech, receipt_no=receipt, workshop=workshop, **here)
            self.after(rng.uniform(20, 45), carry_in)
            self.after(
                rng.uniform(2, 7) * 1440,
                self.do("complete", tech, note=f"{workshop}修复，已送回"),
                working=True,
            )
            return self._follow_up()
        lines, part = self._lines(home)
        storeman = self.town.storeman
        # the technician reserves the quoted part: from the van, the outlet's store, or on a transfer
        held = storeman.reserve(self, tech, home.category, part) if storeman is not None else None
        self.after(rng.uniform(10, 35), self._quote(tech, lines, **here))
        decider = home.customer_user or agent
        if rng.random() < 0.05:
            self.after(rng.uniform(3, 20), self._call(actions.decide_quote, decider, approve=False))
            if rng.random() < 0.5:
                return self._cancel(agent, rng.uniform(5, 30), DECLINE_CANCEL_REASONS)
            # explained on the spot, the same items are quoted again (the book's prices are the prices)
            self.after(rng.uniform(5, 20), self._quote(tech, lines, note="与客户沟通后重新报价"))
        slow = rng.random() < 0.15
        approve = self._call(actions.decide_quote, decider, approve=True)
        self.after(rng.uniform(60, 1200) if slow else rng.uniform(2, 15), approve, working=slow)
        self.after(
            rng.uniform(30, 120) if slow else rng.uniform(2, 10),
            self.do("start", tech, **here),
            working=slow,
        )
        waits = rng.random() < 0.1 or self.stall == "pending_parts"
        if held is not None and held.status == "awaiting_transfer":  # not on hand: it comes on a transfer
            self.after(rng.uniform(15, 40), self.do("wait-parts", tech, reason=f"等待{part}调拨到货"))
            storeman.deliver(self, held, tech)  # the order resumes by itself when it arrives
        elif waits:
            self.after(rng.uniform(15, 40), self.do("wait-parts", tech, reason=f"等待{part or '配件'}到货"))
            self.after(rng.uniform(1, 5) * 1440, self.do("resume", tech, **here), working=True)
        if held is not None:
            storeman.fit(self, held, tech, home.appliance.serial_number)
        note = f"更换{part}，试机正常" if part else "检修调试完成，试机正常"
        self.after(rng.uniform(20, 150), self.do("complete", tech, note=note, **here))
        self._follow_up()
        if held is not None:
            storeman.send_back(self, tech)  # the old key part goes back to the factory

    def _quick(self, low: float, high: float) -> float:
        """Minutes for a step people usually take at once and sometimes later."""
        return low + (high - low) * self.rng.random() ** 2

    def _cancel(self, agent: User, minutes: float, reasons: list[str]) -> None:
        self.after(minutes, self._call(actions.cancel, agent, reason=self.rng.choice(reasons)), working=True)

    def _follow_up(self) -> None:
        """The survey the completed order got: answered, recorded on the phone or not at all, and what
        the desk does with a low score (``demo.quality``)."""
        self.voices.follow_up()

    def _technician(self, home: Home, exclude: Technician | None = None) -> Technician | None:
        """A technician of the serving outlet (else of the city) who is qualified for the job and works
        that day, as a dispatcher would pick."""
        outlet = self.town.outlet_of[home.address.district]
        day = self.t.astimezone(TIMEZONE).date()
        for key, any_day in (
            ((outlet.id, home.category), False),
            ((None, home.category), False),
            ((None, home.category), True),
        ):
            choices = [
                t
                for t in self.skilled.get(key, [])
                if t is not exclude
                and (any_day or day.isoweekday() in t.work_days)
                and self._qualified(t, home, day)
            ]
            if choices:
                return self.rng.choice(choices)
        return exclude  # None when nobody qualifies (a small city whose only certificates lapsed)

    def _qualified(self, technician: Technician, home: Home, day: date) -> bool:
        service_type = self.order.service_type if self.order is not None else "repair"
        job = Job(
            order_id=0,
            category=home.category,
            service_type=service_type,
            point=Point(home.address.lat, home.address.lng),
            requirement=rules.requirement_for(home.category, service_type, crew_size=home.model.crew_size),
            brand=self.brand_codes.get(home.model.brand_id),
        )
        tech = Tech(
            id=technician.id,
            skills={(s.category, s.service_type): s.level for s in technician.skills},
            brands=frozenset(technician.brands) if technician.brands is not None else None,
            certificates={c.kind: c.expires_on for c in technician.certificates},
            shift=ALWAYS,
            capacity=10**6,
        )
        # Certificates must hold a few days on: the visit may be booked for a later day than the pick.
        return not any(r.code in HARD for r in refusals(job, tech, on=day + timedelta(days=3)))

    def _assign(self, technician: Technician, minutes: float) -> None:
        manager = self.managers.get(technician.outlet_id)
        actor = (
            manager
            if manager and self.rng.random() < 0.25
            else self.rng.choice(self.by_role[Role.DISPATCHER])
        )
        self.after(minutes, self._call(assignment.assign, actor, technician=technician, override=True))

    def _slot(self, home: Home) -> tuple[datetime, datetime, bool]:
        """The visit window agreed on the phone: later today when there is time, else tomorrow."""
        rng = self.rng
        lead = rng.uniform(30, 150) if home.address.area_type == "urban" else rng.uniform(45, 220)
        visit = self.t + timedelta(minutes=lead)
        local = visit.astimezone(TIMEZONE)
        hour = local.hour + local.minute / 60
        later = hour >= 21.5 or hour < 8.5 or rng.random() < 0.04
        if later:
            day = local.date() + timedelta(days=1 if hour >= 8.5 else 0)
            visit = local_moment(day, rng.choice([9, 9.5, 10, 10.5, 13.5, 14, 15]))
        start = visit - timedelta(
            minutes=visit.minute % 30, seconds=visit.second, microseconds=visit.microsecond
        )
        return start, start + timedelta(hours=2), later

    def _lines(self, home: Home) -> tuple[list[dict], str | None]:
        """The quote, from the price book (``demo.price_book``): the visit fee of the customer's area; for a
        service, its labour; for a repair, the labour of replacing a part and the part (refrigerant as a
        material by the kilogram), or the inspection alone. Items by code (``_quote`` finds them in the
        book in force when the quote is made); a service the book does not price is a line typed by hand.
        What warranty covers is ``pricing.quotes``'s to say. Also the part the technician reserves."""
        rng, order = self.rng, self.order
        category = home.category
        visit = {"code": f"VISIT-{'SUBURBAN' if order.area_type == 'suburban' else 'URBAN'}", "quantity": 1}
        labour = demo_book.LABOUR.get(category, [])
        if order.service_type != "repair":
            rows = [row for row in labour if row[1] == order.service_type]
            if rows:
                return [visit, {"code": rng.choice(rows)[0], "quantity": 1}], None
            name, low, high = SERVICE_PRICES[order.service_type]
            zh = CATEGORY_NAMES[CategoryCode(category)][0]
            typed = {
                "kind": "other",
                "description": zh + name,
                "amount_fen": rng.randrange(low, high + 1, 500),
            }
            return [visit, typed], None
        if rng.random() < 0.3:
            return [visit], None  # the visit fee covers the inspection: nothing to replace
        parts = PRODUCTS[category].parts
        index = rng.randrange(len(parts))
        part = parts[index][0]
        repairs = [row for row in labour if row[1] == "repair"]
        if part.startswith("冷媒"):  # refrigerant: the gas top-up and the kilograms it takes
            gas = next((row for row in repairs if "冷媒" in row[3]), rng.choice(repairs))
            refrigerant = next(
                row[0] for row in demo_book.MATERIALS.get(category, []) if row[0].startswith("MAT-R")
            )
            return [
                visit,
                {"code": gas[0], "quantity": 1},
                {"code": refrigerant, "quantity": rng.randint(1, 2)},
            ], part
        matching = [row for row in repairs if part in row[3]]
        work = matching[0] if matching else rng.choice(repairs)
        part_code = f"PART-{PART_PREFIX[category]}-{index + 1:02d}"
        return [visit, {"code": work[0], "quantity": 1}, {"code": part_code, "quantity": 1}], part

    def _quote(self, tech: User, lines: list[dict], **ctx: Any) -> Callable[[], Any]:
        """The technician's quote of ``lines`` (items by code) from the book in force when it is made."""
        context = actions.Context(**{key: ctx.pop(key) for key in list(ctx) if key in CONTEXT})

        def made() -> Any:
            order = self.order
            book = pricing_service.book_in_force(
                self.db,
                tenant_id=order.tenant_id,
                on=tenant_clock.today(self.db, order.tenant_id),
                category=order.category_code,
            )
            ids = {price.code: price.id for price in book.prices}
            priced = [
                {"price_item_id": ids[line["code"]], "quantity": line["quantity"]} if "code" in line else line
                for line in lines
                if "code" not in line or line["code"] in ids
            ]
            return quotes.quote(self.db, order=order, actor=tech, ctx=context, lines=priced)

        return made


def replay(
    db: Session,
    rng: random.Random,
    town: Town,
    count: int,
    recent: int,
    anchor: datetime,
    progress: Console | None,
) -> int:
    """Report and walk about ``count`` orders for the town up to ``anchor``; returns how many were made."""
    simulation = Simulation(db, rng, town, anchor)
    plans = simulation.plans(count, recent)
    if progress is None or not progress.is_terminal:
        made = sum(simulation.run(plan) for plan in plans)
    else:
        made = 0
        with Progress(console=progress, transient=True) as bar:
            task = bar.add_task(f"{town.tenant.slug}: work orders", total=len(plans))
            for plan in plans:
                made += simulation.run(plan)
                bar.advance(task)
    quality.finish(db, simulation, anchor)
    return made
