"""Evidence: the far-from-address flag and the dispatchers' alert, and photos stamped with time, place and
technician."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
import time_machine
from PIL import Image
from sqlalchemy import select

from anxin.exceptions import AnxinError
from anxin.notify.models import OutboxMessage
from anxin.work_order import evidence
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, report, walk
from tests.work_order import pictures

FAR = {"lat": 30.30, "lng": 120.12}  # about 3.3 km north of 文三路 1 号 (30.27, 120.12)
NEAR = {"lat": 30.2705, "lng": 120.1204}  # about 60 m away


def departed(client, world) -> int:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="depart")
    return order_id


def last_event(db, order_id: int, action: str) -> WorkOrderEvent:
    return db.scalars(
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == action)
        .order_by(WorkOrderEvent.id.desc())
    ).first()


def alerts(db) -> list[OutboxMessage]:
    return list(
        db.scalars(
            select(OutboxMessage).where(OutboxMessage.event == evidence.FAR_EVENT).order_by(OutboxMessage.id)
        )
    )


def test_an_arrival_far_from_the_address_is_flagged_and_alerted_to_the_dispatchers(client, world, db) -> None:
    order_id = departed(client, world)

    answer = act(client, world.demo, order_id, "technician", "arrive", FAR)

    assert answer.status_code == 200, answer.text
    event = last_event(db, order_id, "arrive")
    assert 3200 < event.payload["far_from_address_m"] < 3500
    sent = alerts(db)
    assert [(m.tenant_id, m.channel, m.recipient) for m in sent] == [
        (world.demo.tenant.id, "inbox", f"user:{world.demo.users['dispatcher'].id}")
    ]  # the tenant's one dispatcher, nobody of acme
    assert sent[0].work_order_id == order_id
    assert sent[0].dedupe_key.startswith(f"far:{event.id}|")
    assert sent[0].context["distance_m"] == event.payload["far_from_address_m"]


def test_a_near_arrival_and_one_without_coordinates_raise_nothing(client, world, db) -> None:
    near_id = departed(client, world)
    act(client, world.demo, near_id, "technician", "arrive", NEAR)
    blind_id = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()["id"]
    act(client, world.demo, blind_id, "agent", "accept")
    act(client, world.demo, blind_id, "dispatcher", "assign", {"technician_id": None})
    act(client, world.demo, blind_id, "technician", "acknowledge")
    act(client, world.demo, blind_id, "technician", "depart")
    assert act(client, world.demo, blind_id, "technician", "arrive").status_code == 200

    assert "far_from_address_m" not in last_event(db, near_id, "arrive").payload
    assert "far_from_address_m" not in last_event(db, blind_id, "arrive").payload
    assert alerts(db) == []


def test_the_allowed_distance_is_a_setting(client, world, db, monkeypatch) -> None:
    monkeypatch.setattr(evidence, "max_distance_m", lambda: 5000)
    order_id = departed(client, world)

    act(client, world.demo, order_id, "technician", "arrive", FAR)

    assert "far_from_address_m" not in last_event(db, order_id, "arrive").payload
    assert alerts(db) == []


def test_the_default_distance_is_500_metres() -> None:
    from anxin.config import Settings

    assert Settings().evidence_max_distance_m == 500


def test_a_completion_far_from_the_address_is_flagged_too(client, world, db) -> None:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="start")

    act(client, world.demo, order_id, "technician", "complete", {"note": "换好了", **FAR})

    assert last_event(db, order_id, "complete").payload["far_from_address_m"] > 3000
    assert len(alerts(db)) == 1
    assert db.get(WorkOrder, order_id).status == "completed"


def test_an_inactive_dispatcher_is_not_alerted(client, world, db, sessionmaker_) -> None:
    from anxin.auth.models import User

    order_id = departed(client, world)
    with sessionmaker_() as session:
        session.get(User, world.demo.users["dispatcher"].id).is_active = False
        session.commit()

    act(client, world.demo, order_id, "technician", "arrive", FAR)

    assert last_event(db, order_id, "arrive").payload["far_from_address_m"] > 3000
    assert alerts(db) == []


def test_the_stamp_reads_time_in_shanghai_place_and_technician() -> None:
    stamp = evidence.Stamp(
        taken_at=datetime(2026, 12, 1, 6, 3, tzinfo=UTC), lat=30.27121, lng=120.12344, technician="T0012"
    )

    assert stamp.text("Asia/Shanghai") == "2026-12-01 14:03 +08 | 30.2712,120.1234 | T0012"
    blind = evidence.Stamp(
        taken_at=datetime(2026, 12, 1, 6, 3, tzinfo=UTC), lat=None, lng=None, technician="T0012"
    )
    assert blind.text("Asia/Shanghai") == "2026-12-01 14:03 +08 | T0012"


STAMP = evidence.Stamp(
    taken_at=datetime(2026, 12, 1, 6, 3, tzinfo=UTC), lat=30.27, lng=120.12, technician="T0001"
)
LIMIT = 5 * 1024 * 1024


@pytest.mark.parametrize("fmt,content_type", [("JPEG", "image/jpeg"), ("PNG", "image/png")])
def test_stamping_adds_a_dark_bar_below_the_picture(fmt: str, content_type: str) -> None:
    original = io.BytesIO()
    Image.new("RGB", (640, 480), (250, 250, 250)).save(original, format=fmt)

    stamped = evidence.stamp_image(original.getvalue(), STAMP, "Asia/Shanghai", max_bytes=LIMIT)

    assert stamped.content_type == content_type
    image = Image.open(io.BytesIO(stamped.data))
    assert image.format == fmt
    assert image.width == 640 and image.height > 480
    bar = image.convert("L").crop((0, 480, 640, image.height))
    assert bar.getextrema()[0] < 40  # the bar is dark
    assert bar.getextrema()[1] > 200  # and carries light text
    assert image.convert("L").getpixel((320, 240)) > 200  # the picture itself is untouched


def test_a_stamped_photo_records_when_where_and_who(client, world, db, settings) -> None:
    order_id = departed(client, world)
    order = db.get(WorkOrder, order_id)
    technician = db.merge(world.demo.users["technician"])
    raw = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(raw, format="JPEG")

    with time_machine.travel(datetime(2026, 12, 1, 6, 3, tzinfo=UTC), tick=False):
        photo = evidence.store_stamped(
            db,
            order=order,
            actor=technician,
            data=raw.getvalue(),
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
            zone="Asia/Shanghai",
            lat=30.2712,
            lng=120.1234,
            kind="before",
        )

    assert photo.stamped is True and photo.kind == "before"
    assert (photo.lat, photo.lng, photo.technician_id) == (30.2712, 120.1234, world.demo.technician_id)
    assert photo.taken_at == datetime(2026, 12, 1, 6, 3, tzinfo=UTC)
    kept = (settings.upload_dir / photo.storage_key).read_bytes()
    assert kept != raw.getvalue()  # only the stamped picture is kept
    assert Image.open(io.BytesIO(kept)).height > 100


def test_stamping_keeps_the_picture_upright_and_none_of_its_metadata() -> None:
    # Given a camera JPEG whose EXIF holds its orientation, the phone and a GPS position, and a comment
    original = pictures.jpeg_with_metadata()

    # When it is stamped
    stamped = evidence.stamp_image(original, STAMP, "Asia/Shanghai", max_bytes=LIMIT)

    # Then the stamped JPEG is upright (portrait, widened for the stamp) and carries none of it
    image = Image.open(io.BytesIO(stamped.data))
    assert image.format == "JPEG" and image.height > image.width
    assert dict(image.getexif()) == {} and "comment" not in image.info


@pytest.mark.parametrize(
    "data", [pictures.truncated_jpeg(), pictures.TEXT_AS_JPEG], ids=["truncated JPEG", "text as JPEG"]
)
def test_a_picture_that_does_not_decode_is_not_stamped(data: bytes) -> None:
    with pytest.raises(AnxinError) as refused:
        evidence.stamp_image(data, STAMP, "Asia/Shanghai", max_bytes=LIMIT)

    assert (refused.value.status_code, refused.value.code) == (422, "bad_photo")


@pytest.mark.parametrize("side", [8_000, 100_000])
def test_a_pixel_bomb_is_not_stamped_but_refused_as_too_many_pixels(
    client, world, db, settings, side: int
) -> None:
    # Given an order on site and a crafted PNG declaring side × side pixels
    order_id = departed(client, world)
    order = db.get(WorkOrder, order_id)
    technician = db.merge(world.demo.users["technician"])

    # When the app sends it as a stamped photo
    with pytest.raises(AnxinError) as refused:
        evidence.store_stamped(
            db,
            order=order,
            actor=technician,
            data=pictures.pixel_bomb(side, side),
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
            zone="Asia/Shanghai",
        )

    # Then it is refused with the clear 422 and nothing is written
    assert refused.value.status_code == 422 and refused.value.code == "photo_too_many_pixels"
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.rglob("*.*"))
