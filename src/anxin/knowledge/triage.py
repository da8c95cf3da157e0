"""Triage: from a customer's words (and the appliance, when known) to a category and fault, with a
confidence, the next likeliest answers, the self-help steps, the skill and the likely parts.

Error codes are looked up exactly: a code the text reports (``E1``, ``H6``, ``dL``: letters and digits
standing alone, or a letters-only code the knowledge base names) makes the fault ``error_code`` whatever
else the text says, and the answer carries the code and its meaning from the knowledge base (for the
appliance's brand when it has its own). Everything else is learned (``learn.py``): which learner and why is
in ``benchmarks/triage.py`` and BENCHMARKS.md.

The engine reads the knowledge base through a ``View``: ``SeedView`` over the shipped seed (benchmarks,
tests of the learner) or ``DbView`` over a tenant's rows (the API and the CLI)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from anxin.dispatch.core.rules import requirement_for
from anxin.knowledge.codes import SERVICE_REQUESTS, FaultCode, service_type_for
from anxin.knowledge.exceptions import KnowledgeEmpty, TextEmpty, TextTooLong
from anxin.knowledge.learn import Pair, normalise, ranked, top_categories

MAX_TEXT = 500  # characters of a description
ALTERNATIVES = 3
# a code standing alone: one or two letters then one or two digits (E1, F3, H6, EE is letters-only: below)
CODE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{1,2}\d{1,2})(?![A-Za-z0-9])")
ERROR = FaultCode.ERROR_CODE.value


@dataclass(frozen=True)
class CodeMeaning:
    code: str
    category: str
    meaning: str
    brand: str | None = None
    fault: str = ERROR  # the fault of the entry that explains it


@dataclass(frozen=True)
class EntryFacts:
    """What the answer takes from a knowledge-base entry."""

    id: int | None
    title: str
    self_help: list[str]
    parts: list[dict[str, str]]
    visit_needed: bool
    duration_minutes: int
    service_type: str


class View(Protocol):
    def pairs(self) -> set[Pair]: ...

    def known_codes(self) -> set[str]: ...

    def codes(self, codes: set[str]) -> list[CodeMeaning]: ...

    def entry(self, category: str, fault: str) -> EntryFacts | None: ...


def facts(entry: Mapping[str, Any] | Any) -> EntryFacts:
    get = (
        entry.get if isinstance(entry, Mapping) else lambda name, default=None: getattr(entry, name, default)
    )
    return EntryFacts(
        id=get("id"),
        title=get("title"),
        self_help=list(get("self_help") or []),
        parts=[{"code": p["code"], "name": p.get("name") or p["code"]} for p in get("parts") or []],
        visit_needed=bool(get("visit_needed", True)),
        duration_minutes=int(get("duration_minutes") or 60),
        service_type=get("service_type") or service_type_for(get("fault")),
    )


class SeedView:
    """The knowledge base as the shipped seed has it (no database)."""

    def __init__(self, entries: Sequence[Mapping[str, Any]]) -> None:
        self._entries = {(e["category"], e["fault"]): e for e in entries}
        self._codes = [
            CodeMeaning(c["code"], e["category"], c["meaning"], c.get("brand"), e["fault"])
            for e in entries
            for c in e.get("error_codes", [])
        ]

    def pairs(self) -> set[Pair]:
        return set(self._entries)

    def known_codes(self) -> set[str]:
        return {c.code for c in self._codes}

    def codes(self, codes: set[str]) -> list[CodeMeaning]:
        return [c for c in self._codes if c.code in codes]

    def entry(self, category: str, fault: str) -> EntryFacts | None:
        found = self._entries.get((category, fault))
        return facts(found) if found is not None else None


@dataclass
class Result:
    category: str
    fault: str
    confidence: float
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    self_help: list[str] = field(default_factory=list)
    skill: dict[str, Any] = field(default_factory=dict)
    parts: list[dict[str, str]] = field(default_factory=list)
    error_code: dict[str, Any] | None = None
    entry_id: int | None = None
    title: str | None = None
    visit_needed: bool = True
    duration_minutes: int = 60

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "fault": self.fault,
            "confidence": self.confidence,
            "alternatives": self.alternatives,
            "self_help": self.self_help,
            "skill": self.skill,
            "parts": self.parts,
            "error_code": self.error_code,
            "entry_id": self.entry_id,
            "title": self.title,
            "visit_needed": self.visit_needed,
            "duration_minutes": self.duration_minutes,
        }


def checked(text: str | None) -> str:
    """The description, stripped; empty (422 ``triage_text_empty``) or too long (``triage_text_too_long``)
    refused."""
    value = (text or "").strip()
    if not value:
        raise TextEmpty()
    if len(value) > MAX_TEXT:
        raise TextTooLong(most=MAX_TEXT)
    return value


def find_codes(text: str, known: Iterable[str]) -> list[str]:
    """The codes the text reports, as the knowledge base writes them (``dl`` → ``dL``), in order of
    appearance: letter-and-digit codes always, letters-only codes (``EE``, ``UE``) when the base names
    them."""
    canonical = {code.upper(): code for code in known}
    found: list[tuple[int, str]] = []
    for match in CODE.finditer(text):
        raw = match.group(1)
        found.append((match.start(), canonical.get(raw.upper(), raw.upper())))
    letters = [code for code in canonical if code.isalpha()]
    if letters:
        pattern = re.compile(
            r"(?<![A-Za-z0-9])(" + "|".join(map(re.escape, letters)) + r")(?![A-Za-z0-9])", re.IGNORECASE
        )
        found.extend((m.start(), canonical[m.group(1).upper()]) for m in pattern.finditer(text))
    seen: list[str] = []
    for _, code in sorted(found):
        if code not in seen:
            seen.append(code)
    return seen


def _meaning(rows: list[CodeMeaning], brand: str | None) -> str | None:
    if not rows:
        return None
    own = [r for r in rows if brand and r.brand and (r.brand in brand or brand in r.brand)]
    common = [r for r in rows if r.brand is None]
    if own:
        return own[0].meaning
    if common:
        return common[0].meaning
    return "；".join(f"{r.brand}：{r.meaning}" for r in rows)


def skill_for(category: str, service_type: str) -> dict[str, Any]:
    need = requirement_for(category, service_type)
    return {
        "category": category,
        "service_type": service_type,
        "level": need.level,
        "certificates": sorted(need.certificates),
    }


def triage(
    text: str,
    *,
    learner: Any,
    view: View,
    category: str | None = None,
    brand: str | None = None,
    service_type: str | None = None,
) -> Result:
    """The answer for ``text``; ``category`` (the appliance's) narrows it, ``brand`` picks a code's
    meaning where brands differ. An order already booked as a service request (``service_type``
    installation, relocation or cleaning) of a known appliance is that request: its words describe the job,
    not a fault to guess ("以旧换新：新冰箱送装" is no frost problem)."""
    text = checked(text)
    pairs = view.pairs()
    if not pairs:
        raise KnowledgeEmpty()
    if category is not None and not any(c == category for c, _ in pairs):
        category = None  # the tenant knows nothing of this category: read the text alone
    requested = _requested(category, service_type)
    if requested is not None:  # with its entry's advice where the knowledge base has one
        return _answer(requested, 1.0, [], view.entry(*requested), None)
    normal = normalise(text)
    scores = learner.scores(normal, category=category, pairs=pairs)
    order = ranked(scores, n=len(scores))
    codes = find_codes(text, view.known_codes())
    code_info: dict[str, Any] | None = None
    if codes:
        rows = view.codes(set(codes))
        by_category: dict[str, list[CodeMeaning]] = {}
        for row in rows:
            by_category.setdefault(row.category, []).append(row)
        shares = top_categories(scores)
        if category is not None:
            chosen, confidence = category, 1.0 if category in by_category else 0.9
        else:
            candidates = list(by_category) or [c for c, f in pairs if f == ERROR] or list(shares)
            chosen = max(candidates, key=lambda c: (shares.get(c, 0.0), c))
            total = sum(shares.get(c, 0.0) for c in candidates) or 1.0
            confidence = shares.get(chosen, 0.0) / total
        mine = [r for r in by_category.get(chosen, []) if r.code in codes]
        code = mine[0].code if mine else codes[0]
        code_info = {"code": code, "meaning": _meaning([r for r in mine if r.code == code], brand)}
        top: Pair = (chosen, ERROR)
        others = [(p, s) for p, s in order if p != top]
        alternatives = [((c, ERROR), shares.get(c, 0.0)) for c in by_category if c != chosen] + others
        alternatives.sort(key=lambda item: -item[1])
        alternatives = [
            item for i, item in enumerate(alternatives) if item[0] not in {p for p, _ in alternatives[:i]}
        ]
        entry = view.entry(*top) or (view.entry(chosen, mine[0].fault) if mine else None)
    else:
        top, confidence = order[0]
        alternatives = order[1:]
        entry = view.entry(*top)
    return _answer(top, confidence, alternatives, entry, code_info)


def _requested(category: str | None, service_type: str | None) -> Pair | None:
    """The (category, request) pair an order booked as a service request stands for, if it is one."""
    if category is None or service_type is None:
        return None
    for fault, booked in SERVICE_REQUESTS.items():
        if booked.value == service_type:
            return (category, fault.value)
    return None


def _answer(
    top: Pair,
    confidence: float,
    alternatives: list[tuple[Pair, float]],
    entry: EntryFacts | None,
    code_info: dict[str, Any] | None,
) -> Result:
    service_type = entry.service_type if entry else service_type_for(top[1])
    return Result(
        category=top[0],
        fault=top[1],
        confidence=round(float(confidence), 4),
        alternatives=[
            {"category": c, "fault": f, "confidence": round(float(s), 4)}
            for (c, f), s in alternatives[:ALTERNATIVES]
        ],
        self_help=entry.self_help if entry else [],
        skill=skill_for(top[0], service_type),
        parts=entry.parts if entry else [],
        error_code=code_info,
        entry_id=entry.id if entry else None,
        title=entry.title if entry else None,
        visit_needed=entry.visit_needed if entry else True,
        duration_minutes=entry.duration_minutes if entry else 60,
    )
