"""The one pagination of the API: ``?page=1&page_size=50`` in, ``{items, total, page, page_size}`` out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
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


def paginate(db: Session, query: Select, *, page: int, page_size: int) -> Page:
    # unique(): a query that eagerly joins a collection returns one row per member; one item each here.
    items = db.scalars(query.limit(page_size).offset((page - 1) * page_size)).unique().all()
    if page == 1 and len(items) < page_size:
        total = len(items)  # the whole result fits on the first page: no need to count it
    else:
        total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return Page(items=items, total=total, page=page, page_size=page_size)
