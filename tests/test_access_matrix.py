"""Who may do what: every route of the app (the JSON API and the pages) against every role, and anonymous.

The routes are read from the app itself (``app.routes``): every ``APIRoute``, those of the API (in the
OpenAPI schema) and the pages (left out of it). What is not an ``APIRoute`` is left out by this rule: the
``/static`` mount and FastAPI's own ``/openapi.json``, ``/docs``, ``/docs/oauth2-redirect`` and ``/redoc``
(``NOT_ROUTES``; anything else that is not an ``APIRoute`` fails the test). Each route needs a row in
``ROUTES``, except the API's work-order moves, whose rows are made from the state table; a route without
one, or a row without its route, fails ``test_every_route_is_in_the_matrix`` by name.

What each caller should get is derived, where the code names a single source of truth, from:

- the permission table: the action of the route's ``dependencies.allowed(...)`` or
  ``web.session.page_user(...)`` (read from its dependencies, as tests/auth/test_permissions.py does), or
  the action a route checks itself with ``permissions.may`` (``Row.checks``): its roles pass, the others
  get 403;
- the state tables: a work-order move (the API's ``POST /api/v1/work-orders/{order_id}/<move>``, the move
  a page takes: ``Row.move``) passes the roles of ``work_order.states.MOVES``, and a complaint move those
  of ``feedback.complaints.states.MOVES``; the others get 403 ``action_forbidden`` whatever the state;
- anonymous: 401 on the API, a redirect (303) to ``/login`` on a page, to ``/portal/login`` on a
  customer's page (``Action.PORTAL``).

A route guarded only by being signed in (``CurrentUser``) plus a rule of its service, or by nothing,
carries its row written out (``Row("…")``) with the rule in a comment; a written row where the tables
already decide is refused, so nothing is said twice.

The cells, in the column order ``anon cust agent disp tech outlet qual admin`` (anonymous, customer01,
agent, dispatcher, tech01, the outlet manager, quality, admin of one tenant): ``ok`` allowed (any answer
but 401, 403, 404, a 5xx or a redirect to a sign-in page: a 409 or 422 says the state or the body did not
admit it, not the role), ``401``, ``403``, ``404`` (the design hides the object from the role), ``login``
and ``plogin`` (a 303 to ``/login`` or ``/portal/login``).

Every request is made for real, with the caller's token or page session (a POST with its CSRF token), on
objects of the caller's tenant that the caller could reach (``tests/access_world.py``): orders of
customer01 assigned to tech01 of the outlet manager's outlet. Reads share them; each route that changes an
order gets a fresh one, in a state where its move may start (``fresh_state``), and the refused callers go
first, so that what an allowed caller did cannot change their answer (and the order must be unchanged
after them). Another tenant's objects and another customer's or technician's within the tenant are
tests/test_tenant_isolation.py's and tests/web/test_page_isolation.py's.

``python -m tests.test_access_matrix`` prints the whole matrix, derived cells included."""

from __future__ import annotations

import base64
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.auth.permissions import PERMISSIONS, Action
from anxin.feedback.complaints.states import MOVES as COMPLAINT_MOVES
from anxin.web import i18n
from anxin.web.session import CSRF_COOKIE, SESSION_COOKIE
from anxin.web.tech_pages import SIMPLE
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import MOVES, Status
from tests import access_world
from tests.access_world import FAR_DAY, ORDER_STATES, PNG, Scene
from tests.conftest import CSRF_TOKEN, PASSWORD, TenantWorld, page_session
from tests.contract import scene as contract_scene
from tests.dates import days_ahead, local_today
from tests.feedback import appeal_scene
from tests.knowledge import assistant_scene
from tests.knowledge import scene as knowledge_scene
from tests.parts import stockroom as parts_stockroom
from tests.pricing import test_payments_api as payments_scene
from tests.settlement import matrix as settlement_scene
from tests.telemetry import matrix as telemetry_scene
from tests.telemetry import proactive_scene

WHO = ("anonymous", "customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin")
OK, LOGIN, PORTAL_LOGIN = "ok", "login", "plogin"
CELLS = {OK, LOGIN, PORTAL_LOGIN, "401", "403", "404"}
LOGINS = {"customer": "customer01", "technician": "tech01"}  # the others sign in as their role's name

SIGNED_IN = "401 ok ok ok ok ok ok ok"
PUBLIC = "ok ok ok ok ok ok ok ok"
# CurrentCustomer (customer/api.py): staff reach any customer of the tenant, a customer only themselves, a
# technician no customer record (hidden: 404)
CUSTOMER_RECORD = "401 ok ok ok 404 ok ok ok"

PHONE_ANSWER = {
    "via": "phone",
    "attitude": 5,
    "skill": 5,
    "punctuality": 5,
    "promises": 5,
    "overall": 5,
    "nps": 9,
}
SURVEY_FORM = {"attitude": "5", "skill": "5", "punctuality": "5", "promises": "5", "overall": "5", "nps": "9"}
COMPLAINT_BODY = {
    "note": "矩阵",
    "resolution": "已处理",
    "responsibility": "technician",
    "compensation_fen": 100,
}
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()
SLA_POLICY = {
    "respond_minutes": 30,
    "appointment_minutes": 120,
    "arrive_urban_minutes": 240,
    "arrive_suburban_minutes": 480,
    "complete_minutes": 1440,
    "at_risk_share": 0.8,
    "quiet_start": "22:00",
    "quiet_end": "08:00",
    "overrides": [],
}
# What each move of the state table needs in its body to be taken (a reason where the table asks one).
MOVE_BODIES: dict[str, Callable[[Scene, str], dict]] = {
    "assign": lambda s, who: {"technician_id": s.world.other_technician_id},
    "appoint": lambda s, who: {
        "start_at": f"{FAR_DAY}T09:00:00+08:00",
        "end_at": f"{FAR_DAY}T11:00:00+08:00",
    },
    "quote": lambda s, who: {"lines": [{"kind": "other", "description": "上门费", "amount_fen": 5000}]},
    "carry-in": lambda s, who: {"receipt_no": "R-0001", "workshop": "西湖维修中心"},
}
SLOT = f"{days_ahead(2)}T10:00:00+08:00"  # a window of the booking grid
PERIOD = {"from": str(local_today() - timedelta(days=29)), "to": str(local_today())}


@dataclass(frozen=True)
class Row:
    """A route's line of the matrix and what its requests carry. ``json``, ``form``, ``files`` and ``query``
    are a value or a function of (scene, who)."""

    expect: str | None = None  # written out, eight cells; None: derived from the tables
    checks: Action | None = None  # the action the route checks itself (permissions.may), not by a dependency
    move: str | None = (
        None  # the work-order move a page (or book-slot) takes; "{action}" names it by the path
    )
    complaint_move: str | None = None  # the complaint move, named by the path ("{action}")
    each: tuple[str, ...] = ()  # the values of the path's {action} or {decision}: one line each
    order: str | None = None  # read, done, answered, pooled or fresh; default read for GET, fresh otherwise
    state: Status | None = None  # a fresh order's state; default fresh_state(move)
    complaint: str = "read"  # which complaint: read, or the one each surface's moves act on
    task: str = ""  # "" a task of the caller's queue, ":survey" a follow-up call with its survey
    token: str = "done"  # whose survey's link: the done order's (stays pending), or linked (answered by it)
    session: str = "shared"  # "own": a token or page session of its own (the route ends it)
    json: Any = None
    form: Any = None
    files: Any = None
    query: Any = None


def _stock(scene: Scene) -> dict:
    return {"warehouse_id": scene.parts.room.van, "part_id": scene.parts.room.thermostat}


def _login(who: str) -> str:
    return f"{LOGINS.get(who, who if who != 'anonymous' else 'agent')}@demo"


def _serial(prefix: str) -> Callable[[Scene, str], dict]:
    return lambda s, who: {
        "product_model_id": s.model_id,
        "serial_number": f"{prefix}{WHO.index(who)}",
        "purchase_date": "2025-01-01",
        "purchase_channel": "jd",
    }


WO = "/api/v1/work-orders/{order_id}"
TECH = "/tech/orders/{order_id}"
PRICES_PATH = "/price-book/versions/{version_id}"
PRICES = f"/api/v1{PRICES_PATH}"
PRICE_ITEM = {"code": "MATRIX", "kind": "visit", "name": "矩阵上门费", "unit": "time", "price_fen": 5000}
PRICE_FORM = {"code": "MATRIX-PAGE", "kind": "visit", "name": "矩阵", "unit": "time", "price": "50"}
# a trade-in grid where every band and grade is worth ¥100 (the API's cells; the page's yuan fields)
TRADE_IN_BANDS, TRADE_IN_GRADES = ("0_2", "3_5", "6_8", "9_plus"), ("intact", "fair", "poor", "dead")
TRADE_IN_GRID = {
    "category": "refrigerator",
    "rates": [
        {"age_band": b, "condition": c, "value_fen": 10000} for b in TRADE_IN_BANDS for c in TRADE_IN_GRADES
    ],
}
TRADE_IN_FORM = {"category": "refrigerator", "floor": "0", "subsidy": "0"} | {
    f"v_{b}_{c}": "100" for b in TRADE_IN_BANDS for c in TRADE_IN_GRADES
}


def _effective_today(scene: Scene, who: str) -> dict:
    return {"effective_from": str(local_today())}  # read when the request is made


PORTAL = "/portal/orders/{order_id}"
COMPLAINT_ACTIONS = tuple(COMPLAINT_MOVES)

ROUTES: dict[tuple[str, str], Row] = {
    # --- the API ------------------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): Row(
        PUBLIC, form=lambda s, who: {"username": _login(who), "password": PASSWORD}
    ),  # signing in: anyone with a password
    ("POST", "/api/v1/auth/logout"): Row(SIGNED_IN, session="own"),  # revokes the caller's own token
    ("GET", "/api/v1/me"): Row(SIGNED_IN),  # the caller themselves
    ("GET", "/api/v1/catalog/categories"): Row(SIGNED_IN),  # the tenant's catalog: read by everyone signed in
    ("GET", "/api/v1/catalog/service-types"): Row(SIGNED_IN),
    ("GET", "/api/v1/catalog/brands"): Row(SIGNED_IN),
    ("POST", "/api/v1/catalog/brands"): Row(json={"code": "matrix", "name_zh": "矩阵", "name_en": "Matrix"}),
    ("GET", "/api/v1/catalog/models"): Row(SIGNED_IN),
    ("GET", "/api/v1/catalog/models/{model_id}"): Row(SIGNED_IN),
    ("POST", "/api/v1/catalog/models"): Row(
        json=lambda s, who: (
            {"brand_id": s.brand_id, "category_code": "refrigerator", "model_code": "MX-1"}
            | {"name": "矩阵", "warranty_months": 12}
        )
    ),
    ("GET", "/api/v1/customers"): Row(query={"q": "0001"}),
    ("POST", "/api/v1/customers"): Row(json={"name": "王五", "phone": "13800000009"}),
    ("GET", "/api/v1/customers/{customer_id}"): Row(CUSTOMER_RECORD),
    ("POST", "/api/v1/customers/{customer_id}/addresses"): Row(
        CUSTOMER_RECORD, json={"district": "西湖区", "detail": "文三路 2 号", "lat": 30.27, "lng": 120.12}
    ),
    ("GET", "/api/v1/customers/{customer_id}/appliances"): Row(CUSTOMER_RECORD),
    ("POST", "/api/v1/customers/{customer_id}/appliances"): Row(CUSTOMER_RECORD, json=_serial("SNMXA")),
    # current_appliance: a customer their own, a technician those of orders given to them (tech01 serviced
    # this one), staff the tenant's
    ("GET", "/api/v1/appliances/{appliance_id}"): Row(SIGNED_IN),
    ("GET", "/api/v1/appliances/{appliance_id}/warranty"): Row(SIGNED_IN),
    ("GET", "/api/v1/technicians"): Row(),
    ("POST", "/api/v1/technicians/me/location"): Row(json={"lat": 30.26, "lng": 120.13}),
    ("GET", "/api/v1/technicians/{technician_id}"): Row(),
    ("GET", "/api/v1/outlets"): Row(),
    ("POST", "/api/v1/work-orders"): Row(
        json=lambda s, who: (
            {"customer_id": s.world.customer_id, "appliance_id": s.world.appliance_id}
            | {"service_type": "installation", "channel": "app", "fault_description": "矩阵测试"}
        )
    ),
    ("GET", "/api/v1/work-orders"): Row(
        SIGNED_IN
    ),  # each caller's own orders (work_order.service.visible_to)
    # CurrentWorkOrder: the orders the caller may see (visible_to): staff the tenant's, the outlet manager
    # their outlet's, tech01 those assigned to them, customer01 their own; this one is all of those
    ("GET", WO): Row(SIGNED_IN),
    ("GET", f"{WO}/events"): Row(SIGNED_IN),
    ("GET", f"{WO}/sla"): Row(SIGNED_IN),
    ("GET", f"{WO}/quote"): Row(SIGNED_IN),
    ("GET", f"{WO}/quotes"): Row(SIGNED_IN),
    ("GET", f"{WO}/photos"): Row(SIGNED_IN),
    ("POST", f"{WO}/photos"): Row(SIGNED_IN, files=lambda s, who: {"file": ("x.png", PNG, "image/png")}),
    ("GET", f"{WO}/photos/{{photo_id}}"): Row(SIGNED_IN),
    ("GET", f"{WO}/report.pdf"): Row(SIGNED_IN, order="done"),
    ("GET", f"{WO}/eta"): Row(SIGNED_IN),
    # the order's relay number (隐私号): ORDERS_RELAY is everyone's; which orders is visible_to's (no
    # provider is configured here: 409 no_telephony_provider for those who may see the order)
    ("GET", f"{WO}/relay"): Row(),
    # the technician's photo (technician/photo_router.py): set by tech01 themself, their outlet's manager or
    # an admin; read by staff and tech01 themself (a technician reads no other's: 404); a customer reads it
    # through an order the technician is assigned to (CurrentWorkOrder)
    ("PUT", "/api/v1/technicians/{technician_id}/photo"): Row(
        files=lambda s, who: {"file": ("x.png", PNG, "image/png")}
    ),
    ("GET", "/api/v1/technicians/{technician_id}/photo"): Row("401 403 ok ok ok ok ok ok"),
    ("GET", f"{WO}/technician-photo"): Row(SIGNED_IN),
    ("GET", "/api/v1/sla-policy"): Row(),
    ("PUT", "/api/v1/sla-policy"): Row(json=SLA_POLICY),
    # dispatch
    ("GET", f"{WO}/candidates"): Row(),
    ("GET", f"{WO}/dispatch-attempts"): Row(),
    ("GET", "/api/v1/dispatch/policies"): Row(),
    ("PUT", "/api/v1/dispatch/policies"): Row(json=[]),
    ("GET", f"{WO}/slots"): Row(),
    ("POST", f"{WO}/book-slot"): Row(move="appoint", json={"start": SLOT}),
    ("POST", f"{WO}/appointment"): Row(  # the appointment step: guarded by ORDERS_APPOINTMENT and the move
        move="appoint",
        json={"start_at": f"{days_ahead(2)}T09:00:00+08:00", "end_at": f"{days_ahead(2)}T11:00:00+08:00"},
    ),
    ("POST", "/api/v1/dispatch/plans"): Row(  # another day: the scene's plan stays current
        json=lambda s, who: {"date": str(days_ahead(1001)), "outlet_id": s.world.outlet_id, "seconds": 0.1}
    ),
    ("GET", "/api/v1/dispatch/plans"): Row(),
    ("GET", "/api/v1/dispatch/plans/{plan_id}"): Row(),
    ("POST", "/api/v1/dispatch/plans/{plan_id}/replan"): Row(json={"reason": "matrix", "seconds": 0.1}),
    ("GET", "/api/v1/technicians/me/route"): Row(),
    ("GET", "/api/v1/dispatch/pool"): Row(),
    ("POST", f"{WO}/claim"): Row(checks=Action.TECHNICIAN_APP, order="pooled"),
    ("POST", f"{WO}/send-to-outlet"): Row(json=lambda s, who: {"outlet_id": s.world.outlet_id}),
    ("POST", f"{WO}/transfer-outlet"): Row(json=lambda s, who: {"outlet_id": s.world.outlet_id}),
    ("POST", f"{WO}/request-return"): Row(json={"reason": "矩阵"}),
    ("POST", f"{WO}/decide-return"): Row(json={"accept": False}),
    ("POST", "/api/v1/dispatch/sweep"): Row(),
    # follow-up, tasks, complaints, scorecards
    ("GET", f"{WO}/survey"): Row(order="done"),
    ("POST", f"{WO}/survey"): Row(checks=Action.SURVEYS_BY_PHONE, order="answered", json=PHONE_ANSWER),
    ("GET", "/api/v1/surveys/{token}"): Row(PUBLIC),  # the signed link is the credential
    ("GET", "/api/v1/tasks"): Row(),
    ("POST", "/api/v1/tasks/{task_id}/take"): Row(),
    ("POST", "/api/v1/tasks/{task_id}/done"): Row(json={"outcome": "矩阵"}),
    ("POST", "/api/v1/complaints"): Row(
        json=lambda s, who: {"category": "attitude", "description": "矩阵", "work_order_id": s.orders["read"]}
    ),
    ("GET", "/api/v1/complaints"): Row(),
    ("GET", "/api/v1/complaints/stats"): Row(query={"month": "2026-11"}),
    ("GET", "/api/v1/complaints/{complaint_id}"): Row(),
    ("POST", "/api/v1/complaints/{complaint_id}/{action}"): Row(
        complaint_move="{action}",
        each=COMPLAINT_ACTIONS,
        complaint="api",
        json=lambda s, who: COMPLAINT_BODY | {"owner_id": s.world.users["quality"].id},
    ),
    # technician_for (feedback/scorecards/router.py): staff any card of the tenant, a technician their own,
    # a customer none
    ("GET", "/api/v1/technicians/{technician_id}/scorecard"): Row("401 403 ok ok ok ok ok ok"),
    ("GET", "/api/v1/scorecards"): Row(),
    ("POST", "/api/v1/technicians/{technician_id}/reinstate"): Row(json={"note": "矩阵"}),
    # penalties and appeals (申诉): the technician their own (tests/feedback/test_penalty_appeals.py)
    ("GET", "/api/v1/technicians/me/penalties"): Row(),
    ("POST", "/api/v1/technicians/me/penalties/{penalty_id}/appeal"): Row(json={"reason": "矩阵"}),
    ("GET", "/api/v1/penalty-appeals"): Row(),
    ("POST", "/api/v1/penalty-appeals/{appeal_id}/decide"): Row(
        json={"decision": "overturned", "note": "矩阵"}
    ),
    # notifications
    ("GET", "/api/v1/inbox"): Row(SIGNED_IN),  # the caller's own items (notify.inbox)
    ("POST", "/api/v1/inbox/{item_id}/read"): Row(SIGNED_IN),  # an item of the caller's own
    ("GET", "/api/v1/notifications/outbox"): Row(),
    ("POST", "/api/v1/notifications/outbox/{message_id}/redeliver"): Row(),
    ("GET", "/api/v1/notifications/webhooks"): Row(),
    ("POST", "/api/v1/notifications/webhooks"): Row(
        json={"url": "http://127.0.0.1:9/hook", "events": ["sla.breached"]}
    ),
    ("DELETE", "/api/v1/notifications/webhooks/{endpoint_id}"): Row(),
    ("GET", "/api/v1/analytics/kpis"): Row(query=PERIOD),
    ("GET", "/api/v1/analytics/trend"): Row(query=PERIOD),
    ("GET", "/api/v1/analytics/kpis.xlsx"): Row(query=PERIOD),
    # personal data: the customer their own, an admin on request (customer01 has open orders, so the
    # erasure itself is refused by state, 409, to the role the table admits)
    ("GET", "/api/v1/customers/{customer_id}/personal-data"): Row(query={"reason": "矩阵"}),
    ("POST", "/api/v1/customers/{customer_id}/erasure-request"): Row(json={"reason": "矩阵"}),
    ("POST", "/api/v1/customers/{customer_id}/erase"): Row(json={"reason": "矩阵"}),
    ("GET", "/api/v1/audit"): Row(query={"action": "customer."}),
    # the price book: read by everyone of the tenant, its versions the admin's (see access_world's draft)
    ("GET", "/api/v1/price-book"): Row(query={"category": "refrigerator", "service_type": "repair"}),
    ("GET", "/api/v1/pricing-policy"): Row(),
    ("PUT", "/api/v1/pricing-policy"): Row(json={"repair_warranty_days": 90}),
    ("GET", "/api/v1/price-book/versions"): Row(),
    ("POST", "/api/v1/price-book/versions"): Row(json={"note": "矩阵"}),
    ("GET", f"{PRICES}"): Row(),
    ("POST", f"{PRICES}/items"): Row(json=PRICE_ITEM | {"code": "MATRIX-NEW"}),
    ("PUT", f"{PRICES}/items/{{price_item_id}}"): Row(json=PRICE_ITEM | {"price_fen": 6000}),
    ("POST", f"{PRICES}/publish"): Row(json=_effective_today),
    ("DELETE", f"{PRICES}/items/{{price_item_id}}"): Row(),
    ("DELETE", f"{PRICES}"): Row(),
    # parts: which warehouses a role sees and moves is parts/scope.py's; the scene's (tests/parts/stockroom.py)
    # are tech01's van and the outlet manager's store, which every role the table admits may move
    ("GET", "/api/v1/parts"): Row(query=lambda s, who: {"product_model_id": s.model_id}),
    ("POST", "/api/v1/parts"): Row(
        json=lambda s, who: (
            {"code": f"MX-{WHO.index(who)}", "name": "矩阵配件", "list_price_fen": 100}
            | {"product_model_ids": [s.model_id]}
        )
    ),
    ("GET", "/api/v1/warehouses"): Row(),
    ("POST", "/api/v1/warehouses"): Row(
        json=lambda s, who: {"code": f"MXW-{WHO.index(who)}", "name": "矩阵库", "level": "regional"}
    ),
    ("GET", "/api/v1/stock"): Row(query=lambda s, who: {"part_id": s.parts.room.thermostat}),
    ("POST", "/api/v1/stock/receipts"): Row(json=lambda s, who: _stock(s) | {"quantity": 1}),
    ("POST", "/api/v1/stock/reorder-points"): Row(json=lambda s, who: _stock(s) | {"reorder_point": 1}),
    ("GET", f"{WO}/parts"): Row(),
    ("POST", f"{WO}/parts"): Row(
        order="read", json=lambda s, who: {"part_id": s.parts.room.thermostat, "quantity": 1}
    ),
    ("POST", f"{WO}/parts/{{line_id}}/fit"): Row(
        order="read", json={"quantity": 1, "serial_numbers": ["MX1"]}
    ),
    ("POST", f"{WO}/parts/{{line_id}}/release"): Row(order="read", json={"reason": "矩阵"}),
    ("GET", "/api/v1/transfers"): Row(),
    ("POST", "/api/v1/transfers"): Row(
        json=lambda s, who: (
            {"from_warehouse_id": s.parts.room.regional, "to_warehouse_id": s.parts.room.van}
            | {"part_id": s.parts.room.thermostat, "quantity": 1}
        )
    ),
    ("POST", "/api/v1/transfers/{transfer_id}/ship"): Row(json={"courier_no": "MX-1"}),
    ("POST", "/api/v1/transfers/{transfer_id}/receive"): Row(),
    ("GET", "/api/v1/part-returns"): Row(),
    ("POST", "/api/v1/part-returns/{return_id}/ship"): Row(
        json={"courier_company": "顺丰", "courier_no": "SF0001", "postage_paid_by": "brand"}
    ),
    ("POST", "/api/v1/part-returns/{return_id}/receive"): Row(),
    # trade-in: the table and a quote for everyone of the tenant (no table in this world: 422), the
    # admin's edit; an order's trade-in on the read order (a repair: the moves are refused by its type, 422)
    ("GET", "/api/v1/trade-in/valuation"): Row(
        query={"category": "refrigerator", "age_years": 3, "condition": "fair"}
    ),
    ("GET", "/api/v1/trade-in/rates"): Row(),
    ("PUT", "/api/v1/trade-in/rates"): Row(json=lambda s, who: TRADE_IN_GRID),
    ("POST", "/api/v1/trade-in/bookings"): Row(  # the second caller meets the first's orders: 409
        json=lambda s, who: (
            {"customer_id": s.world.customer_id, "old_appliance_id": s.world.appliance_id}
            | {"new_appliance_id": s.appliance_id}
        )
    ),
    ("GET", f"{WO}/trade-in"): Row(),
    ("PUT", f"{WO}/trade-in"): Row(order="read", json={"condition": "fair", "age_years": 3}),
    ("POST", f"{WO}/trade-in/accept"): Row(order="read"),
    ("POST", f"{WO}/trade-in/link"): Row(
        order="read", json=lambda s, who: {"installation_order_id": s.orders["done"]}
    ),
    ("POST", f"{WO}/trade-in/unlink"): Row(order="read", json={"reason": "矩阵"}),
    # telemetry: the admin's ingest keys (the scene's key revoked), the metric catalog; the batch ingest
    # takes no user at all, only an ingest key in X-Api-Key: every caller here, sending none, gets 401
    ("POST", "/api/v1/telemetry/keys"): Row(json={"name": "矩阵"}),
    ("GET", "/api/v1/telemetry/keys"): Row(),
    ("DELETE", "/api/v1/telemetry/keys/{key_id}"): Row(),
    ("GET", "/api/v1/telemetry/metrics"): Row(),
    ("POST", "/api/v1/telemetry"): Row("401 401 401 401 401 401 401 401", json={"readings": []}),
    # rules (the admin's), alerts (staff and technicians read; the scene's open alert dismissed)
    ("GET", "/api/v1/telemetry/rules"): Row(),
    ("POST", "/api/v1/telemetry/rules"): Row(
        json={
            "category": "washing_machine",
            "cause": "matrix",
            "kind": "error_code",
            "error_code": "E3",
            "name_zh": "矩阵",
            "name_en": "Matrix",
        }
    ),
    ("DELETE", "/api/v1/telemetry/rules/{telemetry_rule_id}"): Row(),
    ("GET", "/api/v1/alerts"): Row(query=lambda s, who: {"appliance_id": s.appliance_id}),
    ("POST", "/api/v1/alerts/{alert_id}/dismiss"): Row(),
    ("POST", "/api/v1/alerts/{alert_id}/convert"): Row(),
    # proactive service (anxin/proactive): the admin's alert policy and campaigns (the scene's campaign run);
    # a customer's profile for agents, dispatchers and admins; consent: customer01 their own, an agent
    ("GET", "/api/v1/alert-policy"): Row(),
    ("PUT", "/api/v1/alert-policy"): Row(json={"default": "none"}),
    ("POST", "/api/v1/campaigns"): Row(json={"kind": "ac_cleaning"}),
    ("GET", "/api/v1/campaigns/{campaign_id}"): Row(),
    ("GET", "/api/v1/customers/{customer_id}/profile"): Row(),
    ("PUT", "/api/v1/customers/{customer_id}/consent"): Row(json={"granted": True}),
    ("GET", "/portal/contact"): Row(),
    ("POST", "/portal/contact"): Row(form={"granted": "1", "size": "3"}),
    ("GET", "/console/customers/{customer_id}"): Row(),
    ("GET", "/console/proactive"): Row(),
    ("POST", "/console/proactive/policy"): Row(form={"default": "none"}),
    ("POST", "/console/proactive/campaigns"): Row(form={"min_run_hours": "800"}),
    # an appliance's health: the read order's appliance (customer01's, tech01's open order); its card
    # (a customer gets theirs in plain words) and the customer's appliance page
    ("GET", "/api/v1/appliances/{appliance_id}/health"): Row(),
    ("GET", "/pages/appliances/{appliance_id}/health"): Row(),
    ("GET", "/portal/appliances/{appliance_id}"): Row(),
    # payments on the done order (nothing to pay: 409 for the moves), with the scene's pending WeChat payment
    # and the agent's discount request (tests/pricing/test_payments_api.py's matrix_scene)
    ("GET", f"{WO}/payments"): Row(),
    ("POST", f"{WO}/payments"): Row(order="done", json={"method": "wechat"}),
    ("GET", f"{WO}/payments/{{payment_id}}/qr.svg"): Row(order="done"),
    ("POST", f"{WO}/payments/{{payment_id}}/cancel"): Row(order="done"),
    ("POST", f"{WO}/discounts"): Row(order="done", json={"amount_fen": 100, "reason": "矩阵"}),
    ("POST", f"{WO}/refunds"): Row(
        order="done",
        json=lambda s, who: {"amount_fen": 100, "reason": "矩阵", "payment_id": s.payments.payment_id},
    ),
    ("POST", f"{WO}/adjustments/{{adjustment_id}}/{{decision}}"): Row(
        order="done", each=("approve", "reject")
    ),
    ("POST", f"{WO}/invoice"): Row(order="done", json={"title": "矩阵", "email": "m@example.com"}),
    # a gateway's notification: open to anyone, believed when signed (a signed one for the scene's payment)
    ("POST", "/api/v1/payment-notifications/{gateway}"): Row(
        PUBLIC, json=lambda s, who: payments_scene.matrix_notification(s.payments.reference)
    ),
    # service plans (read by everyone of the tenant, kept by the admin) and contracts (a customer's own:
    # contract/contracts.py); the scene's care plan and customer01's contract (tests/contract/scene.py)
    ("GET", "/api/v1/service-plans"): Row(query={"category": "refrigerator"}),
    ("POST", "/api/v1/service-plans"): Row(
        json=lambda s, who: contract_scene.PLAN_BODY | {"code": f"MX-PLAN-{WHO.index(who)}"}
    ),
    ("GET", "/api/v1/service-plans/{service_plan_id}"): Row(),
    ("PUT", "/api/v1/service-plans/{service_plan_id}"): Row(json=contract_scene.PLAN_UPDATE),
    ("POST", "/api/v1/service-plans/{service_plan_id}/retire"): Row(),
    ("POST", "/api/v1/service-plans/{service_plan_id}/reinstate"): Row(),
    ("GET", "/api/v1/contracts"): Row(),
    ("POST", "/api/v1/contracts"): Row(
        json=lambda s, who: {"appliance_id": s.world.appliance_id, "plan_id": s.contracts.plan_id}
    ),
    ("GET", "/api/v1/contracts/{contract_id}"): Row(),
    ("POST", "/api/v1/contracts/{contract_id}/renew"): Row(json={}),
    ("POST", "/api/v1/contracts/{contract_id}/cancel"): Row(json={"reason": "矩阵"}),
    # settlement: the scene's pending review, draft statement and fee rules (tests/settlement/matrix.py); the
    # outlet manager submits the done order of their outlet (409 once submitted)
    ("POST", f"{WO}/closure-review"): Row(order="done", json={"note": "矩阵"}),
    ("GET", "/api/v1/closure-reviews"): Row(query={"status": "pending"}),
    ("GET", "/api/v1/closure-reviews/{review_id}"): Row(),
    ("POST", "/api/v1/closure-reviews/{review_id}/approve"): Row(json={"note": "矩阵"}),
    ("POST", "/api/v1/closure-reviews/{review_id}/reject"): Row(json={"reason": "矩阵"}),
    ("GET", "/api/v1/settlement-fee-rules"): Row(),
    ("POST", "/api/v1/settlement-fee-rules"): Row(json={"kind": "urgent", "amount_fen": 100}),
    ("PUT", "/api/v1/settlement-fee-rules/{rule_id}"): Row(json={"kind": "urgent", "amount_fen": 200}),
    ("DELETE", "/api/v1/settlement-fee-rules/{rule_id}"): Row(),
    ("GET", "/api/v1/settlements"): Row(query=lambda s, who: {"month": s.settlement_month}),
    ("POST", "/api/v1/settlements"): Row(json=lambda s, who: {"month": s.settlement_month}),
    ("GET", "/api/v1/settlements/{statement_id}.xlsx"): Row(),
    ("GET", "/api/v1/settlements/{statement_id}"): Row(),
    ("POST", "/api/v1/settlements/{statement_id}/confirm"): Row(),
    ("POST", "/api/v1/settlements/{statement_id}/dispute"): Row(json={"reason": "矩阵"}),
    ("POST", "/api/v1/settlements/{statement_id}/resolve"): Row(json={"resolution": "矩阵"}),
    # the knowledge base: searched by everyone of the tenant, edited by the admin; triage for everyone
    # (tests/knowledge/scene.py's entry: the seed's refrigerator "not cooling")
    ("GET", "/api/v1/knowledge"): Row(query={"q": "漏水"}),
    ("GET", "/api/v1/knowledge/{entry_id}"): Row(),
    ("POST", "/api/v1/knowledge"): Row(json={"category": "microwave", "fault": "odor", "title": "矩阵"}),
    ("PATCH", "/api/v1/knowledge/{entry_id}"): Row(json={"note": "矩阵"}),
    ("POST", "/api/v1/triage"): Row(json={"text": "冰箱不制冷"}),
    # the service assistant: customers chat (their own), agents and admins take handed-off chats over
    # (tests/knowledge/assistant_scene.py: customer01's chat, handed off; the admin after the agent: 409)
    ("POST", "/api/v1/assistant/messages"): Row(json={"text": "冰箱不制冷"}),
    ("GET", "/api/v1/assistant/conversations"): Row(),
    ("GET", "/api/v1/assistant/conversations/{conversation_id}"): Row(),
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/take"): Row(),
    ("POST", "/api/v1/assistant/conversations/{conversation_id}/replies"): Row(json={"text": "您好"}),
    ("GET", "/healthz"): Row(PUBLIC),  # operations: the load balancer's probe
    ("GET", "/metrics"): Row(PUBLIC),  # operations: Prometheus's scrape
    # --- the pages -----------------------------------------------------------------------------------
    ("GET", "/"): Row(
        "login ok ok ok ok ok ok ok"
    ),  # the front door: each role to its home, a stranger to sign in
    ("GET", "/login"): Row(PUBLIC),
    ("POST", "/login"): Row(PUBLIC, form=lambda s, who: {"login": _login(who), "password": PASSWORD}),
    # signing out ends the session and shows the sign-in page (the customer's own); anonymous has none to end
    ("POST", "/logout"): Row("login plogin login login login login login login", session="own"),
    ("GET", "/console/map"): Row(),
    ("GET", "/console/map/data"): Row(),
    ("GET", "/console"): Row(),
    ("GET", "/console/queue"): Row(),
    ("POST", "/console/orders/{order_id}/accept"): Row(move="accept", state=Status.CREATED),
    ("POST", "/console/orders/{order_id}/assign"): Row(
        move="assign", form=lambda s, who: {"technician_id": str(s.world.other_technician_id)}
    ),
    ("POST", "/console/orders/{order_id}/unassign"): Row(move="unassign", form={"reason": "矩阵"}),
    ("GET", "/console/board"): Row(),
    ("GET", "/console/board/data"): Row(),
    ("GET", "/console/board/check"): Row(
        query=lambda s, who: {"order_id": s.orders["read"], "technician_id": s.world.other_technician_id}
    ),
    ("POST", "/console/board/orders/{order_id}/assign"): Row(
        move="assign", json=lambda s, who: {"technician_id": s.world.other_technician_id}
    ),
    ("POST", "/console/board/orders/{order_id}/appoint"): Row(
        move="appoint", json={"date": FAR_DAY, "start_minute": 540, "window_minutes": 120}
    ),
    ("GET", "/tech/day"): Row(),
    ("GET", "/tech"): Row(),
    # the technician app offline (web/tech_offline.py): the manifest, its icons and the service worker are
    # fetched by the browser without a session (they hold no data); the queue's session state is the app's
    ("GET", "/tech/manifest.webmanifest"): Row(PUBLIC),
    ("GET", "/tech/icon-192.png"): Row(PUBLIC),
    ("GET", "/tech/icon-512.png"): Row(PUBLIC),
    ("GET", "/tech/sw.js"): Row(PUBLIC),
    ("GET", "/tech/offline/state"): Row(),
    ("GET", TECH): Row(),
    ("POST", f"{TECH}/act/{{action}}"): Row(move="{action}", each=tuple(sorted(SIMPLE))),
    ("POST", f"{TECH}/reject"): Row(move="reject", form={"reason": "矩阵"}),
    ("POST", f"{TECH}/wait-parts"): Row(move="wait-parts", form={"reason": "矩阵"}),
    ("POST", f"{TECH}/quote"): Row(move="quote", form={"other_desc": "矩阵", "other_amount": "50"}),
    ("POST", f"{TECH}/complete"): Row(move="complete", form={"note": "矩阵", "signature": SIGNATURE}),
    ("POST", f"{TECH}/appointment"): Row(
        move="appoint", form={"date": str(days_ahead(2)), "from": "09:00", "to": "11:00"}
    ),
    ("GET", f"{TECH}/version"): Row(),
    ("POST", f"{TECH}/photos"): Row(files=lambda s, who: {"file": ("x.png", PNG, "image/png")}),
    ("GET", "/pages/orders/{order_id}/photos/{photo_id}"): Row(),
    ("GET", "/tech/photo"): Row(),
    ("POST", "/tech/photo"): Row(files=lambda s, who: {"file": ("x.png", PNG, "image/png")}),
    ("GET", "/tech/photo/image"): Row(),
    ("GET", f"{PORTAL}/track"): Row(),
    ("GET", f"{PORTAL}/technician-photo"): Row(),
    ("GET", "/portal/appliances/new"): Row(),
    ("POST", "/portal/appliances"): Row(form=_serial("SNMXP")),
    ("GET", "/portal/login"): Row(PUBLIC),
    ("POST", "/portal/code"): Row(
        PUBLIC, form=lambda s, who: {"phone": f"1390000010{WHO.index(who)}", "tenant": "demo"}
    ),  # a one-time code to anyone's phone (throttled: README, Security)
    ("POST", "/portal/login"): Row(PUBLIC, form={"phone": "13800000001", "code": "000000", "tenant": "demo"}),
    # shows the codes sent, only where ANXIN_DEV_MAILBOX turns it on (the demo): by default no page at all
    ("GET", "/portal/dev-mailbox"): Row("404 404 404 404 404 404 404 404"),
    # sign-up: only with the signed cookie a new phone's right code sets (15 minutes); without it, anyone
    # is sent to sign in, and the form's POST is refused (400, "注册已超时")
    ("GET", "/portal/signup"): Row("plogin plogin plogin plogin plogin plogin plogin plogin"),
    ("POST", "/portal/signup"): Row(
        PUBLIC, form={"name": "矩阵", "district": "西湖区", "detail": "x", "consent": "yes"}
    ),
    ("GET", "/portal/privacy"): Row(PUBLIC),  # the privacy notice a sign-up agrees to
    ("GET", "/portal/me"): Row(),
    ("GET", "/portal/unread"): Row(),
    ("GET", "/portal"): Row(),
    ("GET", "/portal/report"): Row(),
    ("POST", "/portal/report"): Row(
        form=lambda s, who: {"appliance_id": str(s.world.appliance_id), "description": "矩阵测试"}
    ),
    ("GET", PORTAL): Row(),
    ("GET", f"{PORTAL}/service-report"): Row(order="done"),
    ("GET", f"{PORTAL}/report.pdf"): Row(order="done"),
    ("GET", f"{PORTAL}/live"): Row(),
    ("POST", f"{PORTAL}/{{decision}}-quote"): Row(move="{decision}-quote", each=("approve", "decline")),
    ("POST", f"{PORTAL}/reschedule"): Row(move="appoint", form={"preferred": "tomorrow_am"}),
    ("POST", f"{PORTAL}/cancel"): Row(move="cancel", form={"reason": "矩阵"}),
    ("GET", f"{PORTAL}/slots"): Row(),
    ("POST", f"{PORTAL}/book-slot"): Row(move="appoint", form={"start": SLOT}),
    ("GET", "/s/{token}"): Row(PUBLIC),  # the signed link is the credential
    ("POST", "/s/{token}"): Row(PUBLIC, token="linked", form=SURVEY_FORM),
    ("GET", f"{PORTAL}/rate"): Row(order="done"),
    ("GET", "/console/tasks"): Row(),
    ("POST", "/console/tasks/{task_id}/take"): Row(),
    ("POST", "/console/tasks/{task_id}/done"): Row(form={"outcome": "矩阵"}),
    ("GET", "/console/tasks/{task_id}/survey"): Row(task=":survey"),
    ("POST", "/console/tasks/{task_id}/survey"): Row(task=":survey", form=SURVEY_FORM),
    ("GET", f"{PORTAL}/complaint"): Row(),
    ("POST", f"{PORTAL}/complaint"): Row(order="read", form={"category": "attitude", "description": "矩阵"}),
    ("GET", "/portal/complaints/{complaint_id}"): Row(),
    ("POST", "/portal/complaints/{complaint_id}/{action}"): Row(
        complaint_move="{action}", each=COMPLAINT_ACTIONS, complaint="portal", form={"note": "矩阵"}
    ),
    ("GET", "/console/complaints"): Row(),
    ("GET", "/console/complaints/{complaint_id}"): Row(),
    ("POST", "/console/complaints/{complaint_id}/{action}"): Row(
        complaint_move="{action}",
        each=COMPLAINT_ACTIONS,
        complaint="desk",
        form=lambda s, who: (
            {"note": "矩阵", "owner_id": str(s.world.users["quality"].id), "resolution": "已处理"}
            | {"responsibility": "technician", "compensation_yuan": "1"}
        ),
    ),
    ("GET", "/console/scorecards"): Row(),
    ("POST", "/console/scorecards/{technician_id}/reinstate"): Row(form={"note": "矩阵"}),
    ("GET", "/tech/penalties"): Row(),
    ("POST", "/tech/penalties/{penalty_id}/appeal"): Row(form={"reason": "矩阵"}),
    ("GET", "/console/appeals"): Row(),
    ("POST", "/console/appeals/{appeal_id}/decide"): Row(form={"decision": "upheld", "note": "矩阵"}),
    ("GET", "/dashboard"): Row(),
    ("GET", "/dashboard/export.xlsx"): Row(query=PERIOD),
    ("GET", "/portal/inbox"): Row(),
    ("POST", "/portal/inbox/{item_id}/read"): Row(),
    ("GET", "/inbox"): Row(),
    ("POST", "/inbox/{item_id}/read"): Row(),
    ("GET", "/portal/my-data"): Row(),
    ("GET", "/portal/my-data.json"): Row(),
    ("POST", "/portal/my-data/erasure-request"): Row(form={"reason": "矩阵"}),
    ("GET", "/console/privacy"): Row(),
    ("GET", "/console/privacy/customers/{customer_id}"): Row(),
    ("GET", "/console/privacy/customers/{customer_id}/personal-data.json"): Row(query={"reason": "矩阵"}),
    ("POST", "/console/privacy/customers/{customer_id}/erase"): Row(form={"reason": "矩阵"}),
    ("GET", "/console/audit"): Row(),
    ("GET", "/portal/price-book"): Row(query={"category": "air_conditioner"}),
    ("GET", "/console/price-book"): Row(),
    ("POST", "/console/price-book/versions"): Row(form={"note": "矩阵"}),
    ("GET", f"/console{PRICES_PATH}"): Row(),
    ("GET", f"/console{PRICES_PATH}/items/{{price_item_id}}"): Row(),
    ("POST", f"/console{PRICES_PATH}/items"): Row(form=PRICE_FORM),
    ("POST", f"/console{PRICES_PATH}/items/{{price_item_id}}"): Row(form=PRICE_FORM),
    ("POST", f"/console{PRICES_PATH}/items/{{price_item_id}}/remove"): Row(),
    ("POST", f"/console{PRICES_PATH}/publish"): Row(form=_effective_today),
    ("POST", f"/console{PRICES_PATH}/discard"): Row(),
    # the parts pages: the technician's forms on an order (the read order: quoted, so fitting is refused by
    # its state, 409) and the stock page
    ("POST", f"{TECH}/parts"): Row(
        order="read", form=lambda s, who: {"part_id": str(s.parts.room.thermostat), "quantity": "1"}
    ),
    ("POST", f"{TECH}/parts/fit"): Row(
        order="read", form=lambda s, who: {"line_id": str(s.parts.line_id), "serial": "MX2"}
    ),
    ("GET", "/console/stock"): Row(),
    # the knowledge pages: the console's (staff read, the admin edits) and the technician's search
    ("GET", "/console/knowledge"): Row(query={"text": "空调不制冷"}),
    ("GET", "/console/knowledge/{entry_id}"): Row(),
    ("POST", "/console/knowledge"): Row(form={"category": "microwave", "fault": "cleaning", "title": "矩阵"}),
    ("POST", "/console/knowledge/{entry_id}"): Row(form=knowledge_scene.ENTRY_FORM),
    ("GET", "/tech/knowledge"): Row(query={"q": "E1"}),
    ("GET", "/pages/orders/{order_id}/triage"): Row(),  # the read order (no triage kept: an empty card)
    ("GET", "/pages/orders/{order_id}/history"): Row(),  # the read order's appliance's earlier orders
    ("GET", "/console/intake"): Row(query={"phone": "13800000001"}),
    ("GET", "/console/intake/triage"): Row(query={"description": "冰箱不制冷"}),
    ("POST", "/console/intake"): Row(
        form=lambda s, who: {
            "customer_id": str(s.world.customer_id),
            "appliance_id": str(s.world.appliance_id),
            "description": "冰箱不制冷",
            "service_type": "repair",
        }
    ),
    # the assistant's pages: the report form's live hint and the chat (customers), the agents' desk
    ("GET", "/portal/report/triage"): Row(query={"description": "冰箱不制冷"}),
    ("GET", "/portal/assistant"): Row(),
    ("POST", "/portal/assistant"): Row(form={"text": "转人工"}),
    ("GET", "/console/assistant"): Row(query=lambda s, who: {"c": s.assistant_conversation_id}),
    ("POST", "/console/assistant/{conversation_id}/take"): Row(),
    ("POST", "/console/assistant/{conversation_id}/reply"): Row(form={"text": "您好"}),
    # the settlement pages (the same scene: after the API's moves, the pages' meet their states, 409)
    ("GET", "/console/closure"): Row(),
    ("POST", "/console/closure/submit"): Row(form=lambda s, who: {"order_id": str(s.orders["done"])}),
    ("POST", "/console/closure/{review_id}/approve"): Row(),
    ("POST", "/console/closure/{review_id}/reject"): Row(form={"reason": "矩阵"}),
    ("GET", "/console/settlements"): Row(),
    ("POST", "/console/settlements"): Row(form=lambda s, who: {"month": s.settlement_month}),
    ("GET", "/console/settlements/{statement_id}.xlsx"): Row(),
    ("GET", "/console/settlements/{statement_id}"): Row(),
    ("POST", "/console/settlements/{statement_id}/confirm"): Row(),
    ("POST", "/console/settlements/{statement_id}/dispute"): Row(form={"reason": "矩阵"}),
    ("POST", "/console/settlements/{statement_id}/resolve"): Row(form={"resolution": "矩阵"}),
    ("GET", "/console/settlement-rules"): Row(),
    ("POST", "/console/settlement-rules"): Row(form={"kind": "urgent", "amount": "1"}),
    ("POST", "/console/settlement-rules/{rule_id}/remove"): Row(),
    ("POST", "/console/settlement-rules/warranty"): Row(form={"days": "90"}),
    # the contracts' pages: the customer's own in the portal, the admin's plans in the console
    ("GET", "/portal/contracts"): Row(),
    ("GET", "/portal/contracts/buy"): Row(query=lambda s, who: {"appliance": s.world.appliance_id}),
    ("POST", "/portal/contracts"): Row(
        form=lambda s, who: {"appliance_id": str(s.world.appliance_id), "plan_id": str(s.contracts.plan_id)}
    ),
    ("POST", "/portal/contracts/{contract_id}/renew"): Row(),
    ("GET", "/console/service-plans"): Row(),
    ("POST", "/console/service-plans"): Row(
        form=lambda s, who: contract_scene.PLAN_FORM | {"code": f"MX-PAGE-{WHO.index(who)}", "kind": "care"}
    ),
    ("GET", "/console/service-plans/{service_plan_id}"): Row(),
    ("POST", "/console/service-plans/{service_plan_id}"): Row(form=contract_scene.PLAN_FORM),
    ("POST", "/console/service-plans/{service_plan_id}/retire"): Row(),
    ("POST", "/console/service-plans/{service_plan_id}/reinstate"): Row(),
    # the trade-in pages: the order's card (a fragment) and its forms on the read order, the admin's table
    ("GET", "/pages/orders/{order_id}/trade-in"): Row(),
    ("POST", "/pages/orders/{order_id}/trade-in/assess"): Row(order="read", form={"condition": "fair"}),
    ("POST", "/pages/orders/{order_id}/trade-in/accept"): Row(order="read"),
    ("POST", "/pages/orders/{order_id}/trade-in/link"): Row(
        order="read", form=lambda s, who: {"installation_order_id": str(s.orders["done"])}
    ),
    ("POST", "/pages/orders/{order_id}/trade-in/unlink"): Row(order="read", form={"reason": "矩阵"}),
    ("GET", "/console/trade-in"): Row(query={"category": "refrigerator"}),
    ("POST", "/console/trade-in"): Row(form=lambda s, who: TRADE_IN_FORM),
    # the payment pages: the customer's, the technician's, the staff's (moves on the done order: 409)
    ("GET", "/portal/orders/{order_id}/pay"): Row(),
    ("GET", "/portal/orders/{order_id}/pay/summary"): Row(),
    ("POST", "/portal/orders/{order_id}/pay"): Row(order="done", form={"method": "alipay"}),
    ("POST", "/portal/orders/{order_id}/pay/demo"): Row(order="done"),
    ("POST", "/portal/orders/{order_id}/invoice"): Row(
        order="done", form={"title": "矩阵", "email": "m@example.com"}
    ),
    ("GET", "/tech/orders/{order_id}/pay"): Row(),
    ("POST", "/tech/orders/{order_id}/pay"): Row(order="done", form={"method": "cash"}),
    ("GET", "/console/orders/{order_id}/payments"): Row(),
    ("POST", "/console/orders/{order_id}/discounts"): Row(
        order="done", form={"amount": "1", "reason": "矩阵"}
    ),
    ("POST", "/console/orders/{order_id}/refunds"): Row(
        order="done",
        form=lambda s, who: {"amount": "1", "reason": "矩阵", "payment_id": str(s.payments.payment_id)},
    ),
    ("POST", "/console/orders/{order_id}/adjustments/{adjustment_id}/{decision}"): Row(
        order="done", each=("approve", "reject")
    ),
}

# Not routes of the app's own: the static files and FastAPI's documentation.
NOT_ROUTES = {"/static", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
MOVE_ROUTE = re.compile(r"^/api/v1/work-orders/\{order_id\}/(?P<move>[a-z-]+)$")
PATH_PARAM = re.compile(r"\{(\w+)\}")
SIGNED_IN_ONLY = "signed in"  # a page's page_user() without an action


# --- the routes of the app -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    api: bool  # in the OpenAPI schema; the pages are left out of it
    guard: Action | str | None  # the permission table's action, SIGNED_IN_ONLY, or None


def _contexts(app) -> list:
    try:  # FastAPI >= 0.165 keeps an included router as one entry of app.routes
        from fastapi.routing import iter_route_contexts
    except ImportError:  # earlier versions copy the included routes into app.routes
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def _guard(route: APIRoute) -> Action | str | None:
    """The action the route's dependencies check (``allowed``/``page_user`` mark theirs), as
    tests/auth/test_permissions.py reads it."""
    found: set = set()

    def walk(dependant) -> None:
        for sub in dependant.dependencies:
            if hasattr(sub.call, "action"):
                found.add(sub.call.action)
            walk(sub)

    walk(route.dependant)
    assert len(found) <= 1, f"{route.path} checks several actions: {found}"
    if not found:
        return None
    (action,) = found
    return SIGNED_IN_ONLY if action is None else action


def app_routes(app) -> tuple[list[Route], list[str]]:
    """Every (method, route) of the app, and the paths of what is not an ``APIRoute``."""
    routes, others = [], []
    for context in _contexts(app):
        route = getattr(context, "original_route", context)
        if not isinstance(route, APIRoute):
            others.append(getattr(context, "path", repr(context)))
            continue
        guard = _guard(route)
        for method in sorted(context.methods - {"HEAD", "OPTIONS"}):
            routes.append(Route(method, context.path, route.include_in_schema, guard))
    return routes, others


# --- the lines of the matrix and what each caller should get ---------------------------------------------


@dataclass(frozen=True)
class Cell:
    outcome: str  # one of CELLS
    code: str | None = None  # the API's error code a derived refusal carries


@dataclass
class Line:
    route: Route
    row: Row
    value: str | None = None  # the {action}/{decision} of an expanded row
    move: str | None = None
    complaint_move: str | None = None
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def label(self) -> str:
        path = (
            self.route.path
            if self.value is None
            else re.sub(r"\{(action|decision)\}", self.value, self.route.path)
        )
        return f"{self.route.method} {path}"

    @property
    def order(self) -> str | None:
        if "{order_id}" not in self.route.path:
            return None
        return self.row.order or ("read" if self.route.method == "GET" else "fresh")

    @property
    def fresh_state(self) -> Status:
        return self.row.state or fresh_state(self.move)


def fresh_state(move: str | None) -> Status:
    """The first state on the way an order goes from which ``move`` may start and in which the order has
    its technician, so that every role can see it; else assigned (the move is then refused by state, 409,
    to the roles it admits)."""
    if move is not None:
        for state in ORDER_STATES:
            if state in MOVES[move].sources and state not in (Status.CREATED, Status.ACCEPTED):
                return state
    return Status.ASSIGNED


def _row_for(route: Route) -> Row | None:
    row = ROUTES.get((route.method, route.path))
    if row is None and route.method == "POST" and (match := MOVE_ROUTE.match(route.path)):
        move = match["move"]
        if move in MOVES:  # a move of the state table: its row is the table's
            return Row(json=lambda s, who, move=move: _move_body(s, who, move))
    return row


def _move_body(scene: Scene, who: str, move: str) -> dict | None:
    body = MOVE_BODIES.get(move, lambda s, who: {})(scene, who)
    if MOVES[move].requires_reason:
        body["reason"] = "矩阵"
    return body or None


class Unexpressed(Exception):
    """A row the tables cannot decide and that is not written out, or written out where they decide."""


def expected(line: Line) -> dict[str, Cell]:
    route, row = line.route, line.row
    gates = []  # (the roles that pass, the API's error code for the others)
    if isinstance(route.guard, Action):
        gates.append((PERMISSIONS[route.guard], "forbidden"))
    if row.checks is not None:
        gates.append((PERMISSIONS[row.checks], "forbidden"))
    if line.move is not None:
        gates.append((MOVES[line.move].roles, "action_forbidden"))
    if line.complaint_move is not None:
        gates.append((COMPLAINT_MOVES[line.complaint_move].roles, "action_forbidden"))
    derived = bool(gates) or route.guard == SIGNED_IN_ONLY
    if row.expect is not None:
        if derived:
            raise Unexpressed(f"{line.label}: the tables decide this row; drop the written one")
        cells = row.expect.split()
        if len(cells) != len(WHO) or not set(cells) <= CELLS:
            raise Unexpressed(f"{line.label}: a written row has {len(WHO)} cells of {sorted(CELLS)}")
        return {who: Cell(cell) for who, cell in zip(WHO, cells, strict=True)}
    if not derived:
        raise Unexpressed(
            f"{line.label}: guarded by no table; write its row out with the rule that decides it"
        )
    if route.api:
        anonymous = Cell("401", "not_authenticated")
    else:
        anonymous = Cell(PORTAL_LOGIN if route.guard == Action.PORTAL else LOGIN)
    cells = {"anonymous": anonymous}
    for who in WHO[1:]:
        refused = next((code for roles, code in gates if who not in roles), None)
        cells[who] = Cell(OK) if refused is None else Cell("403", refused if route.api else None)
    return cells


def lines_of(routes: list[Route]) -> tuple[list[Line], list[str]]:
    """The matrix's lines (an expanded row gives one per value), and what is wrong with the table."""
    lines, problems = [], []
    for route in routes:
        row = _row_for(route)
        if row is None:
            kind = "API route" if route.api else "page"
            problems.append(f"{route.method} {route.path}: a {kind} not in the matrix; add its row to ROUTES")
            continue
        move = None
        if (
            route.api
            and route.method == "POST"
            and (match := MOVE_ROUTE.match(route.path))
            and match["move"] in MOVES
        ):
            move = match["move"]
        for value in row.each or (None,):
            names = {"action": value, "decision": value}
            line = Line(
                route,
                row,
                value,
                move=row.move.format(**names) if row.move else move,
                complaint_move=row.complaint_move.format(**names) if row.complaint_move else None,
            )
            try:
                line.cells = expected(line)
            except Unexpressed as exc:
                problems.append(str(exc))
                continue
            except KeyError as exc:
                problems.append(f"{line.label}: {exc} is no move of its state table")
                continue
            lines.append(line)
    known = {(r.method, r.path) for r in routes}
    problems += [f"{m} {p}: a row of ROUTES without its route" for m, p in ROUTES if (m, p) not in known]
    return lines, problems


# --- the test ------------------------------------------------------------------------------------------


def test_every_route_is_in_the_matrix(app):
    routes, others = app_routes(app)
    assert {r.path for r in routes if r.api} >= {"/api/v1/work-orders/{order_id}/assign", "/healthz"}
    assert {r.path for r in routes if not r.api} >= {"/console", "/portal/orders/{order_id}"}
    lines, problems = lines_of(routes)
    strays = sorted(set(others) - NOT_ROUTES)
    problems += [f"{path}: not an APIRoute, so not in the matrix; say why in NOT_ROUTES" for path in strays]
    assert not problems, "\n".join(problems)
    # every move of both state tables is exercised somewhere (that every action of the permission table
    # guards a route is tests/auth/test_permissions.py's)
    assert {line.move for line in lines} >= set(MOVES)
    assert {line.complaint_move for line in lines} >= set(COMPLAINT_MOVES)


class Callers:
    """Each caller's API token and page session (with its CSRF token), and anonymous's CSRF cookie."""

    def __init__(self, client: TestClient, world: TenantWorld) -> None:
        self.client, self.world = client, world
        self.headers = {who: world.headers(who) for who in WHO[1:]} | {"anonymous": {}}
        self.cookies: dict[str, dict[str, str]] = {}
        self.csrf: dict[str, str] = {}
        for who in WHO:
            self.cookies[who], self.csrf[who] = self.page_session(who)

    def page_session(self, who: str) -> tuple[dict[str, str], str]:
        """A new page session of ``who`` (anonymous: a CSRF cookie), and the CSRF token bound to it."""
        client = self.client
        client.cookies.clear()
        if who != "anonymous":
            page_session(client, self.world.users[who])
        form = client.get("/login")
        token = CSRF_TOKEN.search(form.text).group(1)
        name = CSRF_COOKIE if who == "anonymous" else SESSION_COOKIE
        return {name: client.cookies.get(name)}, token


def _value(value: Any, scene: Scene, who: str) -> Any:
    return value(scene, who) if callable(value) else value


def path_values(scene: Scene, line: Line, who: str, order_id: int | None) -> dict[str, Any]:
    row = line.row
    users = scene.world.users
    values = {
        "order_id": order_id,
        "photo_id": scene.photo_id,
        "customer_id": scene.world.customer_id,
        "appliance_id": scene.appliance_id,
        "technician_id": scene.world.technician_id,
        "model_id": scene.model_id,
        "plan_id": scene.plan_id,
        "complaint_id": scene.complaints[row.complaint],
        # a task of the caller's own queue (an admin sees every queue)
        "task_id": scene.tasks[("quality" if who == "quality" else "agent") + row.task],
        "item_id": scene.inbox[who if who in users else "agent"],  # an item of the caller's own
        "endpoint_id": scene.webhook_id,
        "message_id": scene.outbox_id,
        "version_id": scene.price_version_id,
        "price_item_id": scene.price_item_id,
        "token": scene.survey_tokens[row.token],
        # the parts scene: a line of the read order, a transfer for each of its moves, an old part
        "line_id": scene.parts.line_id,
        "transfer_id": scene.parts.transfers.get(line.route.path.rsplit("/", 1)[-1]),
        "return_id": scene.parts.return_id,
        "entry_id": scene.knowledge_entry_id,
        "conversation_id": scene.assistant_conversation_id,
        "payment_id": scene.payments.payment_id,
        "adjustment_id": scene.payments.adjustment_id,
        "gateway": "demo",
        "review_id": scene.settlement.review_id,
        "statement_id": scene.settlement.statement_id,
        "rule_id": scene.settlement.rule_for(line.route.path),
        "service_plan_id": scene.contracts.plan_id,
        "contract_id": scene.contracts.contract_id,
        "key_id": scene.telemetry.key_id,
        "telemetry_rule_id": scene.telemetry.rule_id,
        "alert_id": scene.telemetry.alert_id,
        "campaign_id": scene.proactive.campaign_id,
        "penalty_id": scene.appeals.penalty_for(line.route.path),
        "appeal_id": scene.appeals.appeal_for(line.route.path),
        "action": line.value,
        "decision": line.value,
    }
    return {name: values[name] for name in PATH_PARAM.findall(line.route.path)}


def send(client: TestClient, callers: Callers, scene: Scene, line: Line, who: str, order_id: int | None):
    route, row = line.route, line.row
    url = route.path.format(**path_values(scene, line, who, order_id))
    headers, cookies, csrf = callers.headers[who], callers.cookies[who], callers.csrf[who]
    if row.session == "own" and who != "anonymous":  # the route ends it: a token or session of its own
        headers = scene.world.headers(who)
        cookies, csrf = callers.page_session(who)
    client.cookies.clear()
    if not route.api:
        for name, value in cookies.items():
            client.cookies.set(name, value)
        headers = {"X-CSRF-Token": csrf} if route.method != "GET" else {}
    return client.request(
        route.method,
        url,
        headers=headers,
        params=_value(row.query, scene, who),
        json=_value(row.json, scene, who),
        data=_value(row.form, scene, who),
        files=_value(row.files, scene, who),
        follow_redirects=False,
    )


CSRF_REFUSED = {i18n.translate(lang, "csrf") for lang in ("zh", "en")}


def verdict(line: Line, cell: Cell, response) -> str:
    """'' when ``response`` is what ``cell`` says; otherwise what it was."""
    status = response.status_code
    where = response.headers.get("location", "")
    got = str(status)
    if status in (302, 303, 307) and where.split("?")[0] in ("/login", "/portal/login"):
        got = LOGIN if where.startswith("/login") else PORTAL_LOGIN
    said = f"{got} {where or response.text[:150]}"
    if status >= 500:
        return f"expected {cell.outcome}, got {said}"
    if cell.outcome == OK:
        return "" if got not in ("401", "403", "404", LOGIN, PORTAL_LOGIN) else f"expected ok, got {said}"
    if got != cell.outcome:
        return f"expected {cell.outcome}, got {said}"
    if got == "403" and not line.route.api and any(text in response.text for text in CSRF_REFUSED):
        return "refused for its CSRF token, not for the role"
    if cell.code and response.json().get("error", {}).get("code") != cell.code:
        return f"expected {cell.outcome} {cell.code}, got {said}"
    return ""


def _order_state(sessionmaker_, order_id: int) -> tuple:
    with sessionmaker_() as db:
        order = db.scalars(select(WorkOrder).where(WorkOrder.id == order_id)).one()
        return order.status, order.version, order.technician_id, order.outlet_id


def test_each_role_gets_what_the_matrix_says(app, world, sessionmaker_, settings):
    routes, _ = app_routes(app)
    lines, problems = lines_of(routes)
    assert not problems, "\n".join(problems)
    with TestClient(app, raise_server_exceptions=False) as client:  # a 500 is a failure of its cell
        failures, requests = ask_everyone(client, lines, world, sessionmaker_, settings)
    assert requests > 1000, requests
    assert not failures, f"{len(failures)} of {requests} requests:\n" + "\n".join(failures)


def ask_everyone(
    client: TestClient, lines: list[Line], world, sessionmaker_, settings
) -> tuple[list[str], int]:
    """Every line's request as each caller; the failures and how many requests were made."""
    fresh = Counter(line.fresh_state for line in lines if line.order == "fresh")
    scene = access_world.build(client, sessionmaker_, world.demo, settings, fresh)
    with sessionmaker_() as db:  # the parts scene, on the read order and an order of its own in progress
        working = parts_stockroom.order_at(db, world.demo, Status.IN_PROGRESS, "MATRIX")
        scene.parts = parts_stockroom.scene(
            db, world.demo, quoted_order=scene.orders["read"], working_order=working.id
        )
        scene.payments = payments_scene.matrix_scene(db, world.demo, order_id=scene.orders["done"])
        scene.settlement = settlement_scene.matrix_scene(db, world.demo, order_id=scene.orders["answered"])
        scene.settlement_month = settlement_scene.last_month()
        scene.contracts = contract_scene.matrix_scene(db, world.demo)
        scene.knowledge_entry_id = knowledge_scene.matrix_scene(db, world.demo)
        scene.assistant_conversation_id = assistant_scene.handed_off(db, world.demo)
        scene.telemetry = telemetry_scene.matrix_scene(db, world.demo)
        scene.proactive = proactive_scene.matrix_scene(db, world.demo)
        scene.appeals = appeal_scene.matrix_scene(db, world.demo, order_id=scene.orders["read"])
        db.commit()
    callers = Callers(client, world.demo)
    failures, requests = [], 0
    for line in lines:
        order_id = None
        if line.order == "fresh":
            order_id = scene.take_fresh(line.fresh_state)
        elif line.order is not None:
            order_id = scene.orders[line.order]
        # the refused first: what an allowed caller does must not decide their answer
        refused = [who for who in WHO if line.cells[who].outcome != OK]
        allowed = [who for who in WHO if line.cells[who].outcome == OK]
        before = _order_state(sessionmaker_, order_id) if line.order == "fresh" else None
        for who in refused + allowed:
            first_allowed = who == (allowed or [None])[0]
            if first_allowed and before is not None and _order_state(sessionmaker_, order_id) != before:
                failures.append(f"{line.label}: the refused callers changed the order")
            response = send(client, callers, scene, line, who, order_id)
            requests += 1
            wrong = verdict(line, line.cells[who], response)
            if wrong:
                failures.append(f"{line.label} as {who}: {wrong}")
    return failures, requests


# --- the whole matrix, for reading -----------------------------------------------------------------------


def render(app) -> Iterator[str]:
    routes, _ = app_routes(app)
    lines, problems = lines_of(routes)
    yield f"{'':64} " + " ".join(f"{who[:6]:>6}" for who in WHO)
    for line in lines:
        yield f"{line.label:64} " + " ".join(f"{line.cells[who].outcome:>6}" for who in WHO)
    yield from problems


if __name__ == "__main__":
    from anxin.config import Settings
    from anxin.main import create_app

    print("\n".join(render(create_app(Settings(database_url="sqlite://", secret_key="x" * 48)))))
