"""A customer the platform has served, as the personal-data tests need them: customer01 of the demo tenant
with a closed order (a photo of their home, a quote, a service report), the survey answered with a comment
that carries a phone number, a complaint they filed and that was closed, and the messages they were sent."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from anxin.config import Settings
from anxin.notify.delivery import deliver_due
from tests.conftest import TenantWorld
from tests.feedback.helpers import answer, token_of
from tests.helpers import act, report, walk
from tests.test_tenant_isolation import PNG

PHONE, NAME, STREET = "13800000001", "张三", "文三路 1 号"  # customer01 as conftest made them
WRITTEN = "13912345678"  # another number the customer wrote in their own words
FAULT = f"冰箱不制冷，到了先打 {WRITTEN}"
COMMENT = f"师傅很好，有事打 {WRITTEN}"
COMPLAINT = f"上门迟到，请回电 {WRITTEN}"


@dataclass
class Served:
    order_id: int
    order_number: str
    photo_id: int
    complaint_id: int


def serve(client: TestClient, world: TenantWorld, sessionmaker_, settings: Settings) -> Served:
    """customer01's history, every part of it closed (so that they may be erased)."""
    # the customer reports in the app, in their own words
    order = report(client, world, role="customer", channel="app", fault_description=FAULT).json()
    order_id = order["id"]
    walk(client, world, order_id, until="arrive")
    photo = client.post(
        f"/api/v1/work-orders/{order_id}/photos",
        files={"file": ("home.png", PNG, "image/png")},
        headers=world.headers("technician"),
    )
    assert photo.status_code == 201, photo.text
    walk_on(client, world, order_id, after="arrive", until="complete")
    with sessionmaker_() as db:
        token = token_of(db, order_id)
    scores = {"attitude": 5, "skill": 5, "punctuality": 5, "promises": 5, "overall": 5, "nps": 10}
    answered = answer(client, order_id, token, {**scores, "comment": COMMENT})
    assert answered.status_code == 200, answered.text
    walk_on(client, world, order_id, after="follow-up", until="close")  # the answer followed it up
    # the customer complains in the app; the desk takes it to its end
    filed = client.post(
        "/api/v1/complaints",
        json={
            "work_order_id": order_id,
            "channel": "app",
            "category": "timeliness",
            "description": COMPLAINT,
        },
        headers=world.headers("customer"),
    )
    assert filed.status_code == 201, filed.text
    complaint_id = filed.json()["id"]
    close_complaint(client, world, complaint_id)
    deliver_due(sessionmaker_, settings=settings)  # the texts and inbox messages they were sent
    return Served(order_id, order["number"], photo.json()["id"], complaint_id)


def walk_on(client: TestClient, world: TenantWorld, order_id: int, *, after: str, until: str) -> None:
    """The happy path's steps after ``after`` until ``until`` (tests.helpers.walk starts at the beginning)."""
    from tests.helpers import HAPPY_PATH

    actions = [step[1] for step in HAPPY_PATH]
    for role, action, body in HAPPY_PATH[actions.index(after) + 1 : actions.index(until) + 1]:
        answered = act(client, world, order_id, role, action, body)
        assert answered.status_code == 200, (action, answered.text)


def close_complaint(client: TestClient, world: TenantWorld, complaint_id: int) -> None:
    base = f"/api/v1/complaints/{complaint_id}"
    steps = [
        ("quality", "register", None),
        ("quality", "assign", {"owner_id": world.users["quality"].id}),
        ("quality", "investigate", None),
        ("quality", "resolve", {"resolution": "师傅上门致歉"}),
        ("customer", "confirm", None),
        ("quality", "close", {"responsibility": "technician"}),
    ]
    for role, action, body in steps:
        moved = client.post(f"{base}/{action}", json=body, headers=world.headers(role))
        if action == "register" and moved.status_code == 409:
            continue  # filed by the customer in the app: registered already
        assert moved.status_code == 200, (action, moved.text)
