"""The telemetry API: ingest keys (admin), the metric catalog, and the batch ingest of readings.

``POST /api/v1/telemetry`` is called by devices and brand clouds, not by users: it takes the tenant's
ingest key in ``X-Api-Key`` (no bearer token), and runs on the event loop (``LoopDb``) like the intake,
the hottest write of the platform. Its body is described in the OpenAPI document but parsed by
``ingest.py`` reading by reading, so a bad reading is refused alone (``rejected``) and the rest stored."""

from __future__ import annotations

from typing import Annotated, Any

import pydantic_core
from fastapi import APIRouter, Depends, Query, Request, Security
from fastapi.security import APIKeyHeader

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CATEGORY_NAMES
from anxin.dependencies import DbSession, LoopDb, allowed, language
from anxin.fields import Id
from anxin.routing import errors, json_response
from anxin.telemetry import keys, rules
from anxin.telemetry.exceptions import BadIngestKey, MalformedBatch
from anxin.telemetry.ingest import ingest
from anxin.telemetry.metrics import CATALOG
from anxin.telemetry.schemas import (
    AlertRead,
    BatchResult,
    CategoryMetrics,
    KeyCreate,
    KeyCreated,
    KeyRead,
    MetricRead,
    ReadingIn,
    RuleCreate,
    RuleRead,
)
from anxin.telemetry.settings import get_telemetry_settings

router = APIRouter(tags=["telemetry"])

KeyAdmin = Annotated[User, Depends(allowed(Action.TELEMETRY_KEYS))]
Reader = Annotated[User, Depends(allowed(Action.TELEMETRY_READ))]
RuleAdmin = Annotated[User, Depends(allowed(Action.TELEMETRY_RULES))]
AlertHandler = Annotated[User, Depends(allowed(Action.TELEMETRY_ALERTS))]
ingest_key_header = APIKeyHeader(name="X-Api-Key", auto_error=False, description="the tenant's ingest key")
IngestKey = Annotated[str | None, Security(ingest_key_header)]


@router.post("/api/v1/telemetry/keys", response_model=KeyCreated, status_code=201)
def create_key(body: KeyCreate, db: DbSession, user: KeyAdmin):
    """A new ingest key for the tenant; the answer's ``key`` is shown this once (only its hash is kept)."""
    row, key = keys.create_key(db, actor=user, name=body.name)
    return KeyCreated(**KeyRead.model_validate(row).model_dump(), key=key)


@router.get("/api/v1/telemetry/keys", response_model=list[KeyRead])
def list_keys(db: DbSession, user: KeyAdmin):
    """The tenant's ingest keys, revoked ones included, without the keys themselves."""
    return [KeyRead.model_validate(row) for row in keys.list_keys(db, tenant_id=user.tenant_id)]


@router.delete("/api/v1/telemetry/keys/{key_id}", response_model=KeyRead)
def revoke_key(key_id: Id, db: DbSession, user: KeyAdmin):
    """Revoke a key for good: batches sent with it are refused (401) from now on."""
    return KeyRead.model_validate(keys.revoke_key(db, actor=user, key_id=key_id))


@router.get("/api/v1/telemetry/metrics", response_model=list[CategoryMetrics])
def list_metrics(request: Request, user: Reader):
    """What each category of appliance may report: metric names, units and plausible ranges."""
    lang = language(request)
    return [
        CategoryMetrics(
            category=str(category),
            label=CATEGORY_NAMES[category][1 if lang == "en" else 0],
            metrics=[
                MetricRead(
                    name=m.name, label=m.label(lang), unit=m.unit, low=m.low, high=m.high, counter=m.counter
                )
                for m in metrics
            ],
        )
        for category, metrics in CATALOG.items()
    ]


def _batch_schema() -> dict[str, Any]:
    reading = ReadingIn.model_json_schema()
    limit = get_telemetry_settings().max_batch
    return {
        "type": "object",
        "required": ["readings"],
        "properties": {"readings": {"type": "array", "items": reading, "maxItems": limit}},
    }


@router.post(
    "/api/v1/telemetry",
    response_model=BatchResult,
    responses=errors(401),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": _batch_schema()}}}
    },
)
async def ingest_batch(request: Request, db: LoopDb, api_key: IngestKey):
    """Store a batch of readings sent with the tenant's ingest key. Each reading is checked alone: those
    refused are listed with their index and reason (``unknown_device``, ``unknown_metric``,
    ``out_of_range``, ``future_timestamp``, ``too_old``, ``duplicate_in_batch``, ``malformed``, …) and
    the others stored; a reading already stored (same device and time) counts as a duplicate. More
    readings than the limit: 422 ``batch_too_large``; a body over the size limit: 413."""
    body = await request.body()
    try:
        payload = pydantic_core.from_json(body)
    except ValueError as exc:
        raise MalformedBatch() from exc
    lang = language(request)
    outcome = await db.run(_ingest, api_key, payload, lang)
    return json_response(BatchResult.model_validate(outcome.as_dict()))


def _ingest(db, api_key: str | None, payload: Any, lang: str):
    tenant_id = keys.tenant_of(db, api_key)
    if tenant_id is None:
        raise BadIngestKey()
    return ingest(db, tenant_id=tenant_id, payload=payload, language=lang)


# --- rules and alerts ----------------------------------------------------------------------------------


def _rule(rule, lang: str) -> RuleRead:
    read = RuleRead.model_validate(rule)
    read.name = rule.name_en if lang == "en" else rule.name_zh
    return read


@router.get("/api/v1/telemetry/rules", response_model=list[RuleRead])
def list_rules(request: Request, db: DbSession, user: Reader):
    """The tenant's rules, evaluated on every reading stored (inactive ones included)."""
    lang = language(request)
    return [_rule(rule, lang) for rule in rules.list_rules(db, tenant_id=user.tenant_id)]


@router.post("/api/v1/telemetry/rules", response_model=RuleRead, status_code=201)
def create_rule(body: RuleCreate, request: Request, db: DbSession, user: RuleAdmin):
    """A new rule of a category: a threshold held for a duration, a counter, or an error code."""
    return _rule(rules.create_rule(db, actor=user, fields=body.model_dump()), language(request))


@router.delete("/api/v1/telemetry/rules/{telemetry_rule_id}", response_model=RuleRead)
def deactivate_rule(telemetry_rule_id: Id, request: Request, db: DbSession, user: RuleAdmin):
    """Stop evaluating a rule (its alerts stay)."""
    return _rule(rules.set_active(db, actor=user, rule_id=telemetry_rule_id, active=False), language(request))


def _alert(alert, names: dict[int, tuple[str, str]], lang: str) -> AlertRead:
    read = AlertRead.model_validate(alert)
    zh, en = names.get(alert.rule_id, (alert.cause, alert.cause))
    read.title = en if lang == "en" else zh
    status_zh, status_en = rules.STATUS_NAMES.get(alert.status, (alert.status, alert.status))
    read.status_label = status_en if lang == "en" else status_zh
    return read


@router.get("/api/v1/alerts", response_model=list[AlertRead])
def list_alerts(
    request: Request,
    db: DbSession,
    user: Reader,
    appliance_id: Id | None = None,
    status: Annotated[str | None, Query(pattern="^(open|notified|converted|dismissed)$")] = None,
):
    """The tenant's telemetry alerts, newest first (200 at most), of one appliance or all."""
    lang = language(request)
    names = {rule.id: (rule.name_zh, rule.name_en) for rule in rules.list_rules(db, tenant_id=user.tenant_id)}
    found = rules.list_alerts(db, tenant_id=user.tenant_id, appliance_id=appliance_id, status=status)
    return [_alert(alert, names, lang) for alert in found]


@router.post("/api/v1/alerts/{alert_id}/convert", response_model=AlertRead)
def convert_alert(alert_id: Id, request: Request, db: DbSession, user: AlertHandler):
    """Open a proactive work order (channel ``iot``) for the alert's appliance and end the alert as
    converted to it (``work_order_id``); 409 if the alert has ended."""
    alert = rules.convert(db, actor=user, alert_id=alert_id)
    names = {rule.id: (rule.name_zh, rule.name_en) for rule in rules.list_rules(db, tenant_id=user.tenant_id)}
    return _alert(alert, names, language(request))


@router.post("/api/v1/alerts/{alert_id}/dismiss", response_model=AlertRead)
def dismiss_alert(alert_id: Id, request: Request, db: DbSession, user: AlertHandler):
    """Dismiss an open alert (a false alarm, or handled outside the platform); 409 if it has ended."""
    alert = rules.dismiss(db, actor=user, alert_id=alert_id)
    names = {rule.id: (rule.name_zh, rule.name_en) for rule in rules.list_rules(db, tenant_id=user.tenant_id)}
    return _alert(alert, names, language(request))
