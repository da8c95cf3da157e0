"""Helpers of the telemetry tests: an ingest key made through the API, and readings to send."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from anxin import clock
from tests.conftest import TenantWorld

SERIAL = "SN{slug}0000"  # the world's first refrigerator (tests/conftest.py build_tenant)


def serial(world: TenantWorld, index: int = 0) -> str:
    return f"SN{world.tenant.slug.upper()}{index:04d}"


def make_key(client: TestClient, world: TenantWorld, name: str = "品牌云") -> str:
    response = client.post("/api/v1/telemetry/keys", json={"name": name}, headers=world.headers("admin"))
    assert response.status_code == 201, response.text
    return response.json()["key"]


def reading(world: TenantWorld, *, minutes_ago: float = 5, index: int = 0, **metrics: Any) -> dict[str, Any]:
    ts = clock.now() - timedelta(minutes=minutes_ago)
    return {
        "serial": serial(world, index),
        "ts": ts.isoformat(),
        "metrics": metrics or {"fridge_temp_c": 4.2, "freezer_temp_c": -18.5, "compressor_current_a": 1.1},
    }


def send(client: TestClient, key: str, readings: list[Any], **headers: str):
    return client.post(
        "/api/v1/telemetry", json={"readings": readings}, headers={"X-Api-Key": key, **headers}
    )


def strings(value) -> list[str]:
    """Every text of an answer (its values, not its keys)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def warm_rule(db, world: TenantWorld) -> None:
    """The refrigerator's rule "冷藏室偏热": the fridge compartment above 10 °C."""
    from anxin.telemetry.models import TelemetryRule

    db.add(
        TelemetryRule(
            tenant_id=world.tenant.id,
            category="refrigerator",
            cause="warm",
            kind="threshold",
            metric="fridge_temp_c",
            threshold=10,
            name_zh="冷藏室偏热",
            name_en="Warm fridge",
        )
    )
    db.commit()
