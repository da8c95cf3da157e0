"""Triage for a tenant: the engine (``triage.py``) over the tenant's own knowledge base (``DbView``),
with the appliance's category and brand when the caller names an appliance they may see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance import service as appliance_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.exceptions import NotFound
from anxin.knowledge import service, training
from anxin.knowledge.exceptions import KnowledgeEmpty
from anxin.knowledge.learn import Pair, ranked
from anxin.knowledge.models import KnowledgeEntry
from anxin.knowledge.triage import CodeMeaning, EntryFacts, Result, checked, facts, skill_for, triage
from anxin.pagination import Page
from anxin.work_order import api as work_order_api

RELATED = 5  # entries a search that matched no word offers, by triage


class DbView:
    """The tenant's knowledge base, read as the engine asks: the pairs it has, a code's rows, one entry."""

    def __init__(self, db: Session, tenant_id: int) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self._pairs: set[Pair] | None = None

    def pairs(self) -> set[Pair]:
        if self._pairs is None:
            self._pairs = {
                (c, f)
                for c, f in self.db.execute(
                    select(KnowledgeEntry.category, KnowledgeEntry.fault).where(
                        KnowledgeEntry.tenant_id == self.tenant_id
                    )
                )
            }
        return self._pairs

    def known_codes(self) -> set[str]:
        return service.known_codes(self.db, tenant_id=self.tenant_id)

    def codes(self, codes: set[str]) -> list[CodeMeaning]:
        return [
            CodeMeaning(row.code, category, row.meaning, row.brand, fault)
            for row, category, fault in service.codes_named(self.db, tenant_id=self.tenant_id, codes=codes)
        ]

    def entry(self, category: str, fault: str) -> EntryFacts | None:
        found = service.by_keys(self.db, tenant_id=self.tenant_id, keys=[(category, fault)]).get(
            (category, fault)
        )
        return facts(found) if found is not None else None


def appliance_context(db: Session, *, user: User, appliance_id: int) -> tuple[str, str]:
    """The category code and brand name of an appliance the caller may see (a customer their own, a
    technician those of orders assigned to them, staff the tenant's): 404 otherwise."""
    customer_id = user.customer_id if user.role == Role.CUSTOMER else None
    if user.role == Role.CUSTOMER and customer_id is None:
        raise NotFound("appliance", "家电")
    appliance = appliance_service.get(db, tenant_id=user.tenant_id, id=appliance_id, customer_id=customer_id)
    if user.role == Role.TECHNICIAN and not work_order_api.serviced_by(
        db, tenant_id=user.tenant_id, appliance_id=appliance.id, technician_id=user.technician_id or -1
    ):
        raise NotFound("appliance", "家电")
    row = db.execute(
        select(Category.code, Brand.name_zh)
        .join(ProductModel, ProductModel.category_id == Category.id)
        .join(Brand, Brand.id == ProductModel.brand_id)
        .where(ProductModel.id == appliance.product_model_id)
    ).one()
    return row[0], row[1]


def assess(
    db: Session,
    *,
    tenant_id: int,
    text: str,
    category: str | None = None,
    brand: str | None = None,
    service_type: str | None = None,
) -> Result:
    """Triage ``text`` against the tenant's knowledge base (409 ``knowledge_base_empty`` when it has none:
    checked before the learner is loaded, which the first call of a process trains)."""
    text = checked(text)
    view = DbView(db, tenant_id)
    if not view.pairs():
        raise KnowledgeEmpty()
    return triage(
        text,
        learner=training.learner(),
        view=view,
        category=category,
        brand=brand,
        service_type=service_type,
    )


def assess_for(db: Session, *, user: User, text: str, appliance_id: int | None = None) -> Result:
    """Triage as ``user`` asks it, with the appliance's category and brand when named."""
    category = brand = None
    if appliance_id is not None:
        category, brand = appliance_context(db, user=user, appliance_id=appliance_id)
    return assess(db, tenant_id=user.tenant_id, text=text, category=category, brand=brand)


def find(
    db: Session,
    *,
    tenant_id: int,
    page: int,
    page_size: int,
    q: str | None = None,
    category: str | None = None,
    fault: str | None = None,
) -> tuple[Page[KnowledgeEntry], bool]:
    """The entries whose words hold every word of ``q``; when none does, the entries triage finds likeliest
    for ``q`` read as a description (up to ``RELATED``), most likely first. The flag says which it was."""
    found = service.search(
        db, tenant_id=tenant_id, page=page, page_size=page_size, q=q, category=category, fault=fault
    )
    if found.total or not (q or "").strip() or page != 1:
        return found, False
    view = DbView(db, tenant_id)
    pairs = {
        p for p in view.pairs() if (category is None or p[0] == category) and (fault is None or p[1] == fault)
    }
    if not pairs:
        return found, False
    scores = training.learner().scores(q, pairs=pairs)
    best = [pair for pair, share in ranked(scores, n=RELATED) if share >= 0.02]
    entries = service.by_keys(db, tenant_id=tenant_id, keys=best)
    items = [entries[p] for p in best if p in entries][:page_size]
    return Page(items=items, total=len(items), page=1, page_size=page_size), True


def skill_of(entry: KnowledgeEntry) -> dict:
    """The skill an entry's job needs: category, service type, level and certificates."""
    return skill_for(entry.category, entry.service_type)
