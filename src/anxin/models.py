"""Every table, imported in one place so ``Base.metadata`` is complete (Alembic, tests)."""

from anxin.analytics.models import KpiDaySum
from anxin.appliance.models import Appliance
from anxin.audit.models import AuditEvent
from anxin.auth.models import AuthSession, LoginCode, RevokedToken, SignInAttempt, Tenant, User
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.contract.models import ContractClaim, ContractVisit, ServiceContract, ServicePlan
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
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.models import (
    Complaint,
    ComplaintEvent,
    ComplaintSequence,
    QualityPolicy,
    ServiceTask,
    Survey,
)
from anxin.knowledge.assistant_models import AssistantConversation, AssistantMessage
from anxin.knowledge.label_models import TriageLabel
from anxin.knowledge.models import KnowledgeEntry, KnowledgeErrorCode, OrderTriage
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
from anxin.pricing.payment_models import Payment, PaymentAdjustment, PaymentInvoice
from anxin.proactive.models import (
    AlertPolicy,
    Campaign,
    CampaignTarget,
    CustomerConsent,
    CustomerHousehold,
    ProactiveAction,
)
from anxin.settlement.models import (
    ClosureReview,
    ClosureReviewEvent,
    FeeRule,
    Statement,
    StatementEvent,
    StatementLine,
    TechnicianPay,
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
from anxin.telemetry.models import (
    TelemetryAlert,
    TelemetryHourly,
    TelemetryKey,
    TelemetryReading,
    TelemetryRule,
)
from anxin.telemetry.pdm_models import PdmScore
from anxin.telephony.models import RelayBinding
from anxin.tradein.models import TradeIn, TradeInBooking, TradeInLink, TradeInRate, TradeInTerms
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
    "AlertPolicy",
    "Campaign",
    "CampaignTarget",
    "CustomerConsent",
    "CustomerHousehold",
    "ProactiveAction",
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
    "PenaltyAppeal",
    "PriceBookVersion",
    "PriceItem",
    "PriceOverride",
    "PricingPolicy",
    "RelayBinding",
    "ReworkChargeback",
    "ClosureReview",
    "ClosureReviewEvent",
    "FeeRule",
    "Statement",
    "StatementEvent",
    "StatementLine",
    "TechnicianPay",
    "Payment",
    "PaymentAdjustment",
    "PaymentInvoice",
    "PdmScore",
    "TelemetryAlert",
    "TelemetryHourly",
    "TelemetryKey",
    "TelemetryReading",
    "TelemetryRule",
    "TradeIn",
    "TradeInBooking",
    "TradeInLink",
    "TradeInRate",
    "TradeInTerms",
    "Warehouse",
    "Survey",
    "KnowledgeEntry",
    "KnowledgeErrorCode",
    "OrderTriage",
    "TriageLabel",
    "ServiceContract",
    "ServicePlan",
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
    "ContractClaim",
    "ContractVisit",
    "AssistantConversation",
    "AssistantMessage",
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
