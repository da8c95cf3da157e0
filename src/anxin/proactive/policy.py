"""The tenant's alert policy and its application to alerts as they open.

What an alert does is looked up by its cause first (``code_E1``), then its severity (``fault`` for an
error code, ``warning`` for a threshold held, ``maintenance`` for a counter, ``predicted`` for a failure
prediction), then the tenant's default, and ``none`` when nothing is set:

- ``notify``: the customer gets a message with a self-help tip from the knowledge base entry for the
  code or fault (``proactive.alert_tip``), and the alert moves to ``notified``;
- ``order``: a proactive work order (channel ``iot``) is opened as ``rules.convert`` does, and the alert
  moves to ``converted``;
- ``none``: the alert stays open for staff.

Both need the customer's consent to proactive contact (``consent.py``): without it the alert stays open
for staff only. ``apply_pending`` is the job (``jobs.proactive_pass``, every minute): it takes the open
alerts that have no ``proactive_action`` yet, decides each once and records the decision, so an alert is
never acted on twice; each order is opened in a savepoint, so one refused intake fails only its alert."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import structlog
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.audit import trail
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.clock import now as clock_now
from anxin.customer.models import Customer
from anxin.exceptions import AnxinError, InvalidInput
from anxin.knowledge.models import KnowledgeEntry, KnowledgeErrorCode
from anxin.notify.outbox import Recipient, enqueue
from anxin.proactive import consent
from anxin.proactive.models import AlertPolicy, ProactiveAction
from anxin.telemetry import rules
from anxin.telemetry.models import TelemetryAlert, TelemetryRule

log = structlog.get_logger("anxin.proactive")

ACTIONS = ("notify", "order", "none")
SEVERITIES: dict[str, tuple[str, str]] = {
    "fault": ("故障码", "Fault code"),
    "warning": ("指标持续异常", "Reading out of range"),
    "maintenance": ("保养到期", "Maintenance due"),
    "predicted": ("预测故障", "Predicted failure"),
}
ACTION_NAMES: dict[str, tuple[str, str]] = {
    "notify": ("通知用户并附自助建议", "Tell the customer, with a self-help tip"),
    "order": ("直接生成主动服务工单", "Open a proactive work order"),
    "none": ("只留给客服处理", "Leave it to staff"),
}
OUTCOME_NAMES: dict[str, tuple[str, str]] = {
    "notified": ("已通知用户", "Customer notified"),
    "converted": ("已生成工单", "Order opened"),
    "no_consent": ("用户未同意主动联系，留给客服", "No consent: left to staff"),
    "none": ("策略为不处理，留给客服", "Policy: left to staff"),
    "no_tip": ("没有可用的自助建议，留给客服", "No self-help tip: left to staff"),
    "failed": ("生成工单失败，留给客服", "Order refused: left to staff"),
}
EVENT = "proactive.alert_tip"
MAX_CAUSES = 100
BATCH = 200
LOOKBACK = timedelta(days=7)  # older open alerts (from before a policy was set) are left to staff

# The knowledge base's fault for a cause that is not an error code (the tip the customer gets).
CAUSE_FAULTS: dict[str, str] = {
    "filter_cleaning": "cleaning",
    "high_pressure": "not_cooling",
    "warm_fridge": "not_cooling",
    "slow_drain": "drainage",
    "anode_life": "cleaning",
}


def severity_of(rule: TelemetryRule | None, cause: str) -> str:
    if cause.startswith("predicted_failure"):
        return "predicted"
    kind = rule.kind if rule is not None else ""
    return {"error_code": "fault", "threshold": "warning", "counter": "maintenance"}.get(kind, "warning")


# --- the policy ----------------------------------------------------------------------------------------


def read(db: Session, *, tenant_id: int) -> dict:
    """``{"default": action, "by_severity": {…}, "by_cause": {…}}``; unset means ``none``."""
    policy: dict = {"default": "none", "by_severity": {}, "by_cause": {}}
    for row in db.scalars(
        select(AlertPolicy).where(AlertPolicy.tenant_id == tenant_id).order_by(AlertPolicy.id)
    ):
        if row.scope == "default":
            policy["default"] = row.action
        elif row.scope == "severity":
            policy["by_severity"][row.key] = row.action
        else:
            policy["by_cause"][row.key] = row.action
    return policy


def _check(policy: Mapping) -> None:
    if policy["default"] not in ACTIONS:
        raise InvalidInput("default", "处理方式无效", "Unknown action")
    for key, action in policy["by_severity"].items():
        if key not in SEVERITIES or action not in ACTIONS:
            raise InvalidInput("by_severity", "告警级别或处理方式无效", "Unknown severity or action")
    if len(policy["by_cause"]) > MAX_CAUSES:
        raise InvalidInput("by_cause", "按原因设置的条目过多", "Too many causes")
    for key, action in policy["by_cause"].items():
        if not key or len(key) > 60 or action not in ACTIONS:
            raise InvalidInput("by_cause", "告警原因或处理方式无效", "Unknown cause or action")


def replace(db: Session, *, actor: User, policy: Mapping) -> dict:
    """Set the tenant's whole policy (admins); audited as ``proactive.policy.set``."""
    _check(policy)
    before = read(db, tenant_id=actor.tenant_id)
    db.execute(delete(AlertPolicy).where(AlertPolicy.tenant_id == actor.tenant_id))
    rows = [("default", "*", policy["default"])]
    rows += [("severity", key, action) for key, action in sorted(policy["by_severity"].items())]
    rows += [("cause", key, action) for key, action in sorted(policy["by_cause"].items())]
    db.add_all(
        AlertPolicy(tenant_id=actor.tenant_id, scope=s, key=k, action=a, updated_by_id=actor.id)
        for s, k, a in rows
    )
    db.flush()
    after = read(db, tenant_id=actor.tenant_id)
    trail.record(
        db,
        tenant_id=actor.tenant_id,
        actor=actor,
        action="proactive.policy.set",
        object_type="alert_policy",
        object_id=None,
        changes=trail.changes(before, after),
    )
    return after


def decide(policy: Mapping, *, cause: str, severity: str) -> str:
    return policy["by_cause"].get(cause) or policy["by_severity"].get(severity) or policy["default"]


# --- the tip -------------------------------------------------------------------------------------------


def tip_for(
    db: Session, *, tenant_id: int, category: str, alert: TelemetryAlert, brand: str | None = None
) -> tuple[str, str] | None:
    """(what it is, the first self-help step) from the knowledge base, or None when it has none. A code's
    meaning is the appliance's brand's where the base has one, else one written for every brand; a code
    known only for other brands is told by its entry's title (its meaning could be another brand's)."""
    entry: KnowledgeEntry | None = None
    meaning = None
    if alert.error_code:
        rows = db.execute(
            select(KnowledgeErrorCode, KnowledgeEntry)
            .join(KnowledgeEntry, KnowledgeEntry.id == KnowledgeErrorCode.entry_id)
            .where(
                KnowledgeErrorCode.tenant_id == tenant_id,
                KnowledgeErrorCode.code == alert.error_code,
                KnowledgeEntry.category == category,
            )
            .order_by(KnowledgeErrorCode.id)
        ).all()
        mine = [r for r in rows if brand and r[0].brand == brand] or [r for r in rows if r[0].brand is None]
        if mine:
            meaning, entry = mine[0][0].meaning, mine[0][1]
        elif rows:
            entry = rows[0][1]
    elif alert.cause in CAUSE_FAULTS:
        entry = db.scalar(
            select(KnowledgeEntry).where(
                KnowledgeEntry.tenant_id == tenant_id,
                KnowledgeEntry.category == category,
                KnowledgeEntry.fault == CAUSE_FAULTS[alert.cause],
            )
        )
    if entry is None or not entry.self_help:
        return None
    return meaning or entry.title, str(entry.self_help[0])


# --- applying it ---------------------------------------------------------------------------------------


def _appliance(db: Session, appliance_id: int) -> tuple[Appliance, str, str | None]:
    appliance = db.get(Appliance, appliance_id)
    category, brand = db.execute(
        select(Category.code, Brand.name_zh)
        .select_from(ProductModel)
        .join(Category, ProductModel.category_id == Category.id)
        .join(Brand, ProductModel.brand_id == Brand.id)
        .where(ProductModel.id == appliance.product_model_id)
    ).one()
    return appliance, str(category), brand


def _notify(
    db: Session,
    *,
    alert: TelemetryAlert,
    rule: TelemetryRule | None,
    customer: Customer,
    category: str,
    brand: str | None,
) -> bool:
    tip = tip_for(db, tenant_id=alert.tenant_id, category=category, alert=alert, brand=brand)
    if tip is None:
        return False
    what, step = tip
    to = [Recipient("inbox", f"customer:{customer.id}")]
    if customer.phone and customer.phone.isdigit() and customer.erased_at is None:
        to.append(Recipient("sms", customer.phone))
    enqueue(
        db,
        tenant_id=alert.tenant_id,
        event=EVENT,
        to=to,
        context={
            "appliance": category,
            "issue": what,
            "issue_en": rule.name_en if rule is not None else what,
            "tip": step,
        },
        dedupe_key=f"proactive.alert:{alert.id}",
    )
    alert.status = "notified"
    db.flush()
    trail.record(
        db,
        tenant_id=alert.tenant_id,
        actor=None,
        action="telemetry.alert.notify",
        object_type="telemetry_alert",
        object_id=alert.id,
        changes=trail.changes({"status": "open"}, {"status": "notified"}),
    )
    return True


def apply_one(db: Session, *, alert: TelemetryAlert, policy: Mapping, system: User) -> ProactiveAction:
    """Decide what ``alert`` does and do it; the decision is recorded whatever the outcome."""
    rule = db.get(TelemetryRule, alert.rule_id)
    decision = decide(policy, cause=alert.cause, severity=severity_of(rule, alert.cause))
    appliance, category, brand = _appliance(db, alert.appliance_id)
    customer = db.get(Customer, appliance.customer_id)
    outcome, reason, order_id = "none", None, None
    if decision != "none":
        if customer.erased_at is not None or not consent.has_consent(db, customer_id=customer.id):
            outcome, reason = "no_consent", "customer has not consented to proactive contact"
        elif decision == "notify":
            outcome = (
                "notified"
                if _notify(db, alert=alert, rule=rule, customer=customer, category=category, brand=brand)
                else "no_tip"
            )
        else:
            try:
                with db.begin_nested():
                    rules.convert(db, actor=system, alert_id=alert.id)
                outcome, order_id = "converted", alert.work_order_id
            except AnxinError as exc:
                outcome, reason = "failed", str(getattr(exc, "code", type(exc).__name__))[:120]
                log.warning("proactive.order_refused", alert_id=alert.id, error=reason)
    action = ProactiveAction(
        tenant_id=alert.tenant_id,
        alert_id=alert.id,
        decision=decision,
        outcome=outcome,
        reason=reason,
        work_order_id=order_id,
        decided_at=clock_now(),
    )
    db.add(action)
    db.flush()
    return action


def apply_pending(db: Session, *, now: datetime, tenant_id: int | None = None) -> dict[str, int]:
    """The job: every open alert of the last week without a decision gets one. Returns counts by outcome."""
    decided = select(ProactiveAction.alert_id)
    query = (
        select(TelemetryAlert)
        .where(
            TelemetryAlert.status == "open",
            TelemetryAlert.opened_at >= now - LOOKBACK,
            TelemetryAlert.id.not_in(decided),
        )
        .order_by(TelemetryAlert.id)
        .limit(BATCH)
    )
    if tenant_id is not None:
        query = query.where(TelemetryAlert.tenant_id == tenant_id)
    counts: dict[str, int] = {}
    policies: dict[int, dict] = {}
    systems: dict[int, User] = {}
    for alert in db.scalars(query).all():
        if alert.tenant_id not in policies:
            policies[alert.tenant_id] = read(db, tenant_id=alert.tenant_id)
            systems[alert.tenant_id] = auth_service.system_user(db, tenant_id=alert.tenant_id)
        action = apply_one(db, alert=alert, policy=policies[alert.tenant_id], system=systems[alert.tenant_id])
        counts[action.outcome] = counts.get(action.outcome, 0) + 1
    return counts


def action_of(db: Session, *, alert_id: int) -> ProactiveAction | None:
    return db.scalar(select(ProactiveAction).where(ProactiveAction.alert_id == alert_id))
