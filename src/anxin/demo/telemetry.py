"""The demo city's telemetry: an ingest key and a day of hourly readings from a share of the town's
appliances, stored through the ingest path (``telemetry.ingest``), then rolled up by the hour.

Values are a healthy unit's usual ones (``TYPICAL``) with a little noise; counters grow by the hour.
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


# A healthy unit's usual values on a winter day in Hangzhou (the demo's season); a metric not named here
# sits at a third of its plausible range. By category first, then by name alone.
TYPICAL: dict[tuple[str, str], float] = {
    ("air_conditioner", "indoor_temp_c"): 21.0,
    ("air_conditioner", "outdoor_temp_c"): 8.0,
    ("air_conditioner", "coil_temp_c"): 40.0,  # heating: the indoor coil is the hot side
    ("air_conditioner", "high_pressure_mpa"): 2.6,
    ("air_conditioner", "low_pressure_mpa"): 0.8,
    ("air_conditioner", "compressor_current_a"): 6.5,
    ("air_conditioner", "power_w"): 1_400.0,
    ("refrigerator", "fridge_temp_c"): 4.0,
    ("refrigerator", "freezer_temp_c"): -18.0,
    ("refrigerator", "variable_temp_c"): -2.0,
    ("refrigerator", "ambient_temp_c"): 16.0,
    ("refrigerator", "defrost_heater_current_a"): 0.3,
    ("refrigerator", "compressor_current_a"): 0.9,
    ("washing_machine", "motor_current_a"): 1.8,
    ("washing_machine", "water_temp_c"): 30.0,
    ("water_heater", "outlet_temp_c"): 50.0,
    ("water_heater", "tank_temp_c"): 60.0,
    ("water_heater", "element_current_a"): 9.0,
    ("range_hood", "fan_current_a"): 1.2,
    ("range_hood", "fan_rpm"): 1_200.0,
    ("range_hood", "airflow_m3_min"): 18.0,
    ("range_hood", "power_w"): 200.0,
    ("gas_stove", "thermocouple_mv"): 20.0,
    ("dishwasher", "water_temp_c"): 55.0,
    ("dishwasher", "pump_current_a"): 0.8,
    ("dishwasher", "heater_current_a"): 8.0,
    ("television", "panel_temp_c"): 35.0,
    ("television", "backlight_current_ma"): 600.0,
    ("television", "power_w"): 120.0,
    ("water_purifier", "tds_in_ppm"): 250.0,
    ("water_purifier", "pump_pressure_mpa"): 0.6,
    ("microwave", "magnetron_temp_c"): 60.0,
    ("microwave", "magnetron_current_a"): 6.0,
}
TYPICAL_ANY = {
    "drain_seconds": 90.0,
    "fill_seconds": 120.0,
    "leakage_current_ma": 0.5,
    "vibration_g": 0.6,
    "gas_leak_ppm": 5.0,
    "tds_out_ppm": 20.0,
}


def counter_start(metric, appliance_id: int) -> int:
    """Where a counter stood a day ago: run hours spread over 300 to 1,900 by appliance (below the
    default cleaning rule's 2,000, around the cleaning campaign's 800), the others a thousandth of
    their range."""
    if metric.name == "run_hours":
        return 300 + (appliance_id * 7_919) % 1_600
    return int(metric.high / 1000)


def typical_value(
    metric, hour: int, rng: random.Random, *, category: str = "", appliance_id: int = 0
) -> float:
    if metric.counter:
        return float(counter_start(metric, appliance_id) + hour)
    middle = TYPICAL.get((category, metric.name)) or TYPICAL_ANY.get(
        metric.name, metric.low + (metric.high - metric.low) * 0.35
    )
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
            metrics = {
                m.name: typical_value(
                    m, hour, rng, category=device.category, appliance_id=device.appliance_id
                )
                for m in metrics_of(device.category)
            }
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
