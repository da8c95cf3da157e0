"""The demo city's telemetry past, so that a model can be trained on it: forty-five days of roll-ups for the
connected appliances, in which the appliances repaired in that time show a fault developing before the
repair, then the tenant's failure model trained (``telemetry.pdm.train``) and every connected appliance
scored (``telemetry.pdm.score``).

Which appliances are connected: the day of readings' share (``demo.telemetry``) and up to
``REPAIRED`` appliances of the categories with metrics that had a repair completed in the forty-five days. The
past is written as hourly roll-up rows every ``STEP_HOURS`` hours (as a device reporting that often would
leave them), ending where the day of readings begins. Before each completed repair, the category's
signature metric (``SIGNATURE``) drifts away from its usual value over ``DRIFT_DAYS`` days, the most in
the last hours, and comes back once the part is fitted; every other value keeps its usual level with a
little noise. So what the model learns is what the demo's data holds: drift before a repair."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.demo.telemetry import DEVICES, HOURS, typical_value
from anxin.telemetry import pdm, storage
from anxin.telemetry.metrics import metrics_of
from anxin.telemetry.models import TelemetryHourly
from anxin.work_order.models import WorkOrder

DAYS = 45
STEP_HOURS = 3
REPAIRED = 50
DRIFT_DAYS = 4

# category -> (metric, how far it drifts at the failure, as a share of its usual value)
SIGNATURE: dict[str, tuple[str, float]] = {
    "air_conditioner": ("compressor_current_a", 0.7),
    "refrigerator": ("fridge_temp_c", 1.6),
    "washing_machine": ("vibration_g", 2.5),
    "water_heater": ("element_current_a", -0.6),
    "dishwasher": ("drain_seconds", 2.0),
    "range_hood": ("fan_current_a", 0.8),
    "television": ("backlight_current_ma", 0.9),
    "water_purifier": ("tds_out_ppm", 4.0),
    "microwave": ("magnetron_temp_c", 0.8),
    "gas_stove": ("thermocouple_mv", -0.6),
}


@dataclass
class Plan:
    """Which appliances are connected, when each was repaired, and which have a fault developing now."""

    end: datetime
    connected: dict[int, tuple[str, list[datetime]]]
    developing: dict[int, datetime] = field(default_factory=dict)  # appliance -> when it would fail

    def failures(self, appliance_id: int) -> list[datetime]:
        _, repairs = self.connected.get(appliance_id, ("", []))
        ahead = self.developing.get(appliance_id)
        return [*repairs, ahead] if ahead else repairs

    def shape(self, appliance_id: int, metric: str, at: datetime) -> float:
        """The factor a fault developing puts on a value of ``metric`` at ``at`` (1: none)."""
        category, _ = self.connected.get(appliance_id, ("", []))
        signature, reach = SIGNATURE.get(category, ("", 0.0))
        if metric != signature:
            return 1.0
        return 1 + reach * _drift(at, self.failures(appliance_id))


@dataclass
class Past:
    devices: int = 0
    repaired: int = 0
    rows: int = 0
    trained: str = ""
    scored: int = 0
    alerts: int = 0


def _connected(db: Session, *, tenant_id: int, since: datetime) -> dict[int, tuple[str, list[datetime]]]:
    """appliance -> (category, completion times of its repairs since ``since``)."""
    categories = dict(
        db.execute(
            select(Appliance.id, Category.code)
            .join(ProductModel, ProductModel.id == Appliance.product_model_id)
            .join(Category, Category.id == ProductModel.category_id)
            .where(Appliance.tenant_id == tenant_id)
        ).all()
    )
    first = db.scalars(
        select(Appliance.id).where(Appliance.tenant_id == tenant_id).order_by(Appliance.id).limit(DEVICES)
    ).all()
    repairs: dict[int, list[datetime]] = {}
    for appliance_id, completed_at in db.execute(
        select(WorkOrder.appliance_id, WorkOrder.completed_at)
        .where(
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.service_type == "repair",
            WorkOrder.completed_at >= since,
            WorkOrder.appliance_id.is_not(None),
        )
        .order_by(WorkOrder.completed_at)
    ):
        repairs.setdefault(appliance_id, []).append(completed_at)
    chosen = [a for a in first if metrics_of(categories[a])]
    extra = [a for a in repairs if a not in set(chosen) and metrics_of(categories.get(a, ""))]
    chosen += extra[:REPAIRED]
    return {a: (categories[a], repairs.get(a, [])) for a in chosen}


def _drift(moment: datetime, repairs: list[datetime]) -> float:
    """How far along a developing fault is at ``moment`` (0 healthy, 1 at the repair)."""
    for done in repairs:
        ahead = (done - moment).total_seconds() / 86_400
        if 0 < ahead <= DRIFT_DAYS:
            return (1 - ahead / DRIFT_DAYS) ** 2
    return 0.0


def plan(db: Session, *, tenant_id: int) -> Plan:
    """The connected appliances; among the day of readings' share, the first air conditioner and the
    first refrigerator without a repair have a fault developing that would stop them in a day."""
    end = clock.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS + 1)
    connected = _connected(db, tenant_id=tenant_id, since=end - timedelta(days=DAYS))
    out = Plan(end=end, connected=connected)
    for wanted in ("air_conditioner", "refrigerator"):
        for appliance_id, (category, repairs) in sorted(connected.items())[:DEVICES]:
            if category == wanted and not repairs:
                out.developing[appliance_id] = end + timedelta(hours=HOURS + 1 + 24)
                break
    return out


def load(
    db: Session, *, tenant_id: int, tenant_slug: str, plan: Plan, save_model: bool, seed: int = 40
) -> Past:
    """Write the past, train the tenant's model and score its connected appliances."""
    rng = random.Random(seed)
    end, connected = plan.end, plan.connected
    start = end - timedelta(days=DAYS)
    past = Past(devices=len(connected), repaired=sum(1 for _, done in connected.values() if done))
    rows: list[dict] = []
    for appliance_id, (category, _) in connected.items():
        moment = start
        while moment <= end:
            hours = int((moment - start).total_seconds() // 3600)
            for metric in metrics_of(category):
                if metric.counter:  # the day of readings starts the counters
                    continue
                value = typical_value(metric, hours, rng, category=category) * plan.shape(
                    appliance_id, metric.name, moment
                )
                value = min(max(value, metric.low), metric.high)
                rows.append(
                    dict(
                        appliance_id=appliance_id,
                        metric=metric.name,
                        hour_at=moment,
                        tenant_id=tenant_id,
                        min_value=value,
                        max_value=value,
                        sum_value=value,
                        count=1,
                    )
                )
            moment += timedelta(hours=STEP_HOURS)
    for chunk in range(0, len(rows), 20_000):
        db.execute(insert(TelemetryHourly), rows[chunk : chunk + 20_000])
    past.rows = len(rows)
    db.flush()
    storage.rollup_days(db, since=start.date(), until=clock.now().date())  # the model reads whole days
    try:
        bundle = pdm.train(db, tenant_id=tenant_id)
    except pdm.NotEnoughHistory as exc:
        past.trained = str(exc).split(" / ")[0]
        return past
    past.trained = (
        f"{bundle['rows']} 个样本（{bundle['failure_rows']} 个故障样本），类别 {len(bundle['classes'])}"
    )
    if save_model:
        pdm.save(bundle, pdm.model_path(tenant_slug))
    scored = pdm.score(db, tenant_id=tenant_id, bundle=bundle)
    past.scored, past.alerts = scored.scored, scored.alerts_opened
    return past
