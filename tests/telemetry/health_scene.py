"""A connected appliance for the health tests (tests/telemetry/test_health.py) and the customer-words
check (tests/web/test_customer_words.py): the world's first refrigerator (海尔) reports for three hours,
the last reading with an error code, over the tenant's knowledge base (the shipped seed), rolled up."""

from __future__ import annotations

from datetime import timedelta

from anxin import clock
from anxin.knowledge import service as knowledge_service
from anxin.telemetry import storage
from tests.conftest import TenantWorld
from tests.telemetry.support import make_key, send, serial


def at(world: TenantWorld, minutes_ago: float, index: int = 0, **fields):
    return {
        "serial": serial(world, index),
        "ts": (clock.now() - timedelta(minutes=minutes_ago)).isoformat(),
        **fields,
    }


def connect(client, world: TenantWorld, db, *, code: str | None = "E1", fridge: float = 4.5) -> str:
    """Readings of the first refrigerator, the last with ``code``; the ingest key made for them."""
    knowledge_service.load_seed(db, tenant_id=world.tenant.id)
    db.commit()
    key = make_key(client, world)
    readings = [
        at(world, m, metrics={"fridge_temp_c": 4.0, "freezer_temp_c": -18.0, "compressor_current_a": 1.2})
        for m in (170, 110, 50)
    ]
    last = {"fridge_temp_c": fridge, "freezer_temp_c": -18.5, "compressor_current_a": 1.1}
    readings.append(at(world, 5, metrics=last, **({"error_code": code} if code else {})))
    answer = send(client, key, readings)
    assert answer.status_code == 200 and answer.json()["accepted"] == 4, answer.text
    storage.rollup(db, since=clock.now() - timedelta(hours=4))
    db.commit()
    return key
