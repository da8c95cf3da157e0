"""Relay numbers (隐私号): a number per order that bridges the customer and the assigned technician, made on
assignment, pointed at the new technician on reassignment (the old one reaches no one through it),
released when the order goes back to the pool, kept for the grace period after the order is finished or
cancelled and then released by the sweep; none without a configured provider. ``relay.callee`` plays the
provider's routing: whom a call from a phone to the relay number reaches."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from anxin import clock, jobs
from anxin.audit.models import AuditEvent
from anxin.telephony import providers, relay
from anxin.telephony.models import RelayBinding
from tests.helpers import HAPPY_PATH, act, report, walk

CUSTOMER, TECH, OTHER_TECH, STRANGER = "13800000001", "13900000001", "13900000002", "13700000000"


def assigned(client, world) -> int:
    order_id = report(client, world.demo).json()["id"]
    walk(client, world.demo, order_id, until="assign")
    return order_id


def sweep(sessionmaker_) -> dict:
    """The periodic job's pass, in its own transaction."""
    jobs.use(sessionmaker_)
    try:
        return jobs.relay_pass()
    finally:
        jobs.use(None)


def carry_on(client, world, order_id: int, until: str) -> None:
    """The happy path after the assignment, until ``until``."""
    steps = list(HAPPY_PATH)
    start = [action for _, action, _ in steps].index("assign") + 1
    for role, action, body in steps[start:]:
        answer = act(client, world.demo, order_id, role, action, body)
        assert answer.status_code == 200, answer.text
        if action == until:
            return


def bindings(db, order_id: int) -> list[RelayBinding]:
    db.rollback()  # a fresh snapshot: the requests committed meanwhile
    return list(
        db.scalars(
            select(RelayBinding).where(RelayBinding.work_order_id == order_id).order_by(RelayBinding.id)
        )
    )


def reach(db, number: str, caller: str) -> str | None:
    db.rollback()  # a fresh snapshot: the requests committed meanwhile
    return relay.callee(db, relay_number=number, caller=caller)


def test_an_assignment_binds_a_number_that_bridges_the_customer_and_the_technician(
    client, world, db, relay_on
) -> None:
    # Given the demo provider, when the dispatcher assigns the order
    order_id = assigned(client, world)

    # Then one number of the pool bridges the two, each way, and no one else
    [binding] = bindings(db, order_id)
    number = binding.relay_number
    assert number.startswith(providers.POOL_PREFIX) and len(number) == 11
    assert binding.status == "active" and binding.technician_id == world.demo.technician_id
    assert reach(db, number, CUSTOMER) == TECH
    assert reach(db, number, TECH) == CUSTOMER
    assert reach(db, number, STRANGER) is None
    # And the bridge is logged, masked, in the audit log
    logged = db.scalar(select(AuditEvent).where(AuditEvent.action == "relay.bind"))
    assert logged.object_type == "work_order" and logged.object_id == order_id
    assert logged.note == f"客户 138****0001 ↔ 师傅 139****0001 经 {number}"
    assert CUSTOMER not in str(logged.changes) and TECH not in str(logged.changes)


def test_the_api_gives_each_side_the_number_and_never_a_real_one(client, world, relay_on) -> None:
    order_id = assigned(client, world)
    url = f"/api/v1/work-orders/{order_id}/relay"

    answers = {
        who: client.get(url, headers=world.demo.headers(who))
        for who in ("customer", "technician", "dispatcher")
    }

    for who, answer in answers.items():
        assert answer.status_code == 200, (who, answer.text)
        assert CUSTOMER not in answer.text and TECH not in answer.text
    number = answers["customer"].json()["relay_number"]
    assert answers["customer"].json()["tel_uri"] == f"tel:{number}"
    assert [answers[w].json()["reaches"] for w in answers] == ["technician", "customer", None]
    assert {answers[w].json()["relay_number"] for w in answers} == {number}
    # another customer and another technician of the tenant do not see the order
    for who in ("other_customer", "other_technician"):
        assert client.get(url, headers=world.demo.headers(who)).status_code == 404


def test_a_reassigned_order_keeps_its_number_which_no_longer_reaches_the_old_technician(
    client, world, db, relay_on
) -> None:
    order_id = assigned(client, world)
    number = bindings(db, order_id)[0].relay_number

    # When the dispatcher gives the order to the other technician
    moved = act(
        client,
        world.demo,
        order_id,
        "dispatcher",
        "assign",
        {"technician_id": world.demo.other_technician_id},
    )
    assert moved.status_code == 200, moved.text

    # Then the customer's number is the same and reaches the new technician; the old one reaches no one
    [binding] = bindings(db, order_id)
    assert binding.relay_number == number and binding.rebinds == 1
    assert binding.technician_id == world.demo.other_technician_id
    assert reach(db, number, CUSTOMER) == OTHER_TECH
    assert reach(db, number, OTHER_TECH) == CUSTOMER
    assert reach(db, number, TECH) is None
    rebound = db.scalar(select(AuditEvent).where(AuditEvent.action == "relay.rebind"))
    assert rebound.note == f"客户 138****0001 ↔ 师傅 139****0002 经 {number}"
    # and the old technician can no longer read it
    url = f"/api/v1/work-orders/{order_id}/relay"
    assert client.get(url, headers=world.demo.headers("technician")).status_code == 404
    assert client.get(url, headers=world.demo.headers("other_technician")).json()["relay_number"] == number


def test_an_order_taken_back_releases_its_number_at_once(client, world, db, relay_on) -> None:
    order_id = assigned(client, world)
    number = bindings(db, order_id)[0].relay_number

    taken = act(client, world.demo, order_id, "dispatcher", "unassign", {"reason": "客户改期"})
    assert taken.status_code == 200, taken.text

    [binding] = bindings(db, order_id)
    assert binding.status == "released" and binding.unbound_at is not None
    assert binding.release_reason == "unassign"
    assert reach(db, number, CUSTOMER) is None and reach(db, number, TECH) is None
    refused = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("customer"))
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "relay_unavailable"
    assert refused.json()["error"]["reason"] == "no_technician"
    # a new assignment binds a new number
    assert (
        act(client, world.demo, order_id, "dispatcher", "assign", {"technician_id": None}).status_code == 200
    )
    assert [b.status for b in bindings(db, order_id)] == ["released", "active"]


def test_a_finished_order_keeps_its_number_for_the_grace_period_then_the_sweep_releases_it(
    client, world, db, sessionmaker_, relay_on
) -> None:
    order_id = assigned(client, world)
    number = bindings(db, order_id)[0].relay_number
    carry_on(client, world, order_id, until="complete")

    [binding] = bindings(db, order_id)
    assert binding.status == "closing"
    assert binding.expires_at <= clock.now() + relay.GRACE
    assert reach(db, number, CUSTOMER) == TECH  # the customer may still call back
    closing = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("customer"))
    assert closing.status_code == 200 and closing.json()["closing"] is True

    # When the grace period is over and the sweep runs
    with time_machine.travel(clock.now() + relay.GRACE + timedelta(minutes=1), tick=False):
        counts = sweep(sessionmaker_)
        assert reach(db, number, CUSTOMER) is None
        gone = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("customer"))

    assert counts["released"] == 1
    assert bindings(db, order_id)[0].status == "released"
    assert gone.status_code == 409 and gone.json()["error"]["reason"] == "order_closed"


def test_a_cancelled_order_winds_its_number_down(client, world, db, relay_on) -> None:
    order_id = assigned(client, world)
    cancelled = act(client, world.demo, order_id, "agent", "cancel", {"reason": "客户自行修好"})
    assert cancelled.status_code == 200, cancelled.text
    [binding] = bindings(db, order_id)
    assert binding.status == "closing" and binding.expires_at <= clock.now() + relay.GRACE


def test_the_sweep_extends_an_open_orders_number_before_it_runs_out(
    client, world, db, sessionmaker_, relay_on
) -> None:
    order_id = assigned(client, world)
    first = bindings(db, order_id)[0].expires_at

    later = clock.now() + relay.TTL - timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        counts = sweep(sessionmaker_)

    assert counts["extended"] == 1
    [binding] = bindings(db, order_id)
    assert binding.status == "active" and binding.expires_at > first


def test_without_a_provider_nothing_is_bound_and_the_api_says_so(client, world, db, relay_off) -> None:
    order_id = assigned(client, world)

    assert bindings(db, order_id) == []
    refused = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("customer"))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "no_telephony_provider"
    english = client.get(
        f"/api/v1/work-orders/{order_id}/relay",
        headers={**world.demo.headers("customer"), "Accept-Language": "en"},
    )
    assert english.json()["error"]["message"] == "Relay numbers are not set up here"


def test_a_provider_configured_later_binds_on_the_first_request(client, world, db, monkeypatch) -> None:
    from anxin.config import get_settings

    monkeypatch.delenv("ANXIN_TELEPHONY_PROVIDER", raising=False)
    get_settings.cache_clear()
    order_id = assigned(client, world)
    assert bindings(db, order_id) == []

    monkeypatch.setenv("ANXIN_TELEPHONY_PROVIDER", "demo")
    get_settings.cache_clear()
    try:
        answer = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("technician"))
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()

    assert answer.status_code == 200, answer.text
    [binding] = bindings(db, order_id)
    assert binding.relay_number == answer.json()["relay_number"]


def refuse(self, **_):
    raise providers.ProviderFailed("vendor down")


def test_a_provider_that_cannot_bind_never_blocks_the_assignment(client, world, db, relay_on, monkeypatch):
    # Given a provider that cannot bind: the assignment goes on, nothing is bound, the API says 503
    monkeypatch.setattr(providers.DemoProvider, "bind", refuse)
    order_id = assigned(client, world)

    assert bindings(db, order_id) == []
    down = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.demo.headers("customer"))
    assert down.status_code == 503 and down.json()["error"]["code"] == "telephony_unavailable"


def test_a_provider_that_cannot_rebind_never_leaves_the_old_technician_bridged(
    client, world, db, relay_on, monkeypatch
) -> None:
    order_id = assigned(client, world)
    number = bindings(db, order_id)[0].relay_number
    monkeypatch.setattr(providers.DemoProvider, "rebind", refuse)

    moved = act(
        client,
        world.demo,
        order_id,
        "dispatcher",
        "assign",
        {"technician_id": world.demo.other_technician_id},
    )

    # the number is released rather than kept pointing at the old technician, and a new one bound
    assert moved.status_code == 200, moved.text
    first, second = bindings(db, order_id)
    assert first.status == "released" and first.release_reason == "rebind_failed"
    assert reach(db, number, TECH) is None
    assert second.status == "active" and second.technician_id == world.demo.other_technician_id
    assert reach(db, second.relay_number, CUSTOMER) == OTHER_TECH


def test_another_tenant_never_reaches_the_order_or_its_number(client, world, relay_on) -> None:
    order_id = assigned(client, world)
    for who in ("customer", "technician", "dispatcher", "admin"):
        answer = client.get(f"/api/v1/work-orders/{order_id}/relay", headers=world.acme.headers(who))
        assert answer.status_code == 404, who


def test_the_sweep_is_a_periodic_job() -> None:
    assert "relay_sweep" in {task.name for task in jobs.huey._registry.periodic_tasks}
