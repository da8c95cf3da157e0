"""Scorecard consequences: three low ratings in a row take a technician out of automatic dispatch and the
order pool (a dispatcher can still assign by hand, visibly), quality reinstates them and the same old
ratings do not suspend again; a rolling rating below the line flags retraining with one training task;
penalty points cross the tenant's thresholds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from anxin.feedback.models import Complaint, QualityPolicy, ServiceTask, Survey
from anxin.feedback.scorecards import consequences as scorecards
from anxin.notify.models import OutboxMessage
from anxin.technician.models import Technician, TechnicianQualityEvent
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import HAPPY_PATH, act, report, walk

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou, a Tuesday


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def completed_order(client, world) -> int:
    order = report(client, world).json()
    walk(client, world, order["id"], until="complete")
    return order["id"]


def rate(db, order_id: int, overall: int, *, at: datetime) -> Survey:
    """The order's survey answered with ``overall`` (created when the follow-up did not make one)."""
    db.commit()  # a fresh read: the order came through the API
    order = db.get(WorkOrder, order_id)
    survey = db.scalar(select(Survey).where(Survey.work_order_id == order_id))
    if survey is None:
        survey = Survey(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            customer_id=order.customer_id,
            technician_id=order.technician_id,
            expires_at=at + timedelta(days=7),
        )
        db.add(survey)
    survey.status, survey.overall, survey.answered_at, survey.answered_via = "answered", overall, at, "link"
    db.commit()
    return survey


def rated(client, db, world, scores: list[int], *, start: datetime) -> list[int]:
    """One completed order per score, answered an hour apart from ``start``."""
    ids = []
    for index, score in enumerate(scores):
        order_id = completed_order(client, world)
        rate(db, order_id, score, at=start + timedelta(hours=index))
        ids.append(order_id)
    return ids


def refresh(db, technician_id: int) -> scorecards.Scorecard:
    card = scorecards.refresh(db, technician_id=technician_id, now=datetime.now(UTC))
    db.commit()
    return card


def set_policy(client, world, **policy) -> None:
    response = client.put("/api/v1/dispatch/policies", json=[policy], headers=world.headers("admin"))
    assert response.status_code == 200, response.text


def accepted(client, world) -> dict:
    order = report(client, world).json()
    response = act(client, world, order["id"], "agent", "accept")
    assert response.status_code == 200, response.text
    return response.json()


def move_away(db, technician_id: int) -> None:
    technician = db.get(Technician, technician_id)
    technician.home_lat, technician.home_lng = 30.30, 120.20
    db.commit()


def test_three_low_ratings_suspend_auto_dispatch_and_the_other_technician_gets_the_order(client, world, db):
    demo = world.demo
    move_away(db, demo.other_technician_id)  # left alone, tech01 would be the auto-dispatcher's choice
    rated(client, db, demo, [5, 2, 1, 2], start=NOON - timedelta(hours=6))

    card = refresh(db, demo.technician_id)

    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    assert card.suspended and "suspended" in card.done
    assert technician.auto_dispatch is False
    assert technician.suspended_at == NOON and technician.suspension_reason == "low_rating_run"
    assert technician.rating == 2.5 and technician.rating_count == 4
    quality = demo.users["quality"]
    messages = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "technician.suspended")).all()
    assert [(m.channel, m.recipient) for m in messages] == [("inbox", f"user:{quality.id}")]
    events = db.scalars(select(TechnicianQualityEvent.action)).all()
    assert "suspended" in events

    set_policy(client, demo, mode="auto", ack_timeout_minutes=10)
    order = accepted(client, demo)
    assert order["status"] == "assigned"
    assert order["technician_id"] == demo.other_technician_id

    # refreshing again changes nothing: no second message, no second event
    refresh(db, demo.technician_id)
    assert (
        db.scalar(select(OutboxMessage).where(OutboxMessage.event == "technician.suspended").offset(1))
        is None
    )
    assert db.scalars(select(TechnicianQualityEvent.action)).all().count("suspended") == 1


def test_a_suspended_technician_is_not_offered_the_pool_but_a_dispatcher_can_assign_with_a_reason(
    client, world, db
):
    demo = world.demo
    rated(client, db, demo, [1, 1, 1], start=NOON - timedelta(hours=6))
    refresh(db, demo.technician_id)
    set_policy(client, demo, mode="pool", pool_minutes=15, pool_radius_km=20)
    order = accepted(client, demo)

    assert client.get("/api/v1/dispatch/pool", headers=demo.headers("technician")).json() == []
    seen = client.get("/api/v1/dispatch/pool", headers=demo.headers("other_technician")).json()
    assert [o["order_id"] for o in seen] == [order["id"]]
    claim = client.post(f"/api/v1/work-orders/{order['id']}/claim", headers=demo.headers("technician"))
    assert claim.status_code in (409, 422) and claim.status_code != 200

    refused = act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": None})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["reasons"] == ["auto_dispatch_paused"] and error["overridable"] is True
    forced = act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": None, "override": True})
    assert forced.status_code == 200, forced.text
    assert forced.json()["technician_id"] == demo.technician_id
    db.expire_all()
    last = db.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order["id"]).order_by(WorkOrderEvent.id)
    ).all()[-1]
    assert last.action == "assign" and last.payload["overruled"] == ["auto_dispatch_paused"]


def test_quality_reinstates_and_the_same_old_ratings_do_not_suspend_again(client, world, db, at_noon):
    demo = world.demo
    move_away(db, demo.other_technician_id)
    rated(client, db, demo, [2, 2, 2], start=NOON - timedelta(hours=6))
    refresh(db, demo.technician_id)
    url = f"/api/v1/technicians/{demo.technician_id}/reinstate"

    assert client.post(url, json={"note": "复训合格"}, headers=demo.headers("agent")).status_code == 403
    blank = client.post(url, json={"note": "  "}, headers=demo.headers("quality"))
    assert blank.status_code == 422
    foreign = client.post(url, json={"note": "复训合格"}, headers=world.acme.headers("quality"))
    assert foreign.status_code == 404
    at_noon.shift(timedelta(hours=1))
    done = client.post(url, json={"note": "复训合格"}, headers=demo.headers("quality"))
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["auto_dispatch"] is True
    assert [e["action"] for e in body["history"]][-2:] == ["suspended", "reinstated"]
    assert body["history"][-1]["note"] == "复训合格"
    assert body["history"][-1]["actor_id"] == demo.users["quality"].id
    again = client.post(url, json={"note": "再来"}, headers=demo.headers("quality"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "technician_not_suspended"

    card = refresh(db, demo.technician_id)
    db.expire_all()
    assert card.suspended is False
    assert db.get(Technician, demo.technician_id).auto_dispatch is True
    set_policy(client, demo, mode="auto", ack_timeout_minutes=10)
    order = accepted(client, demo)
    assert order["technician_id"] == demo.technician_id

    # new low ratings after the reinstatement count: two are not yet a run, the third suspends again
    finish(client, demo, order["id"])
    rate(db, order["id"], 1, at=NOON + timedelta(hours=2))
    rated(client, db, demo, [1], start=NOON + timedelta(hours=3))
    assert refresh(db, demo.technician_id).suspended is False
    rated(client, db, demo, [2], start=NOON + timedelta(hours=4))
    assert refresh(db, demo.technician_id).suspended is True


def finish(client, world, order_id: int) -> None:
    """An order the auto-dispatcher assigned, taken from acknowledgement to completion."""
    steps = HAPPY_PATH[2 : [a for _, a, _ in HAPPY_PATH].index("complete") + 1]
    for role, action, body in steps:
        assert act(client, world, order_id, role, action, body).status_code == 200


def test_a_rolling_rating_below_the_line_flags_retraining_with_one_training_task(client, world, db):
    demo = world.demo
    rated(client, db, demo, [4, 4, 5, 4, 4], start=NOON - timedelta(hours=8))  # 4.2, no run of low ones

    first = refresh(db, demo.technician_id)
    second = refresh(db, demo.technician_id)

    assert first.rating == 4.2 and first.retraining and not first.suspended
    assert "retraining" in first.done and "retraining" not in second.done
    db.expire_all()
    assert db.get(Technician, demo.technician_id).retraining is True
    tasks = db.scalars(select(ServiceTask).where(ServiceTask.kind == "training")).all()
    assert [(t.role, t.status, t.technician_id) for t in tasks] == [("quality", "open", demo.technician_id)]
    assert tasks[0].dedupe_key == f"training:technician:{demo.technician_id}:1"


def test_four_ratings_below_the_line_are_too_few_for_retraining(client, world, db):
    demo = world.demo
    rated(client, db, demo, [4, 4, 4, 3], start=NOON - timedelta(hours=8))
    card = refresh(db, demo.technician_id)
    assert card.rating == 3.75 and card.retraining is False
    assert db.scalars(select(ServiceTask).where(ServiceTask.kind == "training")).all() == []


def complaint(db, world, *, responsibility: str, status: str = "closed") -> Complaint:
    row = Complaint(
        tenant_id=world.tenant.id,
        status=status,
        channel="hotline",
        category="attitude",
        description="态度差",
        technician_id=world.technician_id,
        responsibility=responsibility,
        closed_at=NOON - timedelta(days=1) if status == "closed" else None,
    )
    db.add(row)
    db.commit()
    return row


def test_penalty_points_cross_the_tenants_thresholds(client, world, db):
    demo = world.demo
    db.add(
        QualityPolicy(
            tenant_id=demo.tenant.id,
            points_upheld_complaint=2,
            points_far_evidence=1,
            warning_points=2,
            retraining_points=3,
            suspension_points=5,
        )
    )
    db.commit()
    complaint(db, demo, responsibility="customer")  # not upheld against the technician: no points
    complaint(db, demo, responsibility="technician", status="investigating")  # not closed: no points
    assert refresh(db, demo.technician_id).penalties.points == 0

    complaint(db, demo, responsibility="technician")
    card = refresh(db, demo.technician_id)
    assert card.penalties.points == 2 and card.done == ["warning"]
    warned = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "technician.warning")).all()
    assert sorted(m.recipient for m in warned) == sorted(
        [f"user:{demo.users['quality'].id}", f"technician:{demo.technician_id}"]
    )
    assert refresh(db, demo.technician_id).done == []  # warned once per episode

    order_id = completed_order(client, demo)  # evidence far from the address on its arrival
    db.execute(
        WorkOrderEvent.__table__.update()
        .where(WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "arrive")
        .values(payload={"far_from_address_m": 2500})
    )
    db.commit()
    card = refresh(db, demo.technician_id)
    assert (card.penalties.far_evidence, card.penalties.points) == (1, 3)
    assert card.retraining and not card.suspended

    complaint(db, demo, responsibility="technician")
    card = refresh(db, demo.technician_id)
    assert card.penalties.points == 5 and card.suspended
    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    assert technician.suspension_reason == "penalty_points" and technician.penalty_points == 5
    assert technician.auto_dispatch is False

    # acme has no policy row: the column defaults (3 per upheld complaint, warning at 3)
    complaint(db, world.acme, responsibility="technician")
    acme_card = refresh(db, world.acme.technician_id)
    assert acme_card.penalties.points == 3 and acme_card.done == ["warning"]


def test_a_technician_taken_off_after_the_window_without_arriving_missed_the_appointment(client, world, db):
    demo = world.demo
    order = accepted(client, demo)
    assert act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": None}).status_code == 200
    stored = db.get(WorkOrder, order["id"])
    stored.appointment_start_at = NOON - timedelta(hours=3)
    stored.appointment_end_at = NOON - timedelta(hours=1)
    db.commit()

    response = act(client, demo, order["id"], "dispatcher", "unassign", {"reason": "师傅未到"})
    assert response.status_code == 200, response.text

    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    assert technician.penalty_points == 1  # refreshed by the order event, one point by default
    other = refresh(db, demo.other_technician_id)
    assert other.penalties.missed_appointments == 0


def test_a_late_arrival_is_a_missed_appointment_and_an_on_time_one_is_not(client, world, db):
    demo = world.demo
    late, on_time = completed_order(client, demo), completed_order(client, demo)
    for order_id, minutes in ((late, -30), (on_time, 30)):
        order = db.get(WorkOrder, order_id)
        order.appointment_end_at = order.on_site_at + timedelta(minutes=minutes)
    db.commit()
    card = refresh(db, demo.technician_id)
    assert card.penalties.missed_appointments == 1


def test_a_closed_training_task_is_not_reopened_until_a_new_episode(client, world, db):
    demo = world.demo
    db.add(QualityPolicy(tenant_id=demo.tenant.id, rating_window=5))
    db.commit()
    rated(client, db, demo, [4, 4, 5, 4, 4], start=NOON - timedelta(hours=12))
    assert refresh(db, demo.technician_id).retraining
    task = db.scalar(select(ServiceTask).where(ServiceTask.kind == "training"))
    task.status, task.outcome = "done", "复训完成"
    db.commit()
    assert refresh(db, demo.technician_id).done == []  # still below the line: the same episode

    rated(client, db, demo, [5, 5, 5], start=NOON - timedelta(hours=6))  # 5, 5, 5, 4, 4 → 4.6
    assert refresh(db, demo.technician_id).retraining is False
    rated(client, db, demo, [3], start=NOON - timedelta(hours=2))  # 3, 5, 5, 5, 4 → 4.4
    card = refresh(db, demo.technician_id)

    assert card.retraining and card.done == ["retraining"]
    keys = db.scalars(
        select(ServiceTask.dedupe_key).where(ServiceTask.kind == "training").order_by(ServiceTask.id)
    )
    assert list(keys) == [f"training:technician:{demo.technician_id}:{n}" for n in (1, 2)]
