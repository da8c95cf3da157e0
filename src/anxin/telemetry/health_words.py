"""Telemetry in a customer's words: a reading as its name, a rounded value with its unit and a plain state
("漏电电流 10.3 mA，超过安全值 10 mA"), never a metric's id, a raw float, a rule's cause or a code.

- ``amount`` / ``reading_text``: a value with its unit, and an alert's reading against its rule (the text a
  proactive order carries, ``rules.convert``);
- ``for_customer``: the customer's answer of ``GET /api/v1/appliances/{id}/health`` from the health staff
  read (``health.Health``): the appliance's kind by name, each reading by label with its state in words,
  open alerts by their meaning (a code's meaning from the knowledge base, else "设备自检发现故障"), the
  temperature series; no ids, no codes, no plausible ranges, no prediction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from anxin.catalog.codes import CATEGORY_NAMES
from anxin.telemetry.metrics import Metric, metrics_of

if TYPE_CHECKING:  # health imports rules, which imports this module
    from anxin.telemetry.health import Health
    from anxin.telemetry.models import TelemetryRule

UNITS = {"s": ("秒", "s"), "h": ("小时", "h"), "L": ("升", "L"), "次": ("次", "times")}
CUSTOMER_SERIES_UNITS = {"°C"}  # the customer's chart: temperatures, which anyone reads (as the page)
STATES = {
    "normal": ("正常", "Normal"),
    "high": ("偏高", "High"),
    "low": ("偏低", "Low"),
    "implausible": ("读数异常", "Reading looks wrong"),
}
WORDS = {
    "above": ("{reading}，超过安全值 {limit}", "{reading}, above the safe limit of {limit}"),
    "below": ("{reading}，低于正常值 {limit}", "{reading}, below the normal minimum of {limit}"),
    "held": ("，已持续 {minutes} 分钟", " for {minutes} minutes"),
    "counter": ("{name}（{reading}）", "{name} ({reading})"),
    "fault": ("设备自检发现故障", "The appliance reported a fault"),
    "appliance": ("家电", "Appliance"),
}


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def number(value: float) -> str:
    """A reading as a person reads it: 10.27 → 10.3, 4.35 → 4.35, 2001.4 → 2,001, 12.0 → 12."""
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    text = f"{value:.1f}" if size >= 10 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def amount(value: float, unit: str, lang: str) -> str:
    """``10.3 mA``, ``300 秒`` / ``300 s``."""
    shown = _pick(UNITS[unit], lang) if unit in UNITS else unit
    return f"{number(value)} {shown}".strip()


def metric_of(category: str, name: str | None) -> Metric | None:
    return next((m for m in metrics_of(category) if m.name == name), None) if name else None


def reading_text(rule: TelemetryRule, value: float, lang: str = "zh") -> str | None:
    """An alert's reading against its rule in words, or None when the rule reads no metric of the catalog
    (an error code, a prediction: their value is no reading)."""
    metric = metric_of(rule.category, rule.metric)
    if metric is None or rule.kind not in ("threshold", "counter"):
        return None
    reading = f"{metric.label(lang)} {amount(value, metric.unit, lang)}"
    name = rule.name_en if lang == "en" else rule.name_zh
    if rule.kind == "counter":
        return _pick(WORDS["counter"], lang).format(name=name, reading=reading)
    if rule.threshold is None:
        return reading
    limit = amount(rule.threshold, metric.unit, lang)
    text = _pick(WORDS["above" if rule.above else "below"], lang).format(reading=reading, limit=limit)
    if rule.hold_minutes:
        text += _pick(WORDS["held"], lang).format(minutes=rule.hold_minutes)
    return text


# --- the customer's answer -------------------------------------------------------------------------------


@dataclass
class CustomerReading:
    label: str
    value: float  # rounded as shown
    unit: str
    text: str  # 冷藏室温度 12.5 °C
    state: str  # 正常 / 偏高 / 偏低 / 读数异常
    normal: bool


@dataclass
class CustomerAlert:
    title: str  # what is wrong, in words: no code
    status_label: str
    opened_at: datetime


@dataclass
class CustomerSeries:
    label: str
    unit: str
    values: list[float | None]


@dataclass
class CustomerHealth:
    appliance: str  # the kind of appliance by name
    connected: bool
    last_reading_at: datetime | None
    summary: str
    problems: list[str]
    tips: list[str]
    readings: list[CustomerReading]
    alerts: list[CustomerAlert]
    hours: list[datetime]
    series: list[CustomerSeries]


def for_customer(found: Health, *, lang: str) -> CustomerHealth:
    """The owner's answer from the health as read for them (``health(customer=True)``)."""
    meanings = {c.code: c.meaning for c in found.error_codes if c.meaning and c.sure}
    readings = []
    for m in found.metrics:
        if m.value is None:
            continue
        shown = amount(m.value, m.unit, lang)
        readings.append(
            CustomerReading(
                label=m.label,
                value=float(number(m.value).replace(",", "")),
                unit=_pick(UNITS[m.unit], lang) if m.unit in UNITS else m.unit,
                text=f"{m.label} {shown}",
                state=_pick(STATES.get(m.state, STATES["normal"]), lang),
                normal=m.normal,
            )
        )
    alerts = []
    for alert in found.alerts:
        if alert.predicted:
            continue
        if alert.error_code:  # the code's meaning on this brand, never the code
            title = meanings.get(alert.error_code) or _pick(WORDS["fault"], lang)
        else:
            title = alert.title
        alerts.append(CustomerAlert(title=title, status_label=alert.status_label, opened_at=alert.opened_at))
    series = [
        CustomerSeries(
            label=s.label, unit=s.unit, values=[None if v is None else round(v, 1) for v in s.values]
        )
        for s in found.series
        if s.unit in CUSTOMER_SERIES_UNITS
    ]
    names = CATEGORY_NAMES.get(found.category)  # type: ignore[call-overload]
    return CustomerHealth(
        appliance=_pick(names, lang) if names else _pick(WORDS["appliance"], lang),
        connected=found.connected,
        last_reading_at=found.last_reading_at,
        summary=found.summary,
        problems=list(found.problems),
        tips=list(found.tips),
        readings=readings,
        alerts=alerts,
        hours=list(found.hours) if series else [],
        series=series,
    )
