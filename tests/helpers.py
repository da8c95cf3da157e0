"""Small steps the API tests share: report a fault, walk an order to a state."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.pricing.models import PriceBookVersion, PriceItem
from anxin.work_order import actions
from tests.conftest import TenantWorld

# The happy path, as (role, action, body) from created to closed.
HAPPY_PATH: list[tuple[str, str, dict[str, Any] | None]] = [
    ("agent", "accept", None),
    ("dispatcher", "assign", {"technician_id": None}),
    ("technician", "acknowledge", None),
    ("technician", "depart", {"lat": 30.25, "lng": 120.15}),
    ("technician", "arrive", {"lat": 30.27, "lng": 120.12}),
    # items of the world's price book by code (``BOOK``), which ``act`` and ``quote_lines`` turn into ids
    (
        "technician",
        "quote",
        {
            "lines": [
                {"code": "VISIT-URBAN", "quantity": 1},
                {"code": "RF-THERMOSTAT", "quantity": 1},
                {"code": "PART-RF-THERMO", "quantity": 1},
            ]
        },
    ),
    ("customer", "approve-quote", None),
    ("technician", "start", None),
    ("technician", "complete", {"note": "更换温控器，试机正常"}),
    ("agent", "follow-up", {"note": "电话回访，满意"}),
    ("quality", "close", None),
]


# The price book the tests' quotes pick from: published for each tenant the first time a quote needs it
# (``book``), in force since 2000 so that no trip of the clock leaves it behind. The happy path's quote
# (visit fee, labour, thermostat) comes to ¥250.00, all of it covered for customer01's refrigerator, which
# is under warranty.
BOOK: list[dict[str, Any]] = [
    {"code": "VISIT-URBAN", "kind": "visit", "name": "上门检测费（市区）", "unit": "time", "price_fen": 5000}
    | {"area": "urban"},
    {
        "code": "VISIT-SUBURBAN",
        "kind": "visit",
        "name": "上门检测费（郊区）",
        "unit": "time",
        "price_fen": 8000,
    }
    | {"area": "suburban"},
    {"code": "RF-THERMOSTAT", "kind": "labour", "name": "更换温控器", "unit": "time", "price_fen": 8000}
    | {"category_code": "refrigerator", "service_type": "repair"},
    {"code": "RF-COMPRESSOR", "kind": "labour", "name": "更换压缩机", "unit": "time", "price_fen": 28000}
    | {"category_code": "refrigerator", "service_type": "repair"},
    {"code": "PART-RF-THERMO", "kind": "part", "name": "温控器", "unit": "piece", "price_fen": 12000}
    | {"category_code": "refrigerator", "part_code": "RF-TH-01"},
    {"code": "PART-RF-COMP", "kind": "part", "name": "压缩机", "unit": "piece", "price_fen": 95000}
    | {"category_code": "refrigerator", "part_code": "RF-COMP-01"},
    {"code": "MAT-R600A", "kind": "material", "name": "冷媒 R600a", "unit": "kg", "price_fen": 6000}
    | {"category_code": "refrigerator"},
    {"code": "AC-GAS", "kind": "labour", "name": "补加冷媒（加氟）", "unit": "time", "price_fen": 8000}
    | {"category_code": "air_conditioner", "service_type": "repair"},
]
BOOK_SINCE = date(2000, 1, 1)


def book(db: Session, tenant_id: int) -> dict[str, int]:
    """``{code: price_item_id}`` of the tenant's test price book (``BOOK``), published on first use."""
    version = db.scalar(
        select(PriceBookVersion).where(
            PriceBookVersion.tenant_id == tenant_id,
            PriceBookVersion.status == "published",
            PriceBookVersion.effective_from == BOOK_SINCE,
        )
    )
    if version is None:
        number = db.scalar(
            select(func.max(PriceBookVersion.number)).where(PriceBookVersion.tenant_id == tenant_id)
        )
        version = PriceBookVersion(
            tenant_id=tenant_id,
            number=(number or 0) + 1,
            status="published",
            effective_from=BOOK_SINCE,
            note="测试价目表",
            published_at=clock.now(),
        )
        db.add(version)
        db.flush()
        db.add_all(PriceItem(tenant_id=tenant_id, version_id=version.id, **item) for item in BOOK)
        db.flush()
    rows = db.execute(select(PriceItem.code, PriceItem.id).where(PriceItem.version_id == version.id)).all()
    return dict(rows)


def quote_lines(db: Session, tenant_id: int, lines: list[dict]) -> list[dict]:
    """``lines`` with each ``code`` of the test book turned into its ``price_item_id``."""
    ids = book(db, tenant_id) if any("code" in line for line in lines) else {}
    return [
        {"price_item_id": ids[line["code"]], **{k: v for k, v in line.items() if k != "code"}}
        if "code" in line
        else line
        for line in lines
    ]


def quote_body(client: TestClient, world: TenantWorld, body: dict) -> dict:
    """A quote's body with the test book's codes turned into ids (the book published when needed): in the
    test's own database for a ``TestClient``, over the API for a client of a live server."""
    app = getattr(client, "app", None)
    if app is None:
        return {**body, "lines": _lines_over_the_api(client, world, body["lines"])}
    with app.state.sessionmaker() as db, db.begin():
        return {**body, "lines": quote_lines(db, world.tenant.id, body["lines"])}


def _lines_over_the_api(client: Any, world: TenantWorld, lines: list[dict]) -> list[dict]:
    codes = {line["code"] for line in lines if "code" in line}
    ids = {
        item["code"]: item["id"]
        for item in client.get("/api/v1/price-book", headers=world.headers("admin")).json()["items"]
    }
    if not codes <= ids.keys():
        ids = publish_book(str(client.base_url), world.headers("admin"))
    return [
        {"price_item_id": ids[line["code"]], **{k: v for k, v in line.items() if k != "code"}}
        if "code" in line
        else line
        for line in lines
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
    if action == "quote" and body is not None:
        body = quote_body(client, world, body)
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


def publish_book(base: str, headers: dict[str, str]) -> dict[str, int]:
    """The test book (``BOOK``) published over a live server's API by its admin, in force from today, as
    an admin would; ``{code: price_item_id}``."""
    import httpx

    from tests.dates import local_today

    with httpx.Client(base_url=base, headers=headers, timeout=10) as api:
        version = api.post("/api/v1/price-book/versions", json={"note": "测试价目表"})
        assert version.status_code == 201, version.text
        items = {}
        for item in BOOK:
            body = {("category" if key == "category_code" else key): value for key, value in item.items()}
            added = api.post(f"/api/v1/price-book/versions/{version.json()['id']}/items", json=body)
            assert added.status_code == 201, added.text
            items[item["code"]] = added.json()["id"]
        done = api.post(
            f"/api/v1/price-book/versions/{version.json()['id']}/publish",
            json={"effective_from": local_today().isoformat()},
        )
        assert done.status_code == 200, done.text
    return items
