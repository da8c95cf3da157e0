"""Follow-up surveys, service tasks (calls, callbacks, training) and complaints with their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime

Stamp = Mapped[datetime | None]


class Survey(Base):
    """The follow-up of one completed order: sent as a signed link, answered by the customer or recorded
    by an agent on the phone. Scores are 1..5; NPS 0..10."""

    __tablename__ = "survey"
    __table_args__ = (
        UniqueConstraint("work_order_id"),
        Index("ix_survey_tenant_status", "tenant_id", "status"),
        Index("ix_survey_technician_answered", "technician_id", "answered_at"),
        Index("ix_survey_tenant_answered", "tenant_id", "answered_at"),  # the KPI queries
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    # pending (link sent, waiting) | answered | expired (no answer, link no longer valid)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Stamp = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Stamp = mapped_column(UTCDateTime)
    # link (the customer through the signed page or API) | phone (an agent recorded the call)
    answered_via: Mapped[str | None] = mapped_column(String(10))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    attitude: Mapped[int | None] = mapped_column(Integer)
    skill: Mapped[int | None] = mapped_column(Integer)  # skill and quality of the work
    punctuality: Mapped[int | None] = mapped_column(Integer)
    promises: Mapped[int | None] = mapped_column(Integer)  # promises kept
    overall: Mapped[int | None] = mapped_column(Integer)
    nps: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # Whether the fault was fixed on this visit, as the customer says (first-time fix, with rework).
    resolved: Mapped[bool | None] = mapped_column(Boolean)


class ServiceTask(Base):
    """Work for a person: an agent's follow-up call, a callback after a low score, a technician's
    retraining, a complaint reminder. ``dedupe_key`` keeps periodic jobs from opening one twice."""

    __tablename__ = "service_task"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_service_task_open", "tenant_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    # follow_up_call | callback | training | complaint_reminder
    kind: Mapped[str] = mapped_column(String(20))
    # open | done | cancelled
    status: Mapped[str] = mapped_column(String(10), default="open")
    # The role whose queue it sits in (agent, quality, ...) and, once taken, the person.
    role: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"))
    title: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    due_at: Stamp = mapped_column(UTCDateTime)
    done_at: Stamp = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[str | None] = mapped_column(Text)


class Complaint(Base):
    """A complaint (投诉), numbered per tenant and month (CP202611-0001), with its own state machine:
    draft → registered → assigned → investigating → resolved → customer_confirmed → closed; a resolution
    the customer does not accept reopens it (a new round; ``round`` counts them)."""

    __tablename__ = "complaint"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_complaint_tenant_status", "tenant_id", "status"),
        Index("ix_complaint_tenant_registered", "tenant_id", "registered_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    number: Mapped[str | None] = mapped_column(String(20))  # given on registration; drafts have none
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(20))
    # app | wechat | hotline | partner | platform | survey (opened from a low follow-up score) | web
    channel: Mapped[str] = mapped_column(String(20))
    # attitude | quality | price | timeliness | parts | product | other
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10), default="general")  # general | major
    description: Mapped[str] = mapped_column(Text)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("technician.id"), index=True)
    outlet_id: Mapped[int | None] = mapped_column(ForeignKey("outlet.id"))
    survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # the named owner
    round: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    registered_at: Stamp = mapped_column(UTCDateTime)
    assigned_at: Stamp = mapped_column(UTCDateTime)
    investigating_at: Stamp = mapped_column(UTCDateTime)
    resolved_at: Stamp = mapped_column(UTCDateTime)
    customer_confirmed_at: Stamp = mapped_column(UTCDateTime)
    closed_at: Stamp = mapped_column(UTCDateTime)
    reopened_at: Stamp = mapped_column(UTCDateTime)
    # Deadlines for the current round: a named owner by, resolved by; reminders and escalation.
    owner_due_at: Stamp = mapped_column(UTCDateTime)
    resolve_due_at: Stamp = mapped_column(UTCDateTime)
    reminded_at: Stamp = mapped_column(UTCDateTime)
    escalated_at: Stamp = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(Text)
    # At closing: technician | outlet | product | parts | logistics | customer | none
    responsibility: Mapped[str | None] = mapped_column(String(20))
    # Compensation paid first (先行赔付), in fen, and who approved it.
    compensation_fen: Mapped[int | None] = mapped_column(Integer)
    compensation_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    compensation_approved_at: Stamp = mapped_column(UTCDateTime)

    __mapper_args__ = {"version_id_col": version}


class ComplaintEvent(Base):
    """Append-only history of a complaint: every move, by whom, in which round."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)


class ComplaintSequence(Base):
    """The last complaint number handed out per tenant and month (row-locked while numbering)."""

    __tablename__ = "complaint_sequence"
    __table_args__ = (UniqueConstraint("tenant_id", "month"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    month: Mapped[str] = mapped_column(String(6))  # YYYYMM, tenant's local time
    last: Mapped[int] = mapped_column(Integer, default=0)


class QualityPolicy(Base):
    """A tenant's quality settings; a tenant without a row gets the defaults of the columns."""

    __tablename__ = "quality_policy"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    survey_send_within_hours: Mapped[int] = mapped_column(Integer, default=24)
    survey_expires_hours: Mapped[int] = mapped_column(Integer, default=7 * 24)
    survey_call_after_hours: Mapped[int] = mapped_column(Integer, default=48)
    low_score: Mapped[int] = mapped_column(Integer, default=2)  # a dimension at or below opens a callback
    major_owner_hours: Mapped[int] = mapped_column(Integer, default=24)
    major_resolve_hours: Mapped[int] = mapped_column(Integer, default=72)
    general_resolve_hours: Mapped[int] = mapped_column(Integer, default=7 * 24)
    # Scorecards: rolling window of ratings, the retraining line, the run of low ratings that suspends.
    rating_window: Mapped[int] = mapped_column(Integer, default=20)
    retraining_below: Mapped[float] = mapped_column(Float, default=4.5)
    low_rating_max: Mapped[int] = mapped_column(Integer, default=2)  # an overall score this low is "low"
    low_rating_run: Mapped[int] = mapped_column(Integer, default=3)
    # Penalty points and the thresholds they trigger (over a rolling 90 days).
    points_upheld_complaint: Mapped[int] = mapped_column(Integer, default=3)
    points_missed_appointment: Mapped[int] = mapped_column(Integer, default=1)
    points_far_evidence: Mapped[int] = mapped_column(Integer, default=2)
    warning_points: Mapped[int] = mapped_column(Integer, default=3)
    retraining_points: Mapped[int] = mapped_column(Integer, default=6)
    suspension_points: Mapped[int] = mapped_column(Integer, default=10)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
