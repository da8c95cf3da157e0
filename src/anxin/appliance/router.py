from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin import clock
from anxin.appliance import service
from anxin.appliance.models import Appliance
from anxin.appliance.schemas import ApplianceCreate, ApplianceRead, WarrantyRead
from anxin.appliance.warranty import billing_category
from anxin.auth.roles import Role
from anxin.customer.api import CurrentCustomer
from anxin.dependencies import CurrentUser, DbSession
from anxin.exceptions import NotFound
from anxin.fields import Day, Id
from anxin.work_order import api as work_order_api

router = APIRouter(prefix="/api/v1/appliances", tags=["appliances"])
customer_router = APIRouter(prefix="/api/v1/customers", tags=["customers"])  # a customer's appliances


def current_appliance(appliance_id: Id, db: DbSession, user: CurrentUser) -> Appliance:
    """A customer reaches their own appliances, a technician those of orders assigned to them now or
    before, staff the tenant's; anything else is 404, as for an id nobody has."""
    appliance = service.get(db, tenant_id=user.tenant_id, id=appliance_id)
    if user.role == Role.CUSTOMER and appliance.customer_id != user.customer_id:
        raise NotFound("appliance", "家电")
    if user.role == Role.TECHNICIAN and not work_order_api.serviced_by(
        db, tenant_id=user.tenant_id, appliance_id=appliance.id, technician_id=user.technician_id or -1
    ):
        raise NotFound("appliance", "家电")
    return appliance


CurrentAppliance = Annotated[Appliance, Depends(current_appliance)]


@router.get("/{appliance_id}", response_model=ApplianceRead)
def get_appliance(appliance: CurrentAppliance):
    return appliance


@router.get("/{appliance_id}/warranty", response_model=WarrantyRead)
def get_warranty(appliance: CurrentAppliance, db: DbSession, on: Day | None = None):
    """Warranty status on a date (today by default) and what a repair would be billed as."""
    day = on or clock.now().date()
    warranty = service.warranty(db, appliance=appliance, on=day)
    return WarrantyRead(
        appliance_id=appliance.id,
        on=day,
        status=warranty.status.value,
        starts_on=warranty.starts_on,
        unit_ends_on=warranty.unit_ends_on,
        covered_parts=warranty.covered_parts,
        billing_category_for_repair=billing_category(warranty.status, "repair").value,
    )


@customer_router.get("/{customer_id}/appliances", response_model=list[ApplianceRead])
def list_appliances(customer: CurrentCustomer, db: DbSession):
    return service.get_for_customer(db, tenant_id=customer.tenant_id, customer_id=customer.id)


@customer_router.post("/{customer_id}/appliances", response_model=ApplianceRead, status_code=201)
def register_appliance(body: ApplianceCreate, customer: CurrentCustomer, db: DbSession, user: CurrentUser):
    return service.create(
        db, tenant_id=customer.tenant_id, customer_id=customer.id, actor=user, **body.model_dump()
    )
