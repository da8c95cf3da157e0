from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from anxin.masking import mask_phone


class InboxItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: str
    title: str
    body: str
    link: str | None
    work_order_id: int | None
    read_at: datetime | None
    created_at: datetime


class InboxRead(BaseModel):
    items: list[InboxItemRead]
    unread: int


class OutboxMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: str
    channel: str
    recipient: str
    locale: str
    dedupe_key: str
    work_order_id: int | None
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @field_validator("recipient")
    @classmethod
    def _masked(cls, value: str) -> str:
        """A text's phone number as the admin may see it: masked (``customer/visibility.py``)."""
        return mask_phone(value)


class WebhookEndpointCreate(BaseModel):
    url: str = Field(max_length=500)
    events: list[str] = Field(default_factory=lambda: ["*"], min_length=1)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    description: str | None = Field(default=None, max_length=200)


class WebhookEndpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    description: str | None
    active: bool
    created_at: datetime


class WebhookEndpointCreated(WebhookEndpointRead):
    # Shown once, when the endpoint is made: the receiver needs it to verify X-Anxin-Signature.
    secret: str
