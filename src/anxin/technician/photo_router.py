"""The technician's photo over the API: set by the technician, their outlet's manager or an admin; read by
staff and the technician; read by a customer through the order the technician is assigned to."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import FileResponse

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action, may
from anxin.auth.roles import Role
from anxin.dependencies import CurrentUser, DbSession, SettingsDep, allowed
from anxin.exceptions import Forbidden, NotFound
from anxin.fields import Id
from anxin.routing import file_response, operation_id
from anxin.technician import photo, service
from anxin.technician.schemas import TechnicianPhotoRead
from anxin.work_order.api import CurrentWorkOrder

# operation_id also names the upload's form schema (``Body_technicians_set_photo``)
router = APIRouter(prefix="/api/v1", tags=["technicians"], generate_unique_id_function=operation_id)
PhotoSetter = Annotated[User, Depends(allowed(Action.TECHNICIAN_PHOTO_SET))]
# application/octet-stream too, as the order photos say: generated clients (openapi-python-client) read a
# binary answer only under that type, and skip the route with a warning otherwise
IMAGES = file_response(
    "image/jpeg", "image/png", "image/webp", "application/octet-stream", description="the technician's photo"
)


@router.put("/technicians/{technician_id}/photo", response_model=TechnicianPhotoRead)
async def set_photo(
    technician_id: Id,
    db: DbSession,
    user: PhotoSetter,
    settings: SettingsDep,
    file: UploadFile = File(..., description="a JPEG, PNG or WebP picture"),
):
    """Set the technician's photo: the technician themself, their outlet's manager or an admin (else 403
    ``not_your_technician``). A picture that is not a whole JPEG, PNG or WebP, or too large, is 422."""
    technician = service.get(db, tenant_id=user.tenant_id, id=technician_id)
    data = await file.read(settings.max_upload_bytes + 1)
    photo.set_photo(
        db,
        technician=technician,
        actor=user,
        data=data,
        upload_dir=settings.upload_dir,
        max_bytes=settings.max_upload_bytes,
        now=clock.now(),
    )
    return TechnicianPhotoRead(
        technician_id=technician.id,
        content_type=technician.photo_content_type or "",
        updated_at=technician.photo_updated_at,
    )


@router.get("/technicians/{technician_id}/photo", response_class=FileResponse, responses=IMAGES)
def get_photo(technician_id: Id, db: DbSession, user: CurrentUser, settings: SettingsDep):
    """The technician's photo, for staff and the technician themself (404 ``no_photo`` without one)."""
    if user.role == Role.TECHNICIAN and user.technician_id != technician_id:
        raise NotFound("technician", "工程师")  # another technician is none of theirs
    if user.role != Role.TECHNICIAN and not may(user, Action.TECHNICIANS_READ):
        raise Forbidden()
    technician = service.get(db, tenant_id=user.tenant_id, id=technician_id)
    served = photo.served(technician, upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)


@router.get("/work-orders/{order_id}/technician-photo", response_class=FileResponse, responses=IMAGES)
def order_technician_photo(order: CurrentWorkOrder, db: DbSession, settings: SettingsDep):
    """The photo of the technician assigned to the order, for whoever may see the order (its customer
    among them); 404 ``no_photo`` when no technician is assigned or they have none."""
    technician = (
        service.get(db, tenant_id=order.tenant_id, id=order.technician_id) if order.technician_id else None
    )
    served = photo.served(technician, upload_dir=settings.upload_dir)
    return FileResponse(served.path, media_type=served.media_type, headers=served.headers)
