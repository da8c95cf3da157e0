"""Small builders for the KPI tests: extra appliances, orders walked at set times, surveys and complaints
written as rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.catalog import service as catalog_service
from anxin.feedback.models import Complaint, Survey
from anxin.work_order.models import WorkOrder
from tests.conftest import TenantWorld
from tests.helpers import HAPPY_PATH, act, report

# 2026-11-10 10:00 in Shanghai: a Tuesday.
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
DAY = "2026-11-10"


def appliance(sessionmaker_, world: TenantWorld, *, brand: str | None = None) -> int:
    """Another refrigerator of the world's first customer (optionally of a new brand)."""
    with sessionmaker_() as db:
        first = db.get(Appliance, world.appliance_id)
        model_id = first.product_model_id
        if brand:
            made = catalog_service.create_brand(
                db, tenant_id=world.tenant.id, code=brand, name_zh=brand, name_en=brand.title()
            )
            model_id = catalog_service.create_product_model(
                db,
                tenant_id=world.tenant.id,
                brand_id=made.id,
                category_code="refrigerator",
                model_code=f"{brand}-1",
                name="冰箱",
                warranty_months=36,
                key_part_months={},
            ).id
        count = len(db.scalars(select(Appliance.id)).all())
        made_appliance = appliance_service.create(
            db,
            tenant_id=world.tenant.id,
            customer_id=world.customer_id,
            product_model_id=model_id,
            serial_number=f"KPI{world.tenant.slug}{count:05d}",
            purchase_date=date(2025, 6, 1),
            purchase_channel="jd",
            install_date=None,
            address_id=first.address_id,
        )
        db.commit()
        return made_appliance.id


def new_order(client, world: TenantWorld, appliance_id: int) -> int:
    response = report(client, world, appliance_id=appliance_id)
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def walk_timed(client, world: TenantWorld, traveller, order_id: int, start: datetime, times: dict) -> None:
    """Take the happy path to ``complete``, moving the clock to ``start + times[action]`` before each action
    named in ``times`` (the others happen at the clock's current time)."""
    for role, action, body in HAPPY_PATH:
        if action in times:
            traveller.move_to(start + times[action])
        response = act(client, world, order_id, role, action, body)
        assert response.status_code == 200, response.text
        if action == "complete":
            return


def survey(db, order_id: int, *, answered_at: datetime, **scores) -> None:
    """Answer the order's survey (the one sent on completion, or a new row)."""
    order = db.get(WorkOrder, order_id)
    row = db.scalar(select(Survey).where(Survey.work_order_id == order.id))
    if row is None:
        row = Survey(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            created_at=answered_at,
            sent_at=answered_at,
            expires_at=answered_at + timedelta(days=7),
        )
        db.add(row)
    row.status, row.answered_at, row.answered_via = "answered", answered_at, "link"
    for name, value in scores.items():
        setattr(row, name, value)
    db.commit()


def complaint(db, order_id: int, *, registered_at: datetime, closed_at: datetime | None) -> None:
    order = db.get(WorkOrder, order_id)
    db.add(
        Complaint(
            tenant_id=order.tenant_id,
            number=f"CP202611-{order_id:04d}",
            status="closed" if closed_at else "registered",
            channel="hotline",
            category="quality",
            description="维修后仍有异响",
            customer_id=order.customer_id,
            work_order_id=order.id,
            technician_id=order.technician_id,
            created_at=registered_at,
            registered_at=registered_at,
            closed_at=closed_at,
        )
    )
    db.commit()


def kpis(client, world: TenantWorld, role: str = "admin", **params) -> dict:
    response = client.get(
        "/api/v1/analytics/kpis", params={"from": DAY, "to": DAY, **params}, headers=world.headers(role)
    )
    assert response.status_code == 200, response.text
    return response.json()
