from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.technician import service
from anxin.technician.schemas import LocationBody, LocationRead, OutletRead, TechnicianRead

router = APIRouter(prefix="/api/v1", tags=["technicians"])
Staff = Annotated[User, Depends(allowed(Action.TECHNICIANS_READ))]
TechnicianUser = Annotated[User, Depends(allowed(Action.TECHNICIAN_APP))]


@router.get("/technicians", response_model=PageRead[TechnicianRead])
def list_technicians(
    db: DbSession,
    user: Staff,
    skill: str | None = None,
    outlet_id: Id | None = None,
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


@router.post("/technicians/me/location", response_model=LocationRead)
def report_location(body: LocationBody, db: DbSession, user: TechnicianUser):
    """The technician app reports where the technician is; matching and ETAs use it while it is fresh."""
    now = clock.now()
    technician = service.get(db, tenant_id=user.tenant_id, id=user.technician_id)
    at = clock.as_utc(body.at) if body.at else now
    service.record_location(db, technician=technician, lat=body.lat, lng=body.lng, at=at, now=now)
    return LocationRead(
        technician_id=technician.id,
        lat=technician.last_lat,
        lng=technician.last_lng,
        located_at=technician.last_located_at,
    )


@router.get("/technicians/{technician_id}", response_model=TechnicianRead)
def get_technician(technician_id: Id, db: DbSession, user: Staff):
    return TechnicianRead.model_validate(service.get(db, tenant_id=user.tenant_id, id=technician_id))


@router.get("/outlets", response_model=list[OutletRead])
def list_outlets(db: DbSession, user: Staff):
    return [OutletRead.model_validate(o) for o in service.get_outlets(db, tenant_id=user.tenant_id)]
