"""The technician's app offline, the server's side: the manifest, its icons and the service worker (served
with the scope ``/tech``), the queue's session state, and idempotency keys on the moves the offline queue
sends again: the same key and request is one move and one event, the key with another request is refused,
a refused move leaves the key free, a completion form refused and shown again gives its key back."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlalchemy import func, select

from anxin.work_order.models import IdempotencyRecord, WorkOrder, WorkOrderEvent
from tests.conftest import page_csrf
from tests.helpers import act, report, walk
from tests.web.test_tech_completion import form, started

KEY = "3f1c2a9e-7b44-4e0a-9d1f-2b7c5e8a6d10"


def events(db, order_id: int, action: str) -> int:
    db.rollback()  # a new snapshot: the requests committed
    return db.scalar(
        select(func.count(WorkOrderEvent.id)).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == action
        )
    )


def acknowledged(client, world) -> int:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="acknowledge")
    return order_id


def test_the_manifest_scopes_the_app_to_the_technicians_pages(client) -> None:
    answer = client.get("/tech/manifest.webmanifest")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(answer.text)
    assert manifest["name"] == "安心师傅" and manifest["display"] == "standalone"
    assert manifest["scope"] == "/tech" and manifest["start_url"] == "/tech"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        picture = client.get(icon["src"])
        assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
        size = int(icon["sizes"].split("x")[0])
        image = Image.open(io.BytesIO(picture.content))
        assert image.size == (size, size)
        # the teal field at the corner, the white shield in the middle
        assert image.convert("RGB").getpixel((2, 2)) == (15, 118, 110)
        assert image.convert("RGB").getpixel((size // 2, int(size * 0.3))) == (255, 255, 255)


def test_the_service_worker_is_allowed_the_scope_of_the_technicians_pages(client) -> None:
    answer = client.get("/tech/sw.js")

    assert answer.status_code == 200
    assert answer.headers["service-worker-allowed"] == "/tech"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "no-cache" in answer.headers["cache-control"]
    assert 'addEventListener("fetch"' in answer.text


def test_only_the_technicians_pages_link_the_manifest(client, world, sign_in) -> None:
    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    for path in ("/tech", f"/tech/orders/{order_id}", "/tech/day"):
        page = client.get(path)
        assert '<link rel="manifest" href="/tech/manifest.webmanifest">' in page.text, path
        assert 'id="offline-queue"' in page.text and 'id="offline-words"' in page.text
    client.cookies.clear()
    sign_in(client, "dispatcher@demo")
    assert 'rel="manifest"' not in client.get("/console").text


def test_the_queue_reads_the_session_and_its_csrf_token_now(client, world, sign_in) -> None:
    sign_in(client, "tech01@demo")
    token = page_csrf(client, "/tech")

    answer = client.get("/tech/offline/state")

    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {"user_id": world.demo.users["technician"].id, "csrf_token": token}


def test_a_replayed_depart_is_one_move_and_one_event(client, world, db, sign_in) -> None:
    # Given an acknowledged order and a depart form the technician sent, with its key
    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    body = {"csrf_token": token, "version": "", "lat": "30.27", "lng": "120.12", "idempotency_key": KEY}
    first = client.post(f"/tech/orders/{order_id}/act/depart", data=body, follow_redirects=False)
    assert first.status_code == 303 and "idempotent-replayed" not in first.headers

    # When the offline queue sends it again, the key in the header, with a fresh token
    again = client.post(
        f"/tech/orders/{order_id}/act/depart",
        data={k: v for k, v in body.items() if k != "idempotency_key"},
        headers={"Idempotency-Key": KEY, "X-CSRF-Token": page_csrf(client, "/tech")},
        follow_redirects=False,
    )

    # Then it answers as the first did, and the order moved once
    assert again.status_code == 303 and again.headers["location"] == f"/tech/orders/{order_id}"
    assert again.headers["idempotent-replayed"] == "true"
    assert events(db, order_id, "depart") == 1
    order = db.get(WorkOrder, order_id)
    assert order.status == "en_route"
    assert db.scalar(select(func.count(IdempotencyRecord.id)).where(IdempotencyRecord.key == KEY)) == 1


def test_the_same_key_with_another_request_is_refused(client, world, db, sign_in) -> None:
    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    body = {"csrf_token": token, "lat": "30.27", "lng": "120.12", "idempotency_key": KEY}
    assert (
        client.post(f"/tech/orders/{order_id}/act/depart", data=body, follow_redirects=False).status_code
        == 303
    )

    # When the key comes again with another place (or another move)
    other = client.post(
        f"/tech/orders/{order_id}/act/depart", data={**body, "lat": "31.00"}, follow_redirects=False
    )
    arrive = client.post(f"/tech/orders/{order_id}/act/arrive", data=body, follow_redirects=False)

    # Then both are refused, in words, and nothing more happened
    assert other.status_code == 422 and "已用于另一个不同的请求" in other.text
    assert arrive.status_code == 422
    assert events(db, order_id, "depart") == 1 and events(db, order_id, "arrive") == 0
    assert db.get(WorkOrder, order_id).status == "en_route"


def test_a_refused_move_leaves_its_key_free(client, world, db, sign_in) -> None:
    # Given an order the technician has not acknowledged yet: a depart is refused by the state table
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="assign")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    body = {"csrf_token": token, "idempotency_key": KEY}
    assert client.post(f"/tech/orders/{order_id}/act/depart", data=body).status_code == 409
    db.rollback()
    assert db.scalar(select(func.count(IdempotencyRecord.id)).where(IdempotencyRecord.key == KEY)) == 0

    # When the order is acknowledged and the same request comes again, it is done (not a replay)
    act(client, world.demo, order_id, "technician", "acknowledge")
    again = client.post(f"/tech/orders/{order_id}/act/depart", data=body, follow_redirects=False)
    assert again.status_code == 303 and "idempotent-replayed" not in again.headers
    assert events(db, order_id, "depart") == 1


def test_a_completion_refused_and_shown_again_gives_its_key_back(client, world, db, sign_in) -> None:
    order_id = started(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    unsigned = {**form(token, signature=""), "idempotency_key": KEY}
    assert client.post(f"/tech/orders/{order_id}/complete", data=unsigned).status_code == 422
    db.rollback()
    assert db.scalar(select(func.count(IdempotencyRecord.id)).where(IdempotencyRecord.key == KEY)) == 0

    signed = {**form(token), "idempotency_key": "second-" + KEY}
    done = client.post(f"/tech/orders/{order_id}/complete", data=signed, follow_redirects=False)
    replay = client.post(f"/tech/orders/{order_id}/complete", data=signed, follow_redirects=False)

    assert done.status_code == 303 and replay.status_code == 303
    assert replay.headers["idempotent-replayed"] == "true"
    assert events(db, order_id, "complete") == 1
    assert db.get(WorkOrder, order_id).status == "completed"


def test_a_photo_sent_twice_is_stored_once(client, world, db, sign_in) -> None:
    from tests.web.test_tech_completion import picture

    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    data = {"csrf_token": token, "kind": "", "idempotency_key": KEY}
    files = [("file", ("site.jpg", picture(), "image/jpeg"))]
    for _ in range(2):
        answer = client.post(
            f"/tech/orders/{order_id}/photos", data=data, files=files, follow_redirects=False
        )
        assert answer.status_code == 303
    assert events(db, order_id, "add-photo") == 1
    # another picture under the same key is another request
    other = [("file", ("site.jpg", picture(colour="black"), "image/jpeg"))]
    assert client.post(f"/tech/orders/{order_id}/photos", data=data, files=other).status_code == 422


def test_a_key_does_not_reach_another_technicians_or_tenants_order(client, world, db, sign_in) -> None:
    order_id = acknowledged(client, world)
    for login in ("tech02@demo", "tech01@acme"):
        client.cookies.clear()
        sign_in(client, login)
        token = page_csrf(client, "/tech")
        body = {"csrf_token": token, "idempotency_key": KEY}
        answer = client.post(f"/tech/orders/{order_id}/act/depart", data=body)
        assert answer.status_code == 404, login
    db.rollback()
    assert db.scalar(select(func.count(IdempotencyRecord.id)).where(IdempotencyRecord.key == KEY)) == 0
    assert events(db, order_id, "depart") == 0


def test_a_key_that_is_not_one_or_comes_without_the_csrf_token_is_refused(client, world, db, sign_in) -> None:
    """A key that is not one (too short, odd characters) or a form without its CSRF token is refused before
    anything happens."""
    order_id = acknowledged(client, world)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order_id}")
    bad = client.post(
        f"/tech/orders/{order_id}/act/depart", data={"csrf_token": token, "idempotency_key": "a b"}
    )
    assert bad.status_code == 422
    assert events(db, order_id, "depart") == 0
    # a key without a valid CSRF token is refused as any form is
    forged = client.post(
        f"/tech/orders/{order_id}/act/depart", data={"csrf_token": "x", "idempotency_key": KEY}
    )
    assert forged.status_code == 403
    assert events(db, order_id, "depart") == 0


def test_the_api_moves_take_the_same_keys(client, world, db) -> None:
    """The JSON API's simple moves (depart, arrive, start, resume, acknowledge …) take the same header."""
    order_id = acknowledged(client, world)
    headers = {**world.demo.headers("technician"), "Idempotency-Key": KEY}
    body = {"lat": 30.25, "lng": 120.15}

    first = client.post(f"/api/v1/work-orders/{order_id}/depart", json=body, headers=headers)
    again = client.post(f"/api/v1/work-orders/{order_id}/depart", json=body, headers=headers)
    other = client.post(
        f"/api/v1/work-orders/{order_id}/depart", json={"lat": 31.0, "lng": 120.15}, headers=headers
    )
    odd = client.post(
        f"/api/v1/work-orders/{order_id}/arrive",
        json=body,
        headers={**headers, "Idempotency-Key": "a b c d e f"},
    )

    assert first.status_code == 200 and again.status_code == 200
    assert again.json()["status"] == "en_route" and again.json()["version"] == first.json()["version"]
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert odd.status_code == 422
    assert events(db, order_id, "depart") == 1 and events(db, order_id, "arrive") == 0


def test_the_same_request_twice_at_once_is_one_move(client, world, db) -> None:
    """The queue of two tabs (or a retry while the first is still in flight) sends one key twice at once:
    one request moves the order, the other is answered as its replay (or waits and is), never a second move."""
    from tests.helpers import run_together

    order_id = acknowledged(client, world)
    headers = {**world.demo.headers("technician"), "Idempotency-Key": KEY}
    body = {"lat": 30.25, "lng": 120.15}

    answers = run_together(
        2, lambda i: client.post(f"/api/v1/work-orders/{order_id}/depart", json=body, headers=headers)
    )

    codes = sorted(a.status_code for a in answers)
    # on SQLite the second writer may be told the database is busy (409 busy), which the queue retries
    assert codes in ([200, 200], [200, 409]), [a.text for a in answers]
    assert all(a.json()["status"] == "en_route" for a in answers if a.status_code == 200)
    assert events(db, order_id, "depart") == 1
