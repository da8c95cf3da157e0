"""The audit log's table. Rows are only ever inserted: no route updates or deletes one, and the database
refuses UPDATE and DELETE of ``audit_event`` (triggers made by migration 0012, on PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from anxin.clock import now
from anxin.database import Base, BigIntPK, JSONType, UTCDateTime


class AuditEvent(Base):
    """One change: who (``actor_*``), when, to what (``object_type``, ``object_id``), what was done
    (``action``), the changed fields' values before and after (``changes``: ``{field: {"before", "after"}}``,
    personal values masked, never in clear), why (``note``) and the request it came with (``request_id``,
    the ``X-Request-ID`` of the answer and the log)."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_tenant", "tenant_id", "id"),
        Index("ix_audit_event_object", "tenant_id", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    # the user who acted; None for the platform itself ("system") or the server's command line ("operator")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    # the account's name, or the command that was run; never a customer's name or phone
    actor_name: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    changes: Mapped[dict] = mapped_column(JSONType, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
