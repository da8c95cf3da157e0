"""The appointment step (预约): ``POST /api/v1/work-orders/{id}/appointment`` records the window agreed with the
customer on the call as the ``appoint`` move (no state of its own), refuses a window in the past, inverted,
too long or too far ahead, counts a change, and the booking clock runs from the assignment against the
tenant's appointment target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from anxin.work_order import appointment
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, report, walk

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def window(hours_ahead: float, length: float = 2.0) -> dict:
    start = NOW + timedelta(hours=hours_ahead)
    return {"start_at": start.isoformat(), "end_at": (start + timedelta(hours=length)).isoformat()}


def acknowledged(client, world) -> int:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="acknowledge")
    return order_id


def book(client, world, order_id: int, body: dict, role: str = "technician"):
    return client.post(
        f"/api/v1/work-orders/{order_id}/appointment", json=body, headers=world.demo.headers(role)
    )


def test_the_technician_records_the_agreed_window_without_changing_the_state(client, world, db) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)

        answer = book(client, world, order_id, {**window(4), "note": "客户中午不在家，到前再打电话"})

    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "acknowledged"
    order = db.get(WorkOrder, order_id)
    assert order.appointment_start_at == NOW + timedelta(hours=4)
    assert order.appointment_end_at == NOW + timedelta(hours=6)
    assert order.appointment_note == "客户中午不在家，到前再打电话"
    assert order.appointment_changes == 0 and order.appointed_at == NOW
    event = db.scalar(select(WorkOrderEvent).where(WorkOrderEvent.action == "appoint"))
    assert event.actor_role == "technician" and event.payload["step"] == "call"
    assert event.note == "客户中午不在家，到前再打电话"


def test_the_customer_reads_the_event_in_plain_words_without_the_technicians_note(client, world) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        assert book(client, world, order_id, {**window(4), "note": "内部备注"}).status_code == 200

        events = client.get(f"/api/v1/work-orders/{order_id}/events", headers=world.demo.headers("customer"))

    appointed = [e for e in events.json() if e["action"] == "appoint"]
    assert len(appointed) == 1 and appointed[0]["by"] == "technician"
    assert appointed[0]["note"] is None  # the note is for staff and the technician


def test_a_window_in_the_past_inverted_too_long_or_too_far_is_refused(client, world, db) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        past = book(client, world, order_id, window(-3))
        inverted = book(
            client, world, order_id, {"start_at": window(5)["end_at"], "end_at": window(5)["start_at"]}
        )
        long = book(client, world, order_id, window(2, length=6))
        far = book(client, world, order_id, window(24 * 45))
        english = client.post(
            f"/api/v1/work-orders/{order_id}/appointment",
            json=window(-3),
            headers={**world.demo.headers("technician"), "Accept-Language": "en"},
        )

    assert [a.status_code for a in (past, inverted, long, far)] == [422, 422, 422, 422]
    error = past.json()["error"]
    assert (
        error["code"] == "invalid_input" and error["field"] == "start_at" and "已经过去" in error["message"]
    )
    assert "晚于开始" in inverted.json()["error"]["message"]
    assert "4 小时" in long.json()["error"]["message"]
    assert "30 天" in far.json()["error"]["message"]
    assert "in the past" in english.json()["error"]["message"]
    assert db.get(WorkOrder, order_id).appointed_at is None
    assert db.scalar(select(WorkOrderEvent).where(WorkOrderEvent.action == "appoint")) is None


def test_a_window_agreed_a_few_minutes_late_on_the_call_is_accepted(client, world) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        answer = book(client, world, order_id, window(-0.25))  # 09:45–11:45 agreed at 10:00

    assert answer.status_code == 200, answer.text


def test_a_second_window_counts_a_change_and_the_dispatcher_may_record_it(client, world, db) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        assert book(client, world, order_id, window(3)).status_code == 200
        again = book(client, world, order_id, window(26), role="dispatcher")

    assert again.status_code == 200, again.text
    order = db.get(WorkOrder, order_id)
    assert order.appointment_changes == 1 and order.appointment_start_at == NOW + timedelta(hours=26)
    last = db.scalars(select(WorkOrderEvent).where(WorkOrderEvent.action == "appoint")).all()[-1]
    assert last.actor_role == "dispatcher" and last.payload["changed"] is True


def test_the_customer_and_the_agent_may_not_record_the_call_and_none_after_departure(client, world) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        customer = book(client, world, order_id, window(3), role="customer")
        agent = book(client, world, order_id, window(3), role="agent")
        act(client, world.demo, order_id, "technician", "depart", {"lat": 30.25, "lng": 120.15})
        late = book(client, world, order_id, window(3))

    assert customer.status_code == 403 and agent.status_code == 403
    assert late.status_code == 409


def test_the_booking_clock_runs_from_the_assignment_against_the_target(client, world, db) -> None:
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
    order = db.get(WorkOrder, order_id)

    running = appointment.booking_clock(db, order, now=NOW + timedelta(minutes=30))
    late = appointment.booking_clock(db, order, now=NOW + timedelta(minutes=121))

    assert running.state == "running" and running.target_minutes == 120  # the default policy
    assert running.due_at == NOW + timedelta(minutes=120)
    assert late.state == "late"

    with time_machine.travel(NOW + timedelta(minutes=25), tick=False):
        assert book(client, world, order_id, window(3)).status_code == 200
    db.rollback()  # a new snapshot: the booking was committed by the request
    met = appointment.booking_clock(db, db.get(WorkOrder, order_id), now=NOW + timedelta(hours=5))
    assert met.state == "met" and met.minutes_taken == 25


def test_the_booking_clock_follows_the_tenants_appointment_target(client, world, db) -> None:
    policy = {
        "respond_minutes": 30,
        "appointment_minutes": 30,
        "arrive_urban_minutes": 240,
        "arrive_suburban_minutes": 480,
        "complete_minutes": 1440,
        "at_risk_share": 0.25,
        "quiet_start": "22:00",
        "quiet_end": "08:00",
        "overrides": [],
    }
    assert (
        client.put("/api/v1/sla-policy", json=policy, headers=world.demo.headers("admin")).status_code == 200
    )
    with time_machine.travel(NOW, tick=False):
        order_id = acknowledged(client, world)
        with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
            assert book(client, world, order_id, window(3)).status_code == 200
    db.rollback()  # a new snapshot: the booking was committed by the request

    clock = appointment.booking_clock(db, db.get(WorkOrder, order_id), now=NOW + timedelta(hours=1))

    assert clock.target_minutes == 30 and clock.state == "met_late" and clock.minutes_taken == 40
