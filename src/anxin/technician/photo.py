"""A technician's photo (工程师照片): the face a customer sees beside the name of the technician coming to them.

Set by the technician themself, their outlet's manager or an admin (``may_set``). An upload is checked as an
order's photo is (``work_order.photos.decode``: at most ``max_upload_bytes``, a whole JPEG, PNG or WebP,
at most ``MAX_PIXELS``; else 422 ``bad_photo`` or ``photo_too_many_pixels``), made at most ``SIDE``
pixels square by its centre, and re-encoded from its pixels alone (no EXIF, no GPS). Only that copy is
kept, under ``<tenant>/technicians/<id>/`` of the upload directory; the technician row names it.

Who may see it: staff of the tenant, the technician themself, and the customer of an order the technician
is assigned to (the routes check the order through ``work_order.service``; this module only serves)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.exceptions import Forbidden, NotFound
from anxin.technician.models import Technician
from anxin.work_order import photos as order_photos

SIDE = 512  # pixels: sharp on a phone's screen at the sizes the pages show, small to send


class NoPhoto(NotFound):
    code = "no_photo"

    def __init__(self) -> None:
        super().__init__("technician photo", "师傅照片")


class NotYourTechnician(Forbidden):
    code = "not_your_technician"
    message_zh = "只能为本人或本网点的师傅设置照片"
    message_en = "You may set the photo of yourself or of your outlet's technicians only"


def may_set(user: User, technician: Technician) -> bool:
    """The technician themself, the manager of their outlet, an admin of the tenant."""
    if user.tenant_id != technician.tenant_id:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.TECHNICIAN:
        return user.technician_id == technician.id
    if user.role == Role.OUTLET_MANAGER:
        return user.outlet_id is not None and user.outlet_id == technician.outlet_id
    return False


def square(image: Image.Image) -> Image.Image:
    """The centre of ``image``, square, at most ``SIDE`` pixels a side."""
    side = min(image.width, image.height, SIDE)
    return ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)


def set_photo(
    db: Session,
    *,
    technician: Technician,
    actor: User,
    data: bytes,
    upload_dir: Path,
    max_bytes: int,
    now: datetime,
) -> Technician:
    """Check, square and re-encode an upload and make it the technician's photo."""
    if not may_set(actor, technician):
        raise NotYourTechnician()
    picture = order_photos.decode(data, max_bytes=max_bytes)
    return keep(
        db,
        technician=technician,
        image=square(picture.image),
        content_type=picture.content_type,
        upload_dir=upload_dir,
        now=now,
    )


def keep(
    db: Session,
    *,
    technician: Technician,
    image: Image.Image,
    content_type: str,
    upload_dir: Path,
    now: datetime,
) -> Technician:
    """Write ``image`` re-encoded as ``content_type`` and point the technician at it (the earlier file
    stays on disk: the transaction may yet roll back)."""
    encoded = order_photos.encode(image, content_type)
    key = f"{technician.tenant_id}/technicians/{technician.id}/{uuid.uuid4().hex}."
    key += order_photos.EXTENSIONS[encoded.content_type]
    path = upload_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded.data)
    technician.photo_key = key
    technician.photo_content_type = encoded.content_type
    technician.photo_updated_at = now
    db.flush()
    return technician


@dataclass(frozen=True)
class Served:
    path: Path
    media_type: str
    headers: dict[str, str]


def served(technician: Technician | None, *, upload_dir: Path) -> Served:
    """How a route answers with the technician's photo: its file and type, ``nosniff``, a name made here,
    and kept privately by the browser for a short while (404 ``no_photo`` when there is none)."""
    if (
        technician is None
        or not technician.photo_key
        or technician.photo_content_type not in order_photos.EXTENSIONS
    ):
        raise NoPhoto()
    path = upload_dir / technician.photo_key
    if not path.is_file():
        raise NoPhoto()
    extension = order_photos.EXTENSIONS[technician.photo_content_type]
    return Served(
        path=path,
        media_type=technician.photo_content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'inline; filename="technician.{extension}"',  # no id for a customer
            "Cache-Control": "private, max-age=300",
        },
    )


def version(technician: Technician | None) -> str:
    """A token that changes with the photo (for the pages' image links), "" without one."""
    if technician is None or technician.photo_updated_at is None or not technician.photo_key:
        return ""
    return str(int(technician.photo_updated_at.timestamp()))
