"""The demo city's telemetry: an ingest key and a day of hourly readings from a share of the town's
appliances, stored through the ingest path (``telemetry.ingest``), then rolled up by the hour.

Values are the middle of each metric's plausible range with a little noise; counters grow by the hour.
The tenant gets the default rules; one air conditioner's last reading shows E1, so its alert is open.
The past before this day, and the failure model trained on it, are ``demo.telemetry_history``'s; the
devices that report live while the demo runs are ``demo.devices``'."""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.telemetry import rules, storage
from anxin.telemetry.ingest import devices, ingest
from anxin.telemetry.metrics import metrics_of
from anxin.telemetry.models import TelemetryKey

DEVICES = 60  # the connected share of the town's appliances (the first registered)
HOURS = 24


# a healthy unit's usual value where a third of the plausible range would be a fault already
TYPICAL = {
    "drain_seconds": 90.0,
    "fill_seconds": 120.0,
    "leakage_current_ma": 0.5,
    "vibration_g": 0.6,
    "gas_leak_ppm": 5.0,
    "tds_out_ppm": 20.0,
}


def typical_value(metric, hour: int, rng: random.Random) -> float:
    if metric.counter:
        return float(int(metric.high / 1000) + hour)
    middle = TYPICAL.get(metric.name, metric.low + (metric.high - metric.low) * 0.35)
    return round(middle * (1 + rng.uniform(-0.05, 0.05)), 2)


def load(
    db: Session,
    *,
    tenant_id: int,
    seed: int = 20,
    shape: Callable[[int, str, datetime], float] | None = None,
    appliance_ids: list[int] | None = None,
) -> str:
    """A day of readings for up to ``DEVICES`` of the tenant's appliances (or for ``appliance_ids``);
    what was stored. ``shape`` (appliance, metric, time) scales a value: a fault developing
    (``demo.telemetry_history``)."""
    rng = random.Random(seed)
    # a gateway's key whose value nobody holds (an admin makes a key of their own to send readings)
    db.add(
        TelemetryKey(tenant_id=tenant_id, name="演示网关", prefix="axt_demo", key_hash=secrets.token_hex(32))
    )
    chosen = select(Appliance.serial_number).where(Appliance.tenant_id == tenant_id).order_by(Appliance.id)
    chosen = chosen.limit(DEVICES) if appliance_ids is None else chosen.where(Appliance.id.in_(appliance_ids))
    rows = db.execute(chosen).all()
    known = devices(db, tenant_id=tenant_id, serials={serial for (serial,) in rows})
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    readings = []
    for serial, device in known.items():
        for hour in range(HOURS):
            at = now - timedelta(hours=HOURS - hour)
            metrics = {m.name: typical_value(m, hour, rng) for m in metrics_of(device.category)}
            if shape is not None:
                bounds = {m.name: (m.low, m.high) for m in metrics_of(device.category)}
                metrics = {
                    name: round(
                        min(
                            max(value * shape(device.appliance_id, name, at), bounds[name][0]),
                            bounds[name][1],
                        ),
                        2,
                    )
                    for name, value in metrics.items()
                }
            if not metrics:
                continue
            readings.append(
                {
                    "serial": serial,
                    "ts": at.isoformat(),
                    "metrics": metrics,
                }
            )
    # one air conditioner shows E1 in its last reading: the default rule opens an alert
    for reading in reversed(readings):
        if "high_pressure_mpa" in reading["metrics"]:
            reading["error_code"] = "E1"
            break
    rules.ensure_defaults(db, tenant_id=tenant_id)
    outcome = ingest(db, tenant_id=tenant_id, payload={"readings": readings[:5000]})
    rolled = storage.rollup(db, since=now - timedelta(hours=HOURS + 1), until=now)
    return (
        f"telemetry: {outcome.accepted} readings from {len(known)} appliances, rolled up by the hour "
        f"({rolled.hours} rows); {outcome.alerts_opened} alert(s) opened by the rules"
    )
