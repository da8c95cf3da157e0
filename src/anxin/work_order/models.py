from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime

Stamp = Mapped[datetime | None]


class WorkOrder(Base):
    __tablename__ = "work_order"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_work_order_tenant_status", "tenant_id", "status"),
        Index("ix_work_order_tenant_created", "tenant_id", "created_at"),
        Index("ix_work_order_appliance", "appliance_id", "service_type"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    number: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    external_ref: Mapped[str | None] = mapped_column(String(80))
    service_type: Mapped[str] = mapped_column(String(20))
    category_code: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    address_id: Mapped[int | None] = mapped_column(ForeignKey("address.id"))
    district: Mapped[str | None] = mapped_column(String(30))
    area_type: Mapped[str] = mapped_column(String(10), default="urban")
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliance.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    # Dispatch: the outlet it went to (two-level dispatch), the crew for two-person jobs, the mode it is
    # dispatched in, the order pool's deadline, escalation to the dispatcher, and an outlet's
    # request to hand it back to the centre.
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"), index=True)
    crew_id: Mapped[int | None] = mapped_column(ForeignKey("crew.id"))
    dispatch_mode: Mapped[str | None] = mapped_column(String(10))
    pool_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outlet_return_reason: Mapped[str | None] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    fault_description: Mapped[str] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(10), default="normal")
    elderly_household: Mapped[bool] = mapped_column(Boolean, default=False)
    infant_household: Mapped[bool] = mapped_column(Boolean, default=False)
    warranty_status: Mapped[str] = mapped_column(String(20))
    billing_category: Mapped[str] = mapped_column(String(1))
    preferred_start_at: Stamp = mapped_column(UTCDateTime)
    preferred_end_at: Stamp = mapped_column(UTCDateTime)
    appointment_start_at: Stamp = mapped_column(UTCDateTime)
    appointment_end_at: Stamp = mapped_column(UTCDateTime)
    # The appointment step (work_order/appointment.py): what was agreed on the call, and how often an
    # agreed window was changed afterwards (改约).
    appointment_note: Mapped[str | None] = mapped_column(String(200))
    appointment_changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    is_rework: Mapped[bool] = mapped_column(Boolean, default=False)
    rework_of_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    cancel_reason: Mapped[str | None] = mapped_column(String(300))
    workshop_receipt_no: Mapped[str | None] = mapped_column(String(60))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, onupdate=now)
    accepted_at: Stamp = mapped_column(UTCDateTime)
    assigned_at: Stamp = mapped_column(UTCDateTime)
    acknowledged_at: Stamp = mapped_column(UTCDateTime)
    rejected_at: Stamp = mapped_column(UTCDateTime)
    appointed_at: Stamp = mapped_column(UTCDateTime)
    en_route_at: Stamp = mapped_column(UTCDateTime)
    on_site_at: Stamp = mapped_column(UTCDateTime)
    quoted_at: Stamp = mapped_column(UTCDateTime)
    quote_approved_at: Stamp = mapped_column(UTCDateTime)
    quote_declined_at: Stamp = mapped_column(UTCDateTime)
    in_progress_at: Stamp = mapped_column(UTCDateTime)
    pending_parts_at: Stamp = mapped_column(UTCDateTime)
    resumed_at: Stamp = mapped_column(UTCDateTime)
    completed_at: Stamp = mapped_column(UTCDateTime)
    followed_up_at: Stamp = mapped_column(UTCDateTime)
    closed_at: Stamp = mapped_column(UTCDateTime)
    cancelled_at: Stamp = mapped_column(UTCDateTime)
    resolved_remote_at: Stamp = mapped_column(UTCDateTime)
    carried_in_at: Stamp = mapped_column(UTCDateTime)

    # SLA bookkeeping, kept current by every action so lists can filter by SLA state in SQL.
    sla_paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    sla_paused_since: Stamp = mapped_column(UTCDateTime)
    sla_due_at: Stamp = mapped_column(UTCDateTime, index=True)
    sla_risk_at: Stamp = mapped_column(UTCDateTime)
    sla_breached: Mapped[bool] = mapped_column(Boolean, default=False)

    appliances: Mapped[list[WorkOrderAppliance]] = relationship(
        cascade="all, delete-orphan", order_by="WorkOrderAppliance.id", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}


class WorkOrderAppliance(Base):
    """Every appliance an order covers; the first is ``work_order.appliance_id``."""

    __tablename__ = "work_order_appliance"
    __table_args__ = (UniqueConstraint("work_order_id", "appliance_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    appliance_id: Mapped[int] = mapped_column(ForeignKey("appliance.id"), index=True)


class WorkOrderEvent(Base):
    """Append-only: one row per action taken on an order (who, when, where, what)."""

    __tablename__ = "work_order_event"
    __table_args__ = (Index("ix_work_order_event_order", "work_order_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)


class WorkOrderPhoto(Base):
    __tablename__ = "work_order_photo"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    content_type: Mapped[str] = mapped_column(String(30))
    size_bytes: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # Evidence (``evidence.stamp``): what the stamp burnt into the image says; the unstamped bytes are not kept.
    kind: Mapped[str | None] = mapped_column(String(12))  # before | after | signature | None
    taken_at: Stamp = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    stamped: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the customer was erased (``privacy.erasure``): the file is deleted, the row stays as a fact.
    erased_at: Stamp = mapped_column(UTCDateTime)


class ServiceReport(Base):
    """What the technician recorded on completion (``report.py``); one per order."""

    __tablename__ = "service_report"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    cause: Mapped[str] = mapped_column(String(200))
    work_done: Mapped[str] = mapped_column(Text)
    advice: Mapped[str | None] = mapped_column(Text)
    parts_used: Mapped[list] = mapped_column(JSONType, default=list)  # [{name, quantity, amount_fen}]
    signature_photo_id: Mapped[int | None] = mapped_column(ForeignKey("work_order_photo.id"))
    before_photo_ids: Mapped[list] = mapped_column(JSONType, default=list)
    after_photo_ids: Mapped[list] = mapped_column(JSONType, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class Quote(Base):
    """An itemised price put to the customer before work starts. A new quote supersedes the last, which is
    kept (``superseded``), as every version is; a decided quote's lines never change. ``total_fen`` is what
    the work costs (the lines' amounts), ``covered_fen`` what warranty, a contract, the organisation or the
    last repair's warranty pays of it, ``payable_fen`` what the customer pays; the lines are priced from the
    price book version ``price_book_version_id`` (``pricing.quotes``), ``coverage_reason`` says in one line
    what is covered and why (Chinese, and ``coverage_reason_en``)."""

    __tablename__ = "quote"
    __table_args__ = (Index("ix_quote_tenant_status_created", "tenant_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), index=True)
    status: Mapped[str] = mapped_column(
        String(12), default="proposed"
    )  # proposed|approved|declined|superseded
    total_fen: Mapped[int] = mapped_column(Integer)
    covered_fen: Mapped[int] = mapped_column(Integer, default=0)
    payable_fen: Mapped[int] = mapped_column(Integer)
    price_book_version_id: Mapped[int | None] = mapped_column(ForeignKey("price_book_version.id"))
    coverage_reason: Mapped[str | None] = mapped_column(String(300))
    coverage_reason_en: Mapped[str | None] = mapped_column(String(400))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    decided_at: Stamp = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    lines: Mapped[list[QuoteLine]] = relationship(
        cascade="all, delete-orphan", order_by="QuoteLine.id", lazy="selectin"
    )


class QuoteLine(Base):
    """One line of a quote: an item of the price book (``price_item_id`` and its ``code``; ``kind`` visit,
    labour, part or material) times ``quantity`` at ``unit_price_fen``, or a line typed by hand (``kind``
    ``other``, no item), which ``needs_review``. ``amount_fen`` = ``covered_fen`` + ``payable_fen``;
    ``coverage`` names who covers it (warranty, key_part, contract, internal, repair_warranty) and
    ``coverage_reason`` says why, for the customer."""

    __tablename__ = "quote_line"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quote.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # visit | labour | part | material | other
    price_item_id: Mapped[int | None] = mapped_column(ForeignKey("price_item.id"))
    code: Mapped[str | None] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(10))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(Integer)
    covered_fen: Mapped[int] = mapped_column(Integer, default=0)
    payable_fen: Mapped[int] = mapped_column(Integer)
    coverage: Mapped[str | None] = mapped_column(String(20))
    coverage_reason: Mapped[str | None] = mapped_column(String(200))
    coverage_reason_en: Mapped[str | None] = mapped_column(String(300))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)


class IdempotencyRecord(Base):
    """The order an ``Idempotency-Key`` produced, so a retried create returns it instead of a second."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "key"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    key: Mapped[str] = mapped_column(String(100))
    request_hash: Mapped[str] = mapped_column(String(64))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class WorkOrderSequence(Base):
    """The last number given out per tenant and day, bumped atomically (INSERT … ON CONFLICT). No foreign
    key to the tenant: on PostgreSQL the bump commits on its own, possibly before the tenant's own row
    (a demo city loading in one transaction)."""

    __tablename__ = "work_order_sequence"

    tenant_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    day: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class SlaPolicy(Base):
    """A tenant's promise, in minutes. ``overrides`` is a list of ``{"channel"?, "service_type"?, <clock>:
    minutes}`` rules; the most specific matching rule wins."""

    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), unique=True)
    respond_minutes: Mapped[int] = mapped_column(Integer, default=30)
    appointment_minutes: Mapped[int] = mapped_column(Integer, default=120)
    arrive_urban_minutes: Mapped[int] = mapped_column(Integer, default=240)
    arrive_suburban_minutes: Mapped[int] = mapped_column(Integer, default=480)
    complete_minutes: Mapped[int] = mapped_column(Integer, default=1440)
    at_risk_share: Mapped[float] = mapped_column(Float, default=0.25)
    quiet_start: Mapped[str] = mapped_column(String(5), default="22:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00")
    overrides: Mapped[list] = mapped_column(JSONType, default=list)
