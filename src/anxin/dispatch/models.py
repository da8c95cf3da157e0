from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime

MODES = ("suggest", "auto", "pool")


class DispatchPolicy(Base):
    """How orders are dispatched, per tenant, optionally narrowed to an outlet and/or a service type (the most
    specific row wins): ``suggest`` (the dispatcher picks from ranked candidates), ``auto`` (the best
    candidate is assigned on acceptance) or ``pool`` (qualified technicians nearby may claim it, 抢单)."""

    __tablename__ = "dispatch_policy"
    __table_args__ = (UniqueConstraint("tenant_id", "outlet_id", "service_type"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    service_type: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10), default="suggest")
    ack_timeout_minutes: Mapped[int] = mapped_column(Integer, default=10)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    pool_minutes: Mapped[int] = mapped_column(Integer, default=15)
    pool_radius_km: Mapped[float] = mapped_column(Float, default=15.0)
    two_level: Mapped[bool] = mapped_column(Boolean, default=False)  # to an outlet first, then a technician


class DispatchAttempt(Base):
    """One offer of an order to a technician, and how it ended."""

    __tablename__ = "dispatch_attempt"
    __table_args__ = (Index("ix_dispatch_attempt_open", "outcome", "deadline_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10))  # auto | pool | manual
    score: Mapped[float | None] = mapped_column(Float)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # pending | acknowledged | rejected | timeout | withdrawn
    outcome: Mapped[str] = mapped_column(String(12), default="pending")
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(300))


class DispatchPlan(Base):
    """A day's routes for an outlet or an area, as the solver produced them; the newest plan for a scope and
    day is ``current``, earlier ones are kept as ``superseded``."""

    __tablename__ = "dispatch_plan"
    __table_args__ = (Index("ix_dispatch_plan_scope", "tenant_id", "plan_date", "status"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    plan_date: Mapped[date] = mapped_column(Date)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    area: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="current")  # current | superseded
    revision: Mapped[int] = mapped_column(Integer, default=1)
    trigger: Mapped[str] = mapped_column(String(30), default="manual")
    solver: Mapped[str] = mapped_column(String(10))
    seconds: Mapped[float] = mapped_column(Float)
    stats: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    stops: Mapped[list[PlanStop]] = relationship(
        lazy="selectin",
        cascade="all, delete-orphan",
        order_by=lambda: [PlanStop.technician_id, PlanStop.sequence],
    )
    unserved: Mapped[list[PlanUnserved]] = relationship(lazy="selectin", cascade="all, delete-orphan")


class PlanStop(Base):
    __tablename__ = "dispatch_plan_stop"
    __table_args__ = (Index("ix_dispatch_plan_stop_order", "work_order_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plan.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    arrive_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    travel_metres: Mapped[int] = mapped_column(Integer)
    travel_seconds: Mapped[int] = mapped_column(Integer)
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)


class PlanUnserved(Base):
    __tablename__ = "dispatch_plan_unserved"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("dispatch_plan.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    reason: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(300))


class SlotReservation(Base):
    """A booked appointment window held against the technician who can honour it."""

    __tablename__ = "slot_reservation"
    __table_args__ = (Index("ix_slot_reservation_tech_day", "technician_id", "window_start_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    window_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="held")  # held | at_risk | released
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
