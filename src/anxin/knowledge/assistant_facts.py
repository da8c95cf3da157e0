"""The service assistant's answers from the order data, never invented: where the technician is (the
customer's open order: its status in words, the technician by surname, the booked window and dispatch's
estimate of arrival when it has one), what it costs (the order's quote when there is one, else the price book
in force: the visit fee for the customer's area, labour for the category and fault, the parts the knowledge
base names, "以师傅上门报价为准") and the warranty (``appliance.warranty``).

Each answer is a ``Fact``: the reply, the ``sources`` it used (``{"kind", …}``: ``work_order``,
``eta``, ``quote``, ``price_item``, ``appliance_warranty``, ``knowledge_entry``) and the ``grounding``
an optional language model may phrase it from (``assistant_llm``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.appliance.warranty import WarrantyStatus
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CATEGORY_NAMES
from anxin.customer.models import Address
from anxin.dispatch.planning.reads import eta_for
from anxin.knowledge.assistant_words import EN, KEY_PARTS, say
from anxin.knowledge.codes import FAULT_NAMES, service_type_for
from anxin.masking import mask_name
from anxin.money import yuan
from anxin.notify.templates import STATUS_NAMES
from anxin.pricing import service as price_service
from anxin.technician.models import Technician
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN

ETA_STATES = {"assigned", "acknowledged", "en_route", "on_site"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
MAX_ITEMS = 3  # labour lines and parts named in a price answer


@dataclass
class Fact:
    reply: str
    sources: list[dict[str, Any]] = field(default_factory=list)
    grounding: dict[str, Any] = field(default_factory=dict)


def window_words(start: datetime, end: datetime, zone: ZoneInfo, lang: str) -> str:
    """A visit window as a person reads it: ``12月2日 周三 10:00–12:00`` / ``Wed 2 Dec 10:00–12:00``."""
    a, b = clock.as_utc(start).astimezone(zone), clock.as_utc(end).astimezone(zone)
    if lang == EN:
        return f"{a:%a} {a.day} {a:%b} {a:%H:%M}–{b:%H:%M}"
    return f"{a.month}月{a.day}日 {WEEKDAYS[a.weekday()]} {a:%H:%M}–{b:%H:%M}"


def _name(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == EN else pair[0]


def category_words(code: str, lang: str) -> str:
    found = next((names for c, names in CATEGORY_NAMES.items() if c.value == code), ("家电", "appliance"))
    return _name(found, lang)


def technician_words(name: str | None, lang: str) -> str:
    """The technician as the customer is told: by surname (``王师傅``; ``王*`` in English), never whole."""
    if not name:
        return ""
    return mask_name(name) if lang == EN else f"{name[:1]}师傅"


def open_order(
    db: Session, *, user: User, order_id: int | None, appliance_id: int | None
) -> WorkOrder | None:
    """The customer's open order: the conversation's own, else the newest open one (of the appliance the
    conversation is about, when it names one and that appliance has one)."""
    base = select(WorkOrder).where(
        WorkOrder.tenant_id == user.tenant_id,
        WorkOrder.customer_id == (user.customer_id or -1),
        WorkOrder.status.in_([s.value for s in OPEN]),
    )
    if order_id is not None:
        own = db.scalar(base.where(WorkOrder.id == order_id))
        if own is not None:
            return own
    newest = base.order_by(WorkOrder.created_at.desc(), WorkOrder.id.desc()).limit(1)
    if appliance_id is not None:
        found = db.scalar(newest.where(WorkOrder.appliance_id == appliance_id))
        if found is not None:
            return found
    return db.scalar(newest)


def where(db: Session, *, user: User, order_id: int | None, appliance_id: int | None, lang: str) -> Fact:
    """Where the technician is: status in words, who, the window, the estimate of arrival."""
    order = open_order(db, user=user, order_id=order_id, appliance_id=appliance_id)
    if order is None:
        return Fact(say("no_order", lang), [{"kind": "work_order", "found": False}])
    zone = tenant_clock.zone(db, order.tenant_id)
    status = _name(STATUS_NAMES.get(order.status, ("处理中", "in progress")), lang)
    facts: dict[str, Any] = {
        "order_number": order.number,
        "status": status,
        "appliance": category_words(order.category_code, lang),
    }
    words = say("order_status", lang, number=order.number, appliance=facts["appliance"], status=status)
    sources: list[dict[str, Any]] = [{"kind": "work_order", "id": order.id, "number": order.number}]
    technician = db.get(Technician, order.technician_id) if order.technician_id else None
    if technician is not None:
        facts["technician"] = technician_words(technician.name, lang)
        words += say("order_tech", lang, technician=facts["technician"])
    elif order.status in {"created", "accepted"}:
        words += say("order_no_tech", lang)
    if order.appointment_start_at and order.appointment_end_at:
        facts["window"] = window_words(order.appointment_start_at, order.appointment_end_at, zone, lang)
        words += say("order_window", lang, window=facts["window"])
    elif order.status in {"created", "accepted", "assigned", "acknowledged"}:
        words += say("order_no_window", lang)
    if order.status in ETA_STATES:
        estimate = eta_for(db, order=order, now=clock.now())
        key = {"live": "order_eta_live", "plan": "order_eta_plan", "arrived": "order_arrived"}.get(
            estimate.source
        )
        if key and estimate.eta is not None:
            facts["eta"] = clock.local(estimate.eta, zone, "%H:%M")
            words += say(key, lang, eta=facts["eta"])
            sources.append({"kind": "eta", "source": estimate.source})
    return Fact(words.strip(), sources, {"order": facts})


def _appliance(db: Session, *, user: User, appliance_id: int | None) -> Appliance | None:
    if appliance_id is None:
        return None
    return appliance_service.get(db, tenant_id=user.tenant_id, id=appliance_id, customer_id=user.customer_id)


def _fault_matches(item_fault: str | None, fault: str | None) -> bool:
    if not item_fault or not fault:
        return False
    names = next((zh for code, (zh, _en) in FAULT_NAMES.items() if code.value == fault), "")
    return any(part and (part in item_fault or item_fault in part) for part in names.split("/"))


def _part_matches(price: price_service.Price, parts: list[dict]) -> bool:
    for part in parts:
        code, name = part.get("code"), part.get("name") or ""
        if price.part_code and price.part_code == code:
            return True
        if price.name and name and (price.name in name or name in price.name):
            return True
    return False


def price(
    db: Session,
    *,
    user: User,
    order_id: int | None,
    appliance_id: int | None,
    triage: dict | None,
    lang: str,
) -> Fact:
    """What it costs: the open order's quote, else the price book in force for the appliance's category,
    the fault triage found and the customer's area; always "以师傅上门报价为准"."""
    order = open_order(db, user=user, order_id=order_id, appliance_id=appliance_id)
    if order is not None:
        quote = actions.latest_quote(db, order=order)
        if quote is not None and quote.status in ("proposed", "approved"):
            amounts = {
                "total": yuan(quote.total_fen),
                "covered": yuan(quote.covered_fen),
                "payable": yuan(quote.payable_fen),
            }
            reply = say("price_quote", lang, number=order.number, **amounts)
            sources = [{"kind": "quote", "id": quote.id, "work_order": order.number}]
            return Fact(reply.strip(), sources, {"quote": {"order_number": order.number, **amounts}})
    appliance = _appliance(
        db, user=user, appliance_id=appliance_id or (order.appliance_id if order else None)
    )
    category = brand_id = None
    if appliance is not None:
        model, cat = catalog_service.get_model_and_category(
            db, tenant_id=user.tenant_id, id=appliance.product_model_id
        )
        category, brand_id = cat.code, model.brand_id
    elif triage:
        category = triage.get("category")
    fault = (triage or {}).get("fault")
    service_type = service_type_for(fault) if fault else "repair"
    today = tenant_clock.today(db, user.tenant_id)
    book = price_service.book_in_force(
        db,
        tenant_id=user.tenant_id,
        on=today,
        category=category,
        service_type=service_type,
        brand_id=brand_id,
    )
    if book.version is None or not book.prices:
        return Fact(say("price_none", lang), [{"kind": "price_book", "found": False}])
    area = order.area_type if order is not None else _area(db, appliance)
    visit = next((p for p in book.prices if p.kind == "visit" and p.area == area), None) or next(
        (p for p in book.prices if p.kind == "visit"), None
    )
    labour = [p for p in book.prices if p.kind == "labour" and p.category == category]
    fitting = [p for p in labour if _fault_matches(p.fault, fault)]
    if not fitting and service_type != "repair":
        fitting = [p for p in labour if p.service_type == service_type]
    if not fitting:
        fitting = [p for p in labour if not p.fault and p.service_type == service_type]
    fitting = sorted(fitting, key=lambda p: p.price_fen)[:MAX_ITEMS]
    parts = [
        p for p in book.prices if p.kind == "part" and _part_matches(p, (triage or {}).get("parts") or [])
    ]
    parts = sorted(parts, key=lambda p: p.price_fen)[:MAX_ITEMS]
    lines: list[str] = []
    if visit is not None:
        lines.append(say("price_visit", lang, price=yuan(visit.price_fen)))
    if fitting:
        items = "、".join(f"{p.name} {yuan(p.price_fen)}" for p in fitting)
        lines.append(say("price_labour", lang, items=items))
    if parts:
        items = "、".join(f"{p.name} {yuan(p.price_fen)}" for p in parts)
        lines.append(say("price_parts", lang, items=items))
    used = [p for p in (visit, *fitting, *parts) if p is not None]
    head = say("price_head", lang, category=category_words(category, lang) if category else "")
    reply = head + ("；" if lang != EN else "; ").join(lines) + ("。" if lang != EN else ". ")
    if lang == EN and (fitting or parts):
        reply = reply.rstrip(". ") + say("price_names_zh", lang) + ". "
    if appliance is not None and service_type == "repair":
        status = appliance_service.warranty(db, appliance=appliance, on=today).status
        if status is WarrantyStatus.IN_WARRANTY:
            named = category_words(category or "", lang)
            reply += say("price_in_warranty", lang, appliance=named.lower() if lang == EN else named)
    reply += say("price_final", lang)
    sources = [
        {"kind": "price_item", "code": p.code, "version": p.version_number, "price_fen": p.price_fen}
        for p in used
    ]
    if triage and triage.get("entry_id"):
        sources.append({"kind": "knowledge_entry", "id": triage["entry_id"]})
    grounding = {
        "price_list": [{"name": p.name, "kind": p.kind, "price": yuan(p.price_fen)} for p in used],
        "final_price_rule": "以师傅上门报价为准",
    }
    return Fact(reply.strip(), sources, grounding)


def _area(db: Session, appliance: Appliance | None) -> str:
    if appliance is None or appliance.address_id is None:
        return "urban"
    found = db.get(Address, appliance.address_id)
    return found.area_type if found is not None else "urban"


def warranty(db: Session, *, user: User, appliances: list[dict], appliance_id: int | None, lang: str) -> Fact:
    """The warranty of the appliance the conversation is about, else of each of the customer's."""
    chosen = [a for a in appliances if a["id"] == appliance_id] or appliances
    if not chosen:
        return Fact(say("warranty_none", lang), [{"kind": "appliance_warranty", "found": False}])
    today = tenant_clock.today(db, user.tenant_id)
    lines, sources, facts = [], [], []
    for entry in chosen:
        appliance = appliance_service.get(
            db, tenant_id=user.tenant_id, id=entry["id"], customer_id=user.customer_id
        )
        state = appliance_service.warranty(db, appliance=appliance, on=today)
        end = state.unit_ends_on.isoformat()
        if state.status is WarrantyStatus.IN_WARRANTY:
            line = say("warranty_in", lang, appliance=entry["label"], end=end)
        elif state.status is WarrantyStatus.KEY_PARTS_ONLY:
            parts = "、".join(
                _name(KEY_PARTS.get(p, ("核心部件", "key part")), lang) + f" {d.isoformat()}"
                for p, d in state.covered_parts.items()
            )
            line = say("warranty_parts", lang, appliance=entry["label"], end=end, parts=parts)
        else:
            line = say("warranty_out", lang, appliance=entry["label"], end=end)
        lines.append(line.strip())
        sources.append(
            {"kind": "appliance_warranty", "appliance_id": appliance.id, "status": state.status.value}
        )
        facts.append({"appliance": entry["label"], "status": state.status.value, "unit_ends_on": end})
    reply = "\n".join(lines) + "\n" + say("warranty_rule", lang).strip()
    return Fact(reply, sources, {"warranty": facts})
