"""Error codes as the knowledge base knows them, for telemetry: which codes a category has, what a code
means on an appliance of a given brand, and the self-help steps of the entry that explains it.

Every lookup goes through the knowledge package's exact code lookup (``knowledge.service.codes_named``:
the tenant's ``knowledge_error_code`` rows, by index, never guessed), narrowed here to the appliance's
category. Where brands give a code different meanings (an air conditioner's E1: 格力 high-pressure
protection, 美的 a communication fault) the appliance's brand picks its own, else the common meaning, else
every brand's meaning is named for staff (``CodeInfo.sure`` False): what a customer reads and what a
proactive order says then name the code alone ("故障码 E1"), never another brand's meaning."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.catalog.models import Brand, ProductModel
from anxin.knowledge import service as knowledge_service


@dataclass(frozen=True)
class CodeInfo:
    code: str
    meaning: str
    fault: str  # the knowledge-base entry's fault that explains it
    self_help: list[str] = field(default_factory=list)
    sure: bool = True  # the meaning is the brand's own or the common one (not every brand's, listed)


def is_sure(rows: list[tuple[str | None, str]], brand: str | None) -> bool:
    """Whether ``meaning_for`` finds the brand's own meaning or a common one (rather than listing all)."""
    return any(b is None or (brand and (b in brand or brand in b)) for b, _ in rows)


def meaning_for(rows: list[tuple[str | None, str]], brand: str | None) -> str:
    """The meaning of one code from its rows (brand, meaning): the brand's own, the common one, or all."""
    own = [m for b, m in rows if brand and b and (b in brand or brand in b)]
    if own:
        return own[0]
    common = [m for b, m in rows if b is None]
    if common:
        return common[0]
    return "；".join(f"{b}：{m}" for b, m in rows)


def brand_of(db: Session, *, product_model_id: int) -> str | None:
    """The Chinese name of a product model's brand (what the knowledge base names brands by)."""
    return db.scalar(
        select(Brand.name_zh)
        .join(ProductModel, ProductModel.brand_id == Brand.id)
        .where(ProductModel.id == product_model_id)
    )


def _rows(
    db: Session, *, tenant_id: int, codes: Iterable[str]
) -> dict[tuple[str, str], list[tuple[str | None, str, str]]]:
    """(category, code) -> [(brand, meaning, fault)] of the tenant's knowledge base for ``codes``."""
    found: dict[tuple[str, str], list[tuple[str | None, str, str]]] = defaultdict(list)
    for row, category, fault in knowledge_service.codes_named(db, tenant_id=tenant_id, codes=codes):
        found[(category, row.code)].append((row.brand, row.meaning, fault))
    return found


def known(db: Session, *, tenant_id: int, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Of the (category, code) pairs, those the knowledge base knows, with the code's meaning for any brand
    (the common one, else each brand's named)."""
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = _rows(db, tenant_id=tenant_id, codes={code for _, code in wanted})
    return {
        pair: meaning_for([(b, m) for b, m, _ in rows[pair]], None)
        for pair in wanted
        if pair in rows and rows[pair]
    }


def lookup(
    db: Session, *, tenant_id: int, category: str, codes: Iterable[str], brand: str | None
) -> dict[str, CodeInfo]:
    """What each of ``codes`` means on an appliance of ``category`` and ``brand``, with the self-help steps
    of its entry; a code the knowledge base does not know for the category is left out."""
    rows = _rows(db, tenant_id=tenant_id, codes=codes)
    mine = {code: found for (cat, code), found in rows.items() if cat == category and found}
    if not mine:
        return {}
    entries = knowledge_service.by_keys(
        db, tenant_id=tenant_id, keys={(category, found[0][2]) for found in mine.values()}
    )
    result = {}
    for code, found in mine.items():
        fault = found[0][2]
        entry = entries.get((category, fault))
        result[code] = CodeInfo(
            code=code,
            meaning=meaning_for([(b, m) for b, m, _ in found], brand),
            fault=fault,
            self_help=list(entry.self_help or []) if entry is not None else [],
            sure=is_sure([(b, m) for b, m, _ in found], brand),
        )
    return result
