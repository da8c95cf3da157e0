"""Proactive service's tables (migration 0024).

``alert_policy``: what an alert does per tenant, one row per scope and key (a cause, a severity, or the
tenant's default). ``customer_consent``: a customer's stored consent per purpose (``proactive_contact``),
who set it and where. ``customer_household``: what the customer declared about the household (its size).
``proactive_action``: what the policy did with one alert, once (the sweep's memory and its trail).
``campaign`` and ``campaign_target``: a seasonal campaign run and each appliance it looked at, with the
reason; ``once_key`` (tenant:kind:season:appliance) is set on offers only, so each appliance is offered
once per season, even between two runs at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class AlertPolicy(Base):
    __tablename__ = "alert_policy"
    __table_args__ = (UniqueConstraint("tenant_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    scope: Mapped[str] = mapped_column(String(10))  # cause, severity, default
    key: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(10))  # notify, order, none
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CustomerConsent(Base):
    __tablename__ = "customer_consent"
    __table_args__ = (UniqueConstraint("customer_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    purpose: Mapped[str] = mapped_column(String(30))
    granted: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(10))  # portal, agent
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CustomerHousehold(Base):
    __tablename__ = "customer_household"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    size: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class ProactiveAction(Base):
    __tablename__ = "proactive_action"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("telemetry_alert.id"), unique=True)
    decision: Mapped[str] = mapped_column(String(10))  # notify, order, none
    outcome: Mapped[str] = mapped_column(String(20))  # notified, converted, no_consent, none, failed
    reason: Mapped[str | None] = mapped_column(String(120))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    season: Mapped[str] = mapped_column(String(10))
    min_run_hours: Mapped[int] = mapped_column(Integer)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("service_plan.id"))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignTarget(Base):
    __tablename__ = "campaign_target"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliance.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # offered, no_consent
    reason: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    once_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
