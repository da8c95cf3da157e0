"""The knowledge base: one entry per category and fault (or service request) of a tenant, with the error
codes the brands' displays show for it as rows of their own (``knowledge_error_code``) so that a code is
looked up exactly, by index, never guessed; and what triage made of each order at intake
(``work_order_triage``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class KnowledgeEntry(Base):
    """What is known of one fault of one category: ``symptoms`` as customers put them, ``causes``, the
    ``self_help`` steps a customer can safely take, whether a ``visit_needed``, the ``service_type`` (with
    the category, the skill a technician needs), the likely ``parts`` (codes of the parts catalog) and the
    ``duration_minutes`` on site. ``keywords``: more words and spellings triage learns from."""

    __tablename__ = "knowledge_entry"
    __table_args__ = (
        UniqueConstraint("tenant_id", "category", "fault"),
        Index("ix_knowledge_entry_tenant_category", "tenant_id", "category"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    category: Mapped[str] = mapped_column(String(40))
    fault: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(120))
    symptoms: Mapped[list] = mapped_column(JSONType, default=list)
    causes: Mapped[list] = mapped_column(JSONType, default=list)
    self_help: Mapped[list] = mapped_column(JSONType, default=list)
    keywords: Mapped[list] = mapped_column(JSONType, default=list)
    parts: Mapped[list] = mapped_column(JSONType, default=list)
    visit_needed: Mapped[bool] = mapped_column(Boolean, default=True)
    service_type: Mapped[str] = mapped_column(String(20), default="repair")
    duration_minutes: Mapped[int] = mapped_column(Integer, default=60)
    note: Mapped[str | None] = mapped_column(Text)
    # the words searched (title, symptoms, causes, keywords, codes), lower case, written on every change
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    error_codes: Mapped[list[KnowledgeErrorCode]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="KnowledgeErrorCode.id"
    )


class KnowledgeErrorCode(Base):
    """A code a display shows (``E1``, ``dL``) for the entry's category, with its meaning; ``brand`` and
    ``series`` narrow it where brands differ (None: the common meaning)."""

    __tablename__ = "knowledge_error_code"
    __table_args__ = (Index("ix_knowledge_error_code_lookup", "tenant_id", "code"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("knowledge_entry.id"), index=True)
    code: Mapped[str] = mapped_column(String(10))
    brand: Mapped[str | None] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(40))
    meaning: Mapped[str] = mapped_column(String(200))


class OrderTriage(Base):
    """What triage made of an order's description when it was taken (``handlers.triage_on_create``), or what
    the agent corrected it to (``labels.correct``): the category and fault, how sure, the code on the display and its meaning, the skill and the likely parts
    the technician takes along, the self-help steps offered, the next likeliest answers."""

    __tablename__ = "work_order_triage"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_order.id"), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    fault: Mapped[str] = mapped_column(String(30))
    confidence: Mapped[float] = mapped_column(Float)
    error_code: Mapped[str | None] = mapped_column(String(10))
    error_meaning: Mapped[str | None] = mapped_column(String(200))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("knowledge_entry.id"))
    skill: Mapped[dict] = mapped_column(JSONType, default=dict)
    parts: Mapped[list] = mapped_column(JSONType, default=list)
    self_help: Mapped[list] = mapped_column(JSONType, default=list)
    alternatives: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # "model" (triage's own answer) or "agent_correction" (an agent chose the category and fault: then
    # ``confidence`` is 1 and matching holds the technician to the skill); migration 0025
    source: Mapped[str] = mapped_column(String(20), default="model", server_default="model")
