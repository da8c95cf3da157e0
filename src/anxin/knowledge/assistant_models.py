"""The service assistant's (智能客服) conversations with a customer and their messages.

``status``: ``open`` while the built-in dialogue leads it; ``resolved_remote`` (the self-help worked, an
order closed remotely), ``booked`` (a visit order taken), ``handed_off`` (waiting for an agent: "转人工" or
triage too unsure), ``with_agent`` (an agent took it over and answers). ``step`` is where the dialogue is
(``assistant.STEPS``); ``description`` the customer's words so far, ``triage`` the last answer of triage."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class AssistantConversation(Base):
    __tablename__ = "assistant_conversation"
    __table_args__ = (
        Index("ix_assistant_conversation_tenant_customer", "tenant_id", "customer_id"),
        Index("ix_assistant_conversation_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    step: Mapped[str] = mapped_column(String(20), default="describe")
    appliance_id: Mapped[int | None] = mapped_column(ForeignKey("appliance.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    triage: Mapped[dict | None] = mapped_column(JSONType)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_order.id"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class AssistantMessage(Base):
    """One message: ``sender`` is ``customer``, ``assistant`` (the built-in dialogue) or ``agent``;
    ``actions`` the buttons offered with it (``[{"label", "text"}]``: a button sends its ``text``)."""

    __tablename__ = "assistant_message"
    __table_args__ = (Index("ix_assistant_message_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("assistant_conversation.id"))
    sender: Mapped[str] = mapped_column(String(20))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    text: Mapped[str] = mapped_column(Text)
    actions: Mapped[list] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
