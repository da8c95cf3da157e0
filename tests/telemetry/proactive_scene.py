"""Objects the proactive tests share: an air conditioner for a customer, its run hours, an open alert,
and the scene of the access matrix and the tenant-isolation test (a campaign run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.catalog import service as catalog_service
from anxin.catalog.models import Brand, ProductModel
from anxin.customer.models import Customer
from anxin.proactive import campaigns
from anxin.telemetry.models import TelemetryAlert, TelemetryReading, TelemetryRule
from tests.conftest import TenantWorld


def air_conditioner(db: Session, world: TenantWorld, *, customer_id: int, serial: str, bought: date) -> int:
    model = db.query(ProductModel).filter_by(tenant_id=world.tenant.id, model_code="KFR-35").one_or_none()
    if model is None:
        brand = db.query(Brand).filter_by(tenant_id=world.tenant.id).first()
        model = catalog_service.create_product_model(
            db,
            tenant_id=world.tenant.id,
            brand_id=brand.id,
            category_code="air_conditioner",
            model_code="KFR-35",
            name="挂式空调",
            warranty_months=12,
            key_part_months={},
        )
    customer = db.get(Customer, customer_id)
    appliance = appliance_service.create(
        db,
        tenant_id=world.tenant.id,
        customer_id=customer_id,
        product_model_id=model.id,
        serial_number=serial,
        purchase_date=bought,
        purchase_channel="jd",
        install_date=None,
        address_id=customer.addresses[0].id,
    )
    return appliance.id


def run_hours(db: Session, world: TenantWorld, appliance_id: int, hours: float) -> None:
    db.add(
        TelemetryReading(
            appliance_id=appliance_id,
            ts=clock.now() - timedelta(hours=1),
            tenant_id=world.tenant.id,
            metrics={"run_hours": hours, "indoor_temp_c": 26.0},
        )
    )
    db.flush()


def alert(
    db: Session,
    world: TenantWorld,
    *,
    appliance_id: int,
    category: str,
    cause: str,
    code: str | None,
    kind: str = "error_code",
) -> TelemetryAlert:
    rule = (
        db.query(TelemetryRule)
        .filter_by(tenant_id=world.tenant.id, category=category, cause=cause)
        .one_or_none()
    )
    if rule is None:
        rule = TelemetryRule(
            tenant_id=world.tenant.id,
            category=category,
            cause=cause,
            kind=kind,
            error_code=code,
            metric=None if kind == "error_code" else "run_hours",
            threshold=None if kind == "error_code" else 2000,
            name_zh="故障码" + (code or ""),
            name_en="Fault code " + (code or ""),
            active=True,
            above=True,
            hold_minutes=0,
        )
        db.add(rule)
        db.flush()
    found = TelemetryAlert(
        tenant_id=world.tenant.id,
        appliance_id=appliance_id,
        rule_id=rule.id,
        cause=cause,
        status="open",
        open_key=f"{appliance_id}:{cause}",
        reading_at=clock.now(),
        error_code=code,
    )
    db.add(found)
    db.flush()
    return found


@dataclass
class ProactiveScene:
    campaign_id: int


def matrix_scene(db: Session, world: TenantWorld) -> ProactiveScene:
    admin = db.get(User, world.users["admin"].id)
    found = campaigns.run(db, tenant_id=world.tenant.id, actor=admin)
    return ProactiveScene(campaign_id=found.id)
