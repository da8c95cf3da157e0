"""Request bodies are refused with 413 ``payload_too_large`` as they are read, before anything parses them:
a declared length over the limit at once, a body sent without one (chunked) when its bytes pass the limit.
A multipart upload may carry one photo, the technician's completion form its photos and the signature,
anything else (JSON, a plain form) far less."""

from __future__ import annotations

import base64
import io
import json
import random

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from anxin.config import Settings
from anxin.work_order.models import WorkOrder, WorkOrderPhoto
from tests.conftest import World, page_csrf
from tests.helpers import report, report_body, walk

PHOTO_LIMIT = 200 * 1024  # one photo, in these tests
BODY_LIMIT = 64 * 1024  # any other body, in these tests
UPLOAD_MARGIN = 256 * 1024  # what an upload may carry besides its photo
COMPLETION_MARGIN = 1024 * 1024  # what the completion form may carry besides its photos


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return Settings(
        **{**settings.model_dump(), "max_upload_bytes": PHOTO_LIMIT, "max_body_bytes": BODY_LIMIT}
    )


def noise(seed: int, fmt: str = "JPEG", budget: int = PHOTO_LIMIT) -> bytes:
    """A picture of noise just under ``budget`` bytes (noise does not compress: its size is its pixels')."""
    side = 700
    while True:
        out = io.BytesIO()
        pixels = random.Random(seed).randbytes(side * side * 3)
        Image.frombytes("RGB", (side, side), pixels).save(out, format=fmt)
        if len(out.getvalue()) < budget:
            return out.getvalue()
        side -= 10


def orders(db) -> int:
    return db.scalar(select(func.count()).select_from(WorkOrder))


def test_a_json_body_over_the_limit_is_refused_before_it_is_read(
    client: TestClient, world: World, db
) -> None:
    demo = world.demo
    # given a report whose JSON runs past what a JSON body may have
    body = json.dumps({**report_body(demo), "external_ref": "x" * BODY_LIMIT}).encode()

    # when it is posted with its length, in Chinese and in English
    zh = client.post("/api/v1/work-orders", content=body, headers=demo.headers("agent"))
    en = client.post(
        "/api/v1/work-orders",
        content=body,
        headers={**demo.headers("agent"), "Content-Type": "application/json", "Accept-Language": "en"},
    )

    # then both are 413 in the one error shape, in the caller's language, and nothing is written
    assert zh.status_code == en.status_code == 413
    assert zh.json()["error"]["code"] == en.json()["error"]["code"] == "payload_too_large"
    assert zh.json()["error"]["message"].startswith("请求内容过大")
    assert en.json()["error"]["message"] == "The request is too large: at most 64 KB"
    assert en.json()["error"]["limit_bytes"] == BODY_LIMIT
    assert orders(db) == 0


def test_a_body_sent_without_a_length_is_counted_as_it_arrives(client: TestClient, world: World, db) -> None:
    demo = world.demo
    # given the same oversized report, streamed in chunks with no Content-Length
    body = json.dumps({**report_body(demo), "external_ref": "x" * BODY_LIMIT}).encode()

    def chunks():
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    # when it is posted
    answer = client.post(
        "/api/v1/work-orders",
        content=chunks(),
        headers={**demo.headers("agent"), "Content-Type": "application/json"},
    )

    # then it is refused the same way, and nothing is written
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert orders(db) == 0


def test_a_small_body_sent_without_a_length_still_gets_through(client: TestClient, world: World) -> None:
    demo = world.demo
    # given an ordinary report, streamed with no Content-Length
    body = json.dumps(report_body(demo)).encode()

    # when it is posted
    answer = client.post(
        "/api/v1/work-orders",
        content=iter([body[:40], body[40:]]),
        headers={**demo.headers("agent"), "Content-Type": "application/json"},
    )

    # then the order is taken
    assert answer.status_code == 201, answer.text


def test_an_upload_over_one_photo_is_refused_before_the_route_runs(
    client: TestClient, world: World, db, settings: Settings
) -> None:
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="arrive")
    # given a file of one photo's limit and the margin, and more
    too_big = b"\xff\xd8\xff\xe0" + b"\0" * (PHOTO_LIMIT + UPLOAD_MARGIN)

    # when the technician uploads it to the order
    answer = client.post(
        f"/api/v1/work-orders/{order['id']}/photos",
        files={"file": ("big.jpg", too_big, "image/jpeg")},
        headers=demo.headers("technician"),
    )

    # then it is 413, and no photo was stored
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "payload_too_large"
    assert db.scalar(select(func.count()).select_from(WorkOrderPhoto)) == 0
    assert not settings.upload_dir.exists() or not any(settings.upload_dir.rglob("*.*"))


def test_an_upload_over_the_json_limit_but_within_a_photo_reaches_the_route(
    client: TestClient, world: World
) -> None:
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="arrive")
    # given a photo bigger than a JSON body may be, within one photo's limit
    photo = noise(1)
    assert BODY_LIMIT < len(photo) < PHOTO_LIMIT

    # when it is uploaded
    answer = client.post(
        f"/api/v1/work-orders/{order['id']}/photos",
        files={"file": ("fault.jpg", photo, "image/jpeg")},
        headers=demo.headers("technician"),
    )

    # then the route takes it
    assert answer.status_code == 201, answer.text


def test_a_browser_gets_the_error_page(client: TestClient, world: World, sign_in) -> None:
    # given a customer signed in to the portal with a report carrying a picture too big to send
    sign_in(client, "customer01@demo")
    token = page_csrf(client, "/portal/report")
    too_big = b"\xff\xd8\xff\xe0" + b"\0" * (PHOTO_LIMIT + UPLOAD_MARGIN)

    # when the browser submits the form
    answer = client.post(
        "/portal/report",
        data={"csrf_token": token, "appliance_id": str(world.demo.appliance_id), "description": "不制冷"},
        files={"photo": ("big.jpg", too_big, "image/jpeg")},
        headers={"Accept": "text/html,application/xhtml+xml"},
        follow_redirects=False,
    )

    # then it reads the error page, in the page's language, and no order was taken
    assert answer.status_code == 413
    assert answer.headers["content-type"].startswith("text/html")
    assert "请求内容过大" in answer.text
    mine = client.get("/api/v1/work-orders", headers=world.demo.headers("agent")).json()
    assert mine["total"] == 0


def test_the_completion_form_carries_its_photos_and_the_signature(
    client: TestClient, world: World, db, sign_in
) -> None:
    demo = world.demo
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="start")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order['id']}")
    # given before and after photos, each within the limit, that together are more than one upload may
    # be, and a signature far larger than a drawn one (a pad's PNG of noise, as its data URL)
    before = [noise(seed) for seed in (1, 2)]
    after = [noise(3)]
    assert sum(map(len, before + after)) > PHOTO_LIMIT + UPLOAD_MARGIN
    signature = "data:image/png;base64," + base64.b64encode(noise(4, "PNG", budget=150 * 1024)).decode()
    assert len(signature) > BODY_LIMIT
    assert sum(map(len, before + after)) + len(signature) < 6 * PHOTO_LIMIT + COMPLETION_MARGIN

    # when the technician completes with them
    answer = client.post(
        f"/tech/orders/{order['id']}/complete",
        data={"csrf_token": token, "note": "更换温控器，试机正常", "signature": signature},
        files=[
            *(("before_photo", (f"b{i}.jpg", photo, "image/jpeg")) for i, photo in enumerate(before)),
            ("after_photo", ("a.jpg", after[0], "image/jpeg")),
        ],
        follow_redirects=False,
    )

    # then the order is completed, with the signature and the three photos
    assert answer.status_code in (200, 303), answer.text
    assert db.get(WorkOrder, order["id"]).status == "completed"
    assert db.scalar(select(func.count()).select_from(WorkOrderPhoto)) == 4
