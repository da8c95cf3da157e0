"""The outbox: one row per message and recipient, written in the same transaction as the change that
causes it, delivered at least once by the worker; the dedupe key lets a receiver see it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class OutboxMessage(Base):
    __tablename__ = "outbox_message"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    # What happened, e.g. "work_order.assigned", "survey.invite", "complaint.escalated".
    event: Mapped[str] = mapped_column(String(60))
    # inbox | email | webhook | sms | wechat
    channel: Mapped[str] = mapped_column(String(10))
    # Who: "user:12", "customer:5", "technician:3" (inbox), an e-mail address, a phone, "endpoint:4".
    recipient: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(5), default="zh")
    context: Mapped[dict] = mapped_column(JSONType, default=dict)
    # Unique per tenant: the same fact for the same recipient on the same channel is written once.
    dedupe_key: Mapped[str] = mapped_column(String(200))
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"), index=True)
    # pending | sent | failed (will retry) | dead (gave up; redeliver by hand)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEndpoint(Base):
    """A tenant's receiver of events: every event it subscribes to (``["*"]`` = all) is POSTed to ``url``
    as JSON, signed with ``secret`` (HMAC-SHA256 of the raw body)."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(200))
    events: Mapped[list] = mapped_column(JSONType, default=list)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    def wants(self, event: str) -> bool:
        return self.active and ("*" in self.events or event in self.events)


class InboxItem(Base):
    """One message in someone's in-app inbox: ``recipient`` is "user:<id>", "customer:<id>" or
    "technician:<id>". Written by the delivery of an inbox outbox row (at most once per row)."""

    __tablename__ = "inbox_item"
    __table_args__ = (Index("ix_inbox_item_recipient", "tenant_id", "recipient", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    recipient: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"), unique=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
