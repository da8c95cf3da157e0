"""Intake: order numbers, idempotent retries, duplicate reports, rework, photos, and concurrent writers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from anxin.auth.models import User
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, intake, report, run_together, walk

# A real 1×1 PNG: uploads are decoded in full, so a header followed by zeros is refused.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def count_orders(db) -> int:
    return db.scalar(select(func.count()).select_from(WorkOrder))


def test_numbers_run_per_tenant_and_per_local_day(client, world):
    with time_machine.travel(datetime(2026, 11, 22, 15, 59, tzinfo=UTC), tick=False) as traveller:
        first = report(client, world.demo).json()["number"]
        other_tenant = report(client, world.acme).json()["number"]
        second = report(
            client,
            world.demo,
            appliance_id=world.demo.other_appliance_id,
            customer_id=world.demo.other_customer_id,
        ).json()["number"]
        traveller.shift(timedelta(minutes=2))  # 00:01 on the 23rd in Shanghai
        next_day = report(client, world.demo, service_type="cleaning").json()["number"]
    assert (first, second, other_tenant) == ("WO20261122-000001", "WO20261122-000002", "WO20261122-000001")
    assert next_day == "WO20261123-000001"


def test_a_retried_request_with_the_same_idempotency_key_returns_the_same_order(client, world, db):
    demo = world.demo
    key = {"Idempotency-Key": "hotline-call-7731"}
    first = report(client, demo, headers=key)
    again = report(client, demo, headers=key)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    assert count_orders(db) == 1
    different = report(client, demo, headers=key, fault_description="冰箱噪音大")
    assert different.status_code == 422 and different.json()["error"]["code"] == "idempotency_key_reused"
    # The key belongs to its caller: another agent's identical key is an independent request.
    other = report(client, world.acme, headers=key)
    assert other.status_code == 201


def test_a_second_report_for_an_appliance_with_an_open_order_returns_it_as_a_duplicate(client, world, db):
    demo = world.demo
    first = report(client, demo).json()
    again = report(client, demo, role="customer", channel="app")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["duplicate"] is True
    other_service = report(client, demo, service_type="cleaning")
    assert other_service.status_code == 201 and other_service.json()["id"] != first["id"]
    assert count_orders(db) == 2


def test_a_report_within_30_days_of_a_completion_is_rework_linked_to_it(client, world):
    demo = world.demo
    with time_machine.travel(datetime(2026, 11, 1, 2, 0, tzinfo=UTC), tick=False) as traveller:
        first = report(client, demo).json()
        walk(client, demo, first["id"], until="complete")
        traveller.shift(timedelta(days=20))
        rework = report(client, demo).json()
        assert rework["is_rework"] is True and rework["rework_of_id"] == first["id"]
        created = client.get(
            f"/api/v1/work-orders/{rework['id']}/events", headers=demo.headers("agent")
        ).json()[0]
        assert created["payload"]["rework_of"] == first["number"]
        act(client, demo, rework["id"], "agent", "resolve-remote")
        traveller.shift(timedelta(days=31))
        later = report(client, demo).json()
        assert later["is_rework"] is False


def test_billing_follows_the_warranty_on_the_report_date(client, world):
    demo = world.demo
    old = report(
        client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
    ).json()
    # Bought 93 months ago: the 36-month unit warranty is over but the 120-month compressor cover is not.
    assert old["warranty_status"] == "key_parts_only" and old["billing_category"] == "A"
    internal = report(client, demo, service_type="inspection", internal=True).json()
    assert internal["billing_category"] == "D"


def test_intake_refuses_what_does_not_belong_together(client, world):
    demo = world.demo
    wrong_owner = report(client, demo, appliance_id=demo.other_appliance_id)
    assert wrong_owner.status_code == 404 and wrong_owner.json()["error"]["code"] == "not_found"
    assert wrong_owner.json()["error"]["message"] == "家电不存在"
    english = {"Accept-Language": "en"}
    unknown_customer = report(client, demo, customer_id=10**9, headers=english)
    assert unknown_customer.status_code == 404
    assert unknown_customer.json()["error"]["message"] == "Customer not found"
    others = client.get(f"/api/v1/customers/{demo.other_customer_id}", headers=demo.headers("agent")).json()
    someone_elses_address = report(client, demo, address_id=others["addresses"][0]["id"], headers=english)
    assert someone_elses_address.status_code == 404
    assert someone_elses_address.json()["error"]["message"] == "Address not found"
    foreign = report(client, demo, appliance_id=world.acme.appliance_id)
    assert foreign.status_code == 404
    bad_enum = report(client, demo, service_type="teleportation")
    assert bad_enum.status_code == 422 and bad_enum.json()["error"]["field"] == "service_type"
    window = report(
        client,
        demo,
        preferred_start_at="2026-12-01T06:00:00+08:00",
        preferred_end_at="2026-12-01T04:00:00+08:00",
    )
    assert window.status_code == 422 and window.json()["error"]["field"] == "preferred_end_at"
    for_someone_else = report(
        client,
        demo,
        role="customer",
        customer_id=demo.other_customer_id,
        appliance_id=demo.other_appliance_id,
    )
    assert for_someone_else.status_code == 404
    technician = report(client, demo, role="technician")
    assert technician.status_code == 403


def test_photos_are_checked_by_their_bytes_and_size(client, world, settings):
    demo = world.demo
    order = report(client, demo, role="customer", channel="app").json()
    url = f"/api/v1/work-orders/{order['id']}/photos"
    ok = client.post(url, files={"file": ("fault.png", PNG, "image/png")}, headers=demo.headers("customer"))
    assert ok.status_code == 201 and ok.json()["content_type"] == "image/png"
    disguised = client.post(
        url, files={"file": ("fault.png", b"<script>", "image/png")}, headers=demo.headers("customer")
    )
    assert disguised.status_code == 422 and disguised.json()["error"]["code"] == "bad_photo"
    huge = PNG + b"\x00" * settings.max_upload_bytes
    too_big = client.post(
        url, files={"file": ("big.png", huge, "image/png")}, headers=demo.headers("customer")
    )
    assert too_big.status_code == 422
    listed = client.get(url, headers=demo.headers("agent")).json()
    assert [p["id"] for p in listed] == [ok.json()["id"]]
    fetched = client.get(f"{url}/{ok.json()['id']}", headers=demo.headers("agent"))
    assert fetched.status_code == 200 and fetched.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(fetched.content) == ok.json()["size_bytes"]  # the re-encoded copy, as stored
    stranger = client.get(f"{url}/{ok.json()['id']}", headers=demo.headers("other_customer"))
    assert stranger.status_code == 404


def test_two_sessions_changing_one_order_one_wins_the_other_is_refused(world, sessionmaker_):
    """Both read version 1; the second write is refused: PostgreSQL finds the version moved (StaleDataError),
    SQLite refuses a write from a read snapshot that is no longer the newest ("database is locked")."""
    demo = world.demo
    with sessionmaker_() as setup:
        agent = setup.get(User, demo.users["agent"].id)
        created = actions.create_order(setup, actor=agent, intake=intake(demo))
        setup.commit()
        order_id = created.order.id
    first, second = sessionmaker_(), sessionmaker_()
    try:
        order_a, order_b = first.get(WorkOrder, order_id), second.get(WorkOrder, order_id)
        actions.perform(
            first,
            order=order_a,
            action="accept",
            actor=first.get(User, demo.users["agent"].id),
            ctx=actions.Context(),
        )
        first.commit()
        with pytest.raises((StaleDataError, OperationalError)):
            actions.perform(
                second,
                order=order_b,
                action="accept",
                actor=second.get(User, demo.users["dispatcher"].id),
                ctx=actions.Context(),
            )
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessionmaker_() as check:
        events = check.scalars(
            select(WorkOrderEvent.action).where(WorkOrderEvent.work_order_id == order_id)
        ).all()
        assert events == ["create", "accept"]


@pytest.mark.postgres
def test_concurrent_retries_with_one_key_make_one_order(client, world, db, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    demo = world.demo
    responses = run_together(8, lambda _: report(client, demo, headers={"Idempotency-Key": "retry-storm"}))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert count_orders(db) == 1


@pytest.mark.postgres
def test_concurrent_reports_get_distinct_consecutive_numbers(client, world, db, sessionmaker_, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    demo = world.demo
    services = ["repair", "cleaning", "maintenance", "inspection", "installation", "relocation"]
    responses = run_together(6, lambda i: report(client, demo, service_type=services[i]))
    assert [r.status_code for r in responses] == [201] * 6
    numbers = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in responses)
    assert numbers == [1, 2, 3, 4, 5, 6]


@pytest.mark.postgres
def test_two_dispatchers_assigning_at_once_one_wins_the_other_gets_409(client, world, db, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    demo = world.demo
    order = report(client, demo).json()
    act(client, demo, order["id"], "agent", "accept")
    technicians = [demo.technician_id, demo.other_technician_id]
    for _ in range(5):  # several rounds, so the writers really overlap at least once
        current = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("admin")).json()

        def assign_as(i: int, version: int = current["version"]):
            body = {"technician_id": technicians[i], "version": version}
            return act(client, demo, order["id"], "dispatcher", "assign", body)

        responses = run_together(2, assign_as)
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 409], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        after = client.get(f"/api/v1/work-orders/{order['id']}", headers=demo.headers("admin")).json()
        assert (
            after["technician_id"] == winner["technician_id"] and after["version"] == current["version"] + 1
        )
