"""The demo city's knowledge base: the shipped seed (Chinese), in each tenant, before the history runs, so
that every order the history takes is triaged against it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin.knowledge import service


def load(db: Session, *, tenant_id: int) -> int:
    """The seed's entries and their error codes; returns how many entries."""
    return service.load_seed(db, tenant_id=tenant_id)
