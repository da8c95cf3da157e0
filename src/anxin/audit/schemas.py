"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    occurred_at: datetime
    actor_id: int | None
    actor_role: str
    actor_name: str
    action: str
    object_type: str
    object_id: int | None
    changes: dict[str, Any]
    note: str | None
    request_id: str | None
