"""Labels triage learns from beyond the shipped set: an agent's correction of an order's suggestion
(``agent_correction``) and the fault a technician's recorded cause names when the order is completed
(``technician_cause``). One row per order and source, rewritten when the agent corrects again; read by
``anxin triage train`` (``training.label_examples``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, UTCDateTime

LABEL_SOURCES = ("agent_correction", "technician_cause")


class TriageLabel(Base):
    __tablename__ = "triage_label"
    __table_args__ = (
        UniqueConstraint("work_order_id", "source"),
        CheckConstraint("source IN ('agent_correction', 'technician_cause')", name="source"),
        Index("ix_triage_label_tenant_source", "tenant_id", "source"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    source: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40))
    fault: Mapped[str] = mapped_column(String(30))
    # what triage had said before the correction (None for a technician's cause)
    suggested_category: Mapped[str | None] = mapped_column(String(40))
    suggested_fault: Mapped[str | None] = mapped_column(String(30))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
