from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.exceptions import InvalidInput, NotFound
from anxin.pagination import Page, paginate
from anxin.technician.models import (
    Outlet,
    Technician,
    TechnicianCertificate,
    TechnicianSkill,
)


def get(db: Session, *, tenant_id: int, id: int) -> Technician:
    technician = db.get(Technician, id)
    if technician is None or technician.tenant_id != tenant_id:
        raise NotFound("technician", "工程师")
    return technician


def ids_in_outlet(db: Session, *, tenant_id: int, outlet_id: int | None) -> list[int]:
    """The outlet's technicians (an outlet manager's team)."""
    return list(
        db.scalars(
            select(Technician.id)
            .where(Technician.tenant_id == tenant_id, Technician.outlet_id == (outlet_id or -1))
            .order_by(Technician.id)
        )
    )


def search(
    db: Session, *, tenant_id: int, skill: str | None, outlet_id: int | None, page: int, page_size: int
) -> Page[Technician]:
    query = select(Technician).where(Technician.tenant_id == tenant_id)
    if outlet_id is not None:
        query = query.where(Technician.outlet_id == outlet_id)
    if skill:
        query = query.where(
            Technician.id.in_(
                select(TechnicianSkill.technician_id).where(
                    TechnicianSkill.tenant_id == tenant_id, TechnicianSkill.category == skill
                )
            )
        )
    return paginate(db, query.order_by(Technician.id), page=page, page_size=page_size)


def get_outlets(db: Session, *, tenant_id: int) -> list[Outlet]:
    return list(db.scalars(select(Outlet).where(Outlet.tenant_id == tenant_id).order_by(Outlet.id)))


def get_outlet(db: Session, *, tenant_id: int, id: int) -> Outlet:
    outlet = db.get(Outlet, id)
    if outlet is None or outlet.tenant_id != tenant_id:
        raise NotFound("outlet", "网点")
    return outlet


def grant(
    technician: Technician, categories: Iterable[str], *, level: str = "junior", service_type: str = "*"
) -> None:
    """Give a (new or loaded) technician skills in ``categories`` for ``service_type`` at ``level``."""
    for category in categories:
        technician.skills.append(
            TechnicianSkill(
                tenant_id=technician.tenant_id, category=category, service_type=service_type, level=level
            )
        )


def certify(technician: Technician, kind: str, *, expires_on: date, number: str | None = None) -> None:
    technician.certificates.append(
        TechnicianCertificate(tenant_id=technician.tenant_id, kind=kind, expires_on=expires_on, number=number)
    )


def record_location(
    db: Session, *, technician: Technician, lat: float, lng: float, at: datetime, now: datetime
) -> Technician:
    """Keep the technician's last known position; a report from the future is refused, an older one than
    what is stored is ignored (phones resend late)."""
    if at > now:
        raise InvalidInput("at", "定位时间不能晚于当前时间", "a location cannot come from the future")
    if technician.last_located_at is None or at >= technician.last_located_at:
        technician.last_lat, technician.last_lng, technician.last_located_at = lat, lng, at
    db.flush()
    return technician
