"""Tenant isolation over every route of the API.

An id that belongs to another tenant is answered exactly like an id that does not exist: 404 with the one
error shape, and nothing is written. Lists show only the caller's tenant. Within a tenant a customer sees
only their own records and a technician only the orders assigned to them.

The routes are read from the app itself. Each route with a path parameter needs a recipe (``ROUTES``, or
the generated recipe for a work-order action of the state table) saying how to fill its parameters and
body; each route without one needs a line in ``UNPARAMETRISED`` saying which test here covers it. A route
added without either fails ``test_every_route_of_the_api_is_covered`` by name: extend the tables.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from anxin.appliance import service as appliance_service
from anxin.audit.models import AuditEvent
from anxin.auth.models import User
from anxin.auth.permissions import PERMISSIONS, Action
from anxin.config import Settings
from anxin.contract.models import ServiceContract, ServicePlan
from anxin.dispatch.matching import assignment
from anxin.dispatch.models import DispatchPlan
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.models import Complaint, ServiceTask
from anxin.knowledge.assistant_models import AssistantConversation
from anxin.knowledge.models import KnowledgeEntry
from anxin.models import (
    Address,
    Base,
    Brand,
    Category,
    Customer,
    Outlet,
    ProductModel,
    Technician,
    WorkOrder,
    WorkOrderEvent,
)
from anxin.notify.delivery import deliver_due
from anxin.notify.models import InboxItem, OutboxMessage, WebhookEndpoint
from anxin.parts.models import Part, PartReturn, PartStock, PartTransfer, Warehouse
from anxin.pricing import editing as price_book
from anxin.pricing import quotes
from anxin.pricing.models import PriceBookVersion
from anxin.settlement.models import ClosureReview, FeeRule, Statement
from anxin.work_order import actions
from anxin.work_order.states import MOVES, Status
from tests.conftest import TenantWorld
from tests.contract import scene as contract_scene
from tests.dates import far_day, local_today
from tests.feedback import appeal_scene
from tests.helpers import HAPPY_PATH, intake, quote_lines, report_body
from tests.knowledge import assistant_scene
from tests.knowledge import scene as knowledge_scene
from tests.parts.stockroom import PartsScene
from tests.parts.stockroom import scene as parts_scene
from tests.pricing import test_payments_api as payments_scene
from tests.settlement import matrix as settlement_matrix
from tests.telemetry import matrix as telemetry_matrix
from tests.telemetry import proactive_scene

ROLES = ("admin", "agent", "dispatcher", "quality", "outlet_manager", "technician", "customer")
STAFF = ("admin", "agent", "dispatcher", "quality", "outlet_manager")
NOWHERE = 987_654_321  # an id no table holds
FAR_DAY = far_day()
# A real 1×1 PNG: uploads are decoded in full, so a header followed by zeros is refused.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
QUOTE_LINES = [{"kind": "other", "description": "上门费", "amount_fen": 5000}]
NEW_ADDRESS = {"district": "西湖区", "detail": "文三路 2 号", "lat": 30.27, "lng": 120.12}
# The order in which the happy path (and one detour) reaches the states an order can be built in.
BUILDABLE = [Status.CREATED] + [MOVES[action].target for _, action, _ in HAPPY_PATH] + [Status.PENDING_PARTS]


# --- the scene: two tenants, each with orders in known states, a photo, a quote -----------------------


@dataclass
class Side:
    """One tenant's objects that a request can name."""

    world: TenantWorld
    orders: dict[Status, int] = field(default_factory=dict)  # an order of customer01 in each state
    appliances: list[int] = field(default_factory=list)  # customer01's appliance behind each order
    photo_id: int = 0
    plan_id: int = 0
    model_id: int = 0
    brand_id: int = 0
    category_id: int = 0
    address_id: int = 0
    # the quality loop's objects: a complaint, an agent's task, a delivered inbox item, an outbox row, a webhook
    complaint_id: int = 0
    task_id: int = 0
    inbox_item_id: int = 0
    outbox_id: int = 0
    webhook_id: int = 0
    parts: PartsScene | None = None  # a stockroom, a reserved line, two transfers, an old part
    settlement: settlement_matrix.SettlementScene | None = None  # a closure review, a statement, fee rules
    payments: payments_scene.MatrixScene | None = (
        None  # a pending payment, a discount asked, on the read order
    )
    contracts: contract_scene.ContractScene | None = None  # plans, customer01's contract
    knowledge_entry_id: int = 0  # the seed's knowledge base loaded; its refrigerator "not cooling" entry
    assistant_conversation_id: int = 0  # customer01's chat, handed off to the agents
    telemetry: telemetry_matrix.TelemetryScene | None = None  # an ingest key, a rule, an open alert
    proactive: proactive_scene.ProactiveScene | None = None  # a campaign run
    appeals: appeal_scene.AppealScene | None = None  # tech01's penalties, open appeals
    # a draft of the price book with one item
    price_version_id: int = 0
    price_item_id: int = 0

    @property
    def read_order(self) -> int:
        """An order with a quote, an event trail and a photo, assigned to ``technician``."""
        return self.orders[Status.QUOTED]


@dataclass
class Scene:
    client: TestClient
    engine: Engine
    upload_dir: Path
    demo: Side
    acme: Side


def steps_to(state: Status) -> list[tuple[str, str, dict | None]]:
    if state == Status.PENDING_PARTS:
        return [*steps_to(Status.IN_PROGRESS), ("technician", "wait-parts", {"reason": "等配件"})]
    steps, current = [], Status.CREATED
    for role, action, body in HAPPY_PATH:
        if current == state:
            break
        steps.append((role, action, body))
        current = MOVES[action].target
    assert current == state, f"the happy path never reaches {state}"
    return steps


def state_for(action: str) -> Status:
    """A state the action may start from, so that the action would succeed if the order were reachable."""
    sources = MOVES[action].sources
    for state in BUILDABLE:
        if state in sources:
            return state
    raise LookupError(f"no buildable order state for {action!r}: extend BUILDABLE/steps_to")


def take(db, *, order: WorkOrder, actor: User, action: str, body: dict | None, world: TenantWorld) -> None:
    """One step of the happy path through the actions themselves (faster than over HTTP)."""
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


def build_side(client: TestClient, sessionmaker_, world: TenantWorld, states: set[Status]) -> Side:
    """customer01 of ``world`` gets one appliance and one order per state (intake allows one open order
    per appliance and service type), the QUOTED one a photo; the ids a request can name are noted."""
    side = Side(world=world)
    tenant_id = world.tenant.id
    with sessionmaker_() as db:
        users = {role: db.get(User, user.id) for role, user in world.users.items()}
        side.model_id = db.scalar(select(ProductModel.id).where(ProductModel.tenant_id == tenant_id))
        side.brand_id = db.scalar(select(Brand.id).where(Brand.tenant_id == tenant_id))
        side.category_id = db.scalar(
            select(Category.id).where(Category.tenant_id == tenant_id, Category.code == "refrigerator")
        )
        side.address_id = db.scalar(select(Address.id).where(Address.customer_id == world.customer_id))
        for index, state in enumerate(sorted(states, key=BUILDABLE.index)):
            appliance = appliance_service.create(
                db,
                tenant_id=tenant_id,
                customer_id=world.customer_id,
                product_model_id=side.model_id,
                serial_number=f"SN{world.tenant.slug.upper()}S{index:03d}",
                purchase_date=date(2025, 6, 1),
                purchase_channel="jd",
                install_date=None,
                address_id=side.address_id,
            )
            created = actions.create_order(
                db, actor=users["agent"], intake=intake(world, appliance_id=appliance.id)
            )
            assert created.created
            for role, action, body in steps_to(state):
                take(db, order=created.order, actor=users[role], action=action, body=body, world=world)
            assert created.order.status == state
            side.appliances.append(appliance.id)
            side.orders[state] = created.order.id
        book = price_book.draft(db, tenant_id=tenant_id, actor=users["admin"])
        visit = price_book.ItemFields(code="ISO", kind="visit", name="隔离测试", unit="time", price_fen=5000)
        side.price_version_id = book.id
        side.price_item_id = price_book.add_item(db, version=book, fields=visit, actor=users["admin"]).id
        db.commit()
    photo = client.post(
        f"/api/v1/work-orders/{side.read_order}/photos",
        files={"file": ("fault.png", PNG, "image/png")},
        headers=world.headers("technician"),
    )
    assert photo.status_code == 201, photo.text
    side.photo_id = photo.json()["id"]
    face = client.put(  # tech01's photo, which the order's customer and staff may see
        f"/api/v1/technicians/{world.technician_id}/photo",
        files={"file": ("me.png", PNG, "image/png")},
        headers=world.headers("technician"),
    )
    assert face.status_code == 200, face.text
    plan = client.post(
        "/api/v1/dispatch/plans",
        json={"date": FAR_DAY, "seconds": 0.2},
        headers=world.headers("dispatcher"),
    )
    assert plan.status_code == 201, plan.text
    side.plan_id = plan.json()["id"]
    build_quality(client, sessionmaker_, side)
    with sessionmaker_() as db:
        side.parts = parts_scene(
            db, world, quoted_order=side.read_order, working_order=side.orders[Status.IN_PROGRESS]
        )
        side.settlement = settlement_matrix.matrix_scene(db, world, order_id=side.read_order)
        side.payments = payments_scene.matrix_scene(db, world, order_id=side.read_order)
        side.contracts = contract_scene.matrix_scene(db, world)
        side.knowledge_entry_id = knowledge_scene.matrix_scene(db, world)
        side.assistant_conversation_id = assistant_scene.handed_off(db, world)
        side.telemetry = telemetry_matrix.matrix_scene(db, world)
        side.proactive = proactive_scene.matrix_scene(db, world)
        side.appeals = appeal_scene.matrix_scene(db, world, order_id=side.read_order)
        db.commit()
    return side


def build_quality(client: TestClient, sessionmaker_, side: Side) -> None:
    """A complaint about the quoted order, an open call task for agents, a webhook, and the order
    notifications delivered (the customer's inbox items exist)."""
    world, tenant_id = side.world, side.world.tenant.id
    complaint = client.post(
        "/api/v1/complaints",
        json={"work_order_id": side.read_order, "channel": "hotline", "category": "attitude"}
        | {"description": "隔离测试：师傅态度"},
        headers=world.headers("agent"),
    )
    assert complaint.status_code == 201, complaint.text
    side.complaint_id = complaint.json()["id"]
    hook = client.post(
        "/api/v1/notifications/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": ["sla.breached"]},
        headers=world.headers("admin"),
    )
    assert hook.status_code == 201, hook.text
    side.webhook_id = hook.json()["id"]
    with sessionmaker_() as db:
        task = ServiceTask(
            tenant_id=tenant_id,
            kind="follow_up_call",
            role="agent",
            work_order_id=side.read_order,
            title="回访电话",
            dedupe_key=f"isolation:{tenant_id}",
            detail={},
        )
        db.add(task)
        db.commit()
        side.task_id = task.id
    deliver_due(sessionmaker_, settings=Settings())  # the orders' inbox messages become inbox items
    with sessionmaker_() as db:
        side.outbox_id = db.scalar(select(OutboxMessage.id).where(OutboxMessage.tenant_id == tenant_id))
        side.inbox_item_id = db.scalar(
            select(InboxItem.id).where(
                InboxItem.tenant_id == tenant_id, InboxItem.recipient == f"customer:{world.customer_id}"
            )
        )
    assert side.outbox_id and side.inbox_item_id


def build_scene(client, sessionmaker_, engine, world, settings) -> Scene:
    demo_states = {state_for(action) for action in MOVES} | {Status.QUOTED}
    demo = build_side(client, sessionmaker_, world.demo, demo_states)
    acme_states = {Status.CREATED, Status.ACCEPTED, Status.QUOTED, Status.IN_PROGRESS}  # in progress: parts
    acme = build_side(client, sessionmaker_, world.acme, acme_states)
    # demo sets its own SLA policy and a brand acme has not: neither may show through to acme
    policy = client.put("/api/v1/sla-policy", json=DEMO_POLICY, headers=world.demo.headers("admin"))
    assert policy.status_code == 200, policy.text
    brand = client.post(
        "/api/v1/catalog/brands",
        json={"code": "demoonly", "name_zh": "演示", "name_en": "Demo only"},
        headers=world.demo.headers("admin"),
    )
    assert brand.status_code == 201, brand.text
    return Scene(client=client, engine=engine, upload_dir=settings.upload_dir, demo=demo, acme=acme)


DEMO_POLICY = {
    "respond_minutes": 11,
    "appointment_minutes": 22,
    "arrive_urban_minutes": 33,
    "arrive_suburban_minutes": 44,
    "complete_minutes": 55,
    "at_risk_share": 0.5,
    "quiet_start": "23:00",
    "quiet_end": "07:00",
    "overrides": [],
}


# --- what nothing-changed means: every row of every table, and the upload folder ---------------------


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def uploads(folder: Path) -> set[Path]:
    return set(folder.rglob("*")) if folder.exists() else set()


class Watch:
    """Compares the database and the upload folder with how they were before each request."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.rows = snapshot(scene.engine)
        self.files = uploads(scene.upload_dir)

    def changes(self) -> list[str]:
        rows, files = snapshot(self.scene.engine), uploads(self.scene.upload_dir)
        changed = [f"table {name} changed" for name in rows if rows[name] != self.rows.get(name)]
        if files != self.files:
            changed.append(f"files written: {sorted(str(p) for p in files - self.files)}")
        self.rows, self.files = rows, files
        return changed


# --- the recipes: how to name another tenant's object on each route ---------------------------------


@dataclass(frozen=True)
class Target:
    victim: Side  # whose objects the path names
    viewer: Side  # the caller's tenant: a body names the caller's own objects, so only the path is foreign


@dataclass(frozen=True)
class Case:
    params: dict[str, int]
    json: Any = None
    files: dict | None = None
    control: bool = True  # the victim's own admin reaches it (checked for GET routes)


@dataclass(frozen=True)
class Recipe:
    cases: Callable[[Target], list[Case]]
    roles: tuple[str, ...] = ROLES  # the caller's roles that pass the route's role gate


def _roles(action: Action) -> tuple[str, ...]:
    """The caller's roles that pass a route guarded by ``action`` (the permission table)."""
    return tuple(role for role in ROLES if role in PERMISSIONS[action])


def _appliance(t: Target) -> list[Case]:
    return [Case({"appliance_id": t.victim.world.appliance_id})]


def _customer(t: Target, json: Any = None) -> list[Case]:
    return [Case({"customer_id": t.victim.world.customer_id}, json=json)]


def _order(t: Target) -> list[Case]:
    return [Case({"order_id": t.victim.read_order})]


PLANNERS = ("admin", "dispatcher", "outlet_manager")
RETURN_SHIPMENT = {"courier_company": "顺丰", "courier_no": "SF0001", "postage_paid_by": "brand"}


def _part_line(t: Target, json: Any) -> list[Case]:
    line = t.victim.parts.line_id
    return [
        Case({"order_id": t.victim.read_order, "line_id": line}, json=json),
        # the caller's own order with the other tenant's line
        Case({"order_id": t.viewer.read_order, "line_id": line}, json=json, control=False),
    ]


BOOKERS = ("admin", "agent", "dispatcher", "customer")


def _plan(t: Target, json: Any = None) -> list[Case]:
    return [Case({"plan_id": t.victim.plan_id}, json=json)]


def _accepted(t: Target, json: Any = None) -> list[Case]:
    return [Case({"order_id": t.victim.orders[Status.ACCEPTED]}, json=json)]


def _new_appliance(t: Target) -> dict:
    return {
        "product_model_id": t.viewer.model_id,
        "serial_number": "SNISO0001",
        "purchase_date": "2025-01-01",
        "purchase_channel": "jd",
    }


def _photo(t: Target) -> list[Case]:
    return [
        Case({"order_id": t.victim.read_order, "photo_id": t.victim.photo_id}),
        # the caller's own order with the other tenant's photo id
        Case({"order_id": t.viewer.read_order, "photo_id": t.victim.photo_id}, control=False),
    ]


WO = "/api/v1/work-orders/{order_id}"
DESK = ("agent", "quality", "admin")
COMPLAINERS = ("customer", "agent", "quality", "admin")
PHONE_ANSWER = {
    "via": "phone",
    "attitude": 5,
    "skill": 5,
    "punctuality": 5,
    "promises": 5,
    "overall": 5,
    "nps": 9,
}


def _completed(t: Target, json: Any = None) -> list[Case]:
    return [Case({"order_id": t.victim.orders[Status.COMPLETED]}, json=json)]


PRICES = "/api/v1/price-book/versions/{version_id}"
PRICE_ADMINS = _roles(Action.PRICE_BOOK_MANAGE)
PRICE_ITEM = {"code": "ISO-2", "kind": "visit", "name": "隔离测试", "unit": "time", "price_fen": 5000}


def _price_version(t: Target, json: Any = None) -> list[Case]:
    return [Case({"version_id": t.victim.price_version_id}, json=json)]


def _price_item(t: Target, json: Any = None) -> list[Case]:
    victim = {"version_id": t.victim.price_version_id, "price_item_id": t.victim.price_item_id}
    own_version = {"version_id": t.viewer.price_version_id, "price_item_id": t.victim.price_item_id}
    return [Case(victim, json=json), Case(own_version, json=json, control=False)]


def _review(t: Target, json: Any = None) -> list[Case]:
    return [Case({"review_id": t.victim.settlement.review_id}, json=json)]


def _statement(t: Target, json: Any = None) -> list[Case]:
    return [Case({"statement_id": t.victim.settlement.statement_id}, json=json)]


def _payment(t: Target) -> list[Case]:
    victim = {"order_id": t.victim.read_order, "payment_id": t.victim.payments.payment_id}
    own_order = {"order_id": t.viewer.read_order, "payment_id": t.victim.payments.payment_id}
    return [Case(victim), Case(own_order, control=False)]


def _service_plan(t: Target, json: Any = None) -> list[Case]:
    return [Case({"service_plan_id": t.victim.contracts.plan_id}, json=json)]


def _contract(t: Target, json: Any = None) -> list[Case]:
    return [Case({"contract_id": t.victim.contracts.contract_id}, json=json)]


def _complaint(t: Target, action: str | None = None) -> list[Case]:
    params = {"complaint_id": t.victim.complaint_id} | ({"action": action} if action else {})
    return [Case(params)]


ROUTES: dict[tuple[str, str], Recipe] = {
    # the appointment step (work_order/appointment.py): a window in the next days, on an order it may book
    ("POST", "/api/v1/work-orders/{order_id}/appointment"): Recipe(
        lambda t: [
            Case(
                {"order_id": t.victim.orders[state_for("appoint")]},
                json={
                    "start_at": f"{local_today() + timedelta(days=2)}T09:00:00+08:00",
                    "end_at": f"{local_today() + timedelta(days=2)}T11:00:00+08:00",
                },
            )
        ],
        roles=_roles(Action.ORDERS_APPOINTMENT),
    ),
    # contracts: the other tenant's plan and contract (tests/contract/scene.py)
    ("GET", "/api/v1/service-plans/{service_plan_id}"): Recipe(_service_plan),
    ("PUT", "/api/v1/service-plans/{service_plan_id}"): Recipe(
        lambda t: _service_plan(t, contract_scene.PLAN_UPDATE), roles=_roles(Action.SERVICE_PLANS_MANAGE)
    ),
    ("POST", "/api/v1/service-plans/{service_plan_id}/retire"): Recipe(
        _service_plan, roles=_roles(Action.SERVICE_PLANS_MANAGE)
    ),
    ("POST", "/api/v1/service-plans/{service_plan_id}/reinstate"): Recipe(
        _service_plan, roles=_roles(Action.SERVICE_PLANS_MANAGE)
    ),
    ("GET", "/api/v1/contracts/{contract_id}"): Recipe(_contract, roles=_roles(Action.CONTRACTS_READ)),
    ("POST", "/api/v1/contracts/{contract_id}/renew"): Recipe(
        lambda t: _contract(t, {}), roles=_roles(Action.CONTRACTS_SELL)
    ),
    ("POST", "/api/v1/contracts/{contract_id}/cancel"): Recipe(
        lambda t: _contract(t, {"reason": "隔离测试"}), roles=_roles(Action.CONTRACTS_CANCEL)
    ),
    ("GET", "/api/v1/appliances/{appliance_id}"): Recipe(_appliance),
    ("GET", "/api/v1/appliances/{appliance_id}/warranty"): Recipe(_appliance),
    ("GET", "/api/v1/appliances/{appliance_id}/health"): Recipe(
        _appliance, roles=_roles(Action.APPLIANCE_HEALTH)
    ),
    ("GET", "/api/v1/catalog/models/{model_id}"): Recipe(lambda t: [Case({"model_id": t.victim.model_id})]),
    ("GET", "/api/v1/customers/{customer_id}"): Recipe(_customer),
    ("POST", "/api/v1/customers/{customer_id}/addresses"): Recipe(lambda t: _customer(t, NEW_ADDRESS)),
    ("GET", "/api/v1/customers/{customer_id}/appliances"): Recipe(_customer),
    ("POST", "/api/v1/customers/{customer_id}/appliances"): Recipe(lambda t: _customer(t, _new_appliance(t))),
    ("GET", "/api/v1/technicians/{technician_id}"): Recipe(
        lambda t: [Case({"technician_id": t.victim.world.technician_id})], roles=STAFF
    ),
    ("GET", WO): Recipe(_order),
    ("GET", f"{WO}/events"): Recipe(_order),
    ("GET", f"{WO}/sla"): Recipe(_order),
    # another tenant's order's relay number: 404, nothing bound (no telephony provider is configured here,
    # so the victim's own admin meets 409 no_telephony_provider: no control request; with the demo
    # provider, tests/telephony/test_relay.py asks the same as every role of the other tenant)
    ("GET", f"{WO}/relay"): Recipe(lambda t: [Case({"order_id": t.victim.read_order}, control=False)]),
    ("GET", f"{WO}/quote"): Recipe(_order),
    ("GET", f"{WO}/quotes"): Recipe(_order),
    ("GET", f"{WO}/photos"): Recipe(_order),
    ("POST", f"{WO}/photos"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, files={"file": ("x.png", PNG, "image/png")})]
    ),
    ("GET", f"{WO}/photos/{{photo_id}}"): Recipe(_photo),
    # dispatch
    ("GET", f"{WO}/candidates"): Recipe(_accepted, roles=("admin", "agent", "dispatcher", "outlet_manager")),
    ("GET", f"{WO}/dispatch-attempts"): Recipe(_order, roles=STAFF),
    ("POST", f"{WO}/claim"): Recipe(_accepted),
    ("POST", f"{WO}/send-to-outlet"): Recipe(
        lambda t: _accepted(t, {"outlet_id": t.viewer.world.outlet_id}), roles=("admin", "dispatcher")
    ),
    ("POST", f"{WO}/transfer-outlet"): Recipe(
        lambda t: _accepted(t, {"outlet_id": t.viewer.world.outlet_id}),
        roles=("admin", "dispatcher", "outlet_manager"),
    ),
    ("POST", f"{WO}/request-return"): Recipe(
        lambda t: _accepted(t, {"reason": "隔离测试"}), roles=("admin", "dispatcher", "outlet_manager")
    ),
    ("POST", f"{WO}/decide-return"): Recipe(
        lambda t: _accepted(t, {"accept": True}), roles=("admin", "dispatcher")
    ),
    ("GET", f"{WO}/slots"): Recipe(_accepted, roles=BOOKERS),
    ("POST", f"{WO}/book-slot"): Recipe(
        lambda t: _accepted(t, {"start": f"{FAR_DAY}T10:00:00+08:00"}), roles=BOOKERS
    ),
    ("GET", f"{WO}/eta"): Recipe(_order),
    # the technician's photo: the other tenant's technician, and through the other tenant's order
    ("PUT", "/api/v1/technicians/{technician_id}/photo"): Recipe(
        lambda t: [
            Case({"technician_id": t.victim.world.technician_id}, files={"file": ("x.png", PNG, "image/png")})
        ],
        roles=_roles(Action.TECHNICIAN_PHOTO_SET),
    ),
    ("GET", "/api/v1/technicians/{technician_id}/photo"): Recipe(
        lambda t: [Case({"technician_id": t.victim.world.technician_id})], roles=(*STAFF, "technician")
    ),
    ("GET", f"{WO}/technician-photo"): Recipe(_order),
    ("GET", "/api/v1/dispatch/plans/{plan_id}"): Recipe(_plan, roles=PLANNERS),
    ("POST", "/api/v1/dispatch/plans/{plan_id}/replan"): Recipe(
        lambda t: _plan(t, {"reason": "隔离测试"}), roles=PLANNERS
    ),
    # the service report
    ("GET", f"{WO}/report.pdf"): Recipe(_completed),
    # follow-up, tasks, complaints, scorecards
    ("GET", f"{WO}/survey"): Recipe(_completed, roles=STAFF),
    ("POST", f"{WO}/survey"): Recipe(lambda t: _completed(t, PHONE_ANSWER), roles=("agent", "quality")),
    ("POST", "/api/v1/tasks/{task_id}/take"): Recipe(
        lambda t: [Case({"task_id": t.victim.task_id})], roles=DESK
    ),
    ("POST", "/api/v1/tasks/{task_id}/done"): Recipe(
        lambda t: [Case({"task_id": t.victim.task_id}, json={"outcome": "隔离测试"})], roles=DESK
    ),
    ("GET", "/api/v1/complaints/{complaint_id}"): Recipe(_complaint, roles=COMPLAINERS),
    ("POST", "/api/v1/complaints/{complaint_id}/{action}"): Recipe(
        lambda t: _complaint(t, "investigate"), roles=COMPLAINERS
    ),
    ("GET", "/api/v1/technicians/{technician_id}/scorecard"): Recipe(
        lambda t: [Case({"technician_id": t.victim.world.technician_id})], roles=(*STAFF, "technician")
    ),
    ("POST", "/api/v1/technicians/{technician_id}/reinstate"): Recipe(
        lambda t: [Case({"technician_id": t.victim.world.technician_id}, json={"note": "隔离测试"})],
        roles=("quality", "admin"),
    ),
    ("POST", "/api/v1/technicians/me/penalties/{penalty_id}/appeal"): Recipe(
        lambda t: [Case({"penalty_id": t.victim.appeals.penalties["api"]}, json={"reason": "隔离测试"})],
        roles=_roles(Action.PENALTIES_APPEAL),
    ),
    ("POST", "/api/v1/penalty-appeals/{appeal_id}/decide"): Recipe(
        lambda t: [
            Case(
                {"appeal_id": t.victim.appeals.appeals["api"]},
                json={"decision": "overturned", "note": "隔离测试"},
            )
        ],
        roles=_roles(Action.PENALTY_APPEALS_DECIDE),
    ),
    # notifications
    ("POST", "/api/v1/inbox/{item_id}/read"): Recipe(lambda t: [Case({"item_id": t.victim.inbox_item_id})]),
    ("POST", "/api/v1/notifications/outbox/{message_id}/redeliver"): Recipe(
        lambda t: [Case({"message_id": t.victim.outbox_id})], roles=("admin",)
    ),
    ("DELETE", "/api/v1/notifications/webhooks/{endpoint_id}"): Recipe(
        lambda t: [Case({"endpoint_id": t.victim.webhook_id})], roles=("admin",)
    ),
    # personal data: the roles of the permission table. The export writes its audit row, so its own
    # tenant's control would change a table between the requests watched here: tests/privacy checks it.
    ("GET", "/api/v1/customers/{customer_id}/personal-data"): Recipe(
        lambda t: [Case({"customer_id": t.victim.world.customer_id}, control=False)],
        roles=_roles(Action.PERSONAL_DATA_EXPORT),
    ),
    ("POST", "/api/v1/customers/{customer_id}/erasure-request"): Recipe(
        lambda t: _customer(t, {"reason": "隔离测试"}), roles=_roles(Action.PERSONAL_DATA_REQUEST_ERASURE)
    ),
    ("POST", "/api/v1/customers/{customer_id}/erase"): Recipe(
        lambda t: _customer(t, {"reason": "隔离测试"}), roles=_roles(Action.PERSONAL_DATA_ERASE)
    ),
    # the price book's versions: the admin's; a version of one's own with another tenant's item too
    ("GET", PRICES): Recipe(_price_version, roles=PRICE_ADMINS),
    ("POST", f"{PRICES}/items"): Recipe(lambda t: _price_version(t, PRICE_ITEM), roles=PRICE_ADMINS),
    ("PUT", f"{PRICES}/items/{{price_item_id}}"): Recipe(
        lambda t: _price_item(t, PRICE_ITEM), roles=PRICE_ADMINS
    ),
    ("DELETE", f"{PRICES}/items/{{price_item_id}}"): Recipe(_price_item, roles=PRICE_ADMINS),
    ("POST", f"{PRICES}/publish"): Recipe(
        lambda t: _price_version(t, {"effective_from": local_today().isoformat()}), roles=PRICE_ADMINS
    ),
    ("DELETE", PRICES): Recipe(_price_version, roles=PRICE_ADMINS),
    # settlement: a closure review, a statement and a fee rule of the other tenant (tests/settlement/matrix.py)
    ("POST", f"{WO}/closure-review"): Recipe(_order, roles=_roles(Action.CLOSURE_SUBMIT)),
    ("GET", "/api/v1/closure-reviews/{review_id}"): Recipe(_review, roles=_roles(Action.CLOSURE_READ)),
    ("POST", "/api/v1/closure-reviews/{review_id}/approve"): Recipe(
        _review, roles=_roles(Action.CLOSURE_REVIEW)
    ),
    ("POST", "/api/v1/closure-reviews/{review_id}/reject"): Recipe(
        lambda t: _review(t, {"reason": "隔离"}), roles=_roles(Action.CLOSURE_REVIEW)
    ),
    ("PUT", "/api/v1/settlement-fee-rules/{rule_id}"): Recipe(
        lambda t: [
            Case({"rule_id": t.victim.settlement.rules["api"]}, json={"kind": "urgent", "amount_fen": 1})
        ],
        roles=_roles(Action.SETTLEMENT_MANAGE),
    ),
    ("DELETE", "/api/v1/settlement-fee-rules/{rule_id}"): Recipe(
        lambda t: [Case({"rule_id": t.victim.settlement.rules["api"]})],
        roles=_roles(Action.SETTLEMENT_MANAGE),
    ),
    # telemetry: the other tenant's ingest key cannot be revoked (tests/telemetry/matrix.py)
    ("DELETE", "/api/v1/telemetry/keys/{key_id}"): Recipe(
        lambda t: [Case({"key_id": t.victim.telemetry.key_id})], roles=_roles(Action.TELEMETRY_KEYS)
    ),
    ("DELETE", "/api/v1/telemetry/rules/{telemetry_rule_id}"): Recipe(
        lambda t: [Case({"telemetry_rule_id": t.victim.telemetry.rule_id})],
        roles=_roles(Action.TELEMETRY_RULES),
    ),
    ("POST", "/api/v1/alerts/{alert_id}/dismiss"): Recipe(
        lambda t: [Case({"alert_id": t.victim.telemetry.alert_id})], roles=_roles(Action.TELEMETRY_ALERTS)
    ),
    ("POST", "/api/v1/alerts/{alert_id}/convert"): Recipe(
        lambda t: [Case({"alert_id": t.victim.telemetry.alert_id})], roles=_roles(Action.TELEMETRY_ALERTS)
    ),
    # proactive service: another tenant's campaign, customer's profile and consent are not found; the
    # consent's own control writes an audit row (tests/telemetry/test_policy.py checks its own tenant)
    ("GET", "/api/v1/campaigns/{campaign_id}"): Recipe(
        lambda t: [Case({"campaign_id": t.victim.proactive.campaign_id})], roles=_roles(Action.CAMPAIGNS)
    ),
    ("GET", "/api/v1/customers/{customer_id}/profile"): Recipe(
        _customer, roles=_roles(Action.CUSTOMER_PROFILE)
    ),
    ("PUT", "/api/v1/customers/{customer_id}/consent"): Recipe(
        lambda t: [Case({"customer_id": t.victim.world.customer_id}, json={"granted": True}, control=False)],
        roles=_roles(Action.CUSTOMER_CONSENT),
    ),
    ("GET", "/api/v1/settlements/{statement_id}.xlsx"): Recipe(
        _statement, roles=_roles(Action.SETTLEMENT_READ)
    ),
    ("GET", "/api/v1/settlements/{statement_id}"): Recipe(_statement, roles=_roles(Action.SETTLEMENT_READ)),
    ("POST", "/api/v1/settlements/{statement_id}/confirm"): Recipe(
        _statement, roles=_roles(Action.SETTLEMENT_ANSWER)
    ),
    ("POST", "/api/v1/settlements/{statement_id}/dispute"): Recipe(
        lambda t: _statement(t, {"reason": "隔离"}), roles=_roles(Action.SETTLEMENT_ANSWER)
    ),
    ("POST", "/api/v1/settlements/{statement_id}/resolve"): Recipe(
        lambda t: _statement(t, {"resolution": "隔离"}), roles=_roles(Action.SETTLEMENT_MANAGE)
    ),
    # payments: the order another tenant's, or the payment or request another tenant's on the caller's own order
    ("GET", f"{WO}/payments"): Recipe(_order, roles=_roles(Action.PAYMENTS_READ)),
    ("POST", f"{WO}/payments"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, json={"method": "wechat"})],
        roles=_roles(Action.PAYMENTS_COLLECT),
    ),
    ("POST", f"{WO}/payments/{{payment_id}}/cancel"): Recipe(_payment, roles=_roles(Action.PAYMENTS_COLLECT)),
    ("GET", f"{WO}/payments/{{payment_id}}/qr.svg"): Recipe(_payment, roles=_roles(Action.PAYMENTS_READ)),
    ("POST", f"{WO}/discounts"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, json={"amount_fen": 100, "reason": "隔离"})],
        roles=_roles(Action.PAYMENTS_ADJUST),
    ),
    ("POST", f"{WO}/refunds"): Recipe(
        lambda t: [
            Case(
                {"order_id": t.victim.read_order},
                json={"amount_fen": 100, "reason": "隔离", "payment_id": t.viewer.payments.payment_id},
            )
        ],
        roles=_roles(Action.PAYMENTS_ADJUST),
    ),
    ("POST", f"{WO}/adjustments/{{adjustment_id}}/{{decision}}"): Recipe(
        lambda t: [
            Case(
                {"order_id": t.victim.read_order, "adjustment_id": t.victim.payments.adjustment_id}
                | {"decision": "approve"}
            ),
            Case(
                {"order_id": t.viewer.read_order, "adjustment_id": t.victim.payments.adjustment_id}
                | {"decision": "approve"},
                control=False,
            ),
        ],
        roles=_roles(Action.PAYMENTS_APPROVE),
    ),
    ("POST", f"{WO}/invoice"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, json={"title": "隔离", "email": "i@example.com"})],
        roles=_roles(Action.INVOICES_REQUEST),
    ),
    # parts: an order's parts (the order or the line another tenant's), transfers, old parts
    # the service assistant: another tenant's conversation, read, taken over or answered
    ("GET", "/api/v1/assistant/conversations/{conversation_id}"): Recipe(
        lambda t: [Case({"conversation_id": t.victim.assistant_conversation_id})],
        roles=_roles(Action.ASSISTANT_READ),
    ),
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/take"): Recipe(
        lambda t: [Case({"conversation_id": t.victim.assistant_conversation_id})],
        roles=_roles(Action.ASSISTANT_DESK),
    ),
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/replies"): Recipe(
        lambda t: [Case({"conversation_id": t.victim.assistant_conversation_id}, json={"text": "隔离"})],
        roles=_roles(Action.ASSISTANT_DESK),
    ),
    # the knowledge base: another tenant's entry, read or edited
    ("GET", "/api/v1/knowledge/{entry_id}"): Recipe(
        lambda t: [Case({"entry_id": t.victim.knowledge_entry_id})], roles=_roles(Action.KNOWLEDGE_READ)
    ),
    ("PATCH", "/api/v1/knowledge/{entry_id}"): Recipe(
        lambda t: [Case({"entry_id": t.victim.knowledge_entry_id}, json={"note": "隔离"})],
        roles=_roles(Action.KNOWLEDGE_MANAGE),
    ),
    ("GET", f"{WO}/parts"): Recipe(_order, roles=_roles(Action.PARTS_ORDER_READ)),
    ("POST", f"{WO}/parts"): Recipe(
        lambda t: [
            Case(
                {"order_id": t.victim.read_order},
                json={"part_id": t.viewer.parts.room.thermostat, "quantity": 1},
            )
        ],
        roles=_roles(Action.PARTS_USE),
    ),
    ("POST", f"{WO}/parts/{{line_id}}/fit"): Recipe(
        lambda t: _part_line(t, {"quantity": 1, "serial_numbers": ["ISO-1"]}), roles=_roles(Action.PARTS_USE)
    ),
    ("POST", f"{WO}/parts/{{line_id}}/release"): Recipe(
        lambda t: _part_line(t, {"reason": "隔离测试"}), roles=_roles(Action.PARTS_USE)
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/ship"): Recipe(
        lambda t: [Case({"transfer_id": t.victim.parts.transfers["ship"]}, json={"courier_no": "ISO-1"})],
        roles=_roles(Action.PARTS_TRANSFER),
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/receive"): Recipe(
        lambda t: [Case({"transfer_id": t.victim.parts.transfers["receive"]})],
        roles=_roles(Action.PARTS_TRANSFER),
    ),
    ("POST", "/api/v1/part-returns/{return_id}/ship"): Recipe(
        lambda t: [Case({"return_id": t.victim.parts.return_id}, json=RETURN_SHIPMENT)],
        roles=_roles(Action.PARTS_TRANSFER),
    ),
    ("POST", "/api/v1/part-returns/{return_id}/receive"): Recipe(
        lambda t: [Case({"return_id": t.victim.parts.return_id})], roles=_roles(Action.PARTS_STOCK_MANAGE)
    ),
    # trade-in: an order's trade-in; a link names the other order in its body, either of them foreign
    ("GET", f"{WO}/trade-in"): Recipe(_order, roles=_roles(Action.TRADE_IN_READ)),
    ("PUT", f"{WO}/trade-in"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, json={"condition": "fair", "age_years": 3})],
        roles=_roles(Action.TRADE_IN_ASSESS),
    ),
    ("POST", f"{WO}/trade-in/accept"): Recipe(_order, roles=_roles(Action.TRADE_IN_ACCEPT)),
    ("POST", f"{WO}/trade-in/link"): Recipe(
        lambda t: [
            Case({"order_id": t.victim.read_order}, json={"installation_order_id": t.viewer.read_order}),
            # the caller's own order, another tenant's installation order in the body
            Case(
                {"order_id": t.viewer.read_order},
                json={"installation_order_id": t.victim.read_order},
                control=False,
            ),
        ],
        roles=_roles(Action.TRADE_IN_LINK),
    ),
    ("POST", f"{WO}/trade-in/unlink"): Recipe(
        lambda t: [Case({"order_id": t.victim.read_order}, json={"reason": "隔离测试"})],
        roles=_roles(Action.TRADE_IN_LINK),
    ),
}

# Routes whose path parameter is a signed link rather than an id: the link itself is the credential
# (a customer answers a survey without signing in), so whoever holds it reads what it names. A link
# altered to name another survey or tenant is refused: tests/feedback/test_followup.py.
SIGNED_LINKS = {("GET", "/api/v1/surveys/{token}")}
# A payment gateway's notification names its payment by a reference and is believed only when signed
# (tests/pricing/test_payments_api.py: a forged or altered one is refused); no tenant in the request.
SIGNED_LINKS |= {("POST", "/api/v1/payment-notifications/{gateway}")}

# The body each action of the state table needs to succeed (besides a reason where the table asks one).
ACTION_BODIES: dict[str, Callable[[Target], dict]] = {
    "assign": lambda t: {"technician_id": t.viewer.world.technician_id},
    "appoint": lambda t: {"start_at": f"{FAR_DAY}T09:00:00+08:00", "end_at": f"{FAR_DAY}T11:00:00+08:00"},
    "quote": lambda t: {"lines": QUOTE_LINES},
    "carry-in": lambda t: {"receipt_no": "R-0001", "workshop": "西湖维修中心"},
}
ACTION_ROUTE = re.compile(r"^/api/v1/work-orders/\{order_id\}/(?P<action>[a-z-]+)$")


def _action_recipe(action: str) -> Recipe:
    """Each action is aimed at an order in a state it may start from: only the tenant stands in the way."""

    def cases(t: Target) -> list[Case]:
        body = ACTION_BODIES.get(action, lambda t: {})(t)
        if MOVES[action].requires_reason:
            body["reason"] = "隔离测试"
        return [Case({"order_id": t.victim.orders[state_for(action)]}, json=body or None)]

    return Recipe(cases)


def recipe_for(method: str, path: str) -> Recipe | None:
    if (method, path) in SIGNED_LINKS:
        return Recipe(lambda t: [], roles=())
    if (method, path) in ROUTES:
        return ROUTES[(method, path)]
    match = ACTION_ROUTE.match(path)
    if method == "POST" and match and match["action"] in MOVES:
        return _action_recipe(match["action"])
    return None


# Routes without a path parameter, and the test here that covers each.
LISTS, BODIES, OWN, PUBLIC = "list", "body", "own", "public"
UNPARAMETRISED: dict[tuple[str, str], str] = {
    ("POST", "/api/v1/auth/token"): PUBLIC,  # signs in as name@tenant: test_sign_in_names_the_tenant
    ("GET", "/api/v1/me"): OWN,
    ("POST", "/api/v1/auth/logout"): OWN,  # revokes the caller's own token: tests/auth/test_revocation.py
    ("GET", "/api/v1/catalog/categories"): LISTS,
    ("GET", "/api/v1/catalog/service-types"): PUBLIC,  # a fixed vocabulary, no tenant rows
    ("GET", "/api/v1/catalog/brands"): LISTS,
    ("POST", "/api/v1/catalog/brands"): OWN,
    ("GET", "/api/v1/catalog/models"): LISTS,
    ("POST", "/api/v1/catalog/models"): BODIES,
    ("GET", "/api/v1/customers"): LISTS,
    ("POST", "/api/v1/customers"): OWN,
    ("GET", "/api/v1/technicians"): LISTS,
    ("GET", "/api/v1/outlets"): LISTS,
    ("GET", "/api/v1/work-orders"): LISTS,
    ("POST", "/api/v1/work-orders"): BODIES,
    ("GET", "/api/v1/sla-policy"): OWN,
    ("PUT", "/api/v1/sla-policy"): OWN,
    ("POST", "/api/v1/technicians/me/location"): OWN,
    ("GET", "/api/v1/technicians/me/route"): OWN,
    ("POST", "/api/v1/dispatch/plans"): BODIES,
    ("GET", "/api/v1/dispatch/plans"): LISTS,
    ("GET", "/api/v1/dispatch/pool"): OWN,  # the tenant's own pool: test_another_tenants_pool_is_not_shown…
    ("GET", "/api/v1/dispatch/policies"): OWN,
    ("PUT", "/api/v1/dispatch/policies"): OWN,
    ("POST", "/api/v1/dispatch/sweep"): OWN,  # sweeps the caller's tenant only
    ("GET", "/api/v1/tasks"): LISTS,
    ("POST", "/api/v1/complaints"): BODIES,
    ("GET", "/api/v1/complaints"): LISTS,
    (
        "GET",
        "/api/v1/complaints/stats",
    ): OWN,  # the caller's tenant's month: tests/feedback/test_complaints.py
    (
        "GET",
        "/api/v1/scorecards",
    ): OWN,  # the caller's tenant's cards: tests/feedback/test_scorecard_figures.py
    # the caller's own penalties: tests/feedback/test_penalty_appeals.py (acme's technician sees none of demo's)
    ("GET", "/api/v1/technicians/me/penalties"): OWN,
    ("GET", "/api/v1/penalty-appeals"): LISTS,
    ("GET", "/api/v1/inbox"): OWN,  # the caller's own items: tests/notify/test_inbox.py
    ("GET", "/api/v1/notifications/outbox"): LISTS,
    ("GET", "/api/v1/notifications/webhooks"): LISTS,
    ("POST", "/api/v1/notifications/webhooks"): OWN,
    ("GET", "/api/v1/analytics/kpis"): OWN,  # the caller's tenant's figures: tests/analytics
    ("GET", "/api/v1/analytics/trend"): OWN,
    ("GET", "/api/v1/analytics/kpis.xlsx"): OWN,
    ("GET", "/api/v1/audit"): LISTS,
    # the tenant's own book in force; another tenant's brand is unknown: tests/pricing/test_api.py
    ("GET", "/api/v1/price-book"): OWN,
    ("GET", "/api/v1/pricing-policy"): OWN,
    ("PUT", "/api/v1/pricing-policy"): OWN,
    ("GET", "/api/v1/price-book/versions"): LISTS,
    ("POST", "/api/v1/price-book/versions"): OWN,  # drafts the caller's own book
    ("GET", "/api/v1/parts"): LISTS,
    ("GET", "/api/v1/knowledge"): LISTS,
    ("POST", "/api/v1/knowledge"): OWN,  # an entry of the caller's tenant; the body names no id
    ("POST", "/api/v1/triage"): BODIES,  # the appliance named: another tenant's is unknown
    # another tenant's conversation_id is 404: tests/knowledge/test_assistant.py
    ("POST", "/api/v1/assistant/messages"): OWN,
    ("GET", "/api/v1/assistant/conversations"): LISTS,
    ("GET", "/api/v1/service-plans"): LISTS,
    ("POST", "/api/v1/service-plans"): OWN,  # a plan of the caller's tenant; the body names nothing
    ("GET", "/api/v1/contracts"): LISTS,
    ("POST", "/api/v1/contracts"): BODIES,
    ("GET", "/api/v1/closure-reviews"): LISTS,
    ("GET", "/api/v1/settlement-fee-rules"): LISTS,
    ("POST", "/api/v1/settlement-fee-rules"): OWN,  # a rule of the caller's tenant; the body names nothing
    ("GET", "/api/v1/settlements"): LISTS,
    # the caller's tenant's statements; another tenant's outlet_id is 404: tests/settlement/test_statements.py
    ("POST", "/api/v1/settlements"): OWN,
    ("POST", "/api/v1/parts"): BODIES,
    ("GET", "/api/v1/warehouses"): LISTS,
    ("POST", "/api/v1/warehouses"): BODIES,
    ("GET", "/api/v1/stock"): LISTS,
    ("POST", "/api/v1/stock/receipts"): BODIES,
    ("POST", "/api/v1/stock/reorder-points"): BODIES,
    ("GET", "/api/v1/transfers"): LISTS,
    ("POST", "/api/v1/transfers"): BODIES,
    ("GET", "/api/v1/part-returns"): LISTS,
    # the caller's tenant's valuation table and quotes: tests/tradein/test_valuation.py
    ("GET", "/api/v1/trade-in/valuation"): OWN,
    ("GET", "/api/v1/trade-in/rates"): OWN,
    ("PUT", "/api/v1/trade-in/rates"): OWN,
    # the body's customer and appliances are looked up by the work-order intake in the caller's tenant
    # (another's are 404): tests/tradein/test_booking.py
    ("POST", "/api/v1/trade-in/bookings"): OWN,
    # telemetry: keys are made and listed in the caller's tenant (test_another_tenants_key_cannot_be_revoked);
    # a batch reaches only the key's tenant's appliances, another's serial is unknown_device
    # (tests/telemetry/test_ingest.py test_a_key_reaches_only_its_tenants_devices)
    ("POST", "/api/v1/telemetry/keys"): OWN,
    ("GET", "/api/v1/telemetry/keys"): OWN,
    ("POST", "/api/v1/telemetry"): OWN,
    ("GET", "/api/v1/telemetry/metrics"): PUBLIC,  # the metric catalog: code, no tenant rows
    # rules and alerts of the caller's tenant only: tests/telemetry/test_rules.py (the other tenant's
    # rule is 404 to deactivate and absent from the list)
    ("GET", "/api/v1/telemetry/rules"): OWN,
    ("POST", "/api/v1/telemetry/rules"): OWN,
    ("GET", "/api/v1/alerts"): OWN,
    # the caller's tenant's alert policy and campaigns: tests/telemetry/test_policy.py, test_campaigns.py
    ("GET", "/api/v1/alert-policy"): OWN,
    ("PUT", "/api/v1/alert-policy"): OWN,
    ("POST", "/api/v1/campaigns"): OWN,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
}

PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def api_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every API route, those of included routers too."""
    try:  # FastAPI >= 0.165 keeps an included router as one entry of app.routes
        from fastapi.routing import iter_route_contexts
    except ImportError:  # earlier versions copy the included routes into app.routes
        contexts = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    keys = []
    for context in contexts:
        route = getattr(context, "original_route", context)
        if not getattr(route, "include_in_schema", True):
            continue  # the HTML pages: their isolation is tests/web/test_page_isolation.py
        if isinstance(route, APIRoute):
            keys += [(method, context.path) for method in sorted(context.methods - {"HEAD", "OPTIONS"})]
    return keys


def parametrised(app) -> list[tuple[str, str, Recipe | None]]:
    return [(m, p, recipe_for(m, p)) for m, p in api_routes(app) if PATH_PARAM.search(p)]


def test_every_route_of_the_api_is_covered(app):
    routes = api_routes(app)
    assert len(routes) > 30, routes  # the enumeration itself works
    missing = []
    for method, path in routes:
        if PATH_PARAM.search(path):
            if recipe_for(method, path) is None:
                missing.append(f"{method} {path}: add a recipe to ROUTES in tests/test_tenant_isolation.py")
        elif (method, path) not in UNPARAMETRISED:
            missing.append(f"{method} {path}: add it to UNPARAMETRISED with the test that covers it")
    known = set(routes)
    stale = [f"{m} {p}: no such route any more" for m, p in [*ROUTES, *UNPARAMETRISED] if (m, p) not in known]
    assert not missing + stale, "\n".join(missing + stale)
    listed = {key for key, kind in UNPARAMETRISED.items() if kind == LISTS}
    assert listed == set(LIST_QUERIES), "every list route needs its queries in LIST_QUERIES"
    bodies = {key for key, kind in UNPARAMETRISED.items() if kind == BODIES}
    assert bodies <= {(ref.method, ref.path) for ref in BODY_REFERENCES}


# --- a foreign id in the path ---------------------------------------------------------------------


def request(scene: Scene, method: str, path: str, case: Case, headers: dict) -> Any:
    return scene.client.request(
        method, path.format(**case.params), json=case.json, files=case.files, headers=headers
    )


def hidden(scene: Scene, watch: Watch, method: str, path: str, case: Case, who: str, headers: dict) -> str:
    """'' when the request is answered 404 not_found and wrote nothing; otherwise what went wrong."""
    response = request(scene, method, path, case, headers)
    problems = []
    if response.status_code != 404:
        problems.append(f"answered {response.status_code}: {response.text[:160]}")
    else:
        error = response.json().get("error", {})
        if error.get("code") != "not_found" or not error.get("message"):
            problems.append(f"404 without the error shape: {response.text[:160]}")
    problems += watch.changes()
    label = f"{method} {path.format(**case.params)} as {who}"
    return f"{label}: {'; '.join(problems)}" if problems else ""


def counts(scene: Scene, order_id: int) -> tuple[int, int]:
    with scene.engine.connect() as connection:
        version = connection.scalar(select(WorkOrder.version).where(WorkOrder.id == order_id))
        events = len(
            connection.execute(
                select(WorkOrderEvent.id).where(WorkOrderEvent.work_order_id == order_id)
            ).all()
        )
    return version, events


def test_no_route_reaches_an_object_of_another_tenant(app, client, world, sessionmaker_, engine, settings):
    scene = build_scene(client, sessionmaker_, engine, world, settings)
    target = Target(victim=scene.demo, viewer=scene.acme)
    demo_orders = {order_id: counts(scene, order_id) for order_id in scene.demo.orders.values()}
    watch = Watch(scene)
    failures, tried = [], 0
    for method, path, recipe in parametrised(app):
        if recipe is None:
            failures.append(f"{method} {path}: no recipe (see test_every_route_of_the_api_is_covered)")
            continue
        try:
            cases = recipe.cases(target)
        except LookupError as exc:
            failures.append(f"{method} {path}: cannot build a request: {exc}")
            continue
        for case in cases:
            if method == "GET" and case.control:  # the recipe names a real object: its own tenant sees it
                own = request(scene, method, path, case, world.demo.headers("admin"))
                if own.status_code != 200:
                    failures.append(f"{method} {path}: demo's admin gets {own.status_code}, recipe is broken")
            for role in recipe.roles:
                tried += 1
                failures.append(
                    hidden(scene, watch, method, path, case, f"acme/{role}", world.acme.headers(role))
                )
    failures = [f for f in failures if f]
    assert tried > 150
    assert not failures, "\n".join(failures)
    # and, said plainly: no demo order moved and none gained an event
    assert {order_id: counts(scene, order_id) for order_id in demo_orders} == demo_orders


WITHIN_TENANT = {
    # path parameter: who, in the same tenant, must not see customer01's object behind it
    "order_id": ("other_customer", "other_technician"),
    "customer_id": ("other_customer", "other_technician", "technician"),
    "appliance_id": ("other_customer",),
}


def test_within_a_tenant_customers_and_technicians_see_only_their_own(
    app, client, world, sessionmaker_, engine, settings
):
    """customer02 cannot reach customer01's orders, appliances or record; tech02 cannot reach orders
    assigned to tech01 (nor unassigned ones); a technician reaches no customer record."""
    scene = build_scene(client, sessionmaker_, engine, world, settings)
    demo = world.demo
    target = Target(victim=scene.demo, viewer=scene.demo)
    watch = Watch(scene)
    failures, tried = [], 0
    for method, path, recipe in parametrised(app):
        if recipe is None:
            continue
        # who may name the object, among those whose role passes the route's role gate (a refused role
        # learns nothing about the id either way)
        viewers = sorted(
            who
            for name in PATH_PARAM.findall(path)
            for who in WITHIN_TENANT.get(name, ())
            if demo.users[who].role in recipe.roles
        )
        if not viewers:
            continue
        for case in recipe.cases(target):
            for who in viewers:
                tried += 1
                failures.append(hidden(scene, watch, method, path, case, f"demo/{who}", demo.headers(who)))
    failures = [f for f in failures if f]
    assert tried > 50
    assert not failures, "\n".join(failures)

    # the rightful viewers do see them: the test above is about who, not about broken ids
    order = scene.demo.read_order
    for who in ("customer", "technician", "agent"):
        response = client.get(f"/api/v1/work-orders/{order}", headers=demo.headers(who))
        assert response.status_code == 200, (who, response.text)
    for url in (f"/api/v1/customers/{demo.customer_id}", f"/api/v1/appliances/{demo.appliance_id}"):
        assert client.get(url, headers=demo.headers("customer")).status_code == 200
    # and their lists leave the others' orders out
    mine = client.get("/api/v1/work-orders", headers=demo.headers("customer")).json()
    assert {o["id"] for o in mine["items"]} == set(scene.demo.orders.values())
    for who in ("other_customer", "other_technician"):
        listed = client.get("/api/v1/work-orders", headers=demo.headers(who)).json()
        assert listed["items"] == [] and listed["total"] == 0, (who, listed)
    assigned = client.get("/api/v1/work-orders", headers=demo.headers("technician")).json()
    with sessionmaker_() as session:
        expected = set(
            session.scalars(select(WorkOrder.id).where(WorkOrder.technician_id == demo.technician_id))
        )
    assert expected and {o["id"] for o in assigned["items"]} == expected


def test_a_customer_naming_another_customers_records_learns_no_more_than_from_a_missing_id(
    client, world, sessionmaker_
):
    """customer02 cannot see customer01's record or appliance (404 above); naming them in a request body
    must not tell them apart from ids that do not exist either, or ids can be probed one by one."""
    demo = world.demo
    with sessionmaker_() as session:
        address_id = session.scalar(select(Address.id).where(Address.customer_id == demo.customer_id))
    own = {"customer_id": demo.other_customer_id, "appliance_id": demo.other_appliance_id}
    probes = [  # (what, url, body naming customer01's id, the same body naming an id nobody has)
        ("customer_id", "/api/v1/work-orders", own | {"customer_id": demo.customer_id}),
        ("appliance_id", "/api/v1/work-orders", own | {"appliance_id": demo.appliance_id}),
        ("extra_appliance_ids", "/api/v1/work-orders", own | {"extra_appliance_ids": [demo.appliance_id]}),
        ("address_id", "/api/v1/work-orders", own | {"address_id": address_id}),
        (
            "address_id",
            f"/api/v1/customers/{demo.other_customer_id}/appliances",
            {"product_model_id": None, "serial_number": "SNPROBE01", "purchase_date": "2025-01-01"}
            | {"purchase_channel": "jd", "address_id": address_id},
        ),
    ]
    with sessionmaker_() as session:
        model_id = session.scalar(select(ProductModel.id).where(ProductModel.tenant_id == demo.tenant.id))
    failures = []
    for slot, url, body in probes:
        if "product_model_id" in body:
            body = {**body, "product_model_id": model_id}
        else:
            body = {"service_type": "repair", "channel": "app", "fault_description": "不制冷", **body}
        missing = {**body, slot: [NOWHERE] if slot == "extra_appliance_ids" else NOWHERE}
        theirs = client.post(url, json=body, headers=demo.headers("other_customer"))
        nobodys = client.post(url, json=missing, headers=demo.headers("other_customer"))
        if theirs.status_code < 400 or (theirs.status_code, theirs.json()) != (
            nobodys.status_code,
            nobodys.json(),
        ):
            failures.append(
                f"POST {url} with customer01's {slot} as customer02: {theirs.status_code} {theirs.text[:110]}"
                f" -- for an id nobody has: {nobodys.status_code} {nobodys.text[:110]}"
            )
    assert not failures, "\n".join(failures)


# --- lists ------------------------------------------------------------------------------------------

# For each list route: the table its rows come from, the roles that may call it, and queries that name
# demo's objects (as filters) or match demo's rows (both tenants have a customer with the same phone).
LIST_QUERIES: dict[tuple[str, str], tuple[type, tuple[str, ...], Callable[[Scene], list[dict]]]] = {
    ("GET", "/api/v1/assistant/conversations"): (
        AssistantConversation,
        _roles(Action.ASSISTANT_DESK),
        lambda s: [{}, {"page_size": 200}],
    ),
    ("GET", "/api/v1/knowledge"): (
        KnowledgeEntry,
        ROLES,
        lambda s: [{"page_size": 200}, {"category": "refrigerator"}, {"q": "E1"}],
    ),
    ("GET", "/api/v1/service-plans"): (ServicePlan, ROLES, lambda s: [{}, {"category": "refrigerator"}]),
    ("GET", "/api/v1/contracts"): (
        ServiceContract,
        ("admin", "agent"),
        lambda s: [
            {},
            {"appliance_id": s.demo.world.appliance_id},
            {"customer_id": s.demo.world.customer_id},
        ],
    ),
    ("GET", "/api/v1/work-orders"): (
        WorkOrder,
        ROLES,
        lambda s: [
            {},
            {"customer_id": s.demo.world.customer_id},
            {"technician_id": s.demo.world.technician_id},
            {"district": "西湖区", "status": ["created", "quoted"]},
        ],
    ),
    ("GET", "/api/v1/customers"): (
        Customer,
        STAFF,
        lambda s: [{}, {"q": "13800000001"}, {"q": "0001"}, {"q": "张三"}],
    ),
    ("GET", "/api/v1/technicians"): (
        Technician,
        STAFF,
        lambda s: [{}, {"outlet_id": s.demo.world.outlet_id}, {"skill": "refrigerator"}],
    ),
    ("GET", "/api/v1/catalog/brands"): (Brand, ROLES, lambda s: [{}]),
    ("GET", "/api/v1/catalog/models"): (
        ProductModel,
        ROLES,
        lambda s: [{}, {"brand_id": s.demo.brand_id}, {"category_id": s.demo.category_id}],
    ),
    ("GET", "/api/v1/catalog/categories"): (Category, ROLES, lambda s: [{}]),
    ("GET", "/api/v1/outlets"): (Outlet, STAFF, lambda s: [{}]),
    ("GET", "/api/v1/dispatch/plans"): (DispatchPlan, PLANNERS, lambda s: [{}, {"date": FAR_DAY}]),
    ("GET", "/api/v1/tasks"): (ServiceTask, DESK, lambda s: [{}, {"kind": "follow_up_call"}]),
    ("GET", "/api/v1/complaints"): (Complaint, COMPLAINERS, lambda s: [{}, {"status": "registered"}]),
    ("GET", "/api/v1/penalty-appeals"): (
        PenaltyAppeal,
        _roles(Action.PENALTY_APPEALS_DECIDE),
        lambda s: [{}, {"status": "open"}],
    ),
    ("GET", "/api/v1/notifications/outbox"): (OutboxMessage, ("admin",), lambda s: [{}, {"status": "sent"}]),
    ("GET", "/api/v1/notifications/webhooks"): (WebhookEndpoint, ("admin",), lambda s: [{}]),
    ("GET", "/api/v1/price-book/versions"): (PriceBookVersion, PRICE_ADMINS, lambda s: [{}]),
    ("GET", "/api/v1/closure-reviews"): (
        ClosureReview,
        _roles(Action.CLOSURE_READ),
        lambda s: [{}, {"status": "pending"}, {"outlet_id": s.demo.world.outlet_id}],
    ),
    ("GET", "/api/v1/settlement-fee-rules"): (FeeRule, _roles(Action.SETTLEMENT_MANAGE), lambda s: [{}]),
    ("GET", "/api/v1/settlements"): (
        Statement,
        _roles(Action.SETTLEMENT_READ),
        lambda s: [{}, {"outlet_id": s.demo.world.outlet_id}, {"month": settlement_matrix.last_month()}],
    ),
    # both tenants' admins registered a webhook and demo's set its SLA policy (build_scene): audited
    ("GET", "/api/v1/audit"): (
        AuditEvent,
        _roles(Action.AUDIT_READ),
        lambda s: [{}, {"action": "webhook.create"}, {"object_type": "sla_policy"}, {"action": "customer."}],
    ),
    # parts: demo's part, model and warehouse ids as filters find nothing of acme's and nothing of demo's
    ("GET", "/api/v1/parts"): (
        Part,
        _roles(Action.PARTS_READ),
        lambda s: [{}, {"product_model_id": s.demo.model_id}, {"q": "温控器"}],
    ),
    ("GET", "/api/v1/warehouses"): (
        Warehouse,
        _roles(Action.PARTS_STOCK_READ),
        lambda s: [{}, {"level": "van"}],
    ),
    ("GET", "/api/v1/stock"): (
        PartStock,
        _roles(Action.PARTS_STOCK_READ),
        lambda s: [
            {},
            {"part_id": s.demo.parts.room.thermostat},
            {"warehouse_id": s.demo.parts.room.van},
            {"condition": "defective"},
        ],
    ),
    ("GET", "/api/v1/transfers"): (
        PartTransfer,
        _roles(Action.PARTS_STOCK_READ),
        lambda s: [{}, {"warehouse_id": s.demo.parts.room.van}, {"work_order_id": s.demo.read_order}],
    ),
    ("GET", "/api/v1/part-returns"): (
        PartReturn,
        _roles(Action.PARTS_STOCK_READ),
        lambda s: [{}, {"work_order_id": s.demo.orders[Status.IN_PROGRESS]}, {"status": "held"}],
    ),
}


def test_lists_never_show_another_tenants_rows(client, world, sessionmaker_, engine, settings):
    scene = build_scene(client, sessionmaker_, engine, world, settings)
    failures = []
    for (method, path), (model, roles, queries) in LIST_QUERIES.items():
        with sessionmaker_() as session:
            ids = {
                slug: set(session.scalars(select(model.id).where(model.tenant_id == side.world.tenant.id)))
                for slug, side in (("demo", scene.demo), ("acme", scene.acme))
            }
        assert ids["demo"] and ids["acme"], (path, ids)  # both tenants have rows: the test can fail
        for params in queries(scene):
            for role in roles:
                response = client.request(method, path, params=params, headers=world.acme.headers(role))
                label = f"{method} {path} {params} as acme/{role}"
                if response.status_code != 200:
                    failures.append(f"{label}: answered {response.status_code}: {response.text[:160]}")
                    continue
                body = response.json()
                items = body["items"] if isinstance(body, dict) else body
                got = {item["id"] for item in items}
                if got & ids["demo"] or not got <= ids["acme"]:
                    failures.append(f"{label}: lists demo's rows {sorted(got & ids['demo'])}")
                if isinstance(body, dict) and body["total"] != len(got):  # a total counting demo's rows
                    failures.append(f"{label}: total {body['total']} for {len(got)} rows")
                if role == "admin" and params == {} and got != ids["acme"]:
                    failures.append(f"{label}: {sorted(got)} is not all of acme's {sorted(ids['acme'])}")
    assert not failures, "\n".join(failures)


# --- ids of another tenant in a request body --------------------------------------------------------


@dataclass(frozen=True)
class BodyReference:
    """A request by acme whose body names an id at ``slot``: demo's (``foreign``) must be answered as an id
    that does not exist, and acme's own (``own``) is accepted, so the request is otherwise sound."""

    method: str
    path: str
    role: str
    params: Callable[[Scene], dict]
    body: Callable[[Scene, int], dict]
    slot: str
    foreign: Callable[[Scene], int]
    own: Callable[[Scene], int]


def _intake(s: Scene, **overrides) -> dict:
    return {**report_body(s.acme.world), "service_type": "installation", **overrides}


def _model(s: Scene, brand_id: int) -> dict:
    return {
        "brand_id": brand_id,
        "category_code": "refrigerator",
        "model_code": "ISO-1",
        "name": "隔离测试",
        "warranty_months": 12,
    }


def _appliance_body(s: Scene, serial: str, **overrides) -> dict:
    body = {
        "product_model_id": s.acme.model_id,
        "serial_number": serial,
        "purchase_date": "2025-01-01",
        "purchase_channel": "jd",
    }
    return {**body, **overrides}


def _nothing(s: Scene) -> dict:
    return {}


def _acme_customer(s: Scene) -> dict:
    return {"customer_id": s.acme.world.customer_id}


def _acme_room(s: Scene):
    return s.acme.parts.room


def _demo_room(s: Scene):
    return s.demo.parts.room


def _stock_body(s: Scene, **ids) -> dict:
    return {"warehouse_id": _acme_room(s).van, "part_id": _acme_room(s).thermostat, **ids}


def _transfer_body(s: Scene, **ids) -> dict:
    room = _acme_room(s)
    return {"from_warehouse_id": room.central, "to_warehouse_id": room.store, "part_id": room.thermostat} | {
        "quantity": 1,
        **ids,
    }


def _room_reference(path: str, slot: str, attr: str, body) -> BodyReference:
    """acme's request naming, at ``slot``, demo's ``attr`` of its stockroom (acme's own for the control)."""
    return BodyReference(
        "POST",
        path,
        "dispatcher",
        _nothing,
        lambda s, i: body(s, **{slot: i}),
        slot,
        foreign=lambda s: getattr(_demo_room(s), attr),
        own=lambda s: getattr(_acme_room(s), attr),
    )


def _warehouse_reference(slot: str, level: str, foreign, own) -> BodyReference:
    return BodyReference(
        "POST",
        "/api/v1/warehouses",
        "admin",
        _nothing,
        lambda s, i: {"code": f"ISO-{level}", "name": "隔离", "level": level, slot: i},
        slot,
        foreign=foreign,
        own=own,
    )


PARTS_BODY_REFERENCES = [
    BodyReference(
        "POST",
        "/api/v1/parts",
        "admin",
        _nothing,
        lambda s, i: {"code": "ISO-P1", "name": "隔离配件", "list_price_fen": 100, "product_model_ids": [i]},
        "product_model_ids",
        foreign=lambda s: s.demo.model_id,
        own=lambda s: s.acme.model_id,
    ),
    _warehouse_reference(
        "parent_id", "regional", lambda s: _demo_room(s).central, lambda s: _acme_room(s).central
    ),
    _warehouse_reference(
        "outlet_id", "outlet", lambda s: s.demo.world.outlet_id, lambda s: s.acme.world.outlet_id
    ),
    _warehouse_reference(
        "technician_id", "van", lambda s: s.demo.world.technician_id, lambda s: s.acme.world.technician_id
    ),
    _room_reference(
        "/api/v1/stock/receipts", "warehouse_id", "van", lambda s, **ids: _stock_body(s, quantity=1, **ids)
    ),
    _room_reference(
        "/api/v1/stock/receipts", "part_id", "thermostat", lambda s, **ids: _stock_body(s, quantity=1, **ids)
    ),
    _room_reference(
        "/api/v1/stock/reorder-points",
        "warehouse_id",
        "van",
        lambda s, **ids: _stock_body(s, reorder_point=1, **ids),
    ),
    _room_reference(
        "/api/v1/stock/reorder-points",
        "part_id",
        "thermostat",
        lambda s, **ids: _stock_body(s, reorder_point=1, **ids),
    ),
    _room_reference("/api/v1/transfers", "from_warehouse_id", "central", _transfer_body),
    _room_reference("/api/v1/transfers", "to_warehouse_id", "store", _transfer_body),
    _room_reference("/api/v1/transfers", "part_id", "thermostat", _transfer_body),
]

BODY_REFERENCES = [
    BodyReference(
        "POST",
        "/api/v1/work-orders",
        "agent",
        _nothing,
        lambda s, i: _intake(s, customer_id=i),
        "customer_id",
        foreign=lambda s: s.demo.world.customer_id,
        own=lambda s: s.acme.world.customer_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/triage",
        "agent",
        _nothing,
        lambda s, i: {"text": "不制冷", "appliance_id": i},
        "appliance_id",
        foreign=lambda s: s.demo.world.appliance_id,
        own=lambda s: s.acme.world.appliance_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/work-orders",
        "agent",
        _nothing,
        lambda s, i: _intake(s, appliance_id=i),
        "appliance_id",
        foreign=lambda s: s.demo.world.appliance_id,
        own=lambda s: s.acme.world.appliance_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/work-orders",
        "agent",
        _nothing,
        lambda s, i: _intake(s, service_type="maintenance", extra_appliance_ids=[i]),
        "extra_appliance_ids",
        foreign=lambda s: s.demo.world.appliance_id,
        own=lambda s: s.acme.appliances[0],
    ),
    BodyReference(
        "POST",
        "/api/v1/work-orders",
        "agent",
        _nothing,
        lambda s, i: _intake(s, service_type="cleaning", address_id=i),
        "address_id",
        foreign=lambda s: s.demo.address_id,
        own=lambda s: s.acme.address_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/catalog/models",
        "admin",
        _nothing,
        _model,
        "brand_id",
        foreign=lambda s: s.demo.brand_id,
        own=lambda s: s.acme.brand_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/customers/{customer_id}/appliances",
        "agent",
        _acme_customer,
        lambda s, i: _appliance_body(s, "SNISO0002", product_model_id=i),
        "product_model_id",
        foreign=lambda s: s.demo.model_id,
        own=lambda s: s.acme.model_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/customers/{customer_id}/appliances",
        "agent",
        _acme_customer,
        lambda s, i: _appliance_body(s, "SNISO0003", address_id=i),
        "address_id",
        foreign=lambda s: s.demo.address_id,
        own=lambda s: s.acme.address_id,
    ),
    BodyReference(
        "POST",
        WO + "/assign",
        "dispatcher",
        lambda s: {"order_id": s.acme.orders[Status.ACCEPTED]},
        lambda s, i: {"technician_id": i},
        "technician_id",
        foreign=lambda s: s.demo.world.technician_id,
        own=lambda s: s.acme.world.technician_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/complaints",
        "agent",
        _nothing,
        lambda s, i: {"category": "price", "description": "隔离测试", "work_order_id": i},
        "work_order_id",
        foreign=lambda s: s.demo.read_order,
        own=lambda s: s.acme.read_order,
    ),
    BodyReference(
        "POST",
        "/api/v1/complaints",
        "agent",
        _nothing,
        lambda s, i: {"category": "other", "description": "隔离测试", "customer_id": i},
        "customer_id",
        foreign=lambda s: s.demo.world.customer_id,
        own=lambda s: s.acme.world.customer_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/dispatch/plans",
        "dispatcher",
        _nothing,
        lambda s, outlet_id: {"date": FAR_DAY, "outlet_id": outlet_id, "seconds": 0.2},
        "outlet_id",
        foreign=lambda s: s.demo.world.outlet_id,
        own=lambda s: s.acme.world.outlet_id,
    ),
    *PARTS_BODY_REFERENCES,
    # selling: demo's appliance or plan in acme's request (acme's customer02 has no contract yet)
    BodyReference(
        "POST",
        "/api/v1/contracts",
        "agent",
        _nothing,
        lambda s, i: {"appliance_id": i, "plan_id": s.acme.contracts.plan_id},
        "appliance_id",
        foreign=lambda s: s.demo.world.other_appliance_id,
        own=lambda s: s.acme.world.other_appliance_id,
    ),
    BodyReference(
        "POST",
        "/api/v1/contracts",
        "agent",
        _nothing,
        lambda s, i: {"appliance_id": s.acme.world.other_appliance_id, "plan_id": i},
        "plan_id",
        foreign=lambda s: s.demo.contracts.ew_plan_id,
        own=lambda s: s.acme.contracts.ew_plan_id,
    ),
]


def test_an_id_of_another_tenant_in_a_body_is_as_unknown_as_a_missing_one(
    client, world, sessionmaker_, engine, settings
):
    scene = build_scene(client, sessionmaker_, engine, world, settings)
    watch = Watch(scene)
    failures = []
    for ref in BODY_REFERENCES:
        url = ref.path.format(**ref.params(scene))
        headers = world.acme.headers(ref.role)
        label = f"{ref.method} {url} with demo's {ref.slot} as acme/{ref.role}"
        foreign = client.request(ref.method, url, json=ref.body(scene, ref.foreign(scene)), headers=headers)
        changed = watch.changes()
        missing = client.request(ref.method, url, json=ref.body(scene, NOWHERE), headers=headers)
        changed += watch.changes()
        if foreign.status_code != 404 or foreign.json().get("error", {}).get("code") != "not_found":
            failures.append(f"{label}: answered {foreign.status_code}: {foreign.text[:160]}")
        elif foreign.json() != missing.json():
            failures.append(f"{label}: {foreign.text[:120]} differs from a missing id's {missing.text[:120]}")
        if changed:
            failures.append(f"{label}: {'; '.join(changed)}")
        own = client.request(ref.method, url, json=ref.body(scene, ref.own(scene)), headers=headers)
        if own.status_code >= 300:  # the control: with acme's own id the same request goes through
            failures.append(f"{label}: with acme's own id it answers {own.status_code}: {own.text[:160]}")
        watch.changes()
    assert not failures, "\n".join(failures)


# --- routes that act on the caller's own tenant -----------------------------------------------------


def tenant_ids(sessionmaker_, model, tenant_id: int) -> set[int]:
    with sessionmaker_() as session:
        return set(session.scalars(select(model.id).where(model.tenant_id == tenant_id)))


def test_the_callers_own_tenant_is_the_only_one_they_read_or_write(
    client, world, sessionmaker_, engine, settings
):
    scene = build_scene(client, sessionmaker_, engine, world, settings)
    demo, acme = world.demo, world.acme
    assert scene.demo.orders  # demo has rows the routes below could leak

    me = client.get("/api/v1/me", headers=acme.headers("agent")).json()
    assert (me["tenant"], me["tenant_id"]) == ("acme", acme.tenant.id)

    # demo's SLA policy is demo's: acme still reads the defaults, and acme's change leaves demo's alone
    policy = client.get("/api/v1/sla-policy", headers=acme.headers("dispatcher")).json()
    assert policy["respond_minutes"] != DEMO_POLICY["respond_minutes"], policy
    mine = {**DEMO_POLICY, "respond_minutes": 45, "complete_minutes": 1440}
    assert client.put("/api/v1/sla-policy", json=mine, headers=acme.headers("admin")).status_code == 200
    demo_policy = client.get("/api/v1/sla-policy", headers=demo.headers("admin")).json()
    assert {key: demo_policy[key] for key in DEMO_POLICY} == DEMO_POLICY
    assert client.get("/api/v1/sla-policy", headers=acme.headers("admin")).json()["respond_minutes"] == 45

    # a brand code demo already uses is free in acme, and demo's brand stays as it was
    brand = client.post(
        "/api/v1/catalog/brands",
        json={"code": "demoonly", "name_zh": "阿克米", "name_en": "Acme's own"},
        headers=acme.headers("admin"),
    )
    assert brand.status_code == 201, brand.text
    demo_brands = client.get("/api/v1/catalog/brands", headers=demo.headers("admin")).json()
    assert [b["name_en"] for b in demo_brands if b["code"] == "demoonly"] == ["Demo only"]

    # one customer per phone holds per tenant: a phone demo knows is acme's own customer or a new one
    known = client.post(
        "/api/v1/customers", json={"name": "张三", "phone": "13800000001"}, headers=acme.headers("agent")
    )
    assert known.status_code == 200 and known.json()["id"] == acme.customer_id, known.text
    only_demo = {"name": "王五", "phone": "13800000009"}
    assert client.post("/api/v1/customers", json=only_demo, headers=demo.headers("agent")).status_code == 201
    demo_customers = tenant_ids(sessionmaker_, Customer, demo.tenant.id)
    fresh = client.post("/api/v1/customers", json=only_demo, headers=acme.headers("agent"))
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["id"] not in demo_customers
    assert tenant_ids(sessionmaker_, Customer, demo.tenant.id) == demo_customers

    # an Idempotency-Key demo used means nothing in acme: acme's request makes acme's own order
    key = {"Idempotency-Key": "same-key-in-two-tenants"}
    first = client.post(
        "/api/v1/work-orders",
        json=_intake(scene, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id),
        headers=demo.headers("agent") | key,
    )
    assert first.status_code == 201, first.text
    second = client.post("/api/v1/work-orders", json=_intake(scene), headers=acme.headers("agent") | key)
    assert second.status_code == 201 and not second.json()["replayed"], second.text
    assert second.json()["id"] != first.json()["id"] and second.json()["customer_id"] == acme.customer_id

    # order numbers count per tenant: acme's do not continue demo's (nor reveal demo's volume)
    with sessionmaker_() as session:
        numbers = {
            side.world.tenant.slug: sorted(
                session.scalars(select(WorkOrder.number).where(WorkOrder.tenant_id == side.world.tenant.id))
            )
            for side in (scene.demo, scene.acme)
        }
    assert len(numbers["demo"]) > len(numbers["acme"]) >= 3
    assert [n[-6:] for n in numbers["acme"]] == [f"{i:06d}" for i in range(1, len(numbers["acme"]) + 1)]


def test_sign_in_names_the_tenant(client, world):
    """The same user name in two tenants: ``name@tenant`` picks the tenant, and the token stays in it."""
    for slug, side in (("demo", world.demo), ("acme", world.acme)):
        signed = client.post("/api/v1/auth/token", data={"username": f"agent@{slug}", "password": "demo1234"})
        assert signed.status_code == 200, signed.text
        token = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        me = client.get("/api/v1/me", headers=token).json()
        assert (me["tenant"], me["id"]) == (slug, side.users["agent"].id)
