"""The one pagination of the API: ``?page=1&page_size=50`` in, ``{items, total, page, page_size}`` out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Integer, Select, bindparam, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

PageNumber = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=200)]


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    page_size: int


class PageRead(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


def paginate(
    db: Session, query: Select, *, page: int, page_size: int, params: Mapping[str, Any] | None = None
) -> Page:
    """One page of ``query`` and the total. With ``params`` (the values of its bound parameters), the
    query is taken to be a statement built once and reused, and so is its paged form."""
    offset = (page - 1) * page_size
    if params is None:
        paged, values = query.limit(page_size).offset(offset), None
    else:
        paged, values = _paged(query), dict(params, page_limit=page_size, page_offset=offset)
    # unique(): a query that eagerly joins a collection returns one row per member; one item each here.
    items = db.scalars(paged, values).unique().all()
    if page == 1 and len(items) < page_size:
        total = len(items)  # the whole result fits on the first page: no need to count it
    else:
        total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()), values) or 0
    return Page(items=items, total=total, page=page, page_size=page_size)


@lru_cache(maxsize=64)
def _paged(query: Select) -> Select:
    return query.limit(bindparam("page_limit", type_=Integer)).offset(bindparam("page_offset", type_=Integer))
