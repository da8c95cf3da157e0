"""The service assistant and live triage on the pages. In the portal: the report form's live hint
(``/portal/report/triage``, an htmx fragment: what it looks like in words, what to try first, an error
code's meaning; never a code or a score) and the chat (``/portal/assistant``, phone-first: messages and
the buttons offered). In the console (``/console/assistant``): the handed-off conversations with their
history, where an agent takes one over and answers. Every form calls the same functions as the JSON API
(``anxin.knowledge.assistant``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.exceptions import AnxinError
from anxin.fields import MAX_ID, Id
from anxin.knowledge import assess, assistant
from anxin.knowledge.triage import MAX_TEXT
from anxin.masking import mask_phone
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Desk = Annotated[User, Depends(page_user(Action.ASSISTANT_DESK))]

i18n.extend(
    {
        "as_looks_like": ("看起来是：", "Looks like: "),
        "as_code_means": ("代码 {code} 的意思：", "Code {code} means: "),
        "as_try_first": ("先试试这些", "Try these first"),
        "as_still_report": ("试过还不行，就提交下面的报修。", "Still not working? Send the report below."),
        "as_title": ("智能客服", "Service assistant"),
        "as_hello": (
            "您好，我是智能客服。请说说家电出了什么问题，例如“空调不制冷”或“屏幕显示E1”。",
            "Hello, I am the service assistant. Tell me what is wrong, e.g. “AC not cooling” or “E1 on the display”.",
        ),
        "as_placeholder": ("描述故障，或输入“转人工”", "Describe the fault, or type 转人工 for a person"),
        "as_send": ("发送", "Send"),
        "as_new": ("新对话", "New conversation"),
        "as_you": ("我", "Me"),
        "as_bot": ("智能客服", "Assistant"),
        "as_agent": ("人工客服", "Agent"),
        "as_customer": ("客户", "Customer"),
        "as_closed": ("本次对话已结束。", "This conversation has ended."),
        "as_order": ("查看工单", "See the order"),
        "as_link": ("智能客服：先问问我", "Ask the service assistant"),
        "as_desk_title": ("转人工的对话", "Handed-off conversations"),
        "as_none": ("没有等待人工的对话", "No conversation is waiting"),
        "as_take": ("接手", "Take over"),
        "as_reply": ("回复", "Reply"),
        "as_st_open": ("进行中", "Open"),
        "as_st_resolved_remote": ("已远程解决", "Resolved remotely"),
        "as_st_booked": ("已派工单", "Visit booked"),
        "as_st_handed_off": ("等待人工", "Waiting for an agent"),
        "as_st_with_agent": ("人工服务中", "With an agent"),
        "as_description": ("客户描述", "Customer's words"),
        "as_no_words": ("（客户直接要求人工）", "(asked for a person at once)"),
        "as_suggested": ("分诊结果", "Triage"),
    }
)


@router.get("/portal/report/triage", response_class=HTMLResponse)
def report_triage(
    request: Request, db: DbSession, user: Customer, description: str = "", appliance_id: str = ""
) -> Response:
    """The report form's live hint while the customer types (htmx, debounced): empty for too few words."""
    return render(
        request, "assistant/_report_triage.html", found=suggestion(db, user, description, appliance_id)
    )


def suggestion(db: DbSession, user: User, description: str, appliance_id: str) -> dict[str, Any] | None:
    """What triage makes of words being typed (a customer's or an agent's), or None: too few words, or an
    appliance id out of range or not the caller's."""
    words = description.strip()[:MAX_TEXT].replace("\x00", "")
    if len(words) < 2:
        return None
    appliance = int(appliance_id) if appliance_id.isdigit() and 0 < int(appliance_id) <= MAX_ID else None
    try:
        return assess.assess_for(db, user=user, text=words, appliance_id=appliance).as_dict()
    except AnxinError:
        return None


def _chat(request: Request, db: DbSession, user: User, conv, status_code: int = 200) -> Response:  # noqa: ANN001
    thread = assistant.messages(db, conv=conv) if conv is not None else []
    last_actions = thread[-1].actions if thread and thread[-1].sender == "assistant" else []
    return render(
        request,
        "assistant/chat.html",
        status_code=status_code,
        conv=conv,
        thread=thread,
        last_actions=last_actions,
        closed=conv is not None and assistant.is_closed(conv),
    )


@router.get("/portal/assistant", response_class=HTMLResponse)
def chat(
    request: Request, db: DbSession, user: Customer, c: int | None = None, new: bool = False
) -> Response:
    """The chat: the conversation named (the customer's own), else the newest, or a fresh one."""
    if new:
        conv = None
    elif c is not None:
        conv = assistant.seen_by_customer(db, user=user, id=min(max(c, 1), MAX_ID))
    else:
        conv = assistant.latest_for(db, user=user)
    return _chat(request, db, user, conv)


@router.post("/portal/assistant")
def chat_send(
    request: Request,
    db: DbSession,
    user: Customer,
    text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
    conversation_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """The customer's message (typed or a button); the chat shows the answer."""
    named = int(conversation_id) if conversation_id.isdigit() and 0 < int(conversation_id) <= MAX_ID else None
    asked = "en" if i18n.language(request) == "en" else None
    conv = assistant.say(db, user=user, conversation_id=named, text=text, lang=asked).conv
    return see_other(f"/portal/assistant?c={conv.id}#end")


@router.get("/console/assistant", response_class=HTMLResponse)
def desk(request: Request, db: DbSession, user: Desk, c: int | None = None) -> Response:
    """The handed-off conversations; the one chosen with its history, the triage, take over and reply."""
    found = assistant.waiting(db, tenant_id=user.tenant_id, page=1, page_size=100)
    conv = assistant.seen_by(db, user=user, id=min(max(c, 1), MAX_ID)) if c is not None else None
    who = None
    if conv is not None:  # the customer, their phone masked, and the appliance they chose
        customer = customer_service.get(db, tenant_id=user.tenant_id, id=conv.customer_id)
        named = {
            a["id"]: a["label"] for a in assistant.appliances_of(db, user=user, customer_id=conv.customer_id)
        }
        who = {
            "name": customer.name,
            "phone": mask_phone(customer.phone),
            "appliance": named.get(conv.appliance_id or 0),
        }
    return render(
        request,
        "assistant/desk.html",
        items=found.items,
        conv=conv,
        thread=assistant.messages(db, conv=conv) if conv is not None else [],
        who=who,
    )


@router.post("/console/assistant/{conversation_id}/take")
def desk_take(conversation_id: Id, db: DbSession, user: Desk) -> Response:
    conv = assistant.seen_by(db, user=user, id=conversation_id, lock=True)
    assistant.take(db, conv=conv, agent=user)
    return see_other(f"/console/assistant?c={conv.id}")


@router.post("/console/assistant/{conversation_id}/reply")
def desk_reply(
    conversation_id: Id, db: DbSession, user: Desk, text: Annotated[str, Form(max_length=MAX_TEXT)] = ""
) -> Response:
    conv = assistant.seen_by(db, user=user, id=conversation_id, lock=True)
    assistant.answer(db, conv=conv, agent=user, text=text)
    return see_other(f"/console/assistant?c={conv.id}")
