"""Failure prediction from the platform's own history: ``anxin pdm train`` and ``anxin pdm score``.

Rows: every appliance with telemetry, every ``step_hours`` from its first roll-up hour (plus the longest
window) on. Features at a moment ``t`` (``pdm_features``): the mean and standard deviation of each
metric's hourly averages (``telemetry_hourly``) over each window ``(t - w, t]``, the readings with an
error code over each window (``telemetry_reading``), hours since a part was last fitted on the appliance
before ``t`` (``part_fitting``, any order), the appliance's age in days and its category. Label: the component of
each completed repair order of the appliance (``completed_at`` in ``[t, t + horizon)``): the key part
(``part.key_part``) of each part fitted on it, else the part's code, or ``other`` when none was fitted;
``none`` when no repair was completed in the horizon. Only moments whose horizon has fully passed are
labelled. A LightGBM classifier (classes balanced) learns them.

Scoring rates every appliance with roll-ups in the last ``recent_hours``: the most likely failing
component and its probability are kept in ``pdm_score`` (one row per appliance, replaced); at or above
the threshold the appliance gets an alert of cause ``predicted_failure:<component>`` through
``rules.open_alert`` (one open alert per appliance and cause, so scoring again opens nothing new). Each
such cause has its rule (kind ``model``, made on first use): an admin deactivating it mutes the
prediction. The probability stays in ``pdm_score`` (staff only), not on the alert.

The model file is a pickle written and read by this module only (``var/pdm/<tenant>.pkl`` or
``ANXIN_PDM_MODEL``); load only files this command wrote."""

from __future__ import annotations

import math
import os
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.clock import now
from anxin.parts.models import Part, PartFitting
from anxin.telemetry import rules
from anxin.telemetry.models import TelemetryHourly, TelemetryReading, TelemetryRule
from anxin.telemetry.pdm_features import NONE, count_in, horizon_labels, hours_since, window_stats
from anxin.telemetry.pdm_models import PdmScore
from anxin.work_order.models import WorkOrder

CAUSE = "predicted_failure:"
OTHER = "other"


class NotEnoughHistory(Exception):
    """Too little history to learn from: the message says what is missing (Chinese / English)."""


@dataclass(frozen=True)
class Plan:
    windows_hours: tuple[int, ...] = (24, 72)
    step_hours: int = 24
    horizon_hours: int = 168
    min_failures: int = 3  # failure rows needed to train
    min_rows: int = 20


@dataclass
class History:
    until: datetime
    categories: dict[int, str] = field(default_factory=dict)  # appliance -> category code
    bought: dict[int, date] = field(default_factory=dict)
    series: dict[int, dict[str, tuple[list[datetime], list[float]]]] = field(default_factory=dict)
    errors: dict[int, list[datetime]] = field(default_factory=dict)
    fittings: dict[int, list[datetime]] = field(default_factory=dict)
    failures: list[tuple[int, datetime, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # component -> a part's name for it


def model_path(tenant_slug: str) -> Path:
    return Path(os.environ.get("ANXIN_PDM_MODEL") or Path("var") / "pdm" / f"{tenant_slug}.pkl")


def load_history(db: Session, *, tenant_id: int, until: datetime | None = None) -> History:
    """The tenant's telemetry roll-ups, error readings, fitted parts and completed repairs up to ``until``."""
    history = History(until=until or now())
    for appliance_id, category, bought in db.execute(
        select(Appliance.id, Category.code, Appliance.purchase_date)
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Category, Category.id == ProductModel.category_id)
        .where(Appliance.tenant_id == tenant_id)
    ):
        history.categories[appliance_id], history.bought[appliance_id] = category, bought
    series: dict[int, dict[str, tuple[list, list]]] = defaultdict(dict)
    for appliance_id, metric, hour_at, total, count in db.execute(
        select(
            TelemetryHourly.appliance_id,
            TelemetryHourly.metric,
            TelemetryHourly.hour_at,
            TelemetryHourly.sum_value,
            TelemetryHourly.count,
        )
        .where(TelemetryHourly.tenant_id == tenant_id, TelemetryHourly.hour_at <= history.until)
        .order_by(TelemetryHourly.appliance_id, TelemetryHourly.metric, TelemetryHourly.hour_at)
    ):
        times, values = series[appliance_id].setdefault(metric, ([], []))
        times.append(hour_at)
        values.append(total / count if count else math.nan)
    history.series = dict(series)
    errors: dict[int, list[datetime]] = defaultdict(list)
    for appliance_id, ts in db.execute(
        select(TelemetryReading.appliance_id, TelemetryReading.ts)
        .where(
            TelemetryReading.tenant_id == tenant_id,
            TelemetryReading.error_code.is_not(None),
            TelemetryReading.ts <= history.until,
        )
        .order_by(TelemetryReading.appliance_id, TelemetryReading.ts)
    ):
        errors[appliance_id].append(ts)
    history.errors = dict(errors)
    fittings: dict[int, list[datetime]] = defaultdict(list)
    parts: dict[int, set[str]] = defaultdict(set)
    for appliance_id, order_id, fitted_at, key_part, code, name in db.execute(
        select(
            WorkOrder.appliance_id, WorkOrder.id, PartFitting.fitted_at, Part.key_part, Part.code, Part.name
        )
        .join(WorkOrder, WorkOrder.id == PartFitting.work_order_id)
        .join(Part, Part.id == PartFitting.part_id)
        .where(PartFitting.tenant_id == tenant_id, PartFitting.fitted_at <= history.until)
        .order_by(PartFitting.fitted_at)
    ):
        fittings[appliance_id].append(fitted_at)
        component = (key_part or code)[: 40 - len(CAUSE)]
        parts[order_id].add(component)
        history.names.setdefault(component, name)
    history.fittings = dict(fittings)
    for order_id, appliance_id, completed_at in db.execute(
        select(WorkOrder.id, WorkOrder.appliance_id, WorkOrder.completed_at).where(
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.service_type == "repair",
            WorkOrder.completed_at.is_not(None),
            WorkOrder.completed_at <= history.until,
        )
    ):
        for component in sorted(parts.get(order_id) or {OTHER}):
            history.failures.append((appliance_id, completed_at, component))
    return history


def feature_names(metrics: list[str], plan: Plan) -> list[str]:
    names = [f"{m}_{s}_{w}h" for w in plan.windows_hours for m in metrics for s in ("mean", "std")]
    names += [f"errors_{w}h" for w in plan.windows_hours]
    return [*names, "hours_since_part_fitted", "age_days", "category"]


def features_at(
    history: History,
    appliance_id: int,
    moment: datetime,
    *,
    metrics: list[str],
    categories: list[str],
    plan: Plan,
) -> list[float]:
    """The feature row of the appliance at ``moment`` (columns in ``feature_names`` order)."""
    own = history.series.get(appliance_id, {})
    row: list[float] = []
    for window in plan.windows_hours:
        span = timedelta(hours=window)
        for metric in metrics:
            times, values = own.get(metric, ((), ()))
            row += window_stats(times, values, moment, span) if times else (math.nan, math.nan)
    errors = history.errors.get(appliance_id, [])
    row += [count_in(errors, moment, timedelta(hours=window)) for window in plan.windows_hours]
    # strictly before: a part fitted at the moment belongs to the repair the row may be labelled with
    row.append(hours_since(history.fittings.get(appliance_id, []), moment, strict=True))
    bought = history.bought.get(appliance_id)
    row.append((moment.date() - bought).days if bought else math.nan)
    category = history.categories.get(appliance_id)
    row.append(categories.index(category) if category in categories else math.nan)
    return row


def moments(history: History, appliance_id: int, plan: Plan, *, labelled: bool) -> list[datetime]:
    """The moments of an appliance's training rows: every ``step_hours`` from its first roll-up hour
    plus the longest window, while the horizon after it has passed (``labelled``)."""
    hours = [times[0] for times, _ in history.series.get(appliance_id, {}).values() if times]
    lasts = [times[-1] for times, _ in history.series.get(appliance_id, {}).values() if times]
    if not hours:
        return []
    moment, last = min(hours) + timedelta(hours=max(plan.windows_hours)), max(lasts)
    stop = history.until - timedelta(hours=plan.horizon_hours) if labelled else history.until
    out = []
    while moment <= min(last, stop):
        out.append(moment)
        moment += timedelta(hours=plan.step_hours)
    return out


def training_set(history: History, plan: Plan) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    metrics = sorted({metric for own in history.series.values() for metric in own})
    categories = sorted(set(history.categories.values()))
    points = [(a, m) for a in sorted(history.series) for m in moments(history, a, plan, labelled=True)]
    rows = horizon_labels(points, history.failures, horizon=timedelta(hours=plan.horizon_hours))
    x = [features_at(history, *points[i], metrics=metrics, categories=categories, plan=plan) for i, _ in rows]
    layout = {"metrics": metrics, "categories": categories}
    return (
        np.asarray(x, dtype=float).reshape(len(x), len(feature_names(metrics, plan))),
        np.asarray([label for _, label in rows]),
        layout,
    )


def train(db: Session, *, tenant_id: int, plan: Plan | None = None, until: datetime | None = None) -> dict:
    """Learn the tenant's model; raises ``NotEnoughHistory`` when there is too little to learn from."""
    import lightgbm

    plan = plan or Plan()
    history = load_history(db, tenant_id=tenant_id, until=until)
    x, y, layout = training_set(history, plan)
    failures = int((y != NONE).sum()) if len(y) else 0
    if len(y) < plan.min_rows or failures < plan.min_failures or failures == len(y):
        raise NotEnoughHistory(
            f"历史数据不足，无法训练：{len(y)} 个样本，其中 {failures} 个在 {plan.horizon_hours} 小时内有完工维修"
            f"（至少需要 {plan.min_rows} 个样本、{plan.min_failures} 个故障样本，且须有正常样本） / "
            f"not enough history to train: {len(y)} rows, {failures} with a repair completed within "
            f"{plan.horizon_hours} h (at least {plan.min_rows} rows and {plan.min_failures} failure rows, "
            "and some healthy ones, are needed)"
        )
    model = lightgbm.LGBMClassifier(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=2,
        class_weight="balanced",
        random_state=7,
        n_jobs=2,
        verbose=-1,
    )
    model.fit(x, y)
    return {
        "model": model,
        "plan": plan,
        "layout": layout,
        "names": history.names,
        "trained_at": history.until,
        "rows": len(y),
        "failure_rows": failures,
        "classes": [str(c) for c in model.classes_],
    }


def save(bundle: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_bytes(pickle.dumps(bundle))
    partial.replace(path)


def load(path: Path) -> dict:
    return pickle.loads(path.read_bytes())  # noqa: S301 - a file this module wrote


@dataclass
class Scored:
    scored: int = 0
    above: int = 0
    alerts_opened: int = 0


def _rule(
    db: Session, *, tenant_id: int, category: str, component: str, names: dict[str, str]
) -> TelemetryRule:
    cause = f"{CAUSE}{component}"
    rule = db.scalar(
        select(TelemetryRule).where(
            TelemetryRule.tenant_id == tenant_id,
            TelemetryRule.category == category,
            TelemetryRule.cause == cause,
        )
    )
    if rule is None:
        part = names.get(component, component)
        rule = TelemetryRule(
            tenant_id=tenant_id,
            category=category,
            cause=cause,
            kind="model",
            name_zh=f"预测故障：{part}"[:80],
            name_en=f"Predicted failure: {component}"[:80],
        )
        db.add(rule)
        db.flush()
    return rule


def score(
    db: Session,
    *,
    tenant_id: int,
    bundle: dict,
    threshold: float = 0.5,
    recent_hours: int = 72,
    at: datetime | None = None,
) -> Scored:
    """Rate every appliance of the tenant with roll-ups in the last ``recent_hours``; keep the score and
    open an alert at or above ``threshold`` (none while one of that cause is open)."""
    plan: Plan = bundle["plan"]
    at = at or now()
    history = load_history(db, tenant_id=tenant_id, until=at)
    since = at - timedelta(hours=recent_hours)
    devices = sorted(
        a
        for a, own in history.series.items()
        if any(times and times[-1] >= since for times, _ in own.values())
    )
    out = Scored()
    if not devices:
        return out
    layout = bundle["layout"]
    x = np.asarray(
        [
            features_at(history, a, at, metrics=layout["metrics"], categories=layout["categories"], plan=plan)
            for a in devices
        ],
        dtype=float,
    )
    model = bundle["model"]
    probabilities = model.predict_proba(x)
    classes = [str(c) for c in model.classes_]
    failing = [i for i, c in enumerate(classes) if c != NONE]
    db.execute(delete(PdmScore).where(PdmScore.tenant_id == tenant_id, PdmScore.appliance_id.in_(devices)))
    for appliance_id, row in zip(devices, probabilities, strict=True):
        best = max(failing, key=lambda i: row[i]) if failing else None
        component = classes[best] if best is not None else NONE
        probability = float(row[best]) if best is not None else 0.0
        db.add(
            PdmScore(
                tenant_id=tenant_id,
                appliance_id=appliance_id,
                component=component,
                probability=probability,
                failure_probability=float(sum(row[i] for i in failing)),
                horizon_hours=plan.horizon_hours,
                model_trained_at=bundle["trained_at"],
                scored_at=at,
            )
        )
        out.scored += 1
        if best is None or probability < threshold:
            continue
        out.above += 1
        rule = _rule(
            db,
            tenant_id=tenant_id,
            category=history.categories[appliance_id],
            component=component,
            names=bundle["names"],
        )
        if rule.active and rules.open_alert(db, rule=rule, appliance_id=appliance_id, reading_at=at):
            out.alerts_opened += 1
    db.flush()
    return out
