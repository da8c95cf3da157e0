"""Rules and alerts: rules as data per category, evaluated on the way in; alerts one open per appliance
and cause.

``evaluate`` runs inside the ingest transaction on the readings just written: an ``error_code`` rule
opens an alert when a reading shows its code; a ``counter`` rule when the counter reaches its threshold;
a ``threshold`` rule when the metric is beyond its threshold and has been for ``hold_minutes`` (the
reading current at the start of that window and every reading since are beyond it; 0: at once). An
appliance with an open (or notified) alert of that cause gets no second one: the alert's ``open_key``
is unique. Alerts end when dismissed or converted to a proactive work order (channel ``iot``, through the
work-order intake) by staff or by the tenant's alert policy (``anxin.proactive.policy``), which also
notifies the customer (``notified``).

An error-code rule is named for its code alone ("故障码 E1"): what a code means depends on the brand (an air
conditioner's E1 is a communication fault on one brand and high-pressure protection on another), so the
meaning is looked up in the knowledge base for the appliance's brand where an alert is shown or becomes
an order (``kb_codes.lookup``), and a code it does not know stays "故障码 E1". A threshold alert's order
states the reading with its unit against the rule's limit (``health_words.reading_text``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.audit import trail
from anxin.auth.models import User
from anxin.clock import now
from anxin.exceptions import Conflict, InvalidInput, NotFound
from anxin.telemetry import health_words, kb_codes
from anxin.telemetry.metrics import BOUNDS
from anxin.telemetry.models import TelemetryAlert, TelemetryReading, TelemetryRule
from anxin.work_order import actions as work_order_actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN as OPEN_ORDER

OPEN = ("open", "notified")
STATUS_NAMES = {
    "open": ("待处理", "Open"),
    "notified": ("已通知用户", "Customer notified"),
    "converted": ("已转工单", "Converted to an order"),
    "dismissed": ("已忽略", "Dismissed"),
}

# The rules a tenant starts with (``ensure_defaults``): the common ones of each category.
DEFAULTS: tuple[dict[str, Any], ...] = (
    dict(
        category="air_conditioner",
        cause="high_pressure",
        kind="threshold",
        metric="high_pressure_mpa",
        threshold=4.2,
        hold_minutes=30,
        name_zh="高压持续过高",
        name_en="High-side pressure too high",
    ),
    dict(
        category="air_conditioner",
        cause="filter_cleaning",
        kind="counter",
        metric="run_hours",
        threshold=2000,
        name_zh="运行满2000小时，建议清洗",
        name_en="2,000 run hours: cleaning due",
    ),
    dict(
        category="air_conditioner",
        cause="code_E1",
        kind="error_code",
        error_code="E1",
        name_zh="故障码 E1",
        name_en="Fault code E1",
    ),
    dict(
        category="refrigerator",
        cause="warm_fridge",
        kind="threshold",
        metric="fridge_temp_c",
        threshold=10,
        hold_minutes=120,
        name_zh="冷藏室持续高于10°C",
        name_en="Fresh-food compartment above 10 °C",
    ),
    dict(
        category="refrigerator",
        cause="code_E2",
        kind="error_code",
        error_code="E2",
        name_zh="故障码 E2",
        name_en="Fault code E2",
    ),
    dict(
        category="washing_machine",
        cause="slow_drain",
        kind="threshold",
        metric="drain_seconds",
        threshold=300,
        name_zh="排水超时",
        name_en="Slow drain",
    ),
    dict(
        category="water_heater",
        cause="anode_life",
        kind="counter",
        metric="heated_volume_l",
        threshold=200_000,
        name_zh="累计加热水量已到镁棒更换周期",
        name_en="Anode due by heated volume",
    ),
    dict(
        category="water_heater",
        cause="leakage",
        kind="threshold",
        metric="leakage_current_ma",
        threshold=10,
        name_zh="漏电电流过高",
        name_en="Leakage current too high",
    ),
)


# names earlier defaults gave error codes, as if every brand's code meant the same: renamed when met
OLD_CODE_NAMES = {"故障码E1（通讯故障）": "E1", "故障码E2（传感器故障）": "E2"}


def code_name(code: str) -> tuple[str, str]:
    """An error-code rule's name (Chinese, English): the code alone, its meaning being the brand's."""
    return f"故障码 {code}", f"Fault code {code}"


def ensure_defaults(db: Session, *, tenant_id: int) -> int:
    """Add the default rules the tenant lacks (by category and cause); how many were added. A default
    error-code rule still carrying an old brand-specific name is renamed for its code alone."""
    rows = list(db.scalars(select(TelemetryRule).where(TelemetryRule.tenant_id == tenant_id)))
    for rule in rows:
        if rule.kind == "error_code" and OLD_CODE_NAMES.get(rule.name_zh) == rule.error_code:
            rule.name_zh, rule.name_en = code_name(rule.error_code)
    have = {(rule.category, rule.cause) for rule in rows}
    added = [
        TelemetryRule(tenant_id=tenant_id, **rule)
        for rule in DEFAULTS
        if (rule["category"], rule["cause"]) not in have
    ]
    db.add_all(added)
    db.flush()
    return len(added)


def list_rules(db: Session, *, tenant_id: int) -> list[TelemetryRule]:
    return list(
        db.scalars(
            select(TelemetryRule).where(TelemetryRule.tenant_id == tenant_id).order_by(TelemetryRule.id)
        )
    )


def create_rule(db: Session, *, actor: User, fields: dict[str, Any]) -> TelemetryRule:
    """A new rule; its metric must be one of its category's (and a counter's a counter)."""
    category, kind, metric = fields["category"], fields["kind"], fields.get("metric")
    if category not in BOUNDS:
        raise InvalidInput("category", "没有该品类", "No such category")
    if kind == "error_code":
        if not fields.get("error_code"):
            raise InvalidInput("error_code", "故障码规则需要故障码", "An error-code rule needs its code")
    elif metric not in BOUNDS[category] or fields.get("threshold") is None:
        raise InvalidInput(
            "metric", "该品类没有此指标，或缺少阈值", "The category has no such metric, or no threshold"
        )
    taken = db.scalar(
        select(TelemetryRule.id).where(
            TelemetryRule.tenant_id == actor.tenant_id,
            TelemetryRule.category == category,
            TelemetryRule.cause == fields["cause"],
        )
    )
    if taken is not None:
        raise Conflict()
    rule = TelemetryRule(tenant_id=actor.tenant_id, **fields)
    db.add(rule)
    db.flush()
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="telemetry.rule.create",
        object_type="telemetry_rule",
        object_id=rule.id,
        changes=trail.changes(None, fields),
    )
    return rule


def set_active(db: Session, *, actor: User, rule_id: int, active: bool) -> TelemetryRule:
    rule = db.scalar(
        select(TelemetryRule).where(TelemetryRule.id == rule_id, TelemetryRule.tenant_id == actor.tenant_id)
    )
    if rule is None:
        raise NotFound("rule", "规则")
    if rule.active != active:
        trail.record(
            db,
            tenant_id=actor.tenant_id,
            actor=actor,
            action="telemetry.rule.active",
            object_type="telemetry_rule",
            object_id=rule.id,
            changes=trail.changes({"active": rule.active}, {"active": active}),
        )
        rule.active = active
        db.flush()
    return rule


# --- evaluation on the way in ---------------------------------------------------------------------------


def _beyond(rule: TelemetryRule, value: Any) -> bool:
    if not isinstance(value, int | float) or rule.threshold is None:
        return False
    if rule.kind == "counter":
        return value >= rule.threshold
    return value > rule.threshold if rule.above else value < rule.threshold


def _held(db: Session, rule: TelemetryRule, appliance_id: int, ts: datetime) -> bool:
    """Whether the metric has been beyond the threshold for ``hold_minutes`` up to ``ts``."""
    start = ts - timedelta(minutes=rule.hold_minutes)
    rows = db.execute(
        select(TelemetryReading.ts, TelemetryReading.metrics)
        .where(
            TelemetryReading.appliance_id == appliance_id,
            TelemetryReading.ts >= start - timedelta(minutes=rule.hold_minutes),
            TelemetryReading.ts <= ts,
        )
        .order_by(TelemetryReading.ts)
    ).all()
    before = [metrics for moment, metrics in rows if moment <= start]
    since = [metrics for moment, metrics in rows if moment > start]
    if not before or not _beyond(rule, before[-1].get(rule.metric)):
        return False
    return all(_beyond(rule, metrics.get(rule.metric)) for metrics in since if rule.metric in metrics)


def evaluate(
    db: Session, *, tenant_id: int, readings: list[tuple[int, str, datetime, dict[str, Any], str | None]]
) -> list[TelemetryAlert]:
    """Open the alerts the readings (appliance_id, category, ts, metrics, error_code) call for."""
    if not readings:
        return []
    rules: dict[str, list[TelemetryRule]] = defaultdict(list)
    for rule in db.scalars(
        select(TelemetryRule).where(TelemetryRule.tenant_id == tenant_id, TelemetryRule.active.is_(True))
    ):
        rules[rule.category].append(rule)
    if not rules and not any(code for *_, code in readings):
        return []
    found: dict[str, tuple[TelemetryRule, int, datetime, float | None, str | None]] = {}
    for appliance_id, category, ts, metrics, code in readings:
        for rule in rules.get(category, ()):
            key = f"{appliance_id}:{rule.cause}"
            if key in found:
                continue
            if rule.kind == "error_code":
                if code is not None and code == rule.error_code:
                    found[key] = (rule, appliance_id, ts, None, code)
            elif _beyond(rule, metrics.get(rule.metric)):
                found[key] = (rule, appliance_id, ts, float(metrics[rule.metric]), code)
    for rule, appliance_id, ts, code in _known_code_rules(
        db, tenant_id=tenant_id, readings=readings, rules=rules
    ):
        found.setdefault(f"{appliance_id}:{rule.cause}", (rule, appliance_id, ts, None, code))
    if not found:
        return []
    already = set(db.scalars(select(TelemetryAlert.open_key).where(TelemetryAlert.open_key.in_(list(found)))))
    already |= _in_service(db, tenant_id=tenant_id, keys=set(found) - already)
    opened = []
    for key, (rule, appliance_id, ts, value, code) in found.items():
        if key in already:
            continue
        if rule.kind == "threshold" and rule.hold_minutes and not _held(db, rule, appliance_id, ts):
            continue
        alert = TelemetryAlert(
            tenant_id=tenant_id,
            appliance_id=appliance_id,
            rule_id=rule.id,
            cause=rule.cause,
            status="open",
            open_key=key,
            reading_at=ts,
            value=value,
            error_code=code,
        )
        db.add(alert)
        opened.append(alert)
    db.flush()
    return opened


def _known_code_rules(
    db: Session,
    *,
    tenant_id: int,
    readings: list[tuple[int, str, datetime, dict[str, Any], str | None]],
    rules: dict[str, list[TelemetryRule]],
) -> list[tuple[TelemetryRule, int, datetime, str]]:
    """The readings whose error code no rule names but the knowledge base knows for the appliance's
    category: each with the rule of that code (cause ``code_<code>``, made on first use and named with the
    code's meaning; an admin deactivating it mutes the code). A tenant without knowledge-base entries
    keeps the default rules alone. Only readings with such a code cost a lookup."""
    named = {(r.category, r.error_code) for found in rules.values() for r in found if r.kind == "error_code"}
    wanted = {
        (category, code) for _, category, _, _, code in readings if code and (category, code) not in named
    }
    if not wanted:
        return []
    known = kb_codes.known(db, tenant_id=tenant_id, pairs=wanted)
    if not known:
        return []
    existing = {
        (r.category, r.cause): r
        for r in db.scalars(
            select(TelemetryRule).where(
                TelemetryRule.tenant_id == tenant_id,
                TelemetryRule.cause.in_({f"code_{code}" for _, code in known}),
            )
        )
    }
    made: dict[tuple[str, str], TelemetryRule] = {}
    for category, code in sorted(known):
        rule = existing.get((category, f"code_{code}"))
        if rule is None:
            name_zh, name_en = code_name(code)
            rule = TelemetryRule(
                tenant_id=tenant_id,
                category=category,
                cause=f"code_{code}",
                kind="error_code",
                error_code=code,
                name_zh=name_zh[:80],
                name_en=name_en[:80],
            )
            db.add(rule)
            db.flush()
        made[(category, code)] = rule
    return [
        (made[(category, code)], appliance_id, ts, code)
        for appliance_id, category, ts, _, code in readings
        if code and (category, code) in made and made[(category, code)].active
    ]


def open_alert(
    db: Session, *, rule: TelemetryRule, appliance_id: int, reading_at: datetime, value: float | None = None
) -> TelemetryAlert | None:
    """Open an alert of ``rule`` on the appliance unless one of its cause is already open (then None):
    the path other finders than ``evaluate`` take (the failure predictions, ``pdm.py``)."""
    key = f"{appliance_id}:{rule.cause}"
    if db.scalar(select(TelemetryAlert.id).where(TelemetryAlert.open_key == key)) is not None:
        return None
    if _in_service(db, tenant_id=rule.tenant_id, keys={key}):
        return None
    alert = TelemetryAlert(
        tenant_id=rule.tenant_id,
        appliance_id=appliance_id,
        rule_id=rule.id,
        cause=rule.cause,
        status="open",
        open_key=key,
        reading_at=reading_at,
        value=value,
    )
    db.add(alert)
    db.flush()
    return alert


def _in_service(db: Session, *, tenant_id: int, keys: set[str]) -> set[str]:
    """Of ``keys`` (``appliance:cause``), those whose alert was converted to an order still open: the cause
    is being served, so the readings that go on showing it open no second alert (and no second order)."""
    if not keys:
        return set()
    appliances = {int(key.split(":", 1)[0]) for key in keys}
    rows = db.execute(
        select(TelemetryAlert.appliance_id, TelemetryAlert.cause)
        .join(WorkOrder, WorkOrder.id == TelemetryAlert.work_order_id)
        .where(
            TelemetryAlert.tenant_id == tenant_id,
            TelemetryAlert.appliance_id.in_(appliances),
            TelemetryAlert.status == "converted",
            WorkOrder.status.in_([str(status) for status in OPEN_ORDER]),
        )
    )
    return {f"{appliance_id}:{cause}" for appliance_id, cause in rows} & keys


# --- alerts ------------------------------------------------------------------------------------------------


def list_alerts(
    db: Session, *, tenant_id: int, appliance_id: int | None, status: str | None
) -> list[TelemetryAlert]:
    query = select(TelemetryAlert).where(TelemetryAlert.tenant_id == tenant_id)
    if appliance_id is not None:
        query = query.where(TelemetryAlert.appliance_id == appliance_id)
    if status is not None:
        query = query.where(TelemetryAlert.status == status)
    return list(
        db.scalars(query.order_by(TelemetryAlert.opened_at.desc(), TelemetryAlert.id.desc()).limit(200))
    )


def _open_alert(db: Session, *, actor: User, alert_id: int) -> TelemetryAlert:
    alert = db.scalar(
        select(TelemetryAlert).where(
            TelemetryAlert.id == alert_id, TelemetryAlert.tenant_id == actor.tenant_id
        )
    )
    if alert is None:
        raise NotFound("alert", "告警")
    if alert.status not in OPEN:
        raise Conflict()
    return alert


# what a proactive order of each kind of rule is for
SERVICE_TYPES = {"error_code": "repair", "threshold": "repair", "counter": "maintenance"}


def convert(db: Session, *, actor: User, alert_id: int) -> TelemetryAlert:
    """Open a proactive work order (channel ``iot``) for the alert's appliance through the work-order
    intake, and end the alert as converted to it. An open order of the same service type for the
    appliance is reused (the intake's duplicate check)."""
    alert = _open_alert(db, actor=actor, alert_id=alert_id)
    rule = db.get(TelemetryRule, alert.rule_id)
    appliance = db.get(Appliance, alert.appliance_id)
    title = rule.name_zh
    if alert.error_code:
        title = code_name(alert.error_code)[0]  # a code the knowledge base does not know: the code alone
        info = kb_codes.lookup(
            db,
            tenant_id=alert.tenant_id,
            category=rule.category,
            codes=[alert.error_code],
            brand=kb_codes.brand_of(db, product_model_id=appliance.product_model_id),
        ).get(alert.error_code)
        if info is not None and info.sure:  # the code with its meaning on this brand, from the knowledge base
            title = f"故障码{info.code}：{info.meaning}"
    elif alert.value is not None:  # the reading with its unit against the limit; a score is never shown
        reading = health_words.reading_text(rule, alert.value)
        title = f"{title}：{reading}" if reading and rule.kind == "threshold" else reading or title
    intake = work_order_actions.Intake(
        customer_id=appliance.customer_id,
        appliance_id=appliance.id,
        service_type=SERVICE_TYPES.get(rule.kind, "repair"),
        channel="iot",
        fault_description=f"[设备告警] {title}",
    )
    created = work_order_actions.create_order(db, actor=actor, intake=intake)
    alert.status, alert.open_key, alert.closed_at, alert.closed_by_id = "converted", None, now(), actor.id
    alert.work_order_id = created.order.id
    db.flush()
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="telemetry.alert.convert",
        object_type="telemetry_alert",
        object_id=alert.id,
        changes=trail.changes(None, {"work_order_id": created.order.id}),
    )
    return alert


def dismiss(db: Session, *, actor: User, alert_id: int) -> TelemetryAlert:
    alert = _open_alert(db, actor=actor, alert_id=alert_id)
    alert.status, alert.open_key, alert.closed_at, alert.closed_by_id = "dismissed", None, now(), actor.id
    db.flush()
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="telemetry.alert.dismiss",
        object_type="telemetry_alert",
        object_id=alert.id,
    )
    return alert
