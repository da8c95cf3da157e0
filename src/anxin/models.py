"""Every table, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from anxin.analytics.models import KpiDaySum
from anxin.appliance.models import Appliance
from anxin.audit.models import AuditEvent
from anxin.auth.models import AuthSession, LoginCode, RevokedToken, SignInAttempt, Tenant, User
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.customer.models import Address, Customer
from anxin.database import Base
from anxin.dispatch.models import (
    DispatchAttempt,
    DispatchPlan,
    DispatchPolicy,
    PlanStop,
    PlanUnserved,
    SlotReservation,
)
from anxin.feedback.models import (
    Complaint,
    ComplaintEvent,
    ComplaintSequence,
    QualityPolicy,
    ServiceTask,
    Survey,
)
from anxin.notify.models import OutboxMessage
from anxin.parts.models import (
    Part,
    PartFit,
    PartFitting,
    PartLine,
    PartMovement,
    PartReturn,
    PartStock,
    PartTransfer,
    Warehouse,
)
from anxin.pricing.models import (
    PriceBookVersion,
    PriceItem,
    PriceOverride,
    PricingPolicy,
    ReworkChargeback,
)
from anxin.technician.models import (
    Crew,
    CrewMember,
    Outlet,
    Technician,
    TechnicianCertificate,
    TechnicianDayOff,
    TechnicianSkill,
)
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
    "KpiDaySum",
    "OutboxMessage",
    "Part",
    "PartFit",
    "PartFitting",
    "PartLine",
    "PartMovement",
    "PartReturn",
    "PartStock",
    "PartTransfer",
    "PriceBookVersion",
    "PriceItem",
    "PriceOverride",
    "PricingPolicy",
    "ReworkChargeback",
    "Warehouse",
    "Survey",
    "ServiceTask",
    "QualityPolicy",
    "ComplaintSequence",
    "ComplaintEvent",
    "Complaint",
    "Address",
    "Appliance",
    "AuditEvent",
    "AuthSession",
    "Base",
    "Brand",
    "Category",
    "Crew",
    "CrewMember",
    "Customer",
    "DispatchAttempt",
    "DispatchPlan",
    "DispatchPolicy",
    "IdempotencyRecord",
    "LoginCode",
    "Outlet",
    "PlanStop",
    "PlanUnserved",
    "ProductModel",
    "Quote",
    "QuoteLine",
    "RevokedToken",
    "SignInAttempt",
    "SlaPolicy",
    "SlotReservation",
    "Technician",
    "TechnicianCertificate",
    "TechnicianDayOff",
    "TechnicianSkill",
    "Tenant",
    "User",
    "WorkOrder",
    "WorkOrderAppliance",
    "WorkOrderEvent",
    "WorkOrderPhoto",
    "WorkOrderSequence",
]
