"""The knowledge API: search the knowledge base (everyone of the tenant: staff, technicians on site,
customers), read an entry, add and edit entries (admins), and triage a description.

Who may call what is the permission table's (``Action.KNOWLEDGE_*``, ``Action.TRIAGE``); which appliance
a triage may name is ``assess.appliance_context``'s (404 for one the caller may not see)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CategoryCode
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id
from anxin.knowledge import assess, service
from anxin.knowledge.codes import FaultCode
from anxin.knowledge.schemas import EntryCreate, EntryRead, EntryUpdate, TriageRead, TriageRequest
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.routing import json_response

router = APIRouter(tags=["knowledge"])

Reader = Annotated[User, Depends(allowed(Action.KNOWLEDGE_READ))]
Editor = Annotated[User, Depends(allowed(Action.KNOWLEDGE_MANAGE))]
Triager = Annotated[User, Depends(allowed(Action.TRIAGE))]


@router.get("/api/v1/knowledge", response_model=PageRead[EntryRead])
def search_knowledge(
    db: DbSession,
    user: Reader,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    q: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    category: CategoryCode | None = None,
    fault: FaultCode | None = None,
):
    """The tenant's knowledge-base entries: every word of ``q`` in an entry's title, symptoms, causes,
    keywords, parts or error codes (``q=E1`` finds the entries that explain E1); when no entry has them
    all, the entries triage finds likeliest for ``q`` read as a description."""
    found, _ = assess.find(
        db,
        tenant_id=user.tenant_id,
        page=page,
        page_size=page_size,
        q=q,
        category=category.value if category else None,
        fault=fault.value if fault else None,
    )
    items = [EntryRead.model_validate(e) for e in found.items]
    return PageRead[EntryRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.get("/api/v1/knowledge/{entry_id}", response_model=EntryRead)
def get_entry(entry_id: Id, db: DbSession, user: Reader):
    return service.get(db, tenant_id=user.tenant_id, id=entry_id)


@router.post("/api/v1/knowledge", response_model=EntryRead, status_code=201)
def create_entry(body: EntryCreate, db: DbSession, user: Editor):
    """A new entry for a category and fault the tenant has none for (409 ``knowledge_entry_exists``)."""
    values = body.model_dump(mode="json", exclude_none=True)
    entry = service.create(db, tenant_id=user.tenant_id, actor=user, values=values)
    return json_response(EntryRead.model_validate(entry), status_code=201)


@router.patch("/api/v1/knowledge/{entry_id}", response_model=EntryRead)
def update_entry(entry_id: Id, body: EntryUpdate, db: DbSession, user: Editor):
    """Change the fields given; ``error_codes`` replaces the entry's codes whole. Audited."""
    entry = service.get(db, tenant_id=user.tenant_id, id=entry_id)
    service.update(db, entry=entry, actor=user, values=body.model_dump(mode="json", exclude_unset=True))
    return json_response(EntryRead.model_validate(entry))


@router.post("/api/v1/triage", response_model=TriageRead)
def triage_text(body: TriageRequest, db: DbSession, user: Triager):
    """Category, fault, confidence, the next likeliest answers, self-help steps, the skill and the likely
    parts for a description in Chinese or English (colloquial, pinyin, with an error code). A code the
    text reports is looked up exactly: the fault is ``error_code`` with the code's meaning. Blank text is
    422 ``triage_text_empty``; over 500 characters 422."""
    result = assess.assess_for(db, user=user, text=body.text, appliance_id=body.appliance_id)
    return json_response(TriageRead.model_validate(result.as_dict()))
