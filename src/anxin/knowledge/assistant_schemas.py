"""The service assistant's API shapes; every text from outside bounded here and free of NUL characters."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from anxin.fields import Id
from anxin.knowledge.assistant import MAX_TEXT
from anxin.knowledge.schemas import TriageRead

NO_NUL = r"^[^\x00]*$"
TEXT_HELP = f"1 to {MAX_TEXT} characters (blank: 422 assistant_text_empty)"


class MessageIn(BaseModel):
    conversation_id: Id | None = Field(
        default=None, description="the conversation to go on with; none: a new one"
    )
    text: str = Field(max_length=MAX_TEXT, pattern=NO_NUL, description=f"the customer's words, {TEXT_HELP}")


class ReplyIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT, pattern=NO_NUL, description=f"the agent's answer, {TEXT_HELP}")


class ActionRead(BaseModel):
    label: str = Field(description="the button's words")
    text: str = Field(description="what the button sends as the next message")


class MessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sender: str = Field(description="customer, assistant or agent")
    text: str
    actions: list[ActionRead]
    created_at: datetime


class AssistantSourceRead(BaseModel):
    """What an answer was built from: ``kind`` (``knowledge_entry``, ``work_order``, ``eta``, ``quote``,
    ``price_item``, ``price_book``, ``appliance_warranty``, ``slot_offer``, ``llm``) and that thing's keys
    (an id, a number, a code, a version, a status)."""

    model_config = ConfigDict(extra="allow")

    kind: str


class AnswerRead(BaseModel):
    conversation_id: int
    status: str = Field(description="open, resolved_remote, booked, handed_off or with_agent")
    reply: str | None = Field(description="the assistant's answer; none while an agent has the conversation")
    triage: TriageRead | None
    actions: list[ActionRead]
    work_order_id: int | None = None
    sources: list[AssistantSourceRead] = Field(
        default=[], description="what the answer was built from (the knowledge base, the order data)"
    )
    language: str = Field(default="zh", description="the language of the reply: zh or en")


class ConversationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    status: str
    appliance_id: int | None
    description: str
    triage: TriageRead | None
    work_order_id: int | None
    agent_id: int | None
    created_at: datetime
    updated_at: datetime
    messages: list[MessageRead] = []


class ConversationPage(BaseModel):
    items: list[ConversationRead]
    total: int
    page: int
    page_size: int
