"""The one small world the access matrix (``tests/test_access_matrix.py``) names in its requests: orders of
customer01 assigned to tech01 (so that every role of the tenant can see them), a complaint, tasks, a survey,
a plan, a photo, inbox items, a webhook, and fresh orders for the routes that change an order.

Everything is built through the domain's own actions in a few transactions (faster than over HTTP); the
plan is made over the API, as a dispatcher would."""

from __future__ import annotations

import base64
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.config import Settings
from anxin.dispatch.matching import assignment
from anxin.feedback.complaints import desk
from anxin.feedback.followup import surveys
from anxin.feedback.models import ServiceTask
from anxin.models import Address, ProductModel, Technician, WorkOrder
from anxin.notify import service as notify_service
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.pricing import editing, quotes
from anxin.technician import photo as technician_photo
from anxin.work_order import actions, photos
from anxin.work_order.states import MOVES, Status
from tests.conftest import TenantWorld
from tests.dates import far_day
from tests.helpers import HAPPY_PATH, intake, quote_lines

# A real 1×1 PNG: uploads are decoded in full.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
FAR_DAY = far_day()
ORDER_STATES = (
    [Status.CREATED] + [MOVES[action].target for _, action, _ in HAPPY_PATH] + [Status.PENDING_PARTS]
)


def steps_to(state: Status) -> list[tuple[str, str, dict | None]]:
    """The happy path's steps (role, action, body) from created to ``state`` (one detour: waiting for
    parts)."""
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


@dataclass
class Scene:
    """The ids a request can name, all of demo's tenant."""

    world: TenantWorld
    orders: dict[str, int] = field(default_factory=dict)  # read, done, answered, linked, pooled
    fresh: dict[Status, list[int]] = field(default_factory=dict)  # unused orders per state, taken once
    photo_id: int = 0
    plan_id: int = 0
    model_id: int = 0
    brand_id: int = 0
    appliance_id: int = 0  # the read order's appliance (tech01 serviced it)
    complaints: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)  # "<queue role>" and "<queue role>:survey"
    inbox: dict[str, int] = field(default_factory=dict)  # one item of each role's own
    webhook_id: int = 0
    outbox_id: int = 0
    survey_tokens: dict[str, str] = field(default_factory=dict)  # the survey links of done, answered, linked
    price_version_id: int = 0  # a draft of the price book with one item (``price_item_id``)
    price_item_id: int = 0

    def take_fresh(self, state: Status) -> int:
        return self.fresh[state].pop()


def _take(db, *, order: WorkOrder, actor: User, action: str, body: dict | None, world: TenantWorld) -> None:
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


def _orders(db, world: TenantWorld, users: dict[str, User], states: list[Status], serial: str) -> list[int]:
    """One order of customer01 per state in ``states``, each on an appliance of its own (intake allows one
    open order per appliance and service type)."""
    model_id = db.scalar(select(ProductModel.id).where(ProductModel.tenant_id == world.tenant.id))
    address_id = db.scalar(select(Address.id).where(Address.customer_id == world.customer_id))
    ids = []
    for index, state in enumerate(states):
        appliance = appliance_service.create(
            db,
            tenant_id=world.tenant.id,
            customer_id=world.customer_id,
            product_model_id=model_id,
            serial_number=f"SNMX{serial}{index:03d}",
            purchase_date=date(2025, 6, 1),
            purchase_channel="jd",
            install_date=None,
            address_id=address_id,
        )
        created = actions.create_order(
            db, actor=users["agent"], intake=intake(world, appliance_id=appliance.id)
        )
        assert created.created
        for role, action, body in steps_to(state):
            _take(db, order=created.order, actor=users[role], action=action, body=body, world=world)
        assert created.order.status == state
        ids.append(created.order.id)
    db.flush()
    return ids


def build(client: TestClient, sessionmaker_, world: TenantWorld, settings: Settings, fresh: Counter) -> Scene:
    """The scene, with ``fresh[state]`` unused orders in each state."""
    scene = Scene(world=world)
    tenant_id = world.tenant.id
    with sessionmaker_() as db:
        users = {role: db.get(User, user.id) for role, user in world.users.items()}
        # read: quoted, with a photo; done: completed, its survey left pending; answered and linked: completed,
        # their surveys for the routes that answer by phone and through the link; pooled: accepted, in the pool
        named = [Status.QUOTED, Status.COMPLETED, Status.COMPLETED, Status.COMPLETED, Status.ACCEPTED]
        read, done, answered, linked, pooled = _orders(db, world, users, named, "N")
        scene.orders = {"read": read, "done": done, "answered": answered, "linked": linked, "pooled": pooled}
        wanted = [state for state, count in sorted(fresh.items()) for _ in range(count)]
        for state, order_id in zip(wanted, _orders(db, world, users, wanted, "F"), strict=True):
            scene.fresh.setdefault(state, []).append(order_id)
        # an accepted order opened to the pool, as the pool mode leaves it
        open_to_pool = db.get(WorkOrder, pooled)
        open_to_pool.dispatch_mode, open_to_pool.pool_until = "pool", clock.now() + timedelta(hours=2)
        read_order = db.get(WorkOrder, read)
        scene.appliance_id = read_order.appliance_id
        model = db.scalars(select(ProductModel).where(ProductModel.tenant_id == tenant_id)).first()
        scene.model_id, scene.brand_id = model.id, model.brand_id
        scene.photo_id = photos.store(
            db,
            order=read_order,
            actor=users["technician"],
            data=PNG,
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
        ).id
        # tech01's photo, which staff, tech01 and the read order's customer may see
        technician_photo.keep(
            db,
            technician=db.get(Technician, world.technician_id),
            image=technician_photo.square(photos.read(PNG).image),
            content_type="image/png",
            upload_dir=settings.upload_dir,
            now=clock.now(),
        )
        # a complaint of customer01's for reading, and one for each surface that takes its moves
        for key in ("read", "api", "desk", "portal"):
            scene.complaints[key] = desk.create(
                db,
                actor=users["agent"],
                channel="hotline",
                category="attitude",
                description=f"矩阵测试：{key}",
                work_order_id=read,
            ).id
        # the portal's complaint waits for the customer's word on its resolution
        walk = (
            ("assign", {"owner_id": users["quality"].id}),
            ("investigate", {}),
            ("resolve", {"resolution": "已处理"}),
        )
        for action, fields in walk:
            complaint = desk.get_for(db, user=users["quality"], id=scene.complaints["portal"])
            desk.perform(db, complaint=complaint, action=action, actor=users["quality"], **fields)
        survey_of = {
            key: surveys.for_order(db, order=db.get(WorkOrder, scene.orders[key]))
            for key in ("done", "answered", "linked")
        }
        assert all(s is not None and s.status == "pending" for s in survey_of.values()), survey_of
        scene.survey_tokens = {key: surveys.make_token(survey) for key, survey in survey_of.items()}
        # a task in each desk's queue, and a follow-up call with its survey in each
        for queue in ("agent", "quality"):
            for kind, survey in (("callback", None), ("follow_up_call", survey_of["answered"])):
                task = ServiceTask(
                    tenant_id=tenant_id,
                    kind=kind,
                    role=queue,
                    title="矩阵测试",
                    dedupe_key=f"matrix:{queue}:{kind}",
                    work_order_id=answered,
                    survey_id=survey.id if survey else None,
                    detail={},
                )
                db.add(task)
                db.flush()
                scene.tasks[queue if survey is None else f"{queue}:survey"] = task.id
        # an inbox item of each user's own
        for role, user in users.items():
            item = InboxItem(
                tenant_id=tenant_id,
                recipient=f"user:{user.id}",
                event="matrix",
                title="矩阵",
                body="矩阵测试",
            )
            db.add(item)
            db.flush()
            scene.inbox[role] = item.id
        scene.webhook_id = notify_service.create_endpoint(
            db,
            tenant_id=tenant_id,
            url="http://127.0.0.1:9/hook",
            events=["sla.breached"],
            allowed_networks=settings.outbound_allowed_networks,
        ).id
        # a draft of the price book with one item. The API's routes on it come before the pages' (the app's
        # order) and the API's publish freezes it: the pages' changes then meet a published version (409),
        # and the API's removal of its item is refused, so every route finds the objects it names.
        book = editing.draft(db, tenant_id=tenant_id, actor=users["admin"])
        visit = editing.ItemFields(code="MATRIX", kind="visit", name="矩阵", unit="time", price_fen=5000)
        scene.price_version_id = book.id
        scene.price_item_id = editing.add_item(db, version=book, fields=visit, actor=users["admin"]).id
        dead = db.scalars(select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id).limit(1)).one()
        dead.status, scene.outbox_id = "dead", dead.id  # what an admin may put back in the queue
        db.commit()
    plan = client.post(
        "/api/v1/dispatch/plans",
        json={"date": FAR_DAY, "outlet_id": world.outlet_id, "seconds": 0.1},
        headers=world.headers("dispatcher"),
    )
    assert plan.status_code == 201, plan.text
    scene.plan_id = plan.json()["id"]
    return scene
