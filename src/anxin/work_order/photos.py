"""Photos attached to an order. An upload is never kept as it came: its size is capped while reading, its
first bytes must say JPEG, PNG or WebP, and then it is decoded in full (Pillow's ``verify``, then every
pixel: ``verify`` alone passes a truncated file) with at most ``MAX_PIXELS`` pixels, turned upright by its
EXIF orientation, and re-encoded in its own format from the pixels alone, so no EXIF (GPS), ICC profile,
comment or trailing bytes survive. Only the re-encoded bytes are stored, under their own content type; the
routes serve them with ``served``."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.exceptions import NotFound
from anxin.work_order import events
from anxin.work_order.exceptions import BadPhoto, PhotoTooManyPixels
from anxin.work_order.models import WorkOrder, WorkOrderPhoto

SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}
# Pillow's format → (content type, file extension): the only decoders an upload is given to.
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
EXTENSIONS = dict(FORMATS.values())  # content type → extension
# What Pillow names a decoded picture → the format it is kept in: a phone's JPEG carrying a second picture (a
# depth or HDR gain map, MPF) opens as "MPO" and is kept as its first picture, a JPEG.
KEPT_AS = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}
# 50 megapixels (8160×6144, the largest phone camera's full picture; about 150 MB once decoded), below
# Pillow's own warning at 89 M: a picture declaring more is refused before its pixels are read.
MAX_PIXELS = 50 * 1024 * 1024
QUALITY = 88  # JPEG and WebP


class Unreadable(Exception):
    """Bytes that are not one whole JPEG, PNG or WebP picture."""


class TooManyPixels(Unreadable):
    """A picture declaring more than ``MAX_PIXELS`` pixels."""


@dataclass(frozen=True)
class Picture:
    """A decoded picture: upright, in RGB (RGBA when a PNG or WebP has transparency), and the content type
    it came as."""

    image: Image.Image
    content_type: str


@dataclass(frozen=True)
class Encoded:
    """Bytes ``encode`` wrote from pixels alone: the only bytes ``keep`` stores."""

    data: bytes
    content_type: str


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def read(data: bytes) -> Picture:
    """``data`` decoded in full; ``Unreadable`` (or ``TooManyPixels``) when it cannot be."""
    if sniff(data[:16]) is None:
        raise Unreadable("not a JPEG, PNG or WebP file")
    try:
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise TooManyPixels(f"{probe.width}×{probe.height}")
            probe.verify()  # the structure and checksums; it does not decode the pixels
        with Image.open(io.BytesIO(data), formats=list(FORMATS)) as opened:
            content_type = FORMATS[KEPT_AS[str(opened.format)]][0]
            opened.load()  # every pixel: a truncated file fails here
            alpha = content_type != "image/jpeg" and _has_alpha(opened)
            upright = ImageOps.exif_transpose(opened)
            image = upright.convert("RGBA" if alpha else "RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:  # above Pillow's limits
        raise TooManyPixels(str(error)) from None
    except Unreadable:
        raise
    except Exception as error:  # hostile bytes make Pillow raise OSError, SyntaxError, struct.error, …
        raise Unreadable(f"{type(error).__name__}: {error}") from None
    return Picture(image=image, content_type=content_type)


def decode(data: bytes, *, max_bytes: int) -> Picture:
    """An upload decoded in full, or the clear 422: ``BadPhoto`` (empty, too big, not a whole JPEG, PNG or
    WebP picture) or ``PhotoTooManyPixels``."""
    limit_mb = round(max_bytes / 1024 / 1024, 1)
    if not data or len(data) > max_bytes:
        raise BadPhoto(limit_mb=limit_mb)
    try:
        return read(data)
    except TooManyPixels:
        raise PhotoTooManyPixels(limit_mp=MAX_PIXELS // (1024 * 1024)) from None
    except Unreadable:
        raise BadPhoto(limit_mb=limit_mb) from None


def encode(image: Image.Image, content_type: str) -> Encoded:
    """``image`` written as ``content_type`` from its pixels alone: a new picture carries no EXIF, ICC
    profile, text chunk or comment of the original."""
    fmt = next(name for name, (kind, _) in FORMATS.items() if kind == content_type)
    mode = "RGBA" if fmt != "JPEG" and _has_alpha(image) else "RGB"
    pixels = image.convert(mode)
    clean = Image.frombytes(mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    clean.save(out, format=fmt, **({} if fmt == "PNG" else {"quality": QUALITY}))
    return Encoded(data=out.getvalue(), content_type=content_type)


def store(
    db: Session, *, order: WorkOrder, actor: User, data: bytes, upload_dir: Path, max_bytes: int
) -> WorkOrderPhoto:
    """Decode an upload in full and store only its re-encoded copy."""
    picture = decode(data, max_bytes=max_bytes)
    return keep(
        db,
        order=order,
        actor=actor,
        encoded=encode(picture.image, picture.content_type),
        upload_dir=upload_dir,
    )


def keep(db: Session, *, order: WorkOrder, actor: User, encoded: Encoded, upload_dir: Path) -> WorkOrderPhoto:
    """Write re-encoded bytes to the upload directory and record the photo on the order."""
    content_type, size = encoded.content_type, len(encoded.data)
    key = f"{order.tenant_id}/{order.id}/{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
    path = upload_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encoded.data)
    photo = WorkOrderPhoto(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        uploaded_by_id=actor.id,
        content_type=content_type,
        size_bytes=size,
        storage_key=key,
    )
    db.add(photo)
    db.flush()
    events.record(
        db,
        order=order,
        action="add-photo",
        actor=actor,
        from_status=order.status,
        payload={"photo_id": photo.id, "content_type": content_type, "size_bytes": size},
    )
    return photo


def list_for(db: Session, *, order: WorkOrder) -> list[WorkOrderPhoto]:
    return list(
        db.scalars(
            select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order.id).order_by(WorkOrderPhoto.id)
        )
    )


def get(db: Session, *, order: WorkOrder, id: int) -> WorkOrderPhoto:
    photo = db.get(WorkOrderPhoto, id)
    if photo is None or photo.work_order_id != order.id:
        raise NotFound("photo", "照片")
    return photo


@dataclass(frozen=True)
class Served:
    path: Path
    media_type: str
    headers: dict[str, str]


def served(photo: WorkOrderPhoto, *, upload_dir: Path) -> Served:
    """How a route answers with a stored photo: its file (404 when gone), its stored content type (any other
    type an old row holds is served as ``application/octet-stream``), ``nosniff`` so a browser never reads
    it as something else, and ``inline`` under a name made here from the photo's id, never the client's.
    These hold on their own, whatever headers the app adds to every response."""
    path = upload_dir / photo.storage_key
    if not path.is_file():
        raise NotFound("photo", "照片")
    known = photo.content_type in EXTENSIONS
    name = f"photo-{photo.id}.{EXTENSIONS[photo.content_type] if known else 'bin'}"
    return Served(
        path=path,
        media_type=photo.content_type if known else "application/octet-stream",
        headers={"X-Content-Type-Options": "nosniff", "Content-Disposition": f'inline; filename="{name}"'},
    )
