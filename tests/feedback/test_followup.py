"""Follow-up surveys: one per completed order with an outbox invitation, answered through the signed link
or on the phone; low scores open a callback and a complaint draft; the sweep opens call tasks."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from anxin import clock, links
from anxin.auth.models import User
from anxin.feedback import handlers as feedback_handlers
from anxin.feedback.followup import surveys as followup
from anxin.feedback.models import Complaint, ServiceTask
from anxin.notify.models import OutboxMessage
from anxin.work_order.events import Recorded
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.feedback.helpers import GOOD, LOW, answer, completed_order, fresh, survey_of, token_of


def test_completing_an_order_creates_one_survey_and_one_invitation_even_if_the_reaction_runs_twice(
    client, world, db
):
    order_id = completed_order(client, world.demo)

    survey = survey_of(db, order_id)
    assert survey.status == "pending" and survey.sent_at is not None
    assert survey.technician_id == world.demo.technician_id
    assert clock.as_utc(survey.expires_at) - clock.as_utc(survey.created_at) == timedelta(days=7)
    order = db.get(WorkOrder, order_id)
    event = db.scalar(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "complete"
        )
    )
    technician = db.get(User, world.demo.users["technician"].id)
    feedback_handlers.open_survey(db, Recorded(order=order, event=event, actor=technician))
    db.commit()

    invitations = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "survey.invite")).all()
    assert sorted(m.channel for m in invitations) == ["inbox", "sms"]
    # an absolute link (it goes out by SMS), to the survey page of this site
    assert invitations[0].context["link"].startswith(links.base() + "/s/")
    assert invitations[0].context["number"] == order.number
    assert {m.recipient for m in invitations} == {"13800000001", f"customer:{world.demo.customer_id}"}
    assert survey_of(db, order_id).id == survey.id


def test_staff_see_the_survey_and_its_state(client, world, db):
    order_id = completed_order(client, world.demo)

    seen = client.get(f"/api/v1/work-orders/{order_id}/survey", headers=world.demo.headers("agent"))

    assert seen.status_code == 200
    assert seen.json()["status"] == "pending" and seen.json()["link"].startswith("/s/")
    refused = client.get(f"/api/v1/work-orders/{order_id}/survey", headers=world.demo.headers("customer"))
    assert refused.status_code == 403
    other_tenant = client.get(f"/api/v1/work-orders/{order_id}/survey", headers=world.acme.headers("agent"))
    assert other_tenant.status_code == 404


def test_the_customer_sees_what_they_rate_without_signing_in(client, world, db):
    order_id = completed_order(client, world.demo)

    shown = client.get(f"/api/v1/surveys/{token_of(db, order_id)}")

    assert shown.status_code == 200
    assert shown.json()["technician_name"] == "王师傅"
    assert shown.json()["order_number"] == db.get(WorkOrder, order_id).number
    assert "对开门冰箱" in shown.json()["appliance"]


def test_answering_through_the_link_moves_the_order_to_followed_up(client, world, db):
    order_id = completed_order(client, world.demo)

    answered = answer(client, order_id, token_of(db, order_id))

    assert answered.status_code == 200, answered.text
    survey = survey_of(db, order_id)
    assert (survey.status, survey.answered_via, survey.attitude, survey.nps) == ("answered", "link", 5, 9)
    order = db.get(WorkOrder, order_id)
    assert order.status == "followed_up"
    follow_up = db.scalar(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "follow-up"
        )
    )
    assert follow_up.note == "客户在线评价"
    assert db.scalar(select(func.count(ServiceTask.id))) == 0  # a good score opens nothing
    assert db.scalar(select(func.count(Complaint.id))) == 0


def test_a_tampered_token_is_403_an_answered_one_409_an_expired_one_410(client, world, db):
    order_id = completed_order(client, world.demo)
    token = token_of(db, order_id)
    body, signature = token.rsplit(".", 1)

    tampered = answer(client, order_id, f"{body}x.{signature}")
    assert tampered.status_code == 403 and tampered.json()["error"]["code"] == "survey_token_invalid"
    assert client.get(f"/api/v1/surveys/{body}.{signature[:-2]}aa").status_code == 403

    with time_machine.travel(clock.now() + timedelta(days=8), tick=False):
        expired = answer(client, order_id, token)
    assert expired.status_code == 410 and expired.json()["error"]["code"] == "survey_expired"

    assert answer(client, order_id, token).status_code == 200
    again = answer(client, order_id, token)
    assert again.status_code == 409 and again.json()["error"]["code"] == "survey_answered"


def test_a_token_for_another_order_is_refused(client, world, db):
    first = completed_order(client, world.demo)
    second = completed_order(client, world.demo)

    refused = answer(client, second, token_of(db, first))

    assert refused.status_code == 403
    assert survey_of(db, first).status == "pending"


def test_scores_out_of_range_are_refused(client, world, db):
    order_id = completed_order(client, world.demo)
    token = token_of(db, order_id)

    assert answer(client, order_id, token, {**GOOD, "attitude": 6}).status_code == 422
    assert answer(client, order_id, token, {**GOOD, "nps": 11}).status_code == 422
    assert answer(client, order_id, token, {**GOOD, "skill": 0}).status_code == 422
    assert survey_of(db, order_id).status == "pending"


def test_a_low_score_opens_a_callback_task_and_a_complaint_draft(client, world, db):
    order_id = completed_order(client, world.demo)

    assert answer(client, order_id, token_of(db, order_id), LOW).status_code == 200
    fresh(db)

    callback = db.scalar(select(ServiceTask).where(ServiceTask.kind == "callback"))
    assert (callback.role, callback.work_order_id, callback.status) == ("agent", order_id, "open")
    assert clock.as_utc(callback.due_at) - clock.as_utc(callback.created_at) <= timedelta(hours=24)
    draft = db.scalar(select(Complaint))
    assert (draft.status, draft.channel, draft.category, draft.number) == (
        "draft",
        "survey",
        "attitude",
        None,
    )
    assert draft.work_order_id == order_id and draft.technician_id == world.demo.technician_id
    assert draft.outlet_id == world.demo.outlet_id and draft.survey_id == survey_of(db, order_id).id
    seen = client.get(f"/api/v1/work-orders/{order_id}/survey", headers=world.demo.headers("quality"))
    assert seen.json()["complaint_id"] == draft.id


def test_unanswered_for_48_hours_opens_one_call_task_even_when_swept_twice(client, world, db):
    order_id = completed_order(client, world.demo)
    sent = clock.as_utc(survey_of(db, order_id).sent_at)

    early = followup.sweep(db, now=sent + timedelta(hours=47))
    assert early["call_tasks"] == 0
    first = followup.sweep(db, now=sent + timedelta(hours=49))
    second = followup.sweep(db, now=sent + timedelta(hours=50))
    db.commit()

    assert (first["call_tasks"], second["call_tasks"]) == (1, 0)
    calls = db.scalars(select(ServiceTask).where(ServiceTask.kind == "follow_up_call")).all()
    assert len(calls) == 1 and calls[0].role == "agent" and calls[0].work_order_id == order_id


def test_the_sweep_sends_unsent_invitations_and_expires_old_links(client, world, db):
    order_id = completed_order(client, world.demo)
    survey = survey_of(db, order_id)
    survey.sent_at = None
    db.query(OutboxMessage).delete()
    db.commit()

    assert followup.sweep(db, now=clock.now())["invited"] == 1
    assert followup.sweep(db, now=clock.now())["invited"] == 0
    assert db.scalar(select(func.count(OutboxMessage.id))) == 2
    assert followup.sweep(db, now=clock.now() + timedelta(days=8))["expired"] == 1
    db.commit()
    assert survey_of(db, order_id).status == "expired"


def test_an_agent_records_a_phone_follow_up_from_the_call_task(client, world, db):
    order_id = completed_order(client, world.demo)
    followup.sweep(db, now=clock.now() + timedelta(hours=49))
    db.commit()
    agent = world.demo.headers("agent")
    task = client.get("/api/v1/tasks?kind=follow_up_call", headers=agent).json()[0]
    assert client.post(f"/api/v1/tasks/{task['id']}/take", headers=agent).status_code == 200

    recorded = client.post(
        f"/api/v1/work-orders/{order_id}/survey", json={"via": "phone", **GOOD}, headers=agent
    )

    assert recorded.status_code == 200, recorded.text
    survey = survey_of(db, order_id)
    assert (survey.answered_via, survey.answered_by_id) == ("phone", world.demo.users["agent"].id)
    assert db.get(WorkOrder, order_id).status == "followed_up"
    event = db.scalar(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "follow-up"
        )
    )
    assert event.actor_id == world.demo.users["agent"].id
    assert db.get(ServiceTask, task["id"]).status == "done"
    technician = client.post(
        f"/api/v1/work-orders/{order_id}/survey",
        json={"via": "phone", **GOOD},
        headers=world.demo.headers("technician"),
    )
    assert technician.status_code == 403


def test_task_queues_by_role_and_take_and_done(client, world, db):
    order_id = completed_order(client, world.demo)
    answer(client, order_id, token_of(db, order_id), LOW)
    agent, quality = world.demo.headers("agent"), world.demo.headers("quality")

    assert len(client.get("/api/v1/tasks", headers=agent).json()) == 1
    assert client.get("/api/v1/tasks", headers=quality).json() == []
    assert len(client.get("/api/v1/tasks", headers=world.demo.headers("admin")).json()) == 1
    assert client.get("/api/v1/tasks", headers=world.acme.headers("admin")).json() == []
    task_id = client.get("/api/v1/tasks", headers=agent).json()[0]["id"]
    assert client.post(f"/api/v1/tasks/{task_id}/take", headers=quality).status_code == 404

    done = client.post(f"/api/v1/tasks/{task_id}/done", json={"outcome": "已致电道歉"}, headers=agent)

    assert done.status_code == 200 and done.json()["status"] == "done"
    assert client.post(f"/api/v1/tasks/{task_id}/take", headers=agent).status_code == 409
    assert client.get("/api/v1/tasks?status=done", headers=agent).json()[0]["outcome"] == "已致电道歉"
