from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin.auth.models import User
from anxin.auth.roles import STAFF
from anxin.dependencies import DbSession, require_roles
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.technician import service
from anxin.technician.schemas import OutletRead, TechnicianRead

router = APIRouter(prefix="/api/v1", tags=["technicians"])
Staff = Annotated[User, Depends(require_roles(*STAFF))]


@router.get("/technicians", response_model=PageRead[TechnicianRead])
def list_technicians(
    db: DbSession,
    user: Staff,
    skill: str | None = None,
    outlet_id: int | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
):
    result = service.search(
        db, tenant_id=user.tenant_id, skill=skill, outlet_id=outlet_id, page=page, page_size=page_size
    )
    return PageRead[TechnicianRead](
        items=[TechnicianRead.model_validate(t) for t in result.items],
        total=result.total,
        page=page,
        page_size=page_size,
    )


@router.get("/technicians/{technician_id}", response_model=TechnicianRead)
def get_technician(technician_id: int, db: DbSession, user: Staff):
    return service.get(db, tenant_id=user.tenant_id, id=technician_id)


@router.get("/outlets", response_model=list[OutletRead])
def list_outlets(db: DbSession, user: Staff):
    return service.get_outlets(db, tenant_id=user.tenant_id)
