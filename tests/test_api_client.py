"""The API as an integrator meets it: a client generated from the live server's OpenAPI document with
openapi-python-client (offline, no post-hooks) drives one order from the report to closed, and a refused
move comes back as the typed error model. A live uvicorn server over a temporary SQLite database
(``tests/e2e/conftest.py``'s ``live_world``), no browser."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import live_world  # noqa: F401 - the live server this test drives
from tests.helpers import publish_book

pytestmark = pytest.mark.integration

PACKAGE = "anxin_api_client"  # from the document's title, "Anxin API"


@pytest.fixture(scope="module")
def generated(live_world, tmp_path_factory):  # noqa: F811 - the imported fixture
    """The client package generated from the server's own document, imported from a temporary folder."""
    base, _ = live_world
    folder = tmp_path_factory.mktemp("client")
    document = folder / "openapi.json"
    document.write_text(json.dumps(httpx.get(f"{base}/openapi.json", timeout=10).json()), encoding="utf-8")
    config = folder / "config.json"
    # No ruff or black run on it; the binary downloads (the report's PDF, the KPI workbook) are read as
    # bytes, a content type the generator does not know by name.
    binary = "application/octet-stream"
    overrides = {
        "application/pdf": binary,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": binary,
        "image/svg+xml": binary,
    }
    config.write_text(json.dumps({"post_hooks": [], "content_type_overrides": overrides}), encoding="utf-8")
    # Nothing may leave this machine: a proxy that answers nothing catches any attempt to.
    quiet = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(document),
            "--config",
            str(config),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
            "--fail-on-warning",
        ],
        env={**os.environ, **quiet},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_the_generated_client_takes_an_order_from_report_to_closed(generated, live_world):  # noqa: F811
    base, world = live_world
    demo = world.demo
    api = importlib.import_module(f"{PACKAGE}.api")
    models = importlib.import_module(f"{PACKAGE}.models")
    auth = importlib.import_module(f"{PACKAGE}.api.auth.auth_token")
    assert {"work_orders", "dispatch", "customers"} <= {
        path.name for path in Path(api.__file__).parent.iterdir()
    }

    def signed_in(username: str):
        anonymous = generated.Client(base_url=base, raise_on_unexpected_status=True)
        token = auth.sync(
            client=anonymous, body=models.BodyAuthToken(username=f"{username}@demo", password=PASSWORD)
        )
        assert isinstance(token, models.Token), token
        return generated.AuthenticatedClient(
            base_url=base, token=token.access_token, raise_on_unexpected_status=True
        )

    agent, dispatcher, technician, customer, quality = (
        signed_in(name) for name in ("agent", "dispatcher", "tech01", "customer01", "quality")
    )

    def call(group: str, operation: str, client, **kwargs):
        function = importlib.import_module(f"{PACKAGE}.api.{group}.{operation}")
        return function.sync_detailed(client=client, **kwargs)

    # the caller by phone, then the report
    found = call("customers", "customers_search", agent, q="13800000001")
    assert found.status_code == 200 and found.parsed.items[0].id == demo.customer_id
    created = call(
        "work_orders",
        "work_orders_create",
        agent,
        body=models.WorkOrderCreate(
            customer_id=demo.customer_id,
            appliance_id=demo.appliance_id,
            service_type=models.ServiceType.REPAIR,
            channel=models.Channel.HOTLINE,
            fault_description="冰箱不制冷，冷藏室温度高",
        ),
    )
    assert created.status_code == 201, created.content
    order = created.parsed
    assert isinstance(order, models.WorkOrderCreated) and order.status == "created"

    # the price book the technician's quote picks from, as the integrator reads it
    publish_book(base, demo.headers("admin"))
    found = call("price_book", "price_book_in_force", technician, category=models.CategoryCode.REFRIGERATOR)
    assert found.status_code == 200, found.content
    book = {item.code: item.id for item in found.parsed.items}
    here = models.ActionBody(lat=30.27, lng=120.12)
    # An optional body left out is sent as the generator's own UNSET marker, which httpx cannot encode
    # (openapi-python-client 0.29); an empty body is what an integrator passes.
    nothing = {"body": models.ActionBody()}
    line = models.QuoteLineIn
    steps = [
        ("dispatch", "dispatch_accept", agent, nothing),
        (
            "dispatch",
            "dispatch_assign",
            dispatcher,
            {"body": models.AssignBody(technician_id=demo.technician_id)},
        ),
        ("work_orders", "work_orders_acknowledge", technician, nothing),
        ("work_orders", "work_orders_depart", technician, {"body": models.ActionBody(lat=30.25, lng=120.15)}),
        ("work_orders", "work_orders_arrive", technician, {"body": here}),
        (
            "work_orders",
            "work_orders_quote",
            technician,
            {
                "body": models.QuoteBody(
                    lines=[
                        line(price_item_id=book["VISIT-URBAN"], quantity=1),
                        line(price_item_id=book["PART-RF-THERMO"], quantity=2),
                        line(kind="other", description="密封胶", amount_fen=500),
                    ]
                )
            },
        ),
        ("work_orders", "work_orders_approve_quote", customer, nothing),
        ("work_orders", "work_orders_start", technician, nothing),
        ("work_orders", "work_orders_complete", technician, {"body": models.CompleteBody(note="更换温控器")}),
        ("work_orders", "work_orders_follow_up", agent, {"body": models.ActionBody(note="电话回访，满意")}),
        ("work_orders", "work_orders_close", quality, nothing),
    ]
    for group, operation, client, kwargs in steps:
        answer = call(group, operation, client, order_id=order.id, **kwargs)
        assert answer.status_code in (200, 201), (operation, answer.content)
    quoted = call("work_orders", "work_orders_get_quote", customer, order_id=order.id).parsed
    assert isinstance(quoted, models.QuoteRead) and quoted.total_fen == 5000 + 24000 + 500
    assert quoted.payable_fen == 0 and quoted.lines[2].needs_review  # under warranty; the typed line flagged
    closed = call("work_orders", "work_orders_get", agent, order_id=order.id).parsed
    assert isinstance(closed, models.WorkOrderRead) and closed.status == "closed"

    # a refused move and an order out of sight come back typed, in the one error shape
    refused = call("work_orders", "work_orders_close", quality, order_id=order.id, **nothing)
    assert refused.status_code == 409
    assert isinstance(refused.parsed, models.ErrorRead)
    assert refused.parsed.error.code == "illegal_transition" and refused.parsed.error.current == "closed"
    missing = call("work_orders", "work_orders_get", agent, order_id=order.id + 1000)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.ErrorRead)
    assert missing.parsed.error.code == "not_found"
