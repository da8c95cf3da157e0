"""The API against its own OpenAPI document (schemathesis): every operation, with the tokens of every
role of one tenant, an admin of the other tenant and nobody, on positive and negative data.

Each operation's examples start from the same world: the fixture's two tenants with an order of the demo
tenant in every state of the state table, a complaint and the tasks and surveys those made. The world
is built through the API once per module, its rows kept, and put back before each operation (the
conftest's ``_empty`` clears them after it), so an operation's findings do not depend on which
operations ran before it, and ``-k`` reproduces one.

Bounded and deterministic: a fixed seed, derandomised generation, no example database; the examples
per operation are few (``MAX_EXAMPLES`` for the fuzzing phase, beside the deterministic coverage phase).
"""

from __future__ import annotations

import os
import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from schemathesis.config import SchemathesisConfig
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from anxin.auth.security import issue_token
from anxin.config import Settings
from anxin.main import create_app
from anxin.models import Base
from tests.conftest import SECRET, World, _empty, build_tenant
from tests.helpers import HAPPY_PATH, quote_body

pytestmark = pytest.mark.fuzz

MAX_EXAMPLES = int(os.environ.get("ANXIN_FUZZ_EXAMPLES", "12"))  # more for an exploratory run
SEED = 20261205

# Who calls: every role of the demo tenant, the other tenant's admin (whose calls on demo's ids must be
# 404s) and nobody (401s).
IDENTITIES: tuple[tuple[str, str] | None, ...] = (
    ("demo", "admin"),
    ("demo", "agent"),
    ("demo", "dispatcher"),
    ("demo", "quality"),
    ("demo", "outlet_manager"),
    ("demo", "technician"),
    ("demo", "customer"),
    ("acme", "admin"),
    None,
)

CONFIG = {
    "seed": SEED,
    "suppress-health-check": ["all"],
    "generation": {
        "mode": "all",
        "max-examples": MAX_EXAMPLES,
        "deterministic": True,
        "database": "none",
        "with-security-parameters": False,
    },
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "response_headers_conformance": {"enabled": True},
        "negative_data_rejection": {"enabled": True},
        # a rule may refuse a schema-valid request (422 invalid_period, invalid_input, ...);
        # ``never_malformed`` below checks that the schema's own validation never does
        "positive_data_acceptance": {
            "enabled": True,
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "410", "422", "429"],
        },
        "missing_required_header": {"enabled": True},
        "unsupported_method": {"enabled": True},
        "allow_header_conformance": {"enabled": True},
        "max_response_time": 10.0,
    },
}


def _seed_orders(client: TestClient, world: World) -> None:
    """An order of the demo tenant in every state; a complaint about one of them."""
    demo = world.demo

    def headers(role: str) -> dict[str, str]:
        return demo.headers(role)

    def report(appliance: int, service_type: str) -> int:
        customer = demo.customer_id if appliance == demo.appliance_id else demo.other_customer_id
        body = {
            "customer_id": customer,
            "appliance_id": appliance,
            "service_type": service_type,
            "channel": "hotline",
            "fault_description": "冰箱不制冷，冷藏室温度高",
        }
        answer = client.post("/api/v1/work-orders", json=body, headers=headers("agent"))
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def move(order: int, role: str, action: str, body: dict | None = None) -> None:
        answer = client.post(f"/api/v1/work-orders/{order}/{action}", json=body, headers=headers(role))
        assert answer.status_code == 200, (action, answer.text)

    def walk(order: int, until: str | None, appliance: int) -> None:
        if until is None:
            return
        for role, action, body in HAPPY_PATH:
            if action == "assign":
                body = {"technician_id": demo.technician_id}
            if action == "quote":  # the test book's codes as its ids
                body = quote_body(client, demo, body)
            if role == "customer" and appliance != demo.appliance_id:
                role = "agent"  # the other customer's order: the agent approves the quote on the phone
            move(order, role, action, body)
            if action == until:
                return

    # Finished ones first (a finished order does not make the next report a duplicate)...
    for until, then in (
        ("complete", None),
        ("follow-up", None),
        ("close", None),
        ("accept", ("agent", "resolve-remote", {"note": "电话指导解决"})),
        ("accept", ("agent", "cancel", {"reason": "客户不需要了"})),
    ):
        order = report(demo.appliance_id, "repair")
        walk(order, until, demo.appliance_id)
        if then:
            move(order, *then)
    # ...then one open order per state, each for its own appliance and service type.
    pairs = iter(
        (appliance, service_type)
        for appliance in (demo.appliance_id, demo.other_appliance_id)
        for service_type in ("repair", "installation", "maintenance", "cleaning", "relocation", "inspection")
    )
    for until, then in (
        (None, None),
        ("accept", None),
        ("assign", None),
        ("acknowledge", None),
        ("depart", None),
        ("arrive", None),
        ("quote", None),
        ("approve-quote", None),
        ("start", None),
        ("start", ("technician", "wait-parts", {"reason": "等压缩机"})),
        ("arrive", ("technician", "carry-in", {"receipt_no": "R-001", "workshop": "西湖维修中心"})),
    ):
        appliance, service_type = next(pairs)
        order = report(appliance, service_type)
        walk(order, until, appliance)
        if then:
            move(order, *then)
    answer = client.post(
        "/api/v1/complaints",
        json={"category": "attitude", "severity": "major", "description": "师傅态度差", "work_order_id": 1},
        headers=headers("agent"),
    )
    assert answer.status_code == 201, answer.text


def _rows(engine: Engine) -> list[tuple[Any, list[dict]]]:
    with engine.connect() as connection:
        return [
            (table, [dict(row._mapping) for row in connection.execute(select(table))])
            for table in Base.metadata.sorted_tables
        ]


def _put_back(engine: Engine, rows: list[tuple[Any, list[dict]]]) -> None:
    with engine.begin() as connection:
        for table, values in rows:
            if values:
                connection.execute(table.insert(), values)
        if engine.dialect.name == "postgresql":
            for table, values in rows:
                keys = list(table.primary_key.columns)
                if values and len(keys) == 1 and keys[0].autoincrement in (True, "auto"):
                    column = keys[0].name
                    connection.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
                            f"(SELECT MAX({column}) FROM {table.name}))"
                        )
                    )


@pytest.fixture(scope="module")
def fuzzed(engine: Engine, database_url: str, password_hash: str, tmp_path_factory) -> Iterator[dict]:
    """The app under test (one per module: schemathesis keeps an app's lifespan running), the world's rows
    and the tokens of the identities."""
    folder = tmp_path_factory.mktemp("schemathesis")
    settings = Settings(
        database_url=database_url,
        secret_key=SECRET,
        upload_dir=folder / "uploads",
        log_json=True,
        log_level="CRITICAL",
        outbound_allowed_networks=["127.0.0.0/8"],
    )
    _empty(engine)
    session = engine_session(engine)
    world = World(
        demo=build_tenant(session, "demo", password_hash), acme=build_tenant(session, "acme", password_hash)
    )
    session.commit()
    session.close()
    # The orders are made through the API by an app of their own (on PostgreSQL the intake's event-loop
    # engine belongs to the loop it ran on).
    seeding = create_app(settings)
    with TestClient(seeding) as client:
        _seed_orders(client, world)
    seeding.state.engine.dispose()
    rows = _rows(engine)
    tokens: dict[tuple[str, str] | None, dict[str, str]] = {None: {}}
    for identity in IDENTITIES:
        if identity is not None:
            user = getattr(world, identity[0]).users[identity[1]]
            token = issue_token(
                secret=SECRET, user_id=user.id, tenant_id=user.tenant_id, role=user.role, minutes=600
            )
            tokens[identity] = {"Authorization": f"Bearer {token}"}
    app = create_app(settings)
    try:
        yield {"app": app, "rows": rows, "tokens": tokens, "used": False}
    finally:
        from schemathesis.python import asgi

        asgi.shutdown_lifespans()
        app.state.engine.dispose()
        _empty(engine)


def engine_session(engine: Engine):
    from anxin.database import make_sessionmaker

    return make_sessionmaker(engine)()


@pytest.fixture
def world_anew(fuzzed: dict, engine: Engine) -> Iterator[None]:
    """The world as it was built, for each operation: its rows put back, and cleared after."""
    if fuzzed["used"]:
        _empty(engine)
        _put_back(engine, fuzzed["rows"])
    fuzzed["used"] = True
    yield


def _document() -> dict:
    """The app's OpenAPI document (an app over no database: the document needs none)."""
    app = create_app(Settings(database_url="sqlite://", secret_key=SECRET, log_level="WARNING"))
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()


schema = schemathesis.openapi.from_dict(_document(), config=SchemathesisConfig.from_dict(CONFIG))


def _identity(case) -> tuple[str, str] | None:
    """Who sends ``case``: a function of the case alone, so a replayed example is sent by the same caller."""
    key = repr((case.method, case.path_parameters, case.query, case.body, case.headers))
    return IDENTITIES[zlib.crc32(key.encode()) % len(IDENTITIES)]


# Rules checked in a model's validators (a mobile number, an end after a start) answer "Value error, ...":
# rules the document cannot state, as invalid_input's are.
RULE = re.compile(r"^(Value error|Assertion failed)")
# JSON Schema validators read a number over 2**53 as a float, so the generator takes 2**63 + 191 for
# "at most 2**63 - 1" (both are 9223372036854775808.0): the app is right to refuse it.
PAST_MAX_ID = "Input should be less than or equal to 9223372036854775807"


def never_malformed(ctx, response, case) -> None:
    """A request the document calls valid is never refused as malformed (422 ``validation_error``): what
    the document says of a request and what the app's validation checks are the same. A rule may still
    refuse it, with its own code or as a validator's value error."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 422:
        return
    error = response.json()["error"]
    if error["code"] != "validation_error":
        return
    unexplained = [
        problem
        for problem in error.get("errors", [])
        if not RULE.match(problem["message"]) and problem["message"] != PAST_MAX_ID
    ]
    assert not unexplained, f"a schema-valid request refused as malformed: {unexplained}"


@schema.parametrize()
def test_api(case, fuzzed, world_anew):
    case.call_and_validate(
        app=fuzzed["app"], headers=fuzzed["tokens"][_identity(case)], additional_checks=[never_malformed]
    )
