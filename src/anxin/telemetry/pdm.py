"""Failure prediction from the platform's own history: ``anxin pdm train`` and ``anxin pdm score``.

Rows: at each UTC midnight of the history (every ``step_days``, once the longest window lies before it),
every appliance with day rows in the window (``pdm_days.rows_at`` over ``telemetry_daily``): the mean and
standard deviation of each metric's hourly averages over the last 1 and 3 whole days, the readings with
an error code in them, hours since a part was last fitted on the appliance (``part_fitting``, any order),
the appliance's age in days and its category. Label: the component of each completed repair order of the
appliance (``completed_at`` in ``[t, t + horizon)``): the key part (``part.key_part``) of each part fitted
on it, else the part's code, or ``other`` when none was fitted; ``none`` when no repair was completed in
the horizon. Only moments whose horizon has fully passed are labelled. A LightGBM classifier (classes
balanced) learns them.

Scoring rates every appliance with day rows in the longest window before today (UTC), whole days only:
today's readings count from tomorrow (the rules watch them live). The most likely failing component and
its probability are kept in ``pdm_score`` (one row per appliance, replaced; ``pdm_store``); at or above
the threshold the appliance gets an alert of cause ``predicted_failure:<component>`` through
``rules.open_alert`` (one open alert per appliance and cause, so scoring again opens nothing new). Each
such cause has its rule (kind ``model``, made on first use): an admin deactivating it mutes the
prediction. The probability stays in ``pdm_score`` (staff only), not on the alert.

The model file is a pickle written and read by this module only (``var/pdm/<tenant>.pkl`` or
``ANXIN_PDM_MODEL``); load only files this command wrote."""

from __future__ import annotations

import os
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.clock import now
from anxin.parts.models import Part, PartFitting
from anxin.telemetry import pdm_days, pdm_store, rules
from anxin.telemetry.models import TelemetryDaily, TelemetryRule
from anxin.telemetry.pdm_features import NONE, horizon_labels
from anxin.work_order.models import WorkOrder

CAUSE = "predicted_failure:"
OTHER = "other"


class NotEnoughHistory(Exception):
    """Too little history to learn from: the message says what is missing (Chinese / English)."""


@dataclass(frozen=True)
class Plan:
    windows_days: tuple[int, ...] = (1, 3)
    step_days: int = 1
    horizon_hours: int = 168
    min_failures: int = 3  # failure rows needed to train
    min_rows: int = 20


@dataclass
class Repairs:
    """The tenant's completed repairs up to ``until``, each with the components its fitted parts name."""

    until: datetime
    failures: list[tuple[int, datetime, str]] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # component -> a part's name for it


def model_path(tenant_slug: str) -> Path:
    return Path(os.environ.get("ANXIN_PDM_MODEL") or Path("var") / "pdm" / f"{tenant_slug}.pkl")


def load_repairs(db: Session, *, tenant_id: int, until: datetime | None = None) -> Repairs:
    """Each completed repair order up to ``until`` once per component fitted on it (``other``: none)."""
    repairs = Repairs(until=until or now())
    parts: dict[int, set[str]] = defaultdict(set)
    for order_id, key_part, code, name in db.execute(
        select(PartFitting.work_order_id, Part.key_part, Part.code, Part.name)
        .join(Part, Part.id == PartFitting.part_id)
        .where(PartFitting.tenant_id == tenant_id, PartFitting.fitted_at <= repairs.until)
        .order_by(PartFitting.fitted_at)
    ):
        component = (key_part or code)[: 40 - len(CAUSE)]
        parts[order_id].add(component)
        repairs.names.setdefault(component, name)
    for order_id, appliance_id, completed_at in db.execute(
        select(WorkOrder.id, WorkOrder.appliance_id, WorkOrder.completed_at).where(
            WorkOrder.tenant_id == tenant_id,
            WorkOrder.service_type == "repair",
            WorkOrder.completed_at.is_not(None),
            WorkOrder.completed_at <= repairs.until,
            WorkOrder.appliance_id.is_not(None),
        )
    ):
        for component in sorted(parts.get(order_id) or {OTHER}):
            repairs.failures.append((appliance_id, completed_at, component))
    return repairs


def layout_of(db: Session, *, tenant_id: int) -> dict[str, list[str]]:
    """The metrics the tenant's day rows hold and its appliances' categories: the feature columns."""
    metrics = db.scalars(
        select(TelemetryDaily.metric)
        .where(TelemetryDaily.tenant_id == tenant_id, TelemetryDaily.metric != pdm_days.ERRORS)
        .distinct()
    ).all()
    categories = db.scalars(
        select(Category.code)
        .join(ProductModel, ProductModel.category_id == Category.id)
        .join(Appliance, Appliance.product_model_id == ProductModel.id)
        .where(Appliance.tenant_id == tenant_id)
        .distinct()
    ).all()
    return {"metrics": sorted(metrics), "categories": sorted(categories)}


def feature_names(metrics: list[str], plan: Plan) -> list[str]:
    return pdm_days.feature_names(metrics, plan.windows_days)


def moments(db: Session, *, tenant_id: int, until: datetime, plan: Plan) -> list[date]:
    """The training moments: every ``step_days`` from the first day with a full longest window before it,
    while the day rows reach it and the horizon after it has passed by ``until``."""
    first, last = db.execute(
        select(func.min(TelemetryDaily.day_date), func.max(TelemetryDaily.day_date)).where(
            TelemetryDaily.tenant_id == tenant_id
        )
    ).one()
    if first is None:
        return []
    day = first + timedelta(days=max(plan.windows_days))
    stop = min(last + timedelta(days=1), (until - timedelta(hours=plan.horizon_hours)).date())
    out = []
    while day <= stop:
        if pdm_days.midnight(day) + timedelta(hours=plan.horizon_hours) <= until:
            out.append(day)
        day += timedelta(days=plan.step_days)
    return out


def training_set(
    db: Session, *, tenant_id: int, until: datetime, plan: Plan, repairs: Repairs
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    layout = layout_of(db, tenant_id=tenant_id)
    points: list[tuple[int, datetime]] = []
    blocks: list[np.ndarray] = []
    for day in moments(db, tenant_id=tenant_id, until=until, plan=plan):
        rows = pdm_days.rows_at(db, tenant_id=tenant_id, moment=day, windows_days=plan.windows_days, **layout)
        points += [(int(a), pdm_days.midnight(day)) for a in rows.ids]
        blocks.append(rows.x)
    width = len(feature_names(layout["metrics"], plan))
    every = np.vstack(blocks) if blocks else np.empty((0, width))
    labelled = horizon_labels(points, repairs.failures, horizon=timedelta(hours=plan.horizon_hours))
    x = every[[i for i, _ in labelled]] if labelled else np.empty((0, width))
    return x, np.asarray([label for _, label in labelled]), layout


def learner():
    """The classifier ``train`` fits (``benchmarks/pdm_scale.py`` fits the same)."""
    import lightgbm

    return lightgbm.LGBMClassifier(
        n_estimators=150,
        learning_rate=0.05,
        num_leaves=15,
        min_child_samples=2,
        class_weight="balanced",
        random_state=7,
        n_jobs=2,
        verbose=-1,
    )


def train(db: Session, *, tenant_id: int, plan: Plan | None = None, until: datetime | None = None) -> dict:
    """Learn the tenant's model; raises ``NotEnoughHistory`` when there is too little to learn from."""
    plan = plan or Plan()
    repairs = load_repairs(db, tenant_id=tenant_id, until=until)
    x, y, layout = training_set(db, tenant_id=tenant_id, until=repairs.until, plan=plan, repairs=repairs)
    failures = int((y != NONE).sum()) if len(y) else 0
    if len(y) < plan.min_rows or failures < plan.min_failures or failures == len(y):
        raise NotEnoughHistory(
            f"历史数据不足，无法训练：{len(y)} 个样本，其中 {failures} 个在 {plan.horizon_hours} 小时内有完工维修"
            f"（至少需要 {plan.min_rows} 个样本、{plan.min_failures} 个故障样本，且须有正常样本） / "
            f"not enough history to train: {len(y)} rows, {failures} with a repair completed within "
            f"{plan.horizon_hours} h (at least {plan.min_rows} rows and {plan.min_failures} failure rows, "
            "and some healthy ones, are needed)"
        )
    model = learner()
    model.fit(x, y)
    return {
        "model": model,
        "plan": plan,
        "layout": layout,
        "names": repairs.names,
        "trained_at": repairs.until,
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
    at: datetime | None = None,
) -> Scored:
    """Rate every appliance of the tenant with day rows in the model's longest window before today (UTC);
    keep the score and open an alert at or above ``threshold`` (none while one of that cause is open)."""
    plan: Plan = bundle["plan"]
    at = at or now()
    layout = bundle["layout"]
    rows = pdm_days.rows_at(
        db, tenant_id=tenant_id, moment=at.astimezone(UTC).date(), windows_days=plan.windows_days, **layout
    )
    out = Scored()
    if not len(rows.ids):
        return out
    model = bundle["model"]
    probabilities = model.predict_proba(rows.x)
    classes = [str(c) for c in model.classes_]
    failing = np.array([i for i, c in enumerate(classes) if c != NONE], dtype=int)
    if len(failing):
        best = failing[np.argmax(probabilities[:, failing], axis=1)]
        probability = probabilities[np.arange(len(best)), best]
        any_failure = probabilities[:, failing].sum(axis=1)
    else:  # a model that never saw a failure
        best = np.full(len(rows.ids), classes.index(NONE))
        probability = any_failure = np.zeros(len(rows.ids))
    pdm_store.keep(
        db,
        tenant_id=tenant_id,
        ids=rows.ids,
        components=classes,
        component=best,
        probability=probability,
        failing=any_failure,
        horizon_hours=plan.horizon_hours,
        trained_at=bundle["trained_at"],
        scored_at=at,
    )
    out.scored = len(rows.ids)
    above = np.flatnonzero((probability >= threshold) & (np.asarray(classes)[best] != NONE))
    out.above = len(above)
    categories = layout["categories"]
    for i in above:
        category = rows.x[i, -1]
        if np.isnan(category):
            continue
        rule = _rule(
            db,
            tenant_id=tenant_id,
            category=categories[int(category)],
            component=classes[best[i]],
            names=bundle["names"],
        )
        if rule.active and rules.open_alert(db, rule=rule, appliance_id=int(rows.ids[i]), reading_at=at):
            out.alerts_opened += 1
    db.flush()
    return out
