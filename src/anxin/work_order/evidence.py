"""Evidence a brand can trust: photos from the technician app are decoded in full as every upload is
(``photos.decode``) and stamped with time, place and technician (burnt into the image; the unstamped bytes
and their metadata are never kept), and an arrival or completion recorded farther than
``settings.evidence_max_distance_m`` from the order's address is flagged on its event and alerted to every
active dispatcher of the tenant (through the outbox, in the caller's transaction).

The position's accuracy counts: when the phone reported one (``accuracy_m`` in the event's payload, in
metres), the distance less the accuracy must pass the limit, so a reading whose uncertainty covers the
address is no violation; a fix less accurate than ``MAX_ACCURACY_M`` is recorded as imprecise
(``imprecise_position_m``: the distance, beside ``accuracy_m``; "位置精度不足" on the pages) and never
flagged, so never penalised automatically. Without an accuracy the distance alone decides, as before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.config import get_settings
from anxin.customer.models import Address
from anxin.geo import Point, straight_line_metres
from anxin.notify import outbox
from anxin.work_order import photos
from anxin.work_order.events import Recorded
from anxin.work_order.models import WorkOrder, WorkOrderEvent, WorkOrderPhoto

CHECKED = ("arrive", "complete")
FAR_EVENT = "evidence.far_from_address"
IMPRECISE = "imprecise_position_m"
KINDS = ("before", "after", "signature")
MAX_ACCURACY_M = 1000  # a fix less accurate than this proves nothing about where the technician was
MAX_SIDE = 2000  # a phone camera's 4000 px photo is scaled down; plenty for evidence, and small to keep
MIN_WIDTH = 480


def max_distance_m() -> int:
    """The allowed distance from the address; tests override it by monkeypatching this function."""
    return get_settings().evidence_max_distance_m


def distance_m(lat: float, lng: float, address: Address) -> int:
    return int(round(straight_line_metres(Point(lat, lng), Point(address.lat, address.lng))))


def flag_far_evidence(db: Session, happened: Recorded) -> None:
    """The reaction to an arrival or a completion (registered in ``anxin.wiring``, first of all, so later
    reactions see the flag)."""
    check(db, order=happened.order, event=happened.event)


def check(db: Session, *, order: WorkOrder, event: WorkOrderEvent) -> int | None:
    """On an arrival or completion with coordinates, flag the event and alert the dispatchers when it was
    recorded too far from the address. Returns the distance in metres when flagged."""
    if event.action not in CHECKED or event.lat is None or event.lng is None or order.address_id is None:
        return None
    address = db.get(Address, order.address_id)
    if address is None or address.lat is None or address.lng is None:
        return None
    metres = distance_m(event.lat, event.lng, address)
    accuracy = (event.payload or {}).get("accuracy_m")
    uncertain = int(accuracy) if isinstance(accuracy, int | float) else 0
    if metres - uncertain <= max_distance_m():
        return None
    if uncertain > MAX_ACCURACY_M:  # recorded, never flagged: the fix cannot tell
        event.payload = {**(event.payload or {}), IMPRECISE: metres}
        db.flush()
        return None
    event.payload = {**(event.payload or {}), "far_from_address_m": metres}  # a new dict: seen as changed
    dispatchers = auth_service.active_staff(db, tenant_id=order.tenant_id, roles=[Role.DISPATCHER.value])
    outbox.enqueue(
        db,
        tenant_id=order.tenant_id,
        event=FAR_EVENT,
        to=[outbox.Recipient("inbox", f"user:{u.id}") for u in dispatchers],
        context={
            "order_id": order.id,
            "number": order.number,
            "action": event.action,
            "distance_m": metres,
            "accuracy_m": accuracy,
            "technician_id": order.technician_id,
        },
        dedupe_key=f"far:{event.id}",
        work_order_id=order.id,
    )
    db.flush()
    return metres


@dataclass(frozen=True)
class Stamp:
    taken_at: datetime
    lat: float | None
    lng: float | None
    technician: str  # an ASCII code: Pillow's default font has no Chinese glyphs

    def text(self, zone: str) -> str:
        local = clock.as_utc(self.taken_at).astimezone(ZoneInfo(zone))
        offset = local.strftime("%z")
        parts = [f"{local:%Y-%m-%d %H:%M} {offset[:3]}"]
        if self.lat is not None and self.lng is not None:
            parts.append(f"{self.lat:.4f},{self.lng:.4f}")
        parts.append(self.technician)
        return " | ".join(parts)


def technician_code(technician_id: int | None) -> str:
    return f"T{technician_id:04d}" if technician_id else "T----"


def stamp_image(data: bytes, stamp: Stamp, zone: str, *, max_bytes: int) -> photos.Encoded:
    """The uploaded picture (decoded in full: ``BadPhoto`` or ``PhotoTooManyPixels`` when it cannot be) with a
    dark bar at the bottom carrying the stamp's text, re-encoded in the format it came in."""
    picture = photos.decode(data, max_bytes=max_bytes)
    return photos.encode(stamped(picture.image, stamp, zone), picture.content_type)


def stamped(picture: Image.Image, stamp: Stamp, zone: str) -> Image.Image:
    """A new picture: ``picture`` at most ``MAX_SIDE`` wide and high with the stamp's bar below it."""
    image = picture.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    if image.width < MIN_WIDTH:  # room for the stamp's one line
        image = image.resize((MIN_WIDTH, max(1, round(image.height * MIN_WIDTH / image.width))))
    width, height = image.size
    size = max(12, width // 40)
    font = ImageFont.load_default(size=size)
    bar = size + size // 2 + 6
    canvas = Image.new("RGB", (width, height + bar), (0, 0, 0))
    canvas.paste(image, (0, 0))
    draw = ImageDraw.Draw(canvas)
    draw.text((6, height + 3), stamp.text(zone), fill=(255, 255, 255), font=font)
    return canvas


def store_stamped(
    db: Session,
    *,
    order: WorkOrder,
    actor: User,
    data: bytes,
    upload_dir: Path,
    max_bytes: int,
    zone: str,
    lat: float | None = None,
    lng: float | None = None,
    kind: str | None = None,
) -> WorkOrderPhoto:
    """Check, stamp and store a photo taken in the technician app; the stamp is recorded on the row."""
    technician_id = actor.technician_id or order.technician_id
    stamp = Stamp(taken_at=clock.now(), lat=lat, lng=lng, technician=technician_code(technician_id))
    encoded = stamp_image(data, stamp, zone, max_bytes=max_bytes)
    photo = photos.keep(db, order=order, actor=actor, encoded=encoded, upload_dir=upload_dir)
    photo.kind = kind if kind in KINDS else None
    photo.taken_at = stamp.taken_at
    photo.lat, photo.lng = lat, lng
    photo.technician_id = technician_id
    photo.stamped = True
    db.flush()
    return photo
