"""What the settlement tests share: finished orders of last month, fee rules, a second outlet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from anxin.auth import service as auth_service
from anxin.auth.roles import Role
from anxin.technician.models import Outlet
from anxin.work_order.models import WorkOrder
from tests.conftest import TenantWorld
from tests.dates import local_today
from tests.helpers import report

ZONE = ZoneInfo("Asia/Shanghai")


def last_month() -> str:
    first = local_today().replace(day=1)
    previous = first - timedelta(days=1)
    return f"{previous.year}-{previous.month:02d}"


def in_last_month(day: int = 10, hour: int = 10) -> datetime:
    year, month = (int(part) for part in last_month().split("-"))
    return datetime.combine(date(year, month, day), time(hour), ZONE)


def finished_order(
    client: TestClient,
    sessionmaker_,
    world: TenantWorld,
    *,
    status: str = "completed",
    completed_at: datetime | None = None,
    priority: str = "normal",
    area_type: str = "urban",
    service_type: str = "repair",
    technician_id: int | None = None,
) -> int:
    """An order of the world's outlet, done by its technician (the path to it is the order's tests')."""
    answer = report(client, world, service_type=service_type)
    assert answer.status_code == 201, answer.text
    order_id = answer.json()["id"]
    with sessionmaker_() as db:
        order = db.get(WorkOrder, order_id)
        order.status = status
        order.technician_id = technician_id or world.technician_id
        order.outlet_id = world.outlet_id
        order.completed_at = completed_at or in_last_month()
        order.priority = priority
        order.area_type = area_type
        db.commit()
    return order_id


def second_outlet(sessionmaker_, world: TenantWorld, password_hash: str) -> dict[str, str]:
    """Another outlet of the same tenant and its manager; returns the manager's login."""
    with sessionmaker_() as db:
        outlet = Outlet(
            tenant_id=world.tenant.id, code="WEST", name="西区网点", district="西湖区", lat=30.2, lng=120.1
        )
        db.add(outlet)
        db.flush()
        user = auth_service.create_user(
            db,
            tenant_id=world.tenant.id,
            username="outlet_west",
            password="unused-password-1",
            password_hash=password_hash,
            role=Role.OUTLET_MANAGER,
            display_name="西区经理",
            outlet_id=outlet.id,
        )
        db.commit()
        world.users["outlet_west"] = user
    return {"outlet_id": str(outlet.id)}


RULES = [
    {"kind": "base", "amount_fen": 5000},
    {"kind": "base", "service_type": "repair", "amount_fen": 8000},
    {"kind": "base", "service_type": "repair", "category": "refrigerator", "amount_fen": 9000},
    {"kind": "area", "area_type": "suburban", "amount_fen": 1500},
    {"kind": "urgent", "amount_fen": 2000},
    {"kind": "rework", "amount_fen": 1000, "rate_bp": 5000},
    {"kind": "complaint", "amount_fen": 20000},
    {"kind": "penalty_point", "amount_fen": 500},
    {"kind": "commission", "level": "junior", "rate_bp": 4000},
    {"kind": "commission", "level": "senior", "rate_bp": 5000},
    {"kind": "deposit", "amount_fen": 2000, "cap_fen": 3000},
]


def set_rules(client: TestClient, world: TenantWorld, rules: list[dict] = RULES) -> None:
    for rule in rules:
        answer = client.post("/api/v1/settlement-fee-rules", json=rule, headers=world.headers("admin"))
        assert answer.status_code == 201, answer.text


def approve_all(client: TestClient, world: TenantWorld, order_ids: list[int]) -> None:
    for order_id in order_ids:
        submitted = client.post(
            f"/api/v1/work-orders/{order_id}/closure-review", json={}, headers=world.headers("outlet_manager")
        )
        assert submitted.status_code == 201, submitted.text
        approved = client.post(
            f"/api/v1/closure-reviews/{submitted.json()['id']}/approve", headers=world.headers("admin")
        )
        assert approved.status_code == 200, approved.text
