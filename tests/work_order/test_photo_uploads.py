"""Photo uploads through the API (``POST /api/v1/work-orders/{id}/photos``) are decoded in full and stored
only as a re-encoded copy; stored photos are served with their own headers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from anxin.work_order import photos
from anxin.work_order.models import WorkOrderPhoto
from tests.helpers import report
from tests.work_order import pictures


def new_order(client, world) -> int:
    answer = report(client, world.demo, role="customer", channel="app")
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def upload(client, world, order_id: int, data: bytes, name: str = "fault.jpg", kind: str = "image/jpeg"):
    return client.post(
        f"/api/v1/work-orders/{order_id}/photos",
        files={"file": (name, data, kind)},
        headers=world.demo.headers("customer"),
    )


def stored_files(upload_dir: Path) -> list[Path]:
    return [p for p in upload_dir.rglob("*") if p.is_file()] if upload_dir.exists() else []


def photo_rows(db, order_id: int) -> list[WorkOrderPhoto]:
    return list(db.scalars(select(WorkOrderPhoto).where(WorkOrderPhoto.work_order_id == order_id)))


@pytest.mark.parametrize(
    "data",
    [pictures.truncated_jpeg(), pictures.TEXT_AS_JPEG],
    ids=["truncated JPEG", "text file with JPEG magic bytes"],
)
def test_a_file_that_is_not_a_whole_picture_is_refused_and_nothing_is_stored(
    client, world, db, settings, data
) -> None:
    # Given an order and a 'photo.jpg' that starts like a JPEG but is not a whole picture
    order_id = new_order(client, world)

    # When the customer uploads it
    answer = upload(client, world, order_id, data, name="photo.jpg")

    # Then it is refused with the one error shape, and neither a row nor a file is kept
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "bad_photo"
    assert photo_rows(db, order_id) == []
    assert stored_files(settings.upload_dir) == []


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")  # even when warnings are errors
@pytest.mark.parametrize(
    "width,height",
    [(8_000, 8_000), (10_000, 10_000), (100_000, 100_000)],
    ids=["over our limit", "over Pillow's warning", "over Pillow's error"],
)
def test_a_pixel_bomb_is_refused_with_the_clear_error(client, world, db, settings, width, height) -> None:
    # Given a PNG of a few dozen bytes declaring millions of pixels
    order_id = new_order(client, world)
    bomb = pictures.pixel_bomb(width, height)
    assert len(bomb) < 200

    # When it is uploaded
    answer = upload(client, world, order_id, bomb, name="bomb.png", kind="image/png")

    # Then it is refused as too many pixels, before any pixel is read, and nothing is kept
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "photo_too_many_pixels"
    assert "50" in error["message"]
    assert photo_rows(db, order_id) == []
    assert stored_files(settings.upload_dir) == []


def test_a_jpeg_is_stored_re_encoded_upright_and_without_its_metadata(client, world, db) -> None:
    # Given a JPEG whose EXIF holds its orientation, the phone's maker and a GPS position, and a comment
    order_id = new_order(client, world)
    original = pictures.jpeg_with_metadata()
    assert Image.open(io.BytesIO(original)).getexif()  # the metadata is there to strip

    # When it is uploaded and read back
    answer = upload(client, world, order_id, original)
    fetched = client.get(
        f"/api/v1/work-orders/{order_id}/photos/{answer.json()['id']}", headers=world.demo.headers("agent")
    )

    # Then what is kept is a new JPEG: turned upright, with no EXIF and no comment left
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "image/jpeg"
    assert fetched.status_code == 200 and fetched.content != original
    kept = Image.open(io.BytesIO(fetched.content))
    assert kept.format == "JPEG" and kept.size == (100, 200)
    assert dict(kept.getexif()) == {} and "exif" not in kept.info and "comment" not in kept.info
    (row,) = photo_rows(db, order_id)
    assert row.size_bytes == len(fetched.content)


def test_a_phone_jpeg_with_a_second_picture_is_kept_as_its_first(client, world, db, settings) -> None:
    # Given a JPEG carrying a second picture, as phones write a depth or HDR gain map
    order_id = new_order(client, world)

    # When it is uploaded
    answer = upload(client, world, order_id, pictures.jpeg_with_a_second_picture())

    # Then it is accepted and kept as one plain JPEG of the first picture
    assert answer.status_code == 201, answer.text
    (row,) = photo_rows(db, order_id)
    kept = Image.open(settings.upload_dir / row.storage_key)
    assert (kept.format, kept.size, getattr(kept, "n_frames", 1)) == ("JPEG", (64, 48), 1)


def test_a_transparent_png_stays_a_transparent_png_without_its_text_chunk(
    client, world, db, settings
) -> None:
    # Given a signature-like PNG: transparent around a stroke, with a text chunk
    order_id = new_order(client, world)

    # When it is uploaded
    answer = upload(client, world, order_id, pictures.png_with_text_and_alpha(), "sig.png", "image/png")

    # Then the stored copy is a PNG that keeps its transparency and loses the text
    assert answer.status_code == 201, answer.text
    assert answer.json()["content_type"] == "image/png"
    (row,) = photo_rows(db, order_id)
    assert row.storage_key.endswith(".png")
    kept = Image.open(settings.upload_dir / row.storage_key)
    assert kept.format == "PNG" and kept.mode == "RGBA"
    assert kept.getpixel((0, 0))[3] == 0 and kept.getpixel((50, 30)) == (0, 0, 0, 255)
    assert kept.text == {}


def test_a_stored_photo_is_served_as_its_type_inline_and_not_to_be_sniffed(client, world, sign_in) -> None:
    # Given a photo on the order
    order_id = new_order(client, world)
    photo_id = upload(
        client, world, order_id, pictures.picture("PNG"), "../../evil.html", "text/html"
    ).json()["id"]

    # When staff read it through the API, and the customer through the pages
    api = client.get(f"/api/v1/work-orders/{order_id}/photos/{photo_id}", headers=world.demo.headers("agent"))
    sign_in(client, "customer01@demo")
    page = client.get(f"/pages/orders/{order_id}/photos/{photo_id}")

    # Then both say nosniff, the stored content type, and inline under a name of the server's making
    for answer in (api, page):
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["content-disposition"] == f'inline; filename="photo-{photo_id}.png"'


def test_the_serving_headers_are_the_routes_own(db, settings) -> None:
    # Given a stored photo row and its file, and one of an old row with a type no upload gets today
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    (settings.upload_dir / "a.jpg").write_bytes(pictures.picture())
    (settings.upload_dir / "b.bin").write_bytes(b"<html>")
    good = WorkOrderPhoto(id=7, content_type="image/jpeg", storage_key="a.jpg")
    odd = WorkOrderPhoto(id=8, content_type="text/html", storage_key="b.bin")

    # When the routes ask how to serve them (with no middleware involved)
    first, second = (photos.served(p, upload_dir=settings.upload_dir) for p in (good, odd))

    # Then the headers hold nosniff and inline, and an unknown type is served as bytes
    assert (first.media_type, first.headers) == (
        "image/jpeg",
        {"X-Content-Type-Options": "nosniff", "Content-Disposition": 'inline; filename="photo-7.jpg"'},
    )
    assert second.media_type == "application/octet-stream"
    assert second.headers["Content-Disposition"] == 'inline; filename="photo-8.bin"'


def test_a_photo_whose_file_is_gone_is_not_found_rather_than_an_error(client, world, db, settings) -> None:
    # Given a photo whose file was removed from the upload directory
    order_id = new_order(client, world)
    photo_id = upload(client, world, order_id, pictures.picture()).json()["id"]
    (row,) = photo_rows(db, order_id)
    (settings.upload_dir / row.storage_key).unlink()

    # When it is asked for
    answer = client.get(
        f"/api/v1/work-orders/{order_id}/photos/{photo_id}", headers=world.demo.headers("agent")
    )

    # Then the answer is the one error shape's 404, not a server error
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
