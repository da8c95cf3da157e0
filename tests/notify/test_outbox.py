"""The outbox: written once per fact and recipient, fanned out to the tenant's subscribed webhooks."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from anxin.notify import service
from anxin.notify.models import OutboxMessage
from anxin.notify.outbox import Recipient, enqueue
from tests.notify.fake_dns import PUBLIC


@pytest.fixture(autouse=True)
def erp_hosts(dns):
    """The tenants' ERP hosts resolve to a public address (a webhook is registered only then)."""
    for name in ("erp.local", "acme.local"):
        dns.answer(name, PUBLIC)


def rows(db, tenant_id):
    return db.scalars(
        select(OutboxMessage).where(OutboxMessage.tenant_id == tenant_id).order_by(OutboxMessage.id)
    ).all()


def test_the_same_fact_is_written_once_however_often_it_is_enqueued(db, world):
    tenant_id = world.demo.tenant.id
    to = [Recipient("inbox", f"customer:{world.demo.customer_id}"), Recipient("sms", "13800000001")]
    first = enqueue(db, tenant_id=tenant_id, event="survey.invite", to=to, context={}, dedupe_key="survey:1")
    again = enqueue(db, tenant_id=tenant_id, event="survey.invite", to=to, context={}, dedupe_key="survey:1")
    assert len(first) == 2
    assert again == []
    assert [(m.channel, m.recipient, m.status) for m in rows(db, tenant_id)] == [
        ("inbox", f"customer:{world.demo.customer_id}", "pending"),
        ("sms", "13800000001", "pending"),
    ]


def test_a_key_names_a_persons_address_by_a_digest_only(db, world):
    tenant_id = world.demo.tenant.id
    to = [
        Recipient("sms", "13800000001"),
        Recipient("sms", "13800000002"),
        Recipient("email", "li@example.com"),
    ]
    assert (
        len(enqueue(db, tenant_id=tenant_id, event="survey.invite", to=to, context={}, dedupe_key="s:2")) == 3
    )
    keys = [m.dedupe_key for m in rows(db, tenant_id)]
    assert len(set(keys)) == 3 and all(key.startswith("s:2|") for key in keys)
    assert not any("13800000001" in key or "13800000002" in key or "li@example" in key for key in keys)


def test_every_event_also_goes_to_the_tenants_subscribed_webhooks(db, world):
    tenant_id = world.demo.tenant.id
    everything = service.create_endpoint(db, tenant_id=tenant_id, url="http://erp.local/a", events=["*"])
    surveys = service.create_endpoint(
        db, tenant_id=tenant_id, url="http://erp.local/b", events=["survey.invite"]
    )
    service.create_endpoint(db, tenant_id=tenant_id, url="http://erp.local/c", events=["sla.breached"])
    gone = service.create_endpoint(db, tenant_id=tenant_id, url="http://erp.local/d", events=["*"])
    service.deactivate_endpoint(db, tenant_id=tenant_id, endpoint_id=gone.id)
    service.create_endpoint(db, tenant_id=world.acme.tenant.id, url="http://acme.local/", events=["*"])

    enqueue(db, tenant_id=tenant_id, event="survey.invite", to=[], context={"number": "X"}, dedupe_key="s:9")
    enqueue(db, tenant_id=tenant_id, event="survey.invite", to=[], context={"number": "X"}, dedupe_key="s:9")

    assert sorted(m.recipient for m in rows(db, tenant_id)) == [
        f"endpoint:{everything.id}",
        f"endpoint:{surveys.id}",
    ]
    assert rows(db, world.acme.tenant.id) == []


def test_endpoints_read_once_per_session_are_read_again_when_they_change(db, world):
    tenant_id = world.demo.tenant.id
    enqueue(db, tenant_id=tenant_id, event="order.created", to=[], context={}, dedupe_key="o:1")
    endpoint = service.create_endpoint(db, tenant_id=tenant_id, url="http://erp.local/a", events=["*"])
    enqueue(db, tenant_id=tenant_id, event="order.created", to=[], context={}, dedupe_key="o:2")
    service.deactivate_endpoint(db, tenant_id=tenant_id, endpoint_id=endpoint.id)
    enqueue(db, tenant_id=tenant_id, event="order.created", to=[], context={}, dedupe_key="o:3")
    assert [m.dedupe_key for m in rows(db, tenant_id)] == [f"o:2|webhook|endpoint:{endpoint.id}"]


@pytest.mark.postgres
def test_two_writers_of_one_fact_at_once_write_it_once(sessionmaker_, world, is_postgres):
    """Two transactions enqueue the same fact at the same moment (a sweep on two workers): neither fails
    and the fact is written once per recipient."""
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    tenant_id = world.demo.tenant.id
    to = [Recipient("inbox", f"customer:{world.demo.customer_id}"), Recipient("sms", "13800000001")]
    ready = threading.Barrier(2)

    def writer(_: int) -> list[int]:
        with sessionmaker_() as db:
            ready.wait()
            written = enqueue(
                db, tenant_id=tenant_id, event="survey.invite", to=to, context={}, dedupe_key="race:1"
            )
            db.commit()
            return written

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(writer, range(2)))
    assert sorted(len(r) for r in results) in ([0, 2], [1, 1])  # each row won by one of the two
    with sessionmaker_() as db:
        assert len(rows(db, tenant_id)) == 2
