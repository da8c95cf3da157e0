"""The API's moves take an ``Idempotency-Key`` as the technician app's queue does: a retried request (the
same key and body) moves the order once and answers with the order as it is; the key with another request
is refused (422). Complete and wait-parts too, not only the simple moves."""

from __future__ import annotations

from sqlalchemy import func, select

from anxin.work_order.models import WorkOrderEvent
from tests.helpers import report, walk

KEY = "retry-0001-abcdef"


def post(client, world, order_id: int, action: str, body: dict | None, key: str = KEY):
    headers = {**world.headers("technician"), "Idempotency-Key": key}
    return client.post(f"/api/v1/work-orders/{order_id}/{action}", json=body, headers=headers)


def events(db, order_id: int, action: str) -> int:
    db.rollback()  # a fresh read
    return db.scalar(
        select(func.count(WorkOrderEvent.id)).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == action
        )
    )


def test_a_retried_completion_completes_once(client, world, db):
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="start")
    body = {"note": "更换温控器，试机正常"}
    first = post(client, demo, order_id, "complete", body)
    again = post(client, demo, order_id, "complete", body)
    assert first.status_code == 200, first.text
    assert again.status_code == 200 and again.json()["status"] == "completed"
    assert again.json()["version"] == first.json()["version"]
    assert events(db, order_id, "complete") == 1


def test_a_retried_wait_for_parts_waits_once_and_another_body_is_refused(client, world, db):
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="start")
    body = {"reason": "压缩机需要订货"}
    assert post(client, demo, order_id, "wait-parts", body).status_code == 200
    assert post(client, demo, order_id, "wait-parts", body).status_code == 200
    other = post(client, demo, order_id, "wait-parts", {"reason": "另一个原因"})
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert events(db, order_id, "wait-parts") == 1
