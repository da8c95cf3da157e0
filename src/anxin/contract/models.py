"""Contracts: the service plans a tenant sells (extended warranties and care plans), the contracts sold for
one appliance each, the claims orders make against them, and the visits a care plan schedules.

Money is integer fen. A contract covers ``start_date`` to ``end_date``, both days included (the tenant's
local dates). ``contract_visit`` is unique per contract and visit number: the care-plan job writes the row
before it creates the order, so two runs (or two workers) never create the same visit twice."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime

KINDS = ("extended_warranty", "care")
PLAN_STATUSES = ("active", "retired")
CONTRACT_STATUSES = ("active", "expired", "cancelled")


class ServicePlan(Base):
    """A plan the tenant sells. An extended warranty lasts ``term_months`` (12 to 48) and is priced by the
    appliance's purchase-price band (``bands``: ``[{"up_to_fen": 300000, "price_fen": 19900}, …,
    {"up_to_fen": null, "price_fen": 59900}]``, ascending; the last open-ended). A care plan costs
    ``price_fen`` for ``term_months`` and brings ``visits`` visits of ``service_type`` (cleaning or
    maintenance). ``category_code`` None: for every category. ``max_age_months``: an appliance older than
    that (from its warranty start) may not buy it. ``renewal_discount_percent``: the renewal offer."""

    __tablename__ = "service_plan"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(400), default="")
    category_code: Mapped[str | None] = mapped_column(String(40))
    term_months: Mapped[int] = mapped_column(Integer)
    price_fen: Mapped[int | None] = mapped_column(Integer)
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    service_type: Mapped[str | None] = mapped_column(String(20))
    max_age_months: Mapped[int | None] = mapped_column(Integer)
    renewal_discount_percent: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ServiceContract(Base):
    """One plan sold for one appliance: its number, price, dates and status (active, expired,
    cancelled). ``renewed_from_id``: the contract it continues. ``renewal_noticed_at``: when the renewal
    notice went out (once). A cancellation keeps its reason, who and the refund."""

    __tablename__ = "service_contract"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_service_contract_appliance", "tenant_id", "appliance_id", "status"),
        Index("ix_service_contract_end", "status", "end_date"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    number: Mapped[str] = mapped_column(String(30))
    plan_id: Mapped[int] = mapped_column(ForeignKey("service_plan.id"))
    kind: Mapped[str] = mapped_column(String(20))
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliance.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="active")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    price_fen: Mapped[int] = mapped_column(Integer)
    purchase_price_fen: Mapped[int | None] = mapped_column(Integer)
    visits: Mapped[int] = mapped_column(Integer, default=0)
    renewed_from_id: Mapped[int | None] = mapped_column(ForeignKey("service_contract.id"))
    sold_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    renewal_noticed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    refund_fen: Mapped[int | None] = mapped_column(Integer)


class ContractClaim(Base):
    """An order claimed against a contract (billing category B). ``void``: the order was cancelled, so
    a care plan's visit is given back."""

    __tablename__ = "contract_claim"
    __table_args__ = (UniqueConstraint("contract_id", "work_order_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("service_contract.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(20))
    void: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ContractVisit(Base):
    """A care plan's scheduled visit ``visit_no`` (1-based), due on ``due_date``, and the order created
    for it (None while ``skipped``: no visit left on the contract)."""

    __tablename__ = "contract_visit"
    __table_args__ = (UniqueConstraint("contract_id", "visit_no"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("service_contract.id"))
    visit_no: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
