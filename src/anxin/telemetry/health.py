"""One appliance's health, as each role may see it: its last reading (each metric named, with its unit and
whether it is within its plausible range and clear of the category's threshold rules), the error codes it
showed in the last 30 days with their meaning from the knowledge base (``kb_codes``), its open alerts in
words, the latest failure prediction (``pdm_score``) in words, and a 7-day hourly series for a chart
(``telemetry_hourly``).

Who reads it (``readable``): staff of the tenant whose role the permission table lets in
(``Action.APPLIANCE_HEALTH``), the technician with an *open* order for the appliance (a past visit is not
enough: the readings are of the customer's home now), the customer who owns it; anyone else gets 404, as
for an id nobody has. A customer's view (``customer=True``) leaves the prediction out (a score is internal,
``pdm_models``) and names what is wrong in plain words, never a code."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.clock import now
from anxin.exceptions import NotFound
from anxin.parts.models import Part
from anxin.telemetry import kb_codes, rules
from anxin.telemetry.metrics import metrics_of
from anxin.telemetry.models import TelemetryAlert, TelemetryHourly, TelemetryReading, TelemetryRule
from anxin.telemetry.pdm import CAUSE as PREDICTED
from anxin.telemetry.pdm_models import PdmScore
from anxin.work_order.models import WorkOrder, WorkOrderAppliance
from anxin.work_order.states import OPEN

CODE_DAYS = 30
SERIES_DAYS = 7
LAST_READINGS = 24  # the last reading's metrics, each filled from the readings before it where it lacks one
RECENT_CODE_HOURS = 24  # a code this recent speaks for itself on the customer's page, alert or not

# risk in words from the predicted probability: at or above each bound, that word
LEVELS = ((0.7, "high", "高", "high"), (0.4, "medium", "中", "medium"), (0.0, "low", "低", "low"))
COMPONENTS = {
    "compressor": ("压缩机", "compressor"),
    "fan_motor": ("风机", "fan motor"),
    "motor": ("电机", "motor"),
    "heating_element": ("加热管", "heating element"),
    "main_board": ("主板", "main board"),
    "pump": ("水泵", "pump"),
    "other": ("其他部件", "another part"),
}
WORDS = {
    "offline": ("未联网", "Not connected"),
    "fault": ("设备自检发现故障", "The appliance reported a fault"),
    "fine": ("运行正常", "Working normally"),
    "trouble": ("发现异常：", "Something needs attention: "),
    "risk": ("{part} {days} 天内故障风险：{level}", "Risk of a {part} failure within {days} days: {level}"),
    "low_risk": ("{days} 天内故障风险：{level}", "Risk of a failure within {days} days: {level}"),
    "code": ("故障码{code}：{meaning}", "Fault code {code}: {meaning}"),
}


@dataclass
class MetricNow:
    name: str
    label: str
    unit: str
    value: float | None
    low: float
    high: float
    in_range: bool  # within the plausible range of the catalog
    normal: bool  # and clear of every active threshold rule of the category on it
    counter: bool
    state: str = "normal"  # normal, high / low (beyond a threshold rule), implausible (out of range)


@dataclass
class CodeSeen:
    code: str
    meaning: str | None  # None: the knowledge base does not know it for the category
    count: int
    last_seen_at: datetime
    self_help: list[str] = field(default_factory=list)
    sure: bool = True  # the meaning is the brand's own or the common one (``kb_codes.CodeInfo.sure``)


@dataclass
class AlertNow:
    id: int
    cause: str
    title: str
    status: str
    status_label: str
    opened_at: datetime
    error_code: str | None
    predicted: bool


@dataclass
class Prediction:
    component: str
    component_label: str
    horizon_days: int
    level: str
    level_label: str
    text: str
    probability: float | None  # staff only
    scored_at: datetime


@dataclass
class Series:
    metric: str
    label: str
    unit: str
    values: list[float | None]


@dataclass
class Health:
    appliance_id: int
    category: str
    connected: bool
    last_reading_at: datetime | None
    metrics: list[MetricNow]
    error_codes: list[CodeSeen]
    alerts: list[AlertNow]
    prediction: Prediction | None
    hours: list[datetime]
    series: list[Series]
    summary: str
    problems: list[str]
    tips: list[str]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


# --- who may read ----------------------------------------------------------------------------------------


def open_order_of(db: Session, *, tenant_id: int, appliance_id: int, technician_id: int) -> bool:
    """Whether an open order of the tenant covering the appliance is assigned to the technician now."""
    covers = or_(
        WorkOrder.appliance_id == appliance_id,
        WorkOrder.id.in_(
            select(WorkOrderAppliance.work_order_id).where(WorkOrderAppliance.appliance_id == appliance_id)
        ),
    )
    query = select(WorkOrder.id).where(
        WorkOrder.tenant_id == tenant_id,
        covers,
        WorkOrder.technician_id == technician_id,
        WorkOrder.status.in_([s.value for s in OPEN]),
    )
    return db.scalar(query.limit(1)) is not None


def readable(db: Session, *, user: User, appliance_id: int) -> Appliance:
    """The appliance, if ``user`` (already let in by the permission table) may read its health: a customer
    their own, a technician one of an open order of theirs, staff the tenant's; 404 otherwise."""
    appliance = appliance_service.get(db, tenant_id=user.tenant_id, id=appliance_id)
    if user.role == Role.CUSTOMER and appliance.customer_id != user.customer_id:
        raise NotFound("appliance", "家电")
    if user.role == Role.TECHNICIAN and not open_order_of(
        db, tenant_id=user.tenant_id, appliance_id=appliance.id, technician_id=user.technician_id or -1
    ):
        raise NotFound("appliance", "家电")
    return appliance


# --- alerts in words -------------------------------------------------------------------------------------


def _component_label(db: Session, *, tenant_id: int, component: str, rule: TelemetryRule | None) -> tuple:
    if component in COMPONENTS:
        return COMPONENTS[component]
    if rule is not None and "：" in rule.name_zh:
        part = rule.name_zh.split("：", 1)[1]
        return (part, component)
    name = db.scalar(
        select(Part.name).where(
            Part.tenant_id == tenant_id, or_(Part.code == component, Part.key_part == component)
        )
    )
    return (name, name) if name else ("部件", "part")


def alert_titles(
    db: Session, *, alerts: list[TelemetryAlert], brand: str | None, category: str | None = None
) -> dict[int, tuple[str, str]]:
    """Each alert's title (Chinese, English): the rule's name, or for an error code the code with its
    meaning from the knowledge base on this brand where it knows the code."""
    if not alerts:
        return {}
    rule_ids = {a.rule_id for a in alerts}
    found = {r.id: r for r in db.scalars(select(TelemetryRule).where(TelemetryRule.id.in_(rule_ids)))}
    titles: dict[int, tuple[str, str]] = {}
    for alert in alerts:
        rule = found.get(alert.rule_id)
        zh, en = (rule.name_zh, rule.name_en) if rule is not None else (alert.cause, alert.cause)
        if alert.error_code:  # the code alone unless the knowledge base knows it on this brand
            zh, en = rules.code_name(alert.error_code)
        if alert.error_code and rule is not None:
            info = kb_codes.lookup(
                db,
                tenant_id=alert.tenant_id,
                category=category or rule.category,
                codes=[alert.error_code],
                brand=brand,
            ).get(alert.error_code)
            if info is not None and info.sure:
                zh = WORDS["code"][0].format(code=info.code, meaning=info.meaning)
                en = WORDS["code"][1].format(code=info.code, meaning=info.meaning)
        titles[alert.id] = (zh, en)
    return titles


def iot_causes(db: Session, *, tenant_id: int, order_ids: list[int]) -> dict[int, tuple[str, str]]:
    """For proactive orders (channel ``iot``) converted from an alert: the alert's cause in words, by
    order, in Chinese and English."""
    if not order_ids:
        return {}
    alerts = list(
        db.scalars(
            select(TelemetryAlert).where(
                TelemetryAlert.tenant_id == tenant_id, TelemetryAlert.work_order_id.in_(order_ids)
            )
        )
    )
    result: dict[int, tuple[str, str]] = {}
    for alert in alerts:
        appliance = db.get(Appliance, alert.appliance_id)
        brand = kb_codes.brand_of(db, product_model_id=appliance.product_model_id) if appliance else None
        title = alert_titles(db, alerts=[alert], brand=brand)[alert.id]
        result[alert.work_order_id] = title
    return result


# --- the health ------------------------------------------------------------------------------------------


def _level(probability: float) -> tuple[str, str, str]:
    for bound, level, zh, en in LEVELS:
        if probability >= bound:
            return level, zh, en
    return LEVELS[-1][1:]


def _prediction(db: Session, *, appliance: Appliance, lang: str, customer: bool) -> Prediction | None:
    if customer:
        return None
    score = db.get(PdmScore, appliance.id)
    if score is None or score.tenant_id != appliance.tenant_id or score.component == "none":
        return None
    rule = db.scalar(
        select(TelemetryRule).where(
            TelemetryRule.tenant_id == appliance.tenant_id,
            TelemetryRule.cause == f"{PREDICTED}{score.component}",
        )
    )
    part = _component_label(db, tenant_id=appliance.tenant_id, component=score.component, rule=rule)
    level, zh, en = _level(score.probability)
    days = max(1, math.ceil(score.horizon_hours / 24))
    level_label = en if lang == "en" else zh
    if level == "low":  # no part is likelier than the others to fail: the risk alone
        text = _pick(WORDS["low_risk"], lang).format(days=days, level=level_label)
    else:
        text = _pick(WORDS["risk"], lang).format(part=_pick(part, lang), days=days, level=level_label)
    return Prediction(
        component=score.component,
        component_label=_pick(part, lang),
        horizon_days=days,
        level=level,
        level_label=level_label,
        text=text,
        probability=round(score.probability, 3),
        scored_at=score.scored_at,
    )


def _series(db: Session, *, appliance: Appliance, category: str, lang: str, at: datetime):
    rows = db.execute(
        select(
            TelemetryHourly.metric, TelemetryHourly.hour_at, TelemetryHourly.sum_value, TelemetryHourly.count
        )
        .where(
            TelemetryHourly.appliance_id == appliance.id,
            TelemetryHourly.tenant_id == appliance.tenant_id,
            TelemetryHourly.hour_at >= at - timedelta(days=SERIES_DAYS),
        )
        .order_by(TelemetryHourly.hour_at)
    ).all()
    hours = sorted({hour for _, hour, _, _ in rows})
    index = {hour: i for i, hour in enumerate(hours)}
    values: dict[str, list[float | None]] = {}
    for metric, hour, total, count in rows:
        values.setdefault(metric, [None] * len(hours))[index[hour]] = (
            round(total / count, 3) if count else None
        )
    series = [
        Series(metric=m.name, label=m.label(lang), unit=m.unit, values=values[m.name])
        for m in metrics_of(category)
        if not m.counter and m.name in values
    ]
    return hours, series


def health(
    db: Session, *, appliance: Appliance, lang: str = "zh", customer: bool = False, at: datetime | None = None
) -> Health:
    """The appliance's health as of ``at`` (now); ``customer``: the owner's view (no prediction)."""
    at = at or now()
    tenant_id = appliance.tenant_id
    model, category_row = catalog_service.get_model_and_category(
        db, tenant_id=tenant_id, id=appliance.product_model_id
    )
    category = category_row.code
    brand = kb_codes.brand_of(db, product_model_id=model.id)
    recent = db.execute(
        select(TelemetryReading.ts, TelemetryReading.metrics)
        .where(TelemetryReading.appliance_id == appliance.id, TelemetryReading.tenant_id == tenant_id)
        .order_by(TelemetryReading.ts.desc())
        .limit(LAST_READINGS)
    ).all()
    last = recent[0] if recent else None
    thresholds = [
        r
        for r in rules.list_rules(db, tenant_id=tenant_id)
        if r.active and r.kind == "threshold" and r.category == category and r.threshold is not None
    ]
    metrics: list[MetricNow] = []
    if last is not None:
        values: dict[str, Any] = {}
        for reading in recent:  # each metric's latest value: a reading may carry only some of them
            for name, value in (reading.metrics or {}).items():
                values.setdefault(name, value)
        for m in metrics_of(category):
            value = values.get(m.name)
            if not isinstance(value, int | float):
                continue
            beyond = [
                r
                for r in thresholds
                if r.metric == m.name and (value > r.threshold if r.above else value < r.threshold)
            ]
            in_range = m.low <= value <= m.high
            state = "normal" if not beyond else "high" if beyond[0].above else "low"
            state = state if in_range else "implausible"
            metrics.append(
                MetricNow(
                    m.name,
                    m.label(lang),
                    m.unit,
                    float(value),
                    m.low,
                    m.high,
                    in_range,
                    in_range and not beyond,
                    m.counter,
                    state,
                )
            )
    codes = db.execute(
        select(TelemetryReading.error_code, func.count(), func.max(TelemetryReading.ts))
        .where(
            TelemetryReading.appliance_id == appliance.id,
            TelemetryReading.tenant_id == tenant_id,
            TelemetryReading.ts >= at - timedelta(days=CODE_DAYS),
            TelemetryReading.error_code.is_not(None),
        )
        .group_by(TelemetryReading.error_code)
    ).all()
    known = kb_codes.lookup(
        db, tenant_id=tenant_id, category=category, codes=[c for c, _, _ in codes], brand=brand
    )
    error_codes = sorted(
        (
            CodeSeen(
                code=code,
                meaning=known[code].meaning if code in known else None,
                count=count,
                last_seen_at=seen,
                self_help=known[code].self_help if code in known else [],
                sure=known[code].sure if code in known else True,
            )
            for code, count, seen in codes
        ),
        key=lambda c: c.last_seen_at,
        reverse=True,
    )
    open_alerts = [
        a
        for a in rules.list_alerts(db, tenant_id=tenant_id, appliance_id=appliance.id, status=None)
        if a.status in rules.OPEN
    ]
    titles = alert_titles(db, alerts=open_alerts, brand=brand, category=category)
    alerts = [
        AlertNow(
            id=a.id,
            cause=a.cause,
            title=_pick(titles[a.id], lang),
            status=a.status,
            status_label=_pick(rules.STATUS_NAMES.get(a.status, (a.status, a.status)), lang),
            opened_at=a.opened_at,
            error_code=a.error_code,
            predicted=a.cause.startswith(PREDICTED),
        )
        for a in open_alerts
        if not (customer and a.cause.startswith(PREDICTED))
    ]
    hours, series = _series(db, appliance=appliance, category=category, lang=lang, at=at)
    connected = last is not None or bool(hours)
    problems, tips = _in_words(
        db,
        alerts=alerts,
        open_alerts=open_alerts,
        error_codes=error_codes,
        known=known,
        at=at,
        lang=lang,
        customer=customer,
    )
    if not connected:
        summary = _pick(WORDS["offline"], lang)
    elif problems:
        summary = _pick(WORDS["trouble"], lang) + ("；" if lang != "en" else "; ").join(problems)
    else:
        summary = _pick(WORDS["fine"], lang)
    return Health(
        appliance_id=appliance.id,
        category=category,
        connected=connected,
        last_reading_at=last.ts if last is not None else None,
        metrics=metrics,
        error_codes=error_codes,
        alerts=alerts,
        prediction=_prediction(db, appliance=appliance, lang=lang, customer=customer),
        hours=hours,
        series=series,
        summary=summary,
        problems=problems,
        tips=tips,
    )


def _in_words(
    db: Session,
    *,
    alerts: list[AlertNow],
    open_alerts: list[TelemetryAlert],
    error_codes: list[CodeSeen],
    known: dict[str, kb_codes.CodeInfo],
    at: datetime,
    lang: str,
    customer: bool,
) -> tuple[list[str], list[str]]:
    """What is wrong in plain words (no code: the meaning alone) and the self-help steps that go with it:
    the open alerts (not predictions) and the codes shown in the last day."""
    problems: list[str] = []
    tips: list[str] = []
    codes_told: set[str] = set()
    by_id = {a.id: a for a in open_alerts}
    for alert in alerts:
        if alert.predicted:
            continue
        code = by_id[alert.id].error_code
        if code and code in known and (known[code].sure or not customer):
            words = known[code].meaning
            codes_told.add(code)
            tips.extend(known[code].self_help)
        elif code and customer:  # an unknown code: the rule's name may carry it, the customer gets words
            words = _pick(WORDS["fault"], lang)
            codes_told.add(code)
        elif code:  # staff: an unknown code by itself ("故障码 E1"), never another brand's meaning
            words = _pick(rules.code_name(code), lang)
            codes_told.add(code)
        else:
            rule = db.get(TelemetryRule, by_id[alert.id].rule_id)
            words = (rule.name_en if lang == "en" else rule.name_zh) if rule is not None else ""
        if words and words not in problems:
            problems.append(words)
    recent = at - timedelta(hours=RECENT_CODE_HOURS)
    for seen in error_codes:
        if seen.code in codes_told or seen.meaning is None or seen.last_seen_at < recent:
            continue
        sure = seen.code not in known or known[seen.code].sure
        words = seen.meaning if sure or not customer else _pick(WORDS["fault"], lang)
        if words not in problems:
            problems.append(words)
        tips.extend(seen.self_help)
    unique_tips: list[str] = []
    for tip in tips:
        if tip not in unique_tips:
            unique_tips.append(tip)
    return problems, unique_tips
