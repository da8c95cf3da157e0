"""A small price book the price-book tests share: visit fees, labour for two categories, a part with a
brand's own price, two materials; published over the API as an admin would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantWorld
from tests.dates import local_today

ITEMS: list[dict[str, Any]] = [
    {"code": "VISIT-URBAN", "kind": "visit", "name": "上门检测费（市区）", "unit": "time", "price_fen": 5000}
    | {"area": "urban", "note": "保修期内免收"},
    {
        "code": "VISIT-SUBURBAN",
        "kind": "visit",
        "name": "上门检测费（郊区）",
        "unit": "time",
        "price_fen": 8000,
    }
    | {"area": "suburban"},
    {"code": "AC-GAS", "kind": "labour", "name": "补加冷媒（加氟）", "unit": "time", "price_fen": 8000}
    | {"category": "air_conditioner", "service_type": "repair", "fault": "不制冷"},
    {"code": "AC-CLEAN", "kind": "labour", "name": "挂机深度清洗", "unit": "unit", "price_fen": 8000}
    | {"category": "air_conditioner", "service_type": "cleaning"},
    {"code": "RF-THERMOSTAT", "kind": "labour", "name": "更换温控器", "unit": "time", "price_fen": 8000}
    | {"category": "refrigerator", "service_type": "repair", "fault": "不制冷"},
    {"code": "PART-RF-THERMO", "kind": "part", "name": "温控器", "unit": "piece", "price_fen": 12000}
    | {"category": "refrigerator", "part_code": "RF-TH-01"},
    {"code": "MAT-PIPE", "kind": "material", "name": "铜管 φ6/φ9.52", "unit": "metre", "price_fen": 6500}
    | {"category": "air_conditioner"},
    {"code": "MAT-R32", "kind": "material", "name": "冷媒 R32", "unit": "kg", "price_fen": 6000}
    | {"category": "air_conditioner"},
]
BRAND_PRICE_FEN = 15000  # the haier thermostat


def brand_id(client: TestClient, world: TenantWorld, code: str = "haier") -> int:
    brands = client.get("/api/v1/catalog/brands", headers=world.headers("admin")).json()
    return next(b["id"] for b in brands if b["code"] == code)


def draft(client: TestClient, world: TenantWorld, **body: Any) -> dict:
    answer = client.post("/api/v1/price-book/versions", json=body or None, headers=world.headers("admin"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def add(client: TestClient, world: TenantWorld, version_id: int, item: dict) -> dict:
    answer = client.post(
        f"/api/v1/price-book/versions/{version_id}/items", json=item, headers=world.headers("admin")
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def publish(client: TestClient, world: TenantWorld, version_id: int, day: str | None = None) -> dict:
    answer = client.post(
        f"/api/v1/price-book/versions/{version_id}/publish",
        json={"effective_from": day or local_today().isoformat()},
        headers=world.headers("admin"),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def published_book(client: TestClient, world: TenantWorld) -> dict:
    """Version 1 with ``ITEMS`` (haier's own thermostat price), in force from today."""
    version = draft(client, world, note="首版")
    haier = brand_id(client, world)
    for item in ITEMS:
        if item["code"] == "PART-RF-THERMO":
            item = item | {"brand_prices": [{"brand_id": haier, "price_fen": BRAND_PRICE_FEN}]}
        add(client, world, version["id"], item)
    return publish(client, world, version["id"])
