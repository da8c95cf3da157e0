from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.exceptions import NotFound
from anxin.pagination import Page, paginate
from anxin.technician.models import Outlet, Technician


def get(db: Session, *, tenant_id: int, id: int) -> Technician:
    technician = db.get(Technician, id)
    if technician is None or technician.tenant_id != tenant_id:
        raise NotFound("technician", "工程师")
    return technician


def search(
    db: Session, *, tenant_id: int, skill: str | None, outlet_id: int | None, page: int, page_size: int
) -> Page[Technician]:
    query = select(Technician).where(Technician.tenant_id == tenant_id)
    if outlet_id is not None:
        query = query.where(Technician.outlet_id == outlet_id)
    if skill:
        # Skills are a JSON list; matching in Python keeps the query the same on SQLite and PostgreSQL,
        # and a tenant's technicians number in the hundreds, not millions.
        matching = [t for t in db.scalars(query.order_by(Technician.id)) if skill in (t.skills or [])]
        start = (page - 1) * page_size
        return Page(
            items=matching[start : start + page_size], total=len(matching), page=page, page_size=page_size
        )
    return paginate(db, query.order_by(Technician.id), page=page, page_size=page_size)


def get_outlets(db: Session, *, tenant_id: int) -> list[Outlet]:
    return list(db.scalars(select(Outlet).where(Outlet.tenant_id == tenant_id).order_by(Outlet.id)))
