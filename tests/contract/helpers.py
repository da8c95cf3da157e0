"""Plans the contract tests share, created over the API as an admin would, and small helpers.

In ``tests.conftest``'s world, customer01's refrigerator was bought 18 months ago (its 36-month warranty
runs another 18 months) and customer02's 93 months ago (out of warranty but for the compressor)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import TenantWorld

BANDS = [
    {"up_to_fen": 300_000, "price_fen": 29_900},
    {"up_to_fen": 800_000, "price_fen": 49_900},
    {"up_to_fen": None, "price_fen": 89_900},
]
EW_TWO_YEARS: dict[str, Any] = {
    "code": "EW-RF-2Y",
    "kind": "extended_warranty",
    "name_zh": "冰箱延保 2 年",
    "name_en": "Refrigerator extended warranty, 2 years",
    "category_code": "refrigerator",
    "term_months": 24,
    "bands": BANDS,
    "max_age_months": 120,
    "renewal_discount_percent": 10,
}
CARE_CLEANING: dict[str, Any] = {
    "code": "CARE-RF-CLEAN",
    "kind": "care",
    "name_zh": "冰箱清洁年卡",
    "name_en": "Refrigerator cleaning, yearly",
    "category_code": "refrigerator",
    "term_months": 12,
    "price_fen": 19_900,
    "visits": 2,
    "service_type": "cleaning",
    "renewal_discount_percent": 20,
}
AC_CARE: dict[str, Any] = CARE_CLEANING | {
    "code": "CARE-AC",
    "name_zh": "空调清洗年卡",
    "name_en": "AC cleaning, yearly",
    "category_code": "air_conditioner",
}


def plan(client: TestClient, world: TenantWorld, body: dict[str, Any]) -> dict:
    answer = client.post("/api/v1/service-plans", json=body, headers=world.headers("admin"))
    assert answer.status_code == 201, answer.text
    return answer.json()


def sell(
    client: TestClient,
    world: TenantWorld,
    plan_id: int,
    *,
    appliance_id: int | None = None,
    who: str = "agent",
    **extra,
):
    body = {"appliance_id": appliance_id or world.other_appliance_id, "plan_id": plan_id, **extra}
    return client.post("/api/v1/contracts", json=body, headers=world.headers(who))


def sold(client: TestClient, world: TenantWorld, plan_id: int, **kwargs) -> dict:
    answer = sell(client, world, plan_id, **kwargs)
    assert answer.status_code == 201, answer.text
    return answer.json()
