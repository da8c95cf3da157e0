"""Closure review: an outlet submits its finished orders, the brand approves or rejects with a reason, a
rejected one comes back in a new round; the refusals."""

from __future__ import annotations

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.settlement.models import ClosureReviewEvent
from tests.settlement.support import finished_order, second_outlet


def submit(client, world, order_id, role="outlet_manager", body=None):
    return client.post(
        f"/api/v1/work-orders/{order_id}/closure-review", json=body or {}, headers=world.headers(role)
    )


def test_submit_reject_resubmit_approve(client, world, sessionmaker_):
    # given a finished order of the outlet
    order_id = finished_order(client, sessionmaker_, world.demo, status="followed_up")
    # when the outlet manager submits it
    submitted = submit(client, world.demo, order_id, body={"note": "资料齐全"})
    # then it waits in the admin's queue, with the order's evidence linked
    assert submitted.status_code == 201, submitted.text
    review = submitted.json()
    assert review["status"] == "pending" and review["status_label"] == "待审核" and review["round"] == 1
    assert review["evidence"]["report_url"] == f"/api/v1/work-orders/{order_id}/report.pdf"
    queue = client.get(
        "/api/v1/closure-reviews", params={"status": "pending"}, headers=world.demo.headers("admin")
    )
    assert [r["id"] for r in queue.json()["items"]] == [review["id"]]
    # when the admin rejects it with a reason
    rejected = client.post(
        f"/api/v1/closure-reviews/{review['id']}/reject",
        json={"reason": "缺少完工照片"},
        headers=world.demo.headers("admin"),
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected" and rejected.json()["reject_reason"] == "缺少完工照片"
    # then the outlet manager sees it among the rejected, and submits it again
    mine = client.get(
        "/api/v1/closure-reviews", params={"status": "rejected"}, headers=world.demo.headers("outlet_manager")
    )
    assert [r["id"] for r in mine.json()["items"]] == [review["id"]]
    again = submit(client, world.demo, order_id, body={"note": "已补照片"})
    assert again.status_code == 201 and again.json()["round"] == 2 and again.json()["status"] == "pending"
    # when the admin approves it
    approved = client.post(
        f"/api/v1/closure-reviews/{review['id']}/approve", headers=world.demo.headers("admin")
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    # then the history holds every step, and the audit log too
    assert [e["action"] for e in approved.json()["history"]] == ["submit", "reject", "resubmit", "approve"]
    with sessionmaker_() as db:
        assert (
            db.scalar(select(ClosureReviewEvent).where(ClosureReviewEvent.action == "reject")).note
            == "缺少完工照片"
        )
        actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "closure_review")))
    assert actions == {
        "closure_review.submit",
        "closure_review.reject",
        "closure_review.resubmit",
        "closure_review.approve",
    }


def test_refusals(client, world, sessionmaker_, password_hash):
    demo = world.demo
    order_id = finished_order(client, sessionmaker_, demo)
    second_outlet(sessionmaker_, demo, password_hash)
    # another outlet's manager: 404, as for another tenant's
    assert submit(client, demo, order_id, role="outlet_west").status_code == 404
    assert submit(client, world.acme, order_id).status_code == 404
    # a technician or an agent may not submit: 403
    assert submit(client, demo, order_id, role="technician").status_code == 403
    # an unfinished order: 409
    open_order = finished_order(client, sessionmaker_, demo, status="on_site")
    refused = submit(client, demo, open_order)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "order_not_finished"
    review_id = submit(client, demo, order_id).json()["id"]
    # a pending one is not submitted twice
    assert submit(client, demo, order_id).status_code == 409
    # a rejection without a reason: 422
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        answer = client.post(
            f"/api/v1/closure-reviews/{review_id}/reject", json=body, headers=demo.headers("admin")
        )
        assert answer.status_code == 422, body
    # the outlet manager may not review their own: 403
    own = client.post(f"/api/v1/closure-reviews/{review_id}/approve", headers=demo.headers("outlet_manager"))
    assert own.status_code == 403
    # approving twice: 409 with the state named
    assert (
        client.post(f"/api/v1/closure-reviews/{review_id}/approve", headers=demo.headers("admin")).status_code
        == 200
    )
    twice = client.post(f"/api/v1/closure-reviews/{review_id}/approve", headers=demo.headers("admin"))
    assert twice.status_code == 409
    assert (
        twice.json()["error"]["code"] == "closure_review_state"
        and "审核通过" in twice.json()["error"]["message"]
    )
    # another outlet's manager does not see the review; another tenant's admin neither
    assert (
        client.get(f"/api/v1/closure-reviews/{review_id}", headers=demo.headers("outlet_west")).status_code
        == 404
    )
    assert (
        client.get(f"/api/v1/closure-reviews/{review_id}", headers=world.acme.headers("admin")).status_code
        == 404
    )
    # an approved one is not submitted again
    assert submit(client, demo, order_id).status_code == 409


def test_a_cancelled_order_is_not_submitted(client, world, sessionmaker_):
    order_id = finished_order(client, sessionmaker_, world.demo, status="cancelled")
    answer = submit(client, world.demo, order_id)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "order_not_finished"


def test_english_labels(client, world, sessionmaker_):
    order_id = finished_order(client, sessionmaker_, world.demo)
    answer = client.post(
        f"/api/v1/work-orders/{order_id}/closure-review",
        json={},
        headers=world.demo.headers("outlet_manager") | {"Accept-Language": "en"},
    )
    assert answer.json()["status_label"] == "Awaiting review"
