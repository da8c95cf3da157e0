"""The knowledge base on the pages. In the console (``/console/knowledge``) staff search the entries and try
triage on a description (an agent on the phone); an admin adds entries and edits them (symptoms, causes,
self-help, error codes, parts, whether a visit is needed). In the technician's app (``/tech/knowledge``)
the technician searches the same entries on site, on a phone. Every form calls the same functions as the
JSON API (``anxin.knowledge``), audited alike."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CategoryCode
from anxin.dependencies import DbSession
from anxin.exceptions import AnxinError, InvalidInput
from anxin.fields import MAX_ID
from anxin.knowledge import assess, handlers, service, visit_aids
from anxin.knowledge import codes as taxonomy
from anxin.knowledge.codes import FaultCode
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service as order_service

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Desk = Annotated[User, Depends(page_user(Action.KNOWLEDGE_DESK))]
Editor = Annotated[User, Depends(page_user(Action.KNOWLEDGE_MANAGE))]
Technician = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]
OrderReader = Annotated[User, Depends(page_user(Action.ORDER_TRIAGE_READ))]

CODE_LINE = re.compile(r"^([A-Za-z0-9]{1,10})\s*[|｜]\s*(?:([^|｜]{0,40})\s*[|｜]\s*)?(.{1,200})$")
PART_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]{0,39})\s*[|｜]\s*(.{1,120})$")
MAX_LINES = 30

i18n.extend(
    taxonomy.catalog()
    | {
        "kb_title": ("故障知识库", "Fault knowledge base"),
        "kb_search": ("搜索", "Search"),
        "kb_q": ("关键词或故障代码", "Words or an error code"),
        "kb_all": ("全部品类", "All categories"),
        "kb_none": ("没有找到相关条目", "No entry found"),
        "kb_related": ("没有完全匹配的条目，以下是最相关的：", "No entry has every word; the closest:"),
        "kb_symptoms": ("常见现象", "Symptoms"),
        "kb_causes": ("可能原因", "Likely causes"),
        "kb_self_help": ("用户可自行尝试", "What the customer can safely try"),
        "kb_codes": ("故障代码", "Error codes"),
        "kb_code": ("代码", "Code"),
        "kb_brand": ("品牌", "Brand"),
        "kb_meaning": ("含义", "Meaning"),
        "kb_common": ("通用", "Common"),
        "kb_parts": ("可能用到的配件", "Likely parts"),
        "kb_visit": ("需要上门", "Visit needed"),
        "kb_no_visit": ("通常可远程解决", "Usually solved remotely"),
        "kb_minutes": ("预计 {n} 分钟", "About {n} min"),
        "kb_skill": ("所需技能", "Skill needed"),
        "kb_keywords": ("关键词（用于智能分诊）", "Keywords (triage learns from them)"),
        "kb_category": ("品类", "Category"),
        "kb_fault": ("故障", "Fault"),
        "kb_entry_title": ("标题", "Title"),
        "kb_version": ("第 {n} 版", "Version {n}"),
        "kb_edit": ("编辑条目", "Edit the entry"),
        "kb_save": ("保存", "Save"),
        "kb_new": ("新增条目", "Add an entry"),
        "kb_add": ("新增", "Add"),
        "kb_lines_hint": ("每行一条", "One per line"),
        "kb_codes_hint": (
            "每行一个：代码|品牌|含义（品牌可省略：代码|含义）",
            "One a line: CODE|brand|meaning (or CODE|meaning)",
        ),
        "kb_parts_hint": ("每行一个：配件编码|名称", "One a line: part code|name"),
        "kb_note": ("备注", "Note"),
        "kb_try": ("智能分诊", "Triage"),
        "kb_try_hint": (
            "输入用户的原话，例如“柜机显示E1然后就停了”",
            "The customer's words, e.g. “the AC shows E1 and stops”",
        ),
        "kb_try_go": ("分析", "Analyse"),
        "kb_result": ("判断", "Answer"),
        "kb_confidence": ("把握", "Confidence"),
        "kb_alternatives": ("其他可能", "Other possibilities"),
        "kb_open": ("查看", "Open"),
        "kb_saved": ("已保存", "Saved"),
        "kb_level_junior": ("初级", "Junior"),
        "kb_level_senior": ("高级", "Senior"),
        "kb_level_expert": ("专家", "Expert"),
        "kb_cert_refrigerant": ("制冷作业证", "Refrigerant licence"),
        "kb_cert_gas": ("燃气具证", "Gas licence"),
        "kb_cert_electrician": ("电工证", "Electrician licence"),
        "kb_cert_height": ("高处作业证", "Work-at-height licence"),
        "kb_svc_repair": ("维修", "Repair"),
        "kb_svc_installation": ("安装", "Installation"),
        "kb_svc_relocation": ("移机", "Relocation"),
        "kb_svc_cleaning": ("清洗", "Cleaning"),
        "kb_duration": ("预计上门时长（分钟）", "Typical minutes on site"),
        "kb_order_title": ("智能分诊", "Triage"),
        "kb_order_hint": (
            "根据报修描述自动判断，出发前请备好可能用到的配件",
            "From the report; take the likely parts along",
        ),
    }
)


def _lines(value: str | None, field: str, most: int = 200) -> list[str]:
    lines = [line.strip() for line in (value or "").replace("\r", "").split("\n") if line.strip()]
    if len(lines) > MAX_LINES or any(len(line) > most or "\x00" in line for line in lines):
        raise InvalidInput(
            field, f"最多 {MAX_LINES} 行，每行最多 {most} 字", f"at most {MAX_LINES} lines of {most}"
        )
    return lines


def _codes(value: str | None) -> list[dict[str, Any]]:
    out = []
    for line in _lines(value, "error_codes"):
        match = CODE_LINE.match(line)
        if match is None:
            raise InvalidInput(
                "error_codes", f"格式有误：{line[:20]}", f"not CODE|brand|meaning: {line[:20]}"
            )
        code, brand, meaning = match.groups()
        out.append({"code": code, "brand": (brand or "").strip() or None, "meaning": meaning.strip()})
    return out


def _parts(value: str | None) -> list[dict[str, str]]:
    out = []
    for line in _lines(value, "parts", 160):
        match = PART_LINE.match(line)
        if match is None:
            raise InvalidInput("parts", f"格式有误：{line[:20]}", f"not code|name: {line[:20]}")
        out.append({"code": match.group(1), "name": match.group(2).strip()})
    return out


def _minutes(value: str | None) -> int:
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or not 5 <= int(text) <= 1440:
        raise InvalidInput("duration_minutes", "须为 5 到 1440 的整数", "a whole number from 5 to 1440")
    return int(text)


def _title(value: str | None) -> str:
    text = (value or "").strip()
    if not text or len(text) > 120 or "\x00" in text:
        raise InvalidInput("title", "标题须为 1 到 120 个字", "a title of 1 to 120 characters")
    return text


def _category(value: str | None) -> str | None:
    return value if value in {c.value for c in CategoryCode} else None


def _search(db: DbSession, user: User, q: str | None, category: str | None) -> dict[str, Any]:
    words = (q or "").strip()[:100].replace("\x00", "")
    found, related = assess.find(
        db, tenant_id=user.tenant_id, page=1, page_size=100, q=words or None, category=category
    )
    return {"entries": found.items, "related": related, "q": words, "category": category or ""}


def _tried(db: DbSession, user: User, text: str | None) -> dict[str, Any] | None:
    words = (text or "").strip()
    if not words:
        return None
    try:
        return assess.assess(db, tenant_id=user.tenant_id, text=words[:2000]).as_dict()
    except AnxinError as exc:
        return {"error": exc}


@router.get("/console/knowledge", response_class=HTMLResponse)
def console(
    request: Request,
    db: DbSession,
    user: Desk,
    q: str | None = None,
    category: str | None = None,
    text: str | None = None,
) -> Response:
    """Search the entries, try triage on a description; an admin sees the form to add an entry."""
    return render(
        request,
        "knowledge/console.html",
        **_search(db, user, q, _category(category)),
        tried=_tried(db, user, text),
        text=(text or "")[:500],
        can_edit=permissions.may(user, Action.KNOWLEDGE_MANAGE),
        categories=list(CategoryCode),
        faults=list(FaultCode),
    )


@router.get("/console/knowledge/{entry_id}", response_class=HTMLResponse)
def entry_page(request: Request, entry_id: int, db: DbSession, user: Desk, saved: bool = False) -> Response:
    entry = service.get(db, tenant_id=user.tenant_id, id=min(max(entry_id, 1), MAX_ID))
    return render(
        request,
        "knowledge/entry.html",
        entry=entry,
        skill=assess.skill_of(entry),
        can_edit=permissions.may(user, Action.KNOWLEDGE_MANAGE),
        saved=saved,
    )


@router.post("/console/knowledge")
def add_entry(
    request: Request,
    db: DbSession,
    user: Editor,
    category: Annotated[str | None, Form()] = None,
    fault: Annotated[str | None, Form()] = None,
    title: Annotated[str | None, Form()] = None,
) -> Response:
    """A new entry (category, fault, title); its details are filled on its page."""
    if _category(category) is None:
        raise InvalidInput("category", "请选择品类", "choose a category")
    if fault not in {f.value for f in FaultCode}:
        raise InvalidInput("fault", "请选择故障", "choose a fault")
    entry = service.create(
        db,
        tenant_id=user.tenant_id,
        actor=user,
        values={"category": category, "fault": fault, "title": _title(title)},
    )
    return see_other(f"/console/knowledge/{entry.id}")


@router.post("/console/knowledge/{entry_id}")
def edit_entry(
    request: Request,
    entry_id: int,
    db: DbSession,
    user: Editor,
    title: Annotated[str | None, Form()] = None,
    symptoms: Annotated[str | None, Form()] = None,
    causes: Annotated[str | None, Form()] = None,
    self_help: Annotated[str | None, Form()] = None,
    keywords: Annotated[str | None, Form()] = None,
    error_codes: Annotated[str | None, Form()] = None,
    parts: Annotated[str | None, Form()] = None,
    visit_needed: Annotated[str | None, Form()] = None,
    duration_minutes: Annotated[str | None, Form()] = None,
) -> Response:
    """Save the entry's fields, as ``PATCH /api/v1/knowledge/{id}``."""
    entry = service.get(db, tenant_id=user.tenant_id, id=min(max(entry_id, 1), MAX_ID))
    values = {
        "title": _title(title),
        "symptoms": _lines(symptoms, "symptoms"),
        "causes": _lines(causes, "causes"),
        "self_help": _lines(self_help, "self_help"),
        "keywords": _lines(keywords, "keywords", 60),
        "error_codes": _codes(error_codes),
        "parts": _parts(parts),
        "visit_needed": visit_needed == "true",
        "duration_minutes": _minutes(duration_minutes),
    }
    service.update(db, entry=entry, actor=user, values=values)
    return see_other(f"/console/knowledge/{entry.id}?saved=true")


@router.get("/tech/knowledge", response_class=HTMLResponse)
def tech(
    request: Request,
    db: DbSession,
    user: Technician,
    q: str | None = None,
    category: str | None = None,
    text: str | None = None,
) -> Response:
    """The technician's search on site: the entries, each with its codes, causes and parts."""
    found = _search(db, user, q, _category(category))
    return render(
        request,
        "knowledge/tech.html",
        **found,
        tried=_tried(db, user, text),
        text=(text or "")[:500],
        categories=list(CategoryCode),
        skills={e.id: assess.skill_of(e) for e in found["entries"]},
    )


@router.get("/pages/orders/{order_id}/triage", response_class=HTMLResponse)
def order_card(request: Request, order_id: int, db: DbSession, user: OrderReader) -> Response:
    """What triage made of the order at intake (an htmx fragment on the technician's order page and the
    console's panel): the fault, the code and its meaning, the skill, and the likely parts to take along
    with what the assigned technician's van holds of each; empty when it was not triaged."""
    order = order_service.get_for(db, user=user, id=min(max(order_id, 1), MAX_ID))
    return render(
        request,
        "knowledge/_order.html",
        found=handlers.for_order(db, order_id=order.id),
        likely=visit_aids.likely_parts(db, order=order),
        for_technician=user.role == "technician",
    )
