"""The complaint desk: numbering per tenant and month, the table-driven life with rounds, deadlines with
reminders and escalation, closing with responsibility and compensation, monthly figures, isolation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from anxin import clock
from anxin.auth.models import User
from anxin.feedback.complaints import stats as complaint_stats
from anxin.feedback.complaints import sweep as complaint_sweep
from anxin.feedback.models import Complaint, ComplaintEvent, ServiceTask
from anxin.notify.models import OutboxMessage
from tests.feedback.helpers import LOW, answer, completed_order, fresh, token_of
from tests.helpers import run_together

BASE = "/api/v1/complaints"


def file(client, world, role="agent", **overrides):
    body = {"channel": "hotline", "category": "attitude", "description": "师傅态度恶劣", **overrides}
    return client.post(BASE, json=body, headers=world.headers(role))


def move(client, world, complaint_id, action, role="quality", **body):
    return client.post(f"{BASE}/{complaint_id}/{action}", json=body or None, headers=world.headers(role))


def test_numbers_run_per_tenant_and_restart_each_month(client, world):
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), tick=False):  # 23:00 in Shanghai
        first = file(client, world.demo).json()
        second = file(client, world.demo).json()
        other = file(client, world.acme).json()
    with time_machine.travel(datetime(2026, 11, 30, 16, 30, tzinfo=UTC), tick=False):  # 00:30, 1 December
        december = file(client, world.demo).json()

    assert [first["number"], second["number"]] == ["CP202611-0001", "CP202611-0002"]
    assert other["number"] == "CP202611-0001"
    assert december["number"] == "CP202612-0001"
    assert first["status"] == "registered" and first["events"][0]["action"] == "create"


def test_a_customer_complains_about_their_own_order_only(client, world):
    order_id = completed_order(client, world.demo)

    own = file(client, world.demo, role="customer", channel="app", work_order_id=order_id)
    not_theirs = file(client, world.demo, role="other_customer", channel="app", work_order_id=order_id)

    assert own.status_code == 201, own.text
    assert own.json()["technician_id"] == world.demo.technician_id
    assert own.json()["outlet_id"] == world.demo.outlet_id
    assert own.json()["customer_id"] == world.demo.customer_id
    assert not_theirs.status_code == 404


def test_a_customer_cannot_see_another_customers_complaint_and_acme_cannot_see_demos(client, world):
    order_id = completed_order(client, world.demo)
    complaint_id = file(client, world.demo, role="customer", work_order_id=order_id).json()["id"]

    assert client.get(f"{BASE}/{complaint_id}", headers=world.demo.headers("customer")).status_code == 200
    assert (
        client.get(f"{BASE}/{complaint_id}", headers=world.demo.headers("other_customer")).status_code == 404
    )
    assert client.get(BASE, headers=world.demo.headers("other_customer")).json() == []
    assert client.get(f"{BASE}/{complaint_id}", headers=world.acme.headers("quality")).status_code == 404
    assert move(client, world.acme, complaint_id, "investigate").status_code == 404
    assert client.get(BASE, headers=world.acme.headers("quality")).json() == []


def test_the_whole_life_with_a_reopened_round_keeps_the_history(client, world):
    complaint_id = file(client, world.demo, severity="major").json()["id"]
    quality_id = world.demo.users["quality"].id

    assert move(client, world.demo, complaint_id, "assign", owner_id=quality_id).status_code == 200
    assert move(client, world.demo, complaint_id, "investigate").status_code == 200
    assert (
        move(client, world.demo, complaint_id, "resolve", resolution="上门道歉并免除上门费").status_code
        == 200
    )
    reopened = move(client, world.demo, complaint_id, "reopen", role="agent", note="客户不接受")
    assert reopened.json()["status"] == "investigating" and reopened.json()["round"] == 2
    assert move(client, world.demo, complaint_id, "resolve", resolution="更换整机").status_code == 200
    assert move(client, world.demo, complaint_id, "confirm", role="agent").status_code == 200
    closed = move(
        client, world.demo, complaint_id, "close", responsibility="technician", compensation_fen=20000
    )

    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["responsibility"] == "technician"
    history = [(e["action"], e["round"]) for e in body["events"]]
    assert history == [
        ("create", 1),
        ("assign", 1),
        ("investigate", 1),
        ("resolve", 1),
        ("reopen", 2),
        ("resolve", 2),
        ("confirm", 2),
        ("close", 2),
    ]
    assert body["events"][3]["payload"]["resolution"] == "上门道歉并免除上门费"


def test_an_illegal_move_is_409_and_writes_nothing(client, world, db):
    complaint_id = file(client, world.demo).json()["id"]

    refused = move(client, world.demo, complaint_id, "resolve", resolution="x")
    unknown = move(client, world.demo, complaint_id, "teleport")
    wrong_role = move(client, world.demo, complaint_id, "investigate", role="customer")

    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    assert unknown.status_code == 404
    assert wrong_role.status_code in (403, 404)
    fresh(db)
    assert len(db.scalars(select(ComplaintEvent)).all()) == 1


def test_closing_needs_the_responsibility(client, world):
    complaint_id = file(client, world.demo).json()["id"]
    move(client, world.demo, complaint_id, "assign", owner_id=world.demo.users["quality"].id)
    move(client, world.demo, complaint_id, "investigate")
    move(client, world.demo, complaint_id, "resolve", resolution="已退款")
    move(client, world.demo, complaint_id, "confirm", role="agent")

    refused = move(client, world.demo, complaint_id, "close")

    assert refused.status_code == 422 and refused.json()["error"]["field"] == "responsibility"
    assert move(client, world.demo, complaint_id, "close", responsibility="none").status_code == 200


def test_only_an_admin_approves_the_compensation_once(client, world):
    complaint_id = file(client, world.demo).json()["id"]
    move(client, world.demo, complaint_id, "assign", owner_id=world.demo.users["quality"].id)
    move(client, world.demo, complaint_id, "investigate")
    move(client, world.demo, complaint_id, "resolve", resolution="先行赔付 200 元")
    move(client, world.demo, complaint_id, "confirm", role="agent")
    move(client, world.demo, complaint_id, "close", responsibility="outlet", compensation_fen=20000)

    assert move(client, world.demo, complaint_id, "approve-compensation", role="quality").status_code == 403
    approved = move(client, world.demo, complaint_id, "approve-compensation", role="admin")

    assert approved.status_code == 200
    assert approved.json()["compensation_approved_by_id"] == world.demo.users["admin"].id
    assert approved.json()["compensation_approved_at"] is not None
    assert move(client, world.demo, complaint_id, "approve-compensation", role="admin").status_code == 409


def test_a_survey_draft_is_registered_or_discarded_by_quality(client, world, db):
    first, second = completed_order(client, world.demo), completed_order(client, world.demo)
    answer(client, first, token_of(db, first), LOW)
    answer(client, second, token_of(db, second), LOW)
    drafts = client.get(f"{BASE}?status=draft", headers=world.demo.headers("quality")).json()
    assert len(drafts) == 2 and all(d["number"] is None for d in drafts)

    registered = move(client, world.demo, drafts[0]["id"], "register")
    discarded = move(client, world.demo, drafts[1]["id"], "discard")

    assert registered.json()["status"] == "registered" and registered.json()["number"].startswith("CP")
    assert registered.json()["resolve_due_at"] is not None
    assert discarded.json()["status"] == "discarded" and discarded.json()["number"] is None
    assert move(client, world.demo, drafts[1]["id"], "register").status_code == 409


def test_an_overdue_major_complaint_is_reminded_then_escalated_once(client, world, db):
    start = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        complaint_id = file(client, world.demo, severity="major").json()["id"]

    assert complaint_sweep.sweep(db, now=start + timedelta(hours=23)) == {"reminded": 0, "escalated": 0}
    assert complaint_sweep.sweep(db, now=start + timedelta(hours=25)) == {"reminded": 1, "escalated": 0}
    assert complaint_sweep.sweep(db, now=start + timedelta(hours=26)) == {"reminded": 0, "escalated": 0}
    assert complaint_sweep.sweep(db, now=start + timedelta(hours=38)) == {"reminded": 0, "escalated": 1}
    assert complaint_sweep.sweep(db, now=start + timedelta(hours=40)) == {"reminded": 0, "escalated": 0}
    db.commit()

    complaint = db.get(Complaint, complaint_id)
    assert clock.as_utc(complaint.escalated_at) == start + timedelta(hours=38)
    reminders = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "complaint.reminder")).all()
    assert [m.recipient for m in reminders] == [f"user:{world.demo.users['quality'].id}"]  # no owner yet
    escalations = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "complaint.escalated")).all()
    assert [m.recipient for m in escalations] == [f"user:{world.demo.users['admin'].id}"]
    task = db.scalar(select(ServiceTask).where(ServiceTask.kind == "complaint_reminder"))
    assert task.complaint_id == complaint_id and task.role == "quality"
    actions = [
        e.action
        for e in db.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id))
    ]
    assert actions == ["create", "remind", "escalate"]
    listed = client.get(f"{BASE}?overdue=true", headers=world.demo.headers("quality")).json()
    assert [c["id"] for c in listed] == [complaint_id] and listed[0]["overdue"] is True


def test_a_general_complaint_within_its_limit_is_left_alone(client, world, db):
    start = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        file(client, world.demo)

    assert complaint_sweep.sweep(db, now=start + timedelta(days=6)) == {"reminded": 0, "escalated": 0}
    assert complaint_sweep.sweep(db, now=start + timedelta(days=7, hours=1))["reminded"] == 1


def test_month_figures_on_a_hand_built_case(client, world, db):
    start = datetime(2026, 11, 3, 2, 0, tzinfo=UTC)
    quality_id = world.demo.users["quality"].id

    def settle(complaint_id: int, hours: int, responsibility: str) -> None:
        with time_machine.travel(start + timedelta(hours=hours), tick=False):
            move(client, world.demo, complaint_id, "assign", owner_id=quality_id)
            move(client, world.demo, complaint_id, "investigate")
            move(client, world.demo, complaint_id, "resolve", resolution="已处理")
            move(client, world.demo, complaint_id, "confirm", role="agent")
            assert (
                move(client, world.demo, complaint_id, "close", responsibility=responsibility).status_code
                == 200
            )

    with time_machine.travel(start, tick=False):
        fast = file(client, world.demo, category="attitude", severity="major").json()["id"]
        slow = file(client, world.demo, category="attitude", severity="major").json()["id"]
        file(client, world.demo, category="price")
    settle(fast, 10, "technician")
    settle(slow, 100, "outlet")  # past the 72-hour limit of a major complaint
    with time_machine.travel(datetime(2026, 12, 5, tzinfo=UTC), tick=False):
        file(client, world.demo, category="parts")  # another month

    stats = client.get(f"{BASE}/stats?month=2026-11", headers=world.demo.headers("quality")).json()

    assert stats["total"] == 3 and stats["closed"] == 2
    assert stats["by_category"] == {"attitude": 2, "price": 1}
    assert stats["by_responsibility"] == {"technician": 1, "outlet": 1}
    assert stats["mean_hours_to_close"] == 55.0
    assert stats["closed_on_time_share"] == 0.5
    assert client.get(f"{BASE}/stats?month=2026-11", headers=world.demo.headers("agent")).status_code == 403
    acme = complaint_stats.month(db, tenant_id=world.acme.tenant.id, month="2026-11")
    assert acme.total == 0


def test_only_quality_or_admin_can_own_a_complaint(client, world, db):
    complaint_id = file(client, world.demo).json()["id"]

    refused = move(client, world.demo, complaint_id, "assign", owner_id=world.demo.users["agent"].id)
    other_tenant = move(client, world.demo, complaint_id, "assign", owner_id=world.acme.users["quality"].id)

    assert refused.status_code == 422 and other_tenant.status_code == 422
    fresh(db)
    assert db.get(Complaint, complaint_id).owner_id is None
    assert db.get(User, world.demo.users["quality"].id).role == "quality"


def test_the_customer_confirms_or_reopens_their_own_resolved_complaint(client, world):
    order_id = completed_order(client, world.demo)
    complaint_id = file(client, world.demo, role="customer", work_order_id=order_id).json()["id"]
    move(client, world.demo, complaint_id, "assign", owner_id=world.demo.users["quality"].id)
    move(client, world.demo, complaint_id, "investigate")
    move(client, world.demo, complaint_id, "resolve", resolution="已道歉")

    assert move(client, world.demo, complaint_id, "confirm", role="other_customer").status_code == 404
    reopened = move(client, world.demo, complaint_id, "reopen", role="customer")
    assert reopened.status_code == 200 and reopened.json()["round"] == 2
    move(client, world.demo, complaint_id, "resolve", resolution="赔偿 100 元")
    confirmed = move(client, world.demo, complaint_id, "confirm", role="customer")
    assert confirmed.json()["status"] == "customer_confirmed"
    assert (
        move(client, world.demo, complaint_id, "close", role="customer", responsibility="none").status_code
        == 403
    )


def test_the_desk_cannot_name_another_tenants_customer(client, world):
    refused = file(client, world.demo, customer_id=world.acme.customer_id)

    assert refused.status_code == 404
    assert (
        file(client, world.demo, customer_id=world.demo.customer_id).json()["customer_id"]
        == world.demo.customer_id
    )


def test_concurrent_registrations_never_share_a_number(client, world, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite serialises writers; the row lock is exercised on PostgreSQL")

    results = run_together(4, lambda i: file(client, world.demo).json()["number"])

    assert sorted(number[-4:] for number in results) == ["0001", "0002", "0003", "0004"]
    assert len({number[:8] for number in results}) == 1
