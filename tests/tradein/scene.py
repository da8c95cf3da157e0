"""The trade-in tests' small world: the demo tenant's valuation table for refrigerators, a recycling order
of customer01 with the technician on site, and installation orders, all made over the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from tests.conftest import TenantWorld
from tests.helpers import report, walk

RATES = "/api/v1/trade-in/rates"
VALUATION = "/api/v1/trade-in/valuation"
BANDS = ("0_2", "3_5", "6_8", "9_plus")
CONDITIONS = ("intact", "fair", "poor", "dead")
# yuan per band (rows) and condition (columns): older and worse are never worth more
GRID_YUAN = {
    "0_2": (800, 500, 200, 30),
    "3_5": (500, 300, 120, 30),
    "6_8": (300, 180, 80, 30),
    "9_plus": (150, 100, 50, 30),
}
FLOOR_FEN, SUBSIDY_FEN = 5000, 20000  # ¥50 floor, ¥200 campaign subsidy


def grid_body(category: str = "refrigerator", **overrides: Any) -> dict:
    cells = [
        {"age_band": band, "condition": condition, "value_fen": GRID_YUAN[band][i] * 100}
        for band in BANDS
        for i, condition in enumerate(CONDITIONS)
    ]
    body = {
        "category": category,
        "floor_fen": FLOOR_FEN,
        "subsidy_fen": SUBSIDY_FEN,
        "subsidy_label": "以旧换新焕新补贴",
        "rates": cells,
    }
    return body | overrides


def set_table(client: TestClient, world: TenantWorld, **overrides: Any) -> dict:
    answer = client.put(RATES, json=grid_body(**overrides), headers=world.headers("admin"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def order_of(
    client: TestClient,
    world: TenantWorld,
    service_type: str,
    *,
    other: bool = False,
    appliance_id: int | None = None,
) -> int:
    """An order of customer01 (``other``: customer02) of ``service_type``, just reported (for customer01's
    ``appliance_id`` when given)."""
    overrides: dict[str, Any] = {}
    if other:
        overrides = {"customer_id": world.other_customer_id, "appliance_id": world.other_appliance_id}
    elif appliance_id is not None:
        overrides = {"appliance_id": appliance_id}
    answer = report(client, world, service_type=service_type, **overrides)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def second_appliance(sessionmaker_, world: TenantWorld) -> int:
    """Another refrigerator of customer01's (one open order per appliance and service type)."""
    with sessionmaker_() as db:
        old = db.get(Appliance, world.appliance_id)
        new = appliance_service.create(
            db,
            tenant_id=old.tenant_id,
            customer_id=old.customer_id,
            product_model_id=old.product_model_id,
            serial_number=f"SNTI{old.id:04d}X",
            purchase_date=old.purchase_date,
            purchase_channel="jd",
            install_date=None,
            address_id=old.address_id,
        )
        db.commit()
        return new.id


def on_site_recycling(client: TestClient, world: TenantWorld, *, other: bool = False) -> int:
    """A recycling order with tech01 on site."""
    order = order_of(client, world, "recycling", other=other)
    walk(client, world, order, "arrive")
    return order


def trade_in_of(order_id: int) -> str:
    return f"/api/v1/work-orders/{order_id}/trade-in"


def valued(client: TestClient, world: TenantWorld, condition: str = "fair", **body: Any) -> int:
    """A recycling order valued by tech01 (the table set first)."""
    set_table(client, world)
    order = on_site_recycling(client, world)
    answer = client.put(
        trade_in_of(order), json={"condition": condition, **body}, headers=world.headers("technician")
    )
    assert answer.status_code == 200, answer.text
    return order


def accepted(client: TestClient, world: TenantWorld, condition: str = "fair") -> int:
    order = valued(client, world, condition)
    answer = client.post(f"{trade_in_of(order)}/accept", headers=world.headers("customer"))
    assert answer.status_code == 200, answer.text
    return order


def link(client: TestClient, world: TenantWorld, recycling: int, installation: int, role: str = "customer"):
    return client.post(
        f"{trade_in_of(recycling)}/link",
        json={"installation_order_id": installation},
        headers=world.headers(role),
    )
