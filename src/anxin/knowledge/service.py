"""The knowledge base: a tenant's entries (one per category and fault), read, searched and edited.

Entries come from the shipped seed (``seed/entries.json``, Chinese) through ``load_seed`` (the demo city
and any new tenant), and admins edit them afterwards (the API and the console call ``create``/``update``).
Every change is written to the audit log in the caller's transaction and bumps the entry's ``version``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.exceptions import NotFound
from anxin.fields import LIKE_ESCAPE, like_escaped
from anxin.knowledge.codes import FAULT_NAMES, FaultCode, service_type_for
from anxin.knowledge.exceptions import EntryExists
from anxin.knowledge.models import KnowledgeEntry, KnowledgeErrorCode
from anxin.pagination import Page, paginate

SEED = Path(__file__).parent / "seed" / "entries.json"
LISTS = ("symptoms", "causes", "self_help", "keywords")
FIELDS = (*LISTS, "title", "parts", "visit_needed", "duration_minutes", "note")


@cache
def seed_entries() -> tuple[dict[str, Any], ...]:
    """The shipped entries, as the file has them."""
    return tuple(json.loads(SEED.read_text(encoding="utf-8"))["entries"])


def _search_text(entry: KnowledgeEntry, codes: Iterable[KnowledgeErrorCode]) -> str:
    words = [entry.title, entry.category, entry.fault, *FAULT_NAMES[FaultCode(entry.fault)]]
    for name in LISTS:
        words.extend(getattr(entry, name) or [])
    words.extend(part.get("name", "") for part in entry.parts or [])
    for code in codes:
        words.extend([code.code, code.meaning, code.brand or ""])
    return " ".join(w for w in words if w).lower()


def _set_codes(db: Session, entry: KnowledgeEntry, codes: Sequence[Mapping[str, Any]]) -> None:
    entry.error_codes = [
        KnowledgeErrorCode(
            tenant_id=entry.tenant_id,
            code=c["code"],
            brand=c.get("brand") or None,
            series=c.get("series") or None,
            meaning=c["meaning"],
        )
        for c in codes
    ]


def get(db: Session, *, tenant_id: int, id: int) -> KnowledgeEntry:
    entry = db.get(KnowledgeEntry, id)
    if entry is None or entry.tenant_id != tenant_id:
        raise NotFound("knowledge entry", "知识条目")
    return entry


def all_entries(db: Session, *, tenant_id: int) -> list[KnowledgeEntry]:
    return list(
        db.scalars(
            select(KnowledgeEntry)
            .where(KnowledgeEntry.tenant_id == tenant_id)
            .order_by(KnowledgeEntry.category, KnowledgeEntry.fault)
        )
    )


def search(
    db: Session,
    *,
    tenant_id: int,
    page: int,
    page_size: int,
    q: str | None = None,
    category: str | None = None,
    fault: str | None = None,
) -> Page[KnowledgeEntry]:
    """The tenant's entries by category and fault; ``q``: every word of it (split on spaces) appears in
    the entry's title, symptoms, causes, keywords, parts or error codes and their meanings."""
    query = select(KnowledgeEntry).where(KnowledgeEntry.tenant_id == tenant_id)
    if category:
        query = query.where(KnowledgeEntry.category == category)
    if fault:
        query = query.where(KnowledgeEntry.fault == fault)
    for word in (q or "").lower().split():
        query = query.where(KnowledgeEntry.search_text.like(f"%{like_escaped(word)}%", escape=LIKE_ESCAPE))
    return paginate(
        db,
        query.order_by(KnowledgeEntry.category, KnowledgeEntry.fault, KnowledgeEntry.id),
        page=page,
        page_size=page_size,
    )


def by_keys(
    db: Session, *, tenant_id: int, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], KnowledgeEntry]:
    wanted = set(keys)
    if not wanted:
        return {}
    categories = {c for c, _ in wanted}
    rows = db.scalars(
        select(KnowledgeEntry).where(
            KnowledgeEntry.tenant_id == tenant_id, KnowledgeEntry.category.in_(categories)
        )
    )
    return {(e.category, e.fault): e for e in rows if (e.category, e.fault) in wanted}


def codes_named(
    db: Session, *, tenant_id: int, codes: Iterable[str]
) -> list[tuple[KnowledgeErrorCode, str, str]]:
    """The error-code rows of the tenant for any of ``codes`` (as written, exact), with the category and
    fault of their entry."""
    wanted = sorted(set(codes))
    if not wanted:
        return []
    rows = db.execute(
        select(KnowledgeErrorCode, KnowledgeEntry.category, KnowledgeEntry.fault)
        .join(KnowledgeEntry, KnowledgeEntry.id == KnowledgeErrorCode.entry_id)
        .where(KnowledgeErrorCode.tenant_id == tenant_id, KnowledgeErrorCode.code.in_(wanted))
        .order_by(KnowledgeErrorCode.id)
    )
    return [(row, category, fault) for row, category, fault in rows]


def known_codes(db: Session, *, tenant_id: int) -> set[str]:
    return set(db.scalars(select(KnowledgeErrorCode.code).where(KnowledgeErrorCode.tenant_id == tenant_id)))


def create(db: Session, *, tenant_id: int, actor: Any, values: Mapping[str, Any]) -> KnowledgeEntry:
    """A new entry for a category and fault the tenant has none for (409 ``knowledge_entry_exists``)."""
    category, fault = values["category"], values["fault"]
    taken = db.scalar(
        select(KnowledgeEntry.id).where(
            KnowledgeEntry.tenant_id == tenant_id,
            KnowledgeEntry.category == category,
            KnowledgeEntry.fault == fault,
        )
    )
    if taken is not None:
        raise EntryExists(fault=fault, fault_zh=FAULT_NAMES[FaultCode(fault)][0])
    entry = KnowledgeEntry(
        tenant_id=tenant_id,
        category=category,
        fault=fault,
        service_type=service_type_for(fault),
        **{name: values.get(name) for name in FIELDS if values.get(name) is not None},
    )
    for name in LISTS:
        if getattr(entry, name) is None:
            setattr(entry, name, [])
    entry.parts = list(values.get("parts") or [])
    _set_codes(db, entry, values.get("error_codes") or [])
    entry.search_text = _search_text(entry, entry.error_codes)
    db.add(entry)
    db.flush()
    if actor is not False:
        trail.record(
            db,
            tenant_id=tenant_id,
            actor=actor,
            action="knowledge.entry.create",
            object_type="knowledge_entry",
            object_id=entry.id,
            changes={"category": category, "fault": fault},
        )
    return entry


def update(db: Session, *, entry: KnowledgeEntry, actor: Any, values: Mapping[str, Any]) -> KnowledgeEntry:
    """Change the fields given (``error_codes`` replaces the entry's codes whole)."""
    changed: dict[str, Any] = {}
    for name in FIELDS:
        if name in values and values[name] is not None and values[name] != getattr(entry, name):
            setattr(entry, name, list(values[name]) if name in (*LISTS, "parts") else values[name])
            changed[name] = values[name]
    if values.get("error_codes") is not None:
        old = [(c.code, c.brand, c.meaning) for c in entry.error_codes]
        new = [(c["code"], c.get("brand") or None, c["meaning"]) for c in values["error_codes"]]
        if old != new:
            _set_codes(db, entry, values["error_codes"])
            changed["error_codes"] = [c for c, _, _ in new]
    if changed:
        entry.version += 1
        entry.updated_at = clock.now()
        entry.search_text = _search_text(entry, entry.error_codes)
        db.flush()
        trail.record(
            db,
            tenant_id=entry.tenant_id,
            actor=actor,
            action="knowledge.entry.update",
            object_type="knowledge_entry",
            object_id=entry.id,
            changes=changed,
        )
    return entry


def load_seed(db: Session, *, tenant_id: int) -> int:
    """Fill the tenant's knowledge base from the shipped seed, adding only the entries it has not got (an
    admin's edits stay). Returns how many were added."""
    have = {
        (c, f)
        for c, f in db.execute(
            select(KnowledgeEntry.category, KnowledgeEntry.fault).where(KnowledgeEntry.tenant_id == tenant_id)
        )
    }
    added = 0
    for raw in seed_entries():
        if (raw["category"], raw["fault"]) in have:
            continue
        create(db, tenant_id=tenant_id, actor=False, values=raw)
        added += 1
    if added:
        trail.record(
            db,
            tenant_id=tenant_id,
            actor=None,
            action="knowledge.seed",
            object_type="knowledge_entry",
            changes={"added": added},
        )
    return added
