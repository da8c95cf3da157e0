"""The service assistant's API: a customer's message and the answer (``POST /api/v1/assistant/messages``),
a conversation with its messages (the customer their own, agents and admins the tenant's), and for the desk
the handed-off conversations, taking one over and answering. Who may call what is the permission table's
(``Action.ASSISTANT_*``); which conversation is whose is ``assistant.seen_by``'s (404 otherwise)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed, language
from anxin.fields import Id
from anxin.knowledge import assistant
from anxin.knowledge.assistant_schemas import (
    AnswerRead,
    ConversationPage,
    ConversationRead,
    MessageIn,
    MessageRead,
    ReplyIn,
)
from anxin.pagination import PageNumber, PageSize
from anxin.routing import errors, json_response

router = APIRouter(tags=["assistant"])

Chatter = Annotated[User, Depends(allowed(Action.ASSISTANT_CHAT))]
Reader = Annotated[User, Depends(allowed(Action.ASSISTANT_READ))]
Desk = Annotated[User, Depends(allowed(Action.ASSISTANT_DESK))]


def conversation_read(db: DbSession, conv) -> ConversationRead:  # noqa: ANN001 - the conversation row
    read = ConversationRead.model_validate(conv)
    read.messages = [MessageRead.model_validate(m) for m in assistant.messages(db, conv=conv)]
    return read


@router.post("/api/v1/assistant/messages", response_model=AnswerRead, responses=errors(409))
def send_message(
    body: MessageIn,
    db: DbSession,
    user: Chatter,
    request: Request,
    lang: Annotated[Literal["zh", "en"] | None, Query(description="en: answer in English")] = None,
):
    """The customer's message and the assistant's answer, from the knowledge base and the customer's own
    records: it asks which appliance, for the error code, offers self-help and asks whether it worked
    (``actions``: the buttons); solved closes the conversation with a remotely resolved order, not solved
    takes a visit order and offers the windows technicians can keep. "转人工" or an unsure triage hands it
    to an agent (``handed_off``). "我的师傅到哪了", "要多少钱", "保修" are answered from the order data, the
    price book and the warranty (``sources``: what was used). English when asked (``?lang=en``,
    ``Accept-Language: en``) or written in English. 422 ``assistant_text_empty`` /
    ``assistant_text_too_long``; 409 ``assistant_conversation_closed``."""
    asked = "en" if lang == "en" or (lang is None and language(request) == "en") else None
    said = assistant.say(db, user=user, conversation_id=body.conversation_id, text=body.text, lang=asked)
    conv, reply = said.conv, said.message
    return json_response(
        AnswerRead(
            conversation_id=conv.id,
            status=conv.status,
            reply=reply.text if reply is not None else None,
            triage=conv.triage,
            actions=reply.actions if reply is not None else [],
            work_order_id=conv.work_order_id,
            sources=said.sources,
            language=said.lang,
        )
    )


@router.get("/api/v1/assistant/conversations", response_model=ConversationPage)
def handed_off(db: DbSession, user: Desk, page: PageNumber = 1, page_size: PageSize = 50):
    """The conversations handed to agents: waiting ones first, then those taken over."""
    found = assistant.waiting(db, tenant_id=user.tenant_id, page=page, page_size=page_size)
    items = [ConversationRead.model_validate(c) for c in found.items]
    return ConversationPage(items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.get("/api/v1/assistant/conversations/{conversation_id}", response_model=ConversationRead)
def get_conversation(conversation_id: Id, db: DbSession, user: Reader):
    """A conversation with its messages: a customer's own, the tenant's for agents (404 otherwise)."""
    conv = assistant.seen_by(db, user=user, id=conversation_id)
    return json_response(conversation_read(db, conv))


@router.post(
    "/api/v1/assistant/conversations/{conversation_id}/take",
    response_model=ConversationRead,
    responses=errors(409),
)
def take_conversation(conversation_id: Id, db: DbSession, user: Desk):
    """Take a handed-off conversation over; the customer is told in the chat. 409
    ``assistant_not_handed_off`` when it is not waiting (or another agent has it)."""
    conv = assistant.seen_by(db, user=user, id=conversation_id, lock=True)
    assistant.take(db, conv=conv, agent=user)
    return json_response(conversation_read(db, conv))


@router.post(
    "/api/v1/assistant/conversations/{conversation_id}/replies",
    response_model=MessageRead,
    status_code=201,
    responses=errors(409),
)
def reply_to(conversation_id: Id, body: ReplyIn, db: DbSession, user: Desk):
    """The agent who took the conversation answers; the customer sees it in the chat. 409
    ``assistant_not_handed_off`` when the agent has not taken it."""
    conv = assistant.seen_by(db, user=user, id=conversation_id, lock=True)
    message = assistant.answer(db, conv=conv, agent=user, text=body.text)
    return json_response(MessageRead.model_validate(message), status_code=201)
