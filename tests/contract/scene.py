"""The contracts' part of the access matrix's and the tenant-isolation tests' scenes: a care plan on sale and
a contract for customer01's appliance (world.appliance_id), sold by the agent; an extended warranty."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from anxin.contract import contracts, plans
from anxin.contract.schemas import ServicePlanCreate
from tests.conftest import TenantWorld
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS


@dataclass
class ContractScene:
    plan_id: int  # the care plan, sold for customer01's appliance (``contract_id``)
    contract_id: int
    ew_plan_id: int  # an extended warranty, not sold


def matrix_scene(db: Session, world: TenantWorld) -> ContractScene:
    plan = plans.create(
        db,
        tenant_id=world.tenant.id,
        body=ServicePlanCreate(**(CARE_CLEANING | {"code": "MATRIX-CARE"})),
        actor=world.users["admin"],
    )
    sold = contracts.sell(db, user=world.users["agent"], appliance_id=world.appliance_id, plan_id=plan.id)
    ew = plans.create(
        db,
        tenant_id=world.tenant.id,
        body=ServicePlanCreate(**(EW_TWO_YEARS | {"code": "MATRIX-EW"})),
        actor=world.users["admin"],
    )
    return ContractScene(plan_id=plan.id, contract_id=sold.id, ew_plan_id=ew.id)


PLAN_BODY = CARE_CLEANING | {"name_zh": "矩阵套餐"}
PLAN_UPDATE = {k: v for k, v in PLAN_BODY.items() if k not in ("code", "kind")}
PLAN_FORM = {
    "name_zh": "矩阵套餐",
    "name_en": "Matrix plan",
    "term_months": "12",
    "price": "199",
    "visits": "2",
    "service_type": "cleaning",
}
