"""The one ingest path: a batch of readings checked one by one and written in one statement.

Both transports (the HTTP batch route and the MQTT subscriber) call ``ingest``. Each reading is checked
in plain Python (no model per reading: the batch is the hot path): its serial must name an appliance of
the tenant, its time must lie between ``max_age_days`` ago (late readings are welcome up to then) and
``max_skew_seconds`` ahead, each metric must be in the category's catalog and within its plausible range,
and a batch may not carry the same device and instant twice. A bad reading is refused alone, with its
index, a machine-readable reason and a message; the others are stored. The good ones go to the database
in one statement with ``ON CONFLICT DO NOTHING`` on (appliance, ts): a replay of a reading already stored
is counted as a duplicate, not stored twice and not an error (a device resending a batch whose answer it
lost gets the same outcome). On PostgreSQL the statement is one ``INSERT … SELECT FROM unnest(arrays)``
(one round trip, the arrays sent in binary); on SQLite a multi-row insert."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic_core
from sqlalchemy import select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Category, ProductModel
from anxin.clock import now
from anxin.telemetry import rules
from anxin.telemetry.exceptions import BatchTooLarge, MalformedBatch
from anxin.telemetry.metrics import BOUNDS
from anxin.telemetry.models import TelemetryReading
from anxin.telemetry.settings import TelemetrySettings, get_telemetry_settings

# reason -> (Chinese, English); ``{field}`` names the metric or field at fault
REASONS: dict[str, tuple[str, str]] = {
    "malformed": ("读数格式不对：{field}", "The reading is malformed: {field}"),
    "unknown_device": ("本租户没有序列号为该值的家电", "No appliance of this tenant has this serial number"),
    "unknown_metric": ("该品类没有指标 {field}", "The category has no metric {field}"),
    "out_of_range": ("指标 {field} 的值超出合理范围", "The value of {field} is out of its plausible range"),
    "no_metrics": ("读数没有任何指标", "The reading has no metrics"),
    "too_many_metrics": ("一条读数的指标过多", "The reading has too many metrics"),
    "future_timestamp": ("读数时间晚于当前时间", "The reading's time is in the future"),
    "too_old": ("读数时间过早，超出可补传期限", "The reading is older than late readings may be"),
    "duplicate_in_batch": ("同一设备同一时间的读数在本批中重复", "The batch repeats this device and time"),
}
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


@dataclass
class Outcome:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    # the readings stored now: (appliance_id, ts, metrics, error_code), for the rules on the way in
    stored: list[tuple[int, datetime, dict[str, float], str | None]] = field(default_factory=list)
    alerts_opened: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "counts": dict(self.counts),
            "alerts_opened": self.alerts_opened,
        }


@dataclass(frozen=True, slots=True)
class Device:
    appliance_id: int
    category: str


def readings_of(payload: Any, settings: TelemetrySettings) -> list[Any]:
    """The batch's readings, or the error that refuses the batch whole."""
    if not isinstance(payload, dict) or not isinstance(payload.get("readings"), list):
        raise MalformedBatch()
    readings = payload["readings"]
    if len(readings) > settings.max_batch:
        raise BatchTooLarge(limit=settings.max_batch, count=len(readings))
    return readings


class DeviceCache:
    """Serials found recently, per tenant, for ``TTL_SECONDS``: a device reports every minute or so, and
    looking its serial up again each time cost a fifth of a batch's time. Only appliances found are kept
    (a serial registered a moment ago is looked up, not refused from memory), each process keeps its
    own, and an entry ends by itself: nothing here must be shared between processes. An appliance whose
    serial changes is seen under the new one at once, and the old serial still reaches it for at most
    the TTL."""

    TTL_SECONDS = 60.0
    MAX_ENTRIES = 500_000

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[Device, float]] = {}

    def find(self, tenant_id: int, serials: set[str], at: float) -> tuple[dict[str, Device], set[str]]:
        found, missing = {}, set()
        entries = self._entries
        for serial in serials:
            hit = entries.get((tenant_id, serial))
            if hit is not None and hit[1] > at:
                found[serial] = hit[0]
            else:
                missing.add(serial)
        return found, missing

    def keep(self, tenant_id: int, found: dict[str, Device], at: float) -> None:
        if len(self._entries) + len(found) > self.MAX_ENTRIES:
            self._entries.clear()
        until = at + self.TTL_SECONDS
        self._entries.update({(tenant_id, serial): (device, until) for serial, device in found.items()})

    def clear(self) -> None:
        self._entries.clear()


CACHE = DeviceCache()


def devices(db: Session, *, tenant_id: int, serials: set[str]) -> dict[str, Device]:
    """The tenant's appliances among ``serials`` (the first registered, should two share a serial), those
    seen in the last minute from ``CACHE``."""
    at = time.monotonic()
    cached, missing = CACHE.find(tenant_id, serials, at)
    if missing:
        found = _lookup(db, tenant_id=tenant_id, serials=missing)
        CACHE.keep(tenant_id, found, at)
        cached.update(found)
    return cached


def _lookup(db: Session, *, tenant_id: int, serials: set[str]) -> dict[str, Device]:
    if not serials:
        return {}
    if db.get_bind().dialect.name == "postgresql":  # one JSON parameter, not one per serial
        found = db.execute(DEVICES_PG, {"tenant_id": tenant_id, "serials": json.dumps(list(serials))})
        return {serial: Device(appliance_id, category) for serial, appliance_id, category in found.all()}
    rows = db.execute(
        select(Appliance.serial_number, Appliance.id, Category.code)
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Category, Category.id == ProductModel.category_id)
        .where(Appliance.tenant_id == tenant_id, Appliance.serial_number.in_(serials))
        .order_by(Appliance.id.desc())
    )
    return {serial: Device(appliance_id, category) for serial, appliance_id, category in rows}


def _instant(value: Any) -> datetime | None:
    """An aware UTC datetime from ISO 8601 with an offset, or epoch seconds; None if neither."""
    if isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value)
            return moment.astimezone(UTC) if moment.tzinfo is not None else None
        except (ValueError, OverflowError):  # not a time; or 9999-12-31T23:00-05:00, past datetime's end
            return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e11:
        return datetime.fromtimestamp(value, UTC)
    return None


def ingest(
    db: Session,
    *,
    tenant_id: int,
    payload: Any,
    language: str = "zh",
    settings: TelemetrySettings | None = None,
) -> Outcome:
    """Check and store the batch ``payload`` (``{"readings": [...]}``, parsed JSON) for ``tenant_id``."""
    settings = settings or get_telemetry_settings()
    readings = readings_of(payload, settings)
    outcome = Outcome()
    en = language == "en"

    def refuse(index: int, reason: str, name: str | None = None) -> None:
        zh_text, en_text = REASONS[reason]
        message = (en_text if en else zh_text).format(field=name or "")
        outcome.rejected.append({"index": index, "reason": reason, "field": name, "message": message})
        outcome.counts[reason] += 1

    serials = {r["serial"] for r in readings if isinstance(r, dict) and isinstance(r.get("serial"), str)}
    known = devices(db, tenant_id=tenant_id, serials={s for s in serials if 0 < len(s) <= 60})
    moment = now()
    latest, earliest = (
        moment + timedelta(seconds=settings.max_skew_seconds),
        moment - timedelta(days=settings.max_age_days),
    )
    max_metrics = settings.max_metrics
    seen: set[tuple[int, datetime]] = set()
    rows: list[tuple[int, datetime, dict[str, float], str | None]] = []
    categories: list[str] = []

    for index, reading in enumerate(readings):
        if not isinstance(reading, dict):
            refuse(index, "malformed", "reading")
            continue
        serial = reading.get("serial")
        if not isinstance(serial, str):
            refuse(index, "malformed", "serial")
            continue
        device = known.get(serial)
        if device is None:
            refuse(index, "unknown_device", "serial")
            continue
        ts = _instant(reading.get("ts"))
        if ts is None:
            refuse(index, "malformed", "ts")
            continue
        if ts > latest:
            refuse(index, "future_timestamp", "ts")
            continue
        if ts < earliest:
            refuse(index, "too_old", "ts")
            continue
        code = reading.get("error_code")
        if code is not None and (
            not isinstance(code, str) or not 0 < len(code) <= 20 or not CODE_CHARS.issuperset(code)
        ):
            refuse(index, "malformed", "error_code")
            continue
        metrics = reading.get("metrics")
        if not isinstance(metrics, dict):
            refuse(index, "malformed", "metrics")
            continue
        if not metrics and code is None:
            refuse(index, "no_metrics", "metrics")
            continue
        if len(metrics) > max_metrics:
            refuse(index, "too_many_metrics", "metrics")
            continue
        bounds = BOUNDS.get(device.category, {})
        problem = None
        for name, value in metrics.items():
            limits = bounds.get(name)
            if limits is None:
                problem = ("unknown_metric", str(name)[:40])
                break
            if type(value) is not float and (type(value) is not int):
                problem = ("malformed", str(name))
                break
            if not limits[0] <= value <= limits[1]:  # NaN and infinities fail this too
                problem = ("out_of_range", name)
                break
        if problem is not None:
            refuse(index, *problem)
            continue
        key = (device.appliance_id, ts)
        if key in seen:
            refuse(index, "duplicate_in_batch", "ts")
            continue
        seen.add(key)
        rows.append((device.appliance_id, ts, metrics, code))
        categories.append(device.category)

    if rows:
        outcome.accepted = write(db, tenant_id=tenant_id, rows=rows, received_at=moment)
        outcome.duplicates = len(rows) - outcome.accepted
        outcome.stored = rows
        readings = [(a, category, t, m, e) for (a, t, m, e), category in zip(rows, categories, strict=True)]
        outcome.alerts_opened = len(rules.evaluate(db, tenant_id=tenant_id, readings=readings))
    return outcome


# The batch goes as one JSON parameter that PostgreSQL unpacks (``jsonb_to_recordset``): one round trip,
# one parameter, and no per-element quoting by the driver (arrays of JSON strings cost that much more).
INSERT_PG = text(
    "INSERT INTO telemetry_reading (tenant_id, appliance_id, ts, metrics, error_code, received_at) "
    "SELECT :tenant_id, r.a, r.t, r.m, r.e, :received_at "
    "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(a bigint, t timestamptz, m jsonb, e text) "
    "ON CONFLICT DO NOTHING"
)
DEVICES_PG = text(
    "SELECT a.serial_number, a.id, c.code FROM appliance a "
    "JOIN product_model p ON p.id = a.product_model_id JOIN appliance_category c ON c.id = p.category_id "
    "WHERE a.tenant_id = :tenant_id AND a.serial_number IN "
    "(SELECT jsonb_array_elements_text(CAST(:serials AS jsonb))) ORDER BY a.id DESC"
)


def write(
    db: Session,
    *,
    tenant_id: int,
    rows: list[tuple[int, datetime, dict[str, float], str | None]],
    received_at: datetime,
) -> int:
    """Insert ``rows`` (appliance_id, ts, metrics, error_code) in one statement, skipping those already
    stored; the number inserted."""
    if db.get_bind().dialect.name == "postgresql":
        batch = pydantic_core.to_json([{"a": a, "t": t, "m": m, "e": e} for a, t, m, e in rows]).decode()
        return db.execute(
            INSERT_PG, {"tenant_id": tenant_id, "received_at": received_at, "rows": batch}
        ).rowcount
    inserted = 0
    table = TelemetryReading.__table__
    for start in range(0, len(rows), 500):  # SQLite binds at most 32766 values per statement
        chunk = rows[start : start + 500]
        statement = sqlite_insert(table).values(
            [
                {
                    "tenant_id": tenant_id,
                    "appliance_id": appliance_id,
                    "ts": ts,
                    "metrics": metrics,
                    "error_code": code,
                    "received_at": received_at,
                }
                for appliance_id, ts, metrics, code in chunk
            ]
        )
        inserted += db.execute(statement.on_conflict_do_nothing()).rowcount
    return inserted
