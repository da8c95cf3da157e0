"""Every table, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from anxin.appliance.models import Appliance
from anxin.auth.models import Tenant, User
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.customer.models import Address, Customer
from anxin.database import Base
from anxin.technician.models import Outlet, Technician
from anxin.work_order.models import (
    IdempotencyRecord,
    Quote,
    QuoteLine,
    SlaPolicy,
    WorkOrder,
    WorkOrderAppliance,
    WorkOrderEvent,
    WorkOrderPhoto,
    WorkOrderSequence,
)

__all__ = [
    "Address",
    "Appliance",
    "Base",
    "Brand",
    "Category",
    "Customer",
    "IdempotencyRecord",
    "Outlet",
    "ProductModel",
    "Quote",
    "QuoteLine",
    "SlaPolicy",
    "Technician",
    "Tenant",
    "User",
    "WorkOrder",
    "WorkOrderAppliance",
    "WorkOrderEvent",
    "WorkOrderPhoto",
    "WorkOrderSequence",
]
