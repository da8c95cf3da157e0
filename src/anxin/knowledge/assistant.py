"""The service assistant (智能客服): a small built-in dialogue with a signed-in customer, a state machine in
data (``STEPS``). It answers only from the knowledge base (triage) and the customer's own records (their
appliances, their orders, the price book, the warranty); an optional language model may only rephrase a reply
(``assistant_llm``), never decide one.

The dialogue: the customer describes the fault (``describe``); with several appliances it asks which one
(``appliance``, a button each); it runs triage; for an error-code fault without a code it asks for the code
(``code``); it offers the entry's self-help steps and asks whether they worked (``solved``: 解决了 / 没解决).
Solved: an order is taken through the intake action and closed as ``resolved_remote`` by the tenant's
assistant system user, the steps in the event's note. Not solved (or nothing to try): a visit order is taken
(channel ``app``; the intake's handler attaches triage), the customer told its number and offered the windows
technicians can keep (``slot``, ``assistant_slots``); the conversation is ``booked`` and closes once a window
is booked or put off. "转人工", triage less sure than ``LOW`` or an empty knowledge base hand the conversation
to an agent (``handed_off``), who takes it over (``with_agent``) and answers in the same chat.

At any step, a question about the order data ("我的师傅到哪了", "要多少钱", "保修") is answered from it
(``assistant_facts``) and the step's buttons offered again. Replies are in Chinese or English
(``assistant_words``: asked for, or the language the customer writes in)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.exceptions import AnxinError, NotFound
from anxin.knowledge import assess, assistant_facts, assistant_llm, assistant_slots
from anxin.knowledge.assistant_errors import (
    AssistantTextEmpty,
    AssistantTextTooLong,
    ConversationClosed,
    NotCustomer,
    NotHandedOff,
)
from anxin.knowledge.assistant_models import AssistantConversation, AssistantMessage
from anxin.knowledge.assistant_words import (
    BUTTONS,
    EN,
    HANDOFF_WORDS,
    LATER_WORDS,
    NO_CODE_WORDS,
    SOLVED_WORDS,
    UNSOLVED_WORDS,
    ZH,
    button,
    has_any,
    intent,
    text_language,
)
from anxin.knowledge.assistant_words import say as say_words
from anxin.knowledge.codes import CATEGORY_NAMES, FAULT_NAMES, FaultCode, service_type_for
from anxin.knowledge.exceptions import KnowledgeEmpty
from anxin.pagination import Page
from anxin.work_order import actions
from anxin.work_order import service as work_order_service

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
NO_CODE = BUTTONS["no_code"][0]


def solved_buttons(lang: str) -> list[dict[str, str]]:
    return [button("solved", lang), button("unsolved", lang), button("person", lang)]


def code_buttons(lang: str) -> list[dict[str, str]]:
    return [button("no_code", lang), button("person", lang)]


@dataclass
class Turn:
    reply: str
    actions: list[dict[str, str]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    grounding: dict[str, Any] = field(default_factory=dict)  # what a language model may phrase it from


class Said(NamedTuple):
    conv: AssistantConversation
    message: AssistantMessage | None  # the assistant's answer; None while an agent has the conversation
    sources: list[dict[str, Any]]  # what the answer was built from
    lang: str  # the language it is in


def checked(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise AssistantTextEmpty()
    if len(value) > MAX_TEXT:
        raise AssistantTextTooLong(most=MAX_TEXT)
    return value


def is_closed(conv: AssistantConversation) -> bool:
    """Closed to further messages: resolved, or booked with no window left to pick."""
    return conv.status in CLOSED and conv.step == "done"


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


def appliances(db: Session, *, user: User, lang: str = ZH) -> list[dict]:
    """The customer's appliances as buttons: ``{"id", "label"}`` (category · model)."""
    return appliances_of(db, user=user, customer_id=user.customer_id or -1, lang=lang)


def appliances_of(db: Session, *, user: User, customer_id: int, lang: str = ZH) -> list[dict]:
    """A customer's appliances of ``user``'s tenant, labelled (the same model twice: the serial's end)."""
    found = []
    for appliance in appliance_service.get_for_customer(
        db, tenant_id=user.tenant_id, customer_id=customer_id
    ):
        model, category = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        name = category.name_en if lang == EN else category.name_zh
        found.append(
            {"id": appliance.id, "label": f"{name} · {model.name}", "serial": appliance.serial_number}
        )
    twice = {a["label"] for a in found if [b["label"] for b in found].count(a["label"]) > 1}
    for a in found:  # the same model twice: told apart by the serial number's end
        if a["label"] in twice:
            end = (a["serial"] or "")[-4:]
            a["label"] = f"{a['label']} (…{end})" if lang == EN else f"{a['label']}（尾号{end}）"
    return found


def _hand_off(conv: AssistantConversation, words: str, lang: str) -> Turn:
    conv.status = HANDED_OFF
    conv.step = "agent"
    return Turn(say_words(words, lang))


def _choices(owned: list[dict]) -> list[dict[str, str]]:
    return [{"label": a["label"], "text": a["label"]} for a in owned]


def _describe(db: Session, conv: AssistantConversation, user: User, text: str, lang: str) -> Turn:
    conv.description = f"{conv.description}；{text}" if conv.description else text
    owned = appliances(db, user=user, lang=lang)
    if not owned:
        return _hand_off(conv, "no_appliance", lang)
    if conv.appliance_id is None and len(owned) > 1:
        conv.step = "appliance"
        return Turn(say_words("which", lang), _choices(owned))
    if conv.appliance_id is None:
        conv.appliance_id = owned[0]["id"]
    return _diagnose(db, conv, user, lang)


def _appliance(db: Session, conv: AssistantConversation, user: User, text: str, lang: str) -> Turn:
    owned = appliances(db, user=user, lang=lang)
    other = appliances(db, user=user, lang=ZH if lang == EN else EN)  # a button of the other language
    chosen = [a for a, b in zip(owned, other, strict=True) if text in (a["label"], b["label"])]
    if not chosen and text.isdigit() and 1 <= int(text) <= len(owned):
        chosen = [owned[int(text) - 1]]
    if not chosen:
        return Turn(say_words("which_again", lang), _choices(owned))
    conv.appliance_id = chosen[0]["id"]
    return _diagnose(db, conv, user, lang)


def _code(db: Session, conv: AssistantConversation, user: User, text: str, lang: str) -> Turn:
    if not has_any(text, NO_CODE_WORDS):
        conv.description = f"{conv.description}；{text}"
    return _diagnose(db, conv, user, lang, asked_code=True)


def _solved(db: Session, conv: AssistantConversation, user: User, text: str, lang: str) -> Turn:
    if has_any(text, UNSOLVED_WORDS):
        return _book(db, conv, user, lang, resolved=False)
    if has_any(text, SOLVED_WORDS):
        return _book(db, conv, user, lang, resolved=True)
    return Turn(say_words("ask_solved", lang), solved_buttons(lang))


def _slot(db: Session, conv: AssistantConversation, user: User, text: str, lang: str) -> Turn:
    order = work_order_service.get_for(db, user=user, id=conv.work_order_id or -1)
    source = [{"kind": "slot_offer", "work_order": order.number}]
    if has_any(text, LATER_WORDS):
        conv.step = "done"
        return Turn(say_words("slot_later", lang))
    if not assistant_slots.bookable(order, user):  # moved on meanwhile (an agent set the time): say where
        conv.step = "done"
        fact = assistant_facts.where(db, user=user, order_id=order.id, appliance_id=None, lang=lang)
        return Turn(fact.reply, [], fact.sources, fact.grounding)
    booked = assistant_slots.book(db, order=order, customer=user, text=text, lang=lang)
    if booked is not None and booked.ok:
        conv.step = "done"
        return Turn(say_words("slot_booked", lang, window=booked.window, number=order.number), [], source)
    others = booked.buttons if booked is not None else assistant_slots.buttons(db, order=order, lang=lang)
    if not others:
        conv.step = "done"
        return Turn(say_words("slot_none", lang), [], source)
    words = say_words("slot_full", lang, window=booked.window) if booked and booked.window else ""
    return Turn(words or say_words("slot_again", lang), [*others, button("later", lang)], source)


STEPS: dict[str, Callable[[Session, AssistantConversation, User, str, str], Turn]] = {
    "describe": _describe,
    "appliance": _appliance,
    "code": _code,
    "solved": _solved,
    "slot": _slot,
}


def _diagnose(
    db: Session, conv: AssistantConversation, user: User, lang: str, asked_code: bool = False
) -> Turn:
    try:
        result = assess.assess_for(
            db, user=user, text=conv.description[-MAX_TEXT:], appliance_id=conv.appliance_id
        )
    except KnowledgeEmpty:
        return _hand_off(conv, "unsure", lang)
    conv.triage = result.as_dict()
    if result.confidence < LOW:
        return _hand_off(conv, "unsure", lang)
    if result.fault == FaultCode.ERROR_CODE.value and not result.error_code and not asked_code:
        conv.step = "code"
        return Turn(say_words("ask_code", lang), code_buttons(lang))
    words = say_words("looks_like", lang, **labels(result.category, result.fault, lang))
    if result.error_code and result.error_code.get("meaning"):
        words += say_words("code_means", lang, **result.error_code)
    sources = (
        [{"kind": "knowledge_entry", "id": result.entry_id, "title": result.title}] if result.entry_id else []
    )
    grounding = {
        "knowledge_entry": {
            "title": result.title,
            "self_help": result.self_help,
            "error_code": result.error_code,
            "visit_needed": result.visit_needed,
        }
    }
    if not result.self_help:
        turn = _book(db, conv, user, lang, resolved=False)
        return Turn(f"{words}{turn.reply}", turn.actions, sources + turn.sources)
    steps = "\n".join(f"{n}. {step}" for n, step in enumerate(result.self_help, 1))
    conv.step = "solved"
    if lang == EN:  # the knowledge base is written in Chinese: its steps are shown as written, and said so
        steps = say_words("zh_only", lang) + steps
    return Turn(words + say_words("try_these", lang, steps=steps), solved_buttons(lang), sources, grounding)


def labels(category: str, fault: str, lang: str = ZH) -> dict[str, str]:
    """The category and fault in words, as a customer reads them."""
    pick = 1 if lang == EN else 0
    cat = next((names[pick] for code, names in CATEGORY_NAMES.items() if code.value == category), None)
    name = next((names[pick] for code, names in FAULT_NAMES.items() if code.value == fault), None)
    return {
        "category": cat or ("appliance" if lang == EN else "家电"),
        "fault": name or ("fault" if lang == EN else "故障"),
    }


def _book(db: Session, conv: AssistantConversation, user: User, lang: str, *, resolved: bool) -> Turn:
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
    source = [{"kind": "work_order", "id": order.id, "number": order.number}]
    if not created.created or created.duplicate:
        conv.status = BOOKED
        return Turn(say_words("duplicate", lang, number=order.number), [], source)
    if resolved:
        steps = (conv.triage or {}).get("self_help") or []
        assistant_user = auth_service.system_user(db, tenant_id=conv.tenant_id, role="agent")
        actions.perform(
            db,
            order=order,
            action="resolve-remote",
            actor=assistant_user,
            ctx=actions.Context(note=say_words("resolved_note", ZH, steps="；".join(steps))[:1000]),
            payload={"self_help": steps, "conversation_id": conv.id},
        )
        conv.status = RESOLVED
        return Turn(say_words("resolved", lang, number=order.number), [], source)
    conv.status = BOOKED
    words = say_words("booked", lang, number=order.number)
    windows = assistant_slots.buttons(db, order=order, lang=lang)
    if not windows:
        return Turn(f"{words}\n{say_words('slot_none', lang)}", [], source)
    conv.step = "slot"
    return Turn(f"{words}\n{say_words('pick_slot', lang)}", [*windows, button("later", lang)], source)


def _answer_from_data(
    db: Session, conv: AssistantConversation, user: User, text: str, lang: str
) -> Turn | None:
    """A question about the order data (where, price, warranty) answered from it; None for anything else.
    The dialogue stays where it was, its buttons offered again below the answer."""
    asked = intent(text)
    if asked is None:
        return None
    if asked == "where":
        fact = assistant_facts.where(
            db, user=user, order_id=conv.work_order_id, appliance_id=conv.appliance_id, lang=lang
        )
    elif asked == "warranty":
        fact = assistant_facts.warranty(
            db,
            user=user,
            appliances=appliances(db, user=user, lang=lang),
            appliance_id=conv.appliance_id,
            lang=lang,
        )
    else:
        triage = conv.triage
        if triage is None and conv.step == "describe":
            try:  # "空调不制冷修一下多少钱": the fault in the same words
                found = assess.assess_for(db, user=user, text=text, appliance_id=conv.appliance_id)
                triage = found.as_dict() if found.confidence >= LOW else None
            except AnxinError:
                triage = None
        owned = appliances(db, user=user)
        appliance_id = conv.appliance_id or (owned[0]["id"] if len(owned) == 1 else None)
        fact = assistant_facts.price(
            db, user=user, order_id=conv.work_order_id, appliance_id=appliance_id, triage=triage, lang=lang
        )
    still = _buttons_of_step(db, conv, user, lang)
    if conv.step == "describe":
        fact.reply += "\n" + say_words("go_on", lang)
    return Turn(fact.reply, still, fact.sources, fact.grounding)


def _buttons_of_step(db: Session, conv: AssistantConversation, user: User, lang: str) -> list[dict[str, str]]:
    if conv.step == "solved":
        return solved_buttons(lang)
    if conv.step == "code":
        return code_buttons(lang)
    if conv.step == "appliance":
        return _choices(appliances(db, user=user, lang=lang))
    if conv.step == "slot" and conv.work_order_id:
        order = work_order_service.get_for(db, user=user, id=conv.work_order_id)
        return [*assistant_slots.buttons(db, order=order, lang=lang), button("later", lang)]
    return []


def language_of(db: Session, conv: AssistantConversation | None, text: str, asked: str | None) -> str:
    """English when asked for, else the message's own language, else the last one the customer clearly
    wrote in, else Chinese."""
    if asked == EN:
        return EN
    found = text_language(text)
    if found is not None or conv is None:
        return found or ZH
    for message in reversed(messages(db, conv=conv)):
        if message.sender == "customer" and (earlier := text_language(message.text)) is not None:
            return earlier
    return ZH


def say(db: Session, *, user: User, conversation_id: int | None, text: str, lang: str | None = None) -> Said:
    """The customer's message and the assistant's answer (None while an agent has the conversation).
    ``lang``: ``en`` when the caller asked for English (``?lang=en``, ``Accept-Language``, the page)."""
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
        lang = language_of(db, None, text, lang)
    else:
        conv = seen_by_customer(db, user=user, id=conversation_id, lock=True)
        if is_closed(conv):
            raise ConversationClosed()
        lang = language_of(db, conv, text, lang)
    _add(db, conv, "customer", text, author=user)
    if conv.status == WITH_AGENT:
        return Said(conv, None, [], lang)
    if conv.status == HANDED_OFF:
        turn = Turn(say_words("waiting", lang))
    elif has_any(text, HANDOFF_WORDS):
        turn = _hand_off(conv, "handoff", lang)
    else:
        turn = _answer_from_data(db, conv, user, text, lang) or STEPS[conv.step](db, conv, user, text, lang)
    reply = turn.reply
    if turn.grounding:
        phrased = assistant_llm.phrase(turn.reply, grounding=turn.grounding, question=text, lang=lang)
        if phrased is not None:
            reply = phrased
            turn.sources.append({"kind": "llm", "model": assistant_llm.get_settings().assistant_llm_model})
    return Said(conv, _add(db, conv, "assistant", reply, actions_=turn.actions), turn.sources, lang)


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
    return _add(db, conv, "agent", say_words("taken", ZH, name=agent.display_name or ""), author=agent)


def answer(db: Session, *, conv: AssistantConversation, agent: User, text: str) -> AssistantMessage:
    """The agent who took the conversation answers the customer."""
    text = checked(text)
    if conv.status != WITH_AGENT or conv.agent_id != agent.id:
        raise NotHandedOff()
    return _add(db, conv, "agent", text, author=agent)
