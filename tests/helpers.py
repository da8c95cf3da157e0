"""Small steps the API tests share: report a fault, walk an order to a state."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from anxin.work_order import actions
from tests.conftest import TenantWorld

# The happy path, as (role, action, body) from created to closed.
HAPPY_PATH: list[tuple[str, str, dict[str, Any] | None]] = [
    ("agent", "accept", None),
    ("dispatcher", "assign", {"technician_id": None}),
    ("technician", "acknowledge", None),
    ("technician", "depart", {"lat": 30.25, "lng": 120.15}),
    ("technician", "arrive", {"lat": 30.27, "lng": 120.12}),
    (
        "technician",
        "quote",
        {
            "lines": [
                {"kind": "visit", "description": "上门费", "amount_fen": 5000},
                {"kind": "labour", "description": "更换温控器", "amount_fen": 8000},
                {"kind": "part", "description": "温控器", "amount_fen": 12000},
            ]
        },
    ),
    ("customer", "approve-quote", None),
    ("technician", "start", None),
    ("technician", "complete", {"note": "更换温控器，试机正常"}),
    ("agent", "follow-up", {"note": "电话回访，满意"}),
    ("quality", "close", None),
]


def report_body(world: TenantWorld) -> dict[str, Any]:
    """A customer's refrigerator that does not cool, reported on the hotline."""
    return {
        "customer_id": world.customer_id,
        "appliance_id": world.appliance_id,
        "service_type": "repair",
        "channel": "hotline",
        "fault_description": "冰箱不制冷，冷藏室温度高",
    }


def intake(world: TenantWorld, **overrides) -> actions.Intake:
    """The same report, for tests that call the actions directly."""
    return actions.Intake(**{**report_body(world), **overrides})


def report(
    client: TestClient, world: TenantWorld, *, role: str = "agent", headers: dict | None = None, **overrides
) -> Any:
    body = {**report_body(world), **overrides}
    return client.post("/api/v1/work-orders", json=body, headers={**world.headers(role), **(headers or {})})


def act(
    client: TestClient, world: TenantWorld, order_id: int, role: str, action: str, body: dict | None = None
) -> Any:
    if action == "assign" and body is not None and body.get("technician_id") is None:
        body = {**body, "technician_id": world.technician_id}
    return client.post(f"/api/v1/work-orders/{order_id}/{action}", json=body, headers=world.headers(role))


def walk(client: TestClient, world: TenantWorld, order_id: int, until: str) -> dict:
    """Take the happy path until the order has done ``until`` (an action name)."""
    response = None
    for role, action, body in HAPPY_PATH:
        response = act(client, world, order_id, role, action, body)
        assert response.status_code == 200, response.text
        if action == until:
            break
    return response.json()


def run_together(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released at the same moment; return results in order."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except Exception as exc:  # the test inspects what each thread met
            results[index] = exc

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
