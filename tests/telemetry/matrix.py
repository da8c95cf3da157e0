"""The objects the access matrix's and the tenant-isolation test's telemetry rows name
(tests/test_access_matrix.py, tests/test_tenant_isolation.py): an ingest key, which ``DELETE
/api/v1/telemetry/keys/{key_id}`` revokes; a rule, which ``DELETE /api/v1/telemetry/rules/{…}``
deactivates; an open alert on the world's first appliance, which ``POST /api/v1/alerts/{alert_id}/dismiss``
dismisses."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.telemetry import keys
from anxin.telemetry.models import TelemetryAlert, TelemetryRule
from tests.conftest import TenantWorld


@dataclass
class TelemetryScene:
    key_id: int
    rule_id: int
    alert_id: int


def matrix_scene(db: Session, world: TenantWorld) -> TelemetryScene:
    key, _ = keys.create_key(db, actor=db.get(User, world.users["admin"].id), name="矩阵")
    rule = TelemetryRule(
        tenant_id=world.tenant.id,
        category="refrigerator",
        cause="code_e2",
        kind="error_code",
        error_code="E2",
        name_zh="传感器故障",
        name_en="Sensor fault",
        active=True,
        above=True,
        hold_minutes=0,
    )
    db.add(rule)
    db.flush()
    alert = TelemetryAlert(
        tenant_id=world.tenant.id,
        appliance_id=world.appliance_id,
        rule_id=rule.id,
        cause=rule.cause,
        status="open",
        open_key=f"{world.appliance_id}:{rule.cause}",
        reading_at=clock.now(),
        error_code="E2",
    )
    db.add(alert)
    db.flush()
    return TelemetryScene(key_id=key.id, rule_id=rule.id, alert_id=alert.id)


def matrix_key(db: Session, world: TenantWorld) -> int:
    return matrix_scene(db, world).key_id
