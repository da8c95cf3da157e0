"""The technician's photo: who sets it (themself, their outlet's manager, an admin), what an upload must be,
and who sees it (staff, the technician, the customer of an order the technician is assigned to)."""

from __future__ import annotations

import io

from PIL import Image

from anxin.middleware import UPLOAD_MARGIN
from tests.conftest import page_session
from tests.helpers import report, walk


def jpeg(size=(900, 600), exif: bool = True) -> bytes:
    image = Image.new("RGB", size, (200, 120, 40))
    out = io.BytesIO()
    extra = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        extra["exif"] = data.tobytes()
    image.save(out, format="JPEG", **extra)
    return out.getvalue()


def put(client, world, who: str, technician_id: int, data: bytes, name="me.jpg", kind="image/jpeg"):
    return client.put(
        f"/api/v1/technicians/{technician_id}/photo",
        files={"file": (name, data, kind)},
        headers=world.headers(who),
    )


def test_the_technician_sets_their_photo_squared_and_without_metadata(client, world):
    demo = world.demo

    answer = put(client, demo, "technician", demo.technician_id, jpeg())

    assert answer.status_code == 200, answer.text
    assert (
        answer.json()["content_type"] == "image/jpeg" and answer.json()["technician_id"] == demo.technician_id
    )
    served = client.get(f"/api/v1/technicians/{demo.technician_id}/photo", headers=demo.headers("dispatcher"))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    with Image.open(io.BytesIO(served.content)) as kept:
        assert kept.size == (512, 512)  # the centre, square, at most 512 pixels
        assert not kept.getexif()  # re-encoded from the pixels: no EXIF survives


def test_the_outlet_manager_and_the_admin_may_set_it_others_may_not(client, world):
    demo = world.demo
    assert put(client, demo, "outlet_manager", demo.technician_id, jpeg()).status_code == 200
    assert put(client, demo, "admin", demo.other_technician_id, jpeg()).status_code == 200

    other = put(client, demo, "other_technician", demo.technician_id, jpeg())
    customer = put(client, demo, "customer", demo.technician_id, jpeg())
    foreign = put(client, world.acme, "admin", demo.technician_id, jpeg())

    assert other.status_code == 403 and other.json()["error"]["code"] == "not_your_technician"
    assert customer.status_code == 403
    assert foreign.status_code == 404  # another tenant's technician does not exist for them


def test_an_upload_that_is_not_a_picture_or_too_large_is_refused_with_its_code(client, world, settings):
    demo = world.demo
    text = put(
        client, demo, "technician", demo.technician_id, b"GIF89a not really", name="x.gif", kind="image/gif"
    )
    pdf = put(
        client,
        demo,
        "technician",
        demo.technician_id,
        b"%PDF-1.4\n%...",
        name="x.pdf",
        kind="application/pdf",
    )
    too_big = jpeg() + b"\0" * (settings.max_upload_bytes + 1)  # over the limit, inside the body's margin
    huge = b"\xff\xd8\xff" + b"\0" * (settings.max_upload_bytes + UPLOAD_MARGIN + 10)

    big = put(client, demo, "technician", demo.technician_id, too_big)
    bigger = put(client, demo, "technician", demo.technician_id, huge)

    for answer in (text, pdf, big):
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "bad_photo", answer.text
    assert bigger.status_code == 413 and bigger.json()["error"]["code"] == "payload_too_large"
    missing = client.get(f"/api/v1/technicians/{demo.technician_id}/photo", headers=demo.headers("admin"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "no_photo"  # nothing was kept


def test_the_customer_sees_the_photo_of_their_orders_technician_only(client, world):
    demo = world.demo
    put(client, demo, "technician", demo.technician_id, jpeg())
    order_id = report(client, demo).json()["id"]
    before = client.get(f"/api/v1/work-orders/{order_id}/technician-photo", headers=demo.headers("customer"))
    walk(client, demo, order_id, until="assign")

    mine = client.get(f"/api/v1/work-orders/{order_id}/technician-photo", headers=demo.headers("customer"))
    theirs = client.get(
        f"/api/v1/work-orders/{order_id}/technician-photo", headers=demo.headers("other_customer")
    )
    foreign = client.get(
        f"/api/v1/work-orders/{order_id}/technician-photo", headers=world.acme.headers("customer")
    )
    direct = client.get(f"/api/v1/technicians/{demo.technician_id}/photo", headers=demo.headers("customer"))
    other_tech = client.get(
        f"/api/v1/technicians/{demo.technician_id}/photo", headers=demo.headers("other_technician")
    )

    assert before.status_code == 404 and before.json()["error"]["code"] == "no_photo"  # nobody assigned yet
    assert mine.status_code == 200 and mine.headers["content-type"] == "image/jpeg"
    assert (
        "technician." in mine.headers["content-disposition"]
        and str(demo.technician_id) not in (mine.headers["content-disposition"])
    )
    assert theirs.status_code == 404 and foreign.status_code == 404
    assert direct.status_code == 403 and other_tech.status_code == 404


def test_the_portal_order_page_shows_the_photo_beside_the_name_and_the_tech_app_takes_a_new_one(
    client, world
):
    demo = world.demo
    put(client, demo, "admin", demo.technician_id, jpeg())
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="acknowledge")

    page_session(client, demo.users["customer"])
    page = client.get(f"/portal/orders/{order_id}")
    photo = client.get(f"/portal/orders/{order_id}/technician-photo")
    assert page.status_code == 200 and f'src="/portal/orders/{order_id}/technician-photo?v=' in page.text
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    page_session(client, demo.users["other_customer"])
    assert client.get(f"/portal/orders/{order_id}/technician-photo").status_code == 404

    client.cookies.clear()
    page_session(client, demo.users["technician"])
    form = client.get("/tech/photo")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    refused = client.post(
        "/tech/photo", data={"csrf_token": token}, files={"file": ("x.txt", b"hello", "text/plain")}
    )
    saved = client.post(
        "/tech/photo",
        data={"csrf_token": token},
        files={"file": ("me.jpg", jpeg(), "image/jpeg")},
        follow_redirects=False,
    )
    assert form.status_code == 200 and 'src="/tech/photo/image?v=' in form.text
    assert refused.status_code == 422 and "JPEG" in refused.text
    assert saved.status_code == 303 and saved.headers["location"] == "/tech/photo?saved=1"
    assert client.get("/tech/photo/image").headers["content-type"] == "image/jpeg"


def test_the_demo_technicians_get_drawn_avatars_as_their_photos(client, world, db, settings):
    from anxin import clock
    from anxin.demo import avatars
    from anxin.technician.models import Technician

    demo = world.demo
    technicians = [db.get(Technician, demo.technician_id), db.get(Technician, demo.other_technician_id)]

    drawn = avatars.load(db, technicians=technicians, upload_dir=settings.upload_dir, now=clock.now())
    db.commit()

    assert drawn == 2
    pictures = []
    for technician in technicians:
        served = client.get(f"/api/v1/technicians/{technician.id}/photo", headers=demo.headers("admin"))
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        pictures.append(served.content)
    assert pictures[0] != pictures[1]  # drawn from each one's id, so no two alike
