"""Photos attached to an order: the type is read from the file's own first bytes, not from what the client
claims, and the size is capped while reading."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth.models import User
from anxin.exceptions import NotFound
from anxin.work_order import events
from anxin.work_order.exceptions import BadPhoto
from anxin.work_order.models import WorkOrder, WorkOrderPhoto

SIGNATURES = {
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ("image/webp", "webp")
    return None


def store(
    db: Session, *, order: WorkOrder, actor: User, data: bytes, upload_dir: Path, max_bytes: int
) -> WorkOrderPhoto:
    limit_mb = round(max_bytes / 1024 / 1024, 1)
    if not data or len(data) > max_bytes:
        raise BadPhoto(limit_mb=limit_mb)
    kind = sniff(data[:16])
    if kind is None:
        raise BadPhoto(limit_mb=limit_mb)
    content_type, extension = kind
    key = f"{order.tenant_id}/{order.id}/{uuid.uuid4().hex}.{extension}"
    path = upload_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    photo = WorkOrderPhoto(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        uploaded_by_id=actor.id,
        content_type=content_type,
        size_bytes=len(data),
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
        payload={"photo_id": photo.id, "content_type": content_type, "size_bytes": len(data)},
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
