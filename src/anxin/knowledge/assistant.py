"""The service assistant (智能客服): a small built-in dialogue with a signed-in customer, a state machine in
data (``STEPS``), no language model. It answers only from the knowledge base (triage) and the customer's
own records (their appliances, the order it makes).

The dialogue: the customer describes the fault (``describe``); with several appliances it asks which one
(``appliance``, a button each); it runs triage; for an error-code fault without a code it asks for the code
(``code``); it offers the entry's self-help steps and asks whether they worked (``solved``: 解决了 / 没解决).
Solved: an order is taken through the intake action and closed as ``resolved_remote`` by the tenant's
assistant system user, the steps in the event's note. Not solved (or nothing to try): a visit order is taken
(channel ``app``; the intake's handler attaches triage) and the customer told its number. "转人工", triage
less sure than ``LOW`` or an empty knowledge base hand the conversation to an agent (``handed_off``), who
takes it over (``with_agent``) and answers in the same chat."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.exceptions import AnxinError, NotFound
from anxin.knowledge import assess
from anxin.knowledge.assistant_models import AssistantConversation, AssistantMessage
from anxin.knowledge.codes import CATEGORY_NAMES, FAULT_NAMES, FaultCode, service_type_for
from anxin.knowledge.exceptions import KnowledgeEmpty
from anxin.pagination import Page
from anxin.work_order import actions

MAX_TEXT = 500  # characters of one message
LOW = 0.3  # triage less sure than this hands the conversation to an agent
OPEN, RESOLVED, BOOKED, HANDED_OFF, WITH_AGENT = (
    "open",
    "resolved_remote",
    "booked",
    "handed_off",
    "with_agent",
)
CLOSED = frozenset({RESOLVED, BOOKED})
WAITING = (HANDED_OFF, WITH_AGENT)

HANDOFF_WORDS = ("转人工", "人工客服", "找人工", "human agent", "talk to a person")
SOLVED_WORDS = ("解决了", "好了", "可以了", "正常了", "solved", "fixed")
UNSOLVED_WORDS = ("没解决", "未解决", "没有解决", "还是不行", "不行", "没用", "not solved", "still")
NO_CODE = "看不到代码"

SAY = {
    "which": "您有几台家电，请问是哪一台出了问题？",
    "which_again": "请点选下面的一台家电。",
    "no_appliance": "您名下还没有登记家电，已为您转接人工客服，请稍候。",
    "ask_code": "屏幕上显示的故障代码是什么？（例如 E1）看不到的话点“看不到代码”。",
    "looks_like": "看起来是：{category} · {fault}。",
    "code_means": "代码 {code}：{meaning}。",
    "try_these": "先试试这些：\n{steps}\n试过以后，问题解决了吗？",
    "ask_solved": "请告诉我：按上面的步骤试过以后，问题解决了吗？",
    "resolved": "太好了！已为您记录为远程解决（工单 {number}），无需上门。如再出现问题可随时找我。",
    "booked": "已为您安排上门维修，工单号 {number}。师傅会尽快联系您，您也可以在“我的工单”里查看进度。",
    "duplicate": "这台家电已有一张进行中的工单 {number}，师傅会按这张工单为您处理。",
    "unsure": "我还不能确定是什么问题，已为您转接人工客服，请稍候。",
    "handoff": "已为您转接人工客服，请稍候。",
    "waiting": "人工客服马上就来，请稍候。",
    "taken": "您好，我是客服{name}，接下来由我为您服务。",
    "resolved_note": "智能客服远程解决：客户按以下步骤自行处理后恢复：{steps}",
}
ACTIONS_SOLVED = [
    {"label": "解决了", "text": "解决了"},
    {"label": "没解决", "text": "没解决"},
    {"label": "转人工", "text": "转人工"},
]
ACTIONS_CODE = [{"label": NO_CODE, "text": NO_CODE}, {"label": "转人工", "text": "转人工"}]


class AssistantTextEmpty(AnxinError):
    status_code = 422
    code = "assistant_text_empty"
    message_zh = "请输入消息内容"
    message_en = "Write a message"

    def details(self) -> dict:
        return {"field": "text"}


class AssistantTextTooLong(AnxinError):
    status_code = 422
    code = "assistant_text_too_long"
    message_zh = "一条消息最多 {most} 个字"
    message_en = "A message may be at most {most} characters"

    def details(self) -> dict:
        return {"field": "text", "max_length": self.params["most"]}


class ConversationClosed(AnxinError):
    status_code = 409
    code = "assistant_conversation_closed"
    message_zh = "这次对话已结束，请开始新的对话"
    message_en = "This conversation has ended; start a new one"


class NotHandedOff(AnxinError):
    status_code = 409
    code = "assistant_not_handed_off"
    message_zh = "这次对话没有在等待人工客服，或已由其他客服接手"
    message_en = "This conversation is not waiting for an agent, or another agent has taken it"


class NotCustomer(AnxinError):
    status_code = 403
    code = "assistant_customer_only"
    message_zh = "只有客户本人可以使用智能客服"
    message_en = "Only a customer chats with the assistant"


@dataclass
class Turn:
    reply: str
    actions: list[dict[str, str]] = field(default_factory=list)


def checked(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise AssistantTextEmpty()
    if len(value) > MAX_TEXT:
        raise AssistantTextTooLong(most=MAX_TEXT)
    return value


def _add(
    db: Session,
    conv: AssistantConversation,
    sender: str,
    text: str,
    *,
    author: User | None = None,
    actions_: list | None = None,
) -> AssistantMessage:
    message = AssistantMessage(
        tenant_id=conv.tenant_id,
        conversation_id=conv.id,
        sender=sender,
        author_id=author.id if author is not None else None,
        text=text,
        actions=actions_ or [],
        created_at=clock.now(),
    )
    db.add(message)
    conv.updated_at = message.created_at
    db.flush()
    return message


def appliances(db: Session, *, user: User) -> list[dict]:
    """The customer's appliances as buttons: ``{"id", "label"}`` (category · model)."""
    return appliances_of(db, user=user, customer_id=user.customer_id or -1)


def appliances_of(db: Session, *, user: User, customer_id: int) -> list[dict]:
    """A customer's appliances of ``user``'s tenant, labelled (the same model twice: the serial's end)."""
    found = []
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        found.append(
            {
                "id": appliance.id,
                "label": f"{category.name_zh} · {model.name}",
                "serial": appliance.serial_number,
            }
        )
    twice = {a["label"] for a in found if [b["label"] for b in found].count(a["label"]) > 1}
    for a in found:  # the same model twice: told apart by the serial number's end
        if a["label"] in twice:
            a["label"] = f"{a['label']}（尾号{(a['serial'] or '')[-4:]}）"
    return found


def _hand_off(conv: AssistantConversation, words: str) -> Turn:
    conv.status = HANDED_OFF
    conv.step = "agent"
    return Turn(SAY[words])


def _describe(db: Session, conv: AssistantConversation, user: User, text: str) -> Turn:
    conv.description = f"{conv.description}；{text}" if conv.description else text
    owned = appliances(db, user=user)
    if not owned:
        return _hand_off(conv, "no_appliance")
    if conv.appliance_id is None and len(owned) > 1:
        conv.step = "appliance"
        return Turn(SAY["which"], [{"label": a["label"], "text": a["label"]} for a in owned])
    if conv.appliance_id is None:
        conv.appliance_id = owned[0]["id"]
    return _diagnose(db, conv, user)


def _appliance(db: Session, conv: AssistantConversation, user: User, text: str) -> Turn:
    owned = appliances(db, user=user)
    chosen = [a for a in owned if a["label"] == text]
    if not chosen and text.isdigit() and 1 <= int(text) <= len(owned):
        chosen = [owned[int(text) - 1]]
    if not chosen:
        return Turn(SAY["which_again"], [{"label": a["label"], "text": a["label"]} for a in owned])
    conv.appliance_id = chosen[0]["id"]
    return _diagnose(db, conv, user)


def _code(db: Session, conv: AssistantConversation, user: User, text: str) -> Turn:
    if text != NO_CODE:
        conv.description = f"{conv.description}；{text}"
    return _diagnose(db, conv, user, asked_code=True)


def _solved(db: Session, conv: AssistantConversation, user: User, text: str) -> Turn:
    lowered = text.lower()
    if any(word in lowered for word in UNSOLVED_WORDS):
        return _book(db, conv, user, resolved=False)
    if any(word in lowered for word in SOLVED_WORDS):
        return _book(db, conv, user, resolved=True)
    return Turn(SAY["ask_solved"], ACTIONS_SOLVED)


STEPS: dict[str, Callable[[Session, AssistantConversation, User, str], Turn]] = {
    "describe": _describe,
    "appliance": _appliance,
    "code": _code,
    "solved": _solved,
}


def _diagnose(db: Session, conv: AssistantConversation, user: User, asked_code: bool = False) -> Turn:
    try:
        result = assess.assess_for(
            db, user=user, text=conv.description[-MAX_TEXT:], appliance_id=conv.appliance_id
        )
    except KnowledgeEmpty:
        return _hand_off(conv, "unsure")
    conv.triage = result.as_dict()
    if result.confidence < LOW:
        return _hand_off(conv, "unsure")
    if result.fault == FaultCode.ERROR_CODE.value and not result.error_code and not asked_code:
        conv.step = "code"
        return Turn(SAY["ask_code"], ACTIONS_CODE)
    words = SAY["looks_like"].format(**labels(result.category, result.fault))
    if result.error_code and result.error_code.get("meaning"):
        words += SAY["code_means"].format(**result.error_code)
    if not result.self_help:
        turn = _book(db, conv, user, resolved=False)
        return Turn(f"{words}{turn.reply}", turn.actions)
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(result.self_help, 1))
    conv.step = "solved"
    return Turn(words + SAY["try_these"].format(steps=steps), ACTIONS_SOLVED)


def labels(category: str, fault: str) -> dict[str, str]:
    """The category and fault in Chinese words, as a customer reads them."""
    cat = next((zh for code, (zh, _en) in CATEGORY_NAMES.items() if code.value == category), "家电")
    name = next((zh for code, (zh, _en) in FAULT_NAMES.items() if code.value == fault), "故障")
    return {"category": cat, "fault": name}


def _book(db: Session, conv: AssistantConversation, user: User, *, resolved: bool) -> Turn:
    fault = (conv.triage or {}).get("fault") or "not_cooling"
    intake = actions.Intake(
        customer_id=user.customer_id or -1,
        appliance_id=conv.appliance_id or -1,
        service_type=service_type_for(fault),
        channel="app",
        fault_description=conv.description[:2000],
    )
    created = actions.create_order(db, actor=user, intake=intake)
    order = created.order
    conv.work_order_id = order.id
    conv.step = "done"
    if not created.created or created.duplicate:
        conv.status = BOOKED
        return Turn(SAY["duplicate"].format(number=order.number))
    if resolved:
        steps = (conv.triage or {}).get("self_help") or []
        assistant_user = auth_service.system_user(db, tenant_id=conv.tenant_id, role="agent")
        actions.perform(
            db,
            order=order,
            action="resolve-remote",
            actor=assistant_user,
            ctx=actions.Context(note=SAY["resolved_note"].format(steps="；".join(steps))[:1000]),
            payload={"self_help": steps, "conversation_id": conv.id},
        )
        conv.status = RESOLVED
        return Turn(SAY["resolved"].format(number=order.number))
    conv.status = BOOKED
    return Turn(SAY["booked"].format(number=order.number))


def say(
    db: Session, *, user: User, conversation_id: int | None, text: str
) -> tuple[AssistantConversation, AssistantMessage | None]:
    """The customer's message and the assistant's answer (None while an agent has the conversation)."""
    if user.role != Role.CUSTOMER or user.customer_id is None:
        raise NotCustomer()
    text = checked(text)
    if conversation_id is None:
        conv = AssistantConversation(
            tenant_id=user.tenant_id,
            customer_id=user.customer_id,
            status=OPEN,
            step="describe",
            description="",
        )
        db.add(conv)
        db.flush()
    else:
        conv = seen_by_customer(db, user=user, id=conversation_id, lock=True)
        if conv.status in CLOSED:
            raise ConversationClosed()
    _add(db, conv, "customer", text, author=user)
    if conv.status == WITH_AGENT:
        return conv, None
    if conv.status == HANDED_OFF:
        turn = Turn(SAY["waiting"])
    elif any(word in text.lower() for word in HANDOFF_WORDS):
        turn = _hand_off(conv, "handoff")
    else:
        turn = STEPS[conv.step](db, conv, user, text)
    return conv, _add(db, conv, "assistant", turn.reply, actions_=turn.actions)


def seen_by_customer(db: Session, *, user: User, id: int, lock: bool = False) -> AssistantConversation:
    """The customer's own conversation; another's, another tenant's or none: 404."""
    query = select(AssistantConversation).where(
        AssistantConversation.id == id,
        AssistantConversation.tenant_id == user.tenant_id,
        AssistantConversation.customer_id == (user.customer_id or -1),
    )
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("conversation", "对话")
    return found


def seen_by(db: Session, *, user: User, id: int, lock: bool = False) -> AssistantConversation:
    """A conversation as ``user`` may see it: a customer their own, the desk the tenant's (404 otherwise)."""
    if user.role == Role.CUSTOMER:
        return seen_by_customer(db, user=user, id=id, lock=lock)
    query = select(AssistantConversation).where(
        AssistantConversation.id == id, AssistantConversation.tenant_id == user.tenant_id
    )
    found = db.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise NotFound("conversation", "对话")
    return found


def messages(db: Session, *, conv: AssistantConversation, after: int = 0) -> list[AssistantMessage]:
    return list(
        db.scalars(
            select(AssistantMessage)
            .where(AssistantMessage.conversation_id == conv.id, AssistantMessage.id > after)
            .order_by(AssistantMessage.id)
        )
    )


def latest_for(db: Session, *, user: User) -> AssistantConversation | None:
    """The customer's newest conversation."""
    return db.scalar(
        select(AssistantConversation)
        .where(
            AssistantConversation.tenant_id == user.tenant_id,
            AssistantConversation.customer_id == (user.customer_id or -1),
        )
        .order_by(AssistantConversation.id.desc())
        .limit(1)
    )


def waiting(
    db: Session, *, tenant_id: int, page: int = 1, page_size: int = 50
) -> Page[AssistantConversation]:
    """The tenant's conversations handed to agents (waiting first, then taken), oldest first."""
    where = (AssistantConversation.tenant_id == tenant_id, AssistantConversation.status.in_(WAITING))
    total = db.scalar(select(func.count()).select_from(AssistantConversation).where(*where)) or 0
    items = db.scalars(
        select(AssistantConversation)
        .where(*where)
        .order_by(
            AssistantConversation.status.desc(), AssistantConversation.updated_at, AssistantConversation.id
        )
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return Page(items=list(items), total=total, page=page, page_size=page_size)


def take(db: Session, *, conv: AssistantConversation, agent: User) -> AssistantMessage | None:
    """The agent takes a handed-off conversation over (taking one's own again changes nothing)."""
    if conv.status == WITH_AGENT and conv.agent_id == agent.id:
        return None
    if conv.status != HANDED_OFF:
        raise NotHandedOff()
    conv.status = WITH_AGENT
    conv.agent_id = agent.id
    return _add(db, conv, "agent", SAY["taken"].format(name=agent.display_name or ""), author=agent)


def answer(db: Session, *, conv: AssistantConversation, agent: User, text: str) -> AssistantMessage:
    """The agent who took the conversation answers the customer."""
    text = checked(text)
    if conv.status != WITH_AGENT or conv.agent_id != agent.id:
        raise NotHandedOff()
    return _add(db, conv, "agent", text, author=agent)
