"""A technician's appeal (申诉) against one penalty of their scorecard, and quality's decision on it.

A penalty is not a row of its own: it is derived from the order's facts (``feedback.scorecards.penalties``)
and named by its kind and source (``far`` an arrive or complete event, ``late`` an order whose window was
missed, ``complaint`` an upheld complaint). One appeal per penalty (the unique constraint); an overturned
appeal takes the penalty out of the technician's points from then on, and the row stays as the record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

PENALTY_KINDS = ("far", "late", "complaint")
APPEAL_STATUSES = ("open", "upheld", "overturned")


class PenaltyAppeal(Base):
    __tablename__ = "penalty_appeal"
    __table_args__ = (
        UniqueConstraint("technician_id", "kind", "source_id"),
        CheckConstraint("kind IN ('far', 'late', 'complaint')", name="kind"),
        CheckConstraint("status IN ('open', 'upheld', 'overturned')", name="status"),
        Index("ix_penalty_appeal_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    technician_id: Mapped[int] = mapped_column(ForeignKey("technician.id"))
    kind: Mapped[str] = mapped_column(String(12))
    source_id: Mapped[int] = mapped_column(BigIntPK)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    points: Mapped[int] = mapped_column(Integer)  # the points the penalty carried when appealed
    penalty_at: Mapped[datetime] = mapped_column(UTCDateTime)
    penalty_reason: Mapped[str] = mapped_column(Text)  # the words the technician was told (Chinese)
    reason: Mapped[str] = mapped_column(Text)  # the technician's
    status: Mapped[str] = mapped_column(String(12), default="open")
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    lifted_suspension: Mapped[bool] = mapped_column(Boolean, default=False)
