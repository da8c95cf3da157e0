"""One transaction per request, committed before the response is sent."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from anxin.auth.models import Tenant
from anxin.database import ReadOnlySessionError, make_read_sessionmaker, words
from anxin.work_order.models import WorkOrder
from tests.helpers import report


def test_a_commit_that_fails_is_an_error_response_and_nothing_is_saved(client, world, db, monkeypatch):
    def failing_commit(self):
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(Session, "commit", failing_commit)
    response = report(client, world.demo)
    monkeypatch.undo()
    assert response.status_code == 409 and response.json()["error"]["code"] == "busy"
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == 0


def test_a_domain_error_rolls_the_whole_request_back(client, world, db):
    order = report(client, world.demo).json()
    refused = client.post(f"/api/v1/work-orders/{order['id']}/close", headers=world.demo.headers("quality"))
    assert refused.status_code == 409
    assert db.get(WorkOrder, order["id"]).version == 1


def test_a_read_only_session_refuses_to_write_and_reads_see_committed_data(engine, world, db):
    reads = make_read_sessionmaker(engine)
    with reads() as session:
        order_count = session.scalar(select(func.count()).select_from(WorkOrder))
        assert order_count == 0
        tenant = session.get(Tenant, world.demo.tenant.id)
        tenant.name = "renamed"
        with pytest.raises(ReadOnlySessionError):
            session.flush()
    assert db.get(Tenant, world.demo.tenant.id).name != "renamed"


def test_a_get_request_reads_through_the_read_only_session(client, world, app):
    created = report(client, world.demo).json()
    calls = []
    original = app.state.read_sessionmaker

    def counting():
        calls.append(1)
        return original()

    app.state.read_sessionmaker = counting
    try:
        read = client.get(f"/api/v1/work-orders/{created['id']}", headers=world.demo.headers("agent"))
    finally:
        app.state.read_sessionmaker = original
    assert read.status_code == 200 and read.json()["number"] == created["number"] and calls == [1]


def test_insert_loaded_writes_the_row_and_leaves_an_ordinary_persistent_object(db, world, sessionmaker_):
    from anxin.database import insert_loaded
    from anxin.work_order.models import WorkOrderEvent

    order = report_order(db, world)
    event = WorkOrderEvent(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        action="note",
        to_status=order.status,
        actor_role="agent",
    )
    assert insert_loaded(db, event) is event
    assert event.id is not None and event in db and not db.new and not db.dirty
    assert event.payload == {} and event.occurred_at is not None and event.note is None  # defaults, NULLs
    with pytest.raises(ValueError):
        insert_loaded(db, event)  # already in the session
    db.commit()
    with sessionmaker_() as other:
        stored = other.get(WorkOrderEvent, event.id)
        assert (stored.action, stored.payload, stored.occurred_at) == ("note", {}, event.occurred_at)


def test_an_order_inserted_at_intake_keeps_its_version_check(db, world, sessionmaker_):
    order = report_order(db, world)
    assert order.version == 1 and not db.dirty
    db.commit()
    with sessionmaker_() as other:  # someone else changes it first
        other.get(WorkOrder, order.id).priority = "urgent"
        other.commit()
    order.fault_description = "a second look"
    with pytest.raises(StaleDataError):
        db.commit()


def test_insert_loaded_refuses_a_read_only_session(engine, world):
    from anxin.database import insert_loaded
    from anxin.work_order.models import IdempotencyRecord

    with make_read_sessionmaker(engine)() as session, pytest.raises(ReadOnlySessionError):
        insert_loaded(
            session,
            IdempotencyRecord(
                tenant_id=world.demo.tenant.id, user_id=1, key="k", request_hash="h", work_order_id=1
            ),
        )


def test_a_session_ends_on_the_event_loop_only_when_that_sends_nothing(
    engine, sessionmaker_, world, is_postgres
):
    from anxin.dependencies import _ends_quietly

    with sessionmaker_() as session:
        assert _ends_quietly(session)  # never used
        session.get(Tenant, world.demo.tenant.id)
        assert not _ends_quietly(session)  # a transaction is open
        session.commit()
        assert _ends_quietly(session)  # committed by the route
        session.add(Tenant(slug="late", name="late", timezone="Asia/Shanghai"))
        assert not _ends_quietly(session)  # something left to flush
        session.rollback()
    with make_read_sessionmaker(engine)() as session:
        session.get(Tenant, world.demo.tenant.id)
        # On PostgreSQL a read runs in autocommit: returning its connection sends nothing.
        assert _ends_quietly(session) is is_postgres


def test_on_postgresql_the_intake_routes_use_the_event_loops_engine_only(client, world, app, db, is_postgres):
    from sqlalchemy import event

    from anxin.customer.models import Customer

    if not is_postgres:
        assert app.state.loop_engine is None  # SQLite: the same routes run in a worker thread
        assert report(client, world.demo).status_code == 201
        return
    checkouts = {"threads": 0, "loop": 0}

    def counter(key):
        def count(*_args):
            checkouts[key] += 1

        return count

    event.listen(app.state.engine, "checkout", counter("threads"))
    event.listen(app.state.loop_engine.sync_engine, "checkout", counter("loop"))
    phone = db.get(Customer, world.demo.customer_id).phone
    db.rollback()
    found = client.get("/api/v1/customers", params={"q": phone}, headers=world.demo.headers("agent"))
    assert found.status_code == 200 and [c["id"] for c in found.json()["items"]] == [world.demo.customer_id]
    assert report(client, world.demo).status_code == 201
    # the search, the intake's transaction and its counter's bump; nothing from the threads' pool
    assert checkouts == {"threads": 0, "loop": 3}


def test_a_read_only_session_on_the_event_loop_refuses_to_write(database_url, world, db, is_postgres):
    if not is_postgres:
        pytest.skip("the event loop's engine exists on PostgreSQL only")
    import asyncio

    from anxin.database import make_loop_engine, make_loop_sessionmakers

    async def rename() -> None:
        engine = make_loop_engine(database_url)
        try:
            _writes, reads = make_loop_sessionmakers(engine)
            async with reads() as session:
                tenant = await session.get(Tenant, world.demo.tenant.id)
                tenant.name = "renamed"
                with pytest.raises(ReadOnlySessionError):
                    await session.flush()
        finally:
            await engine.dispose()

    asyncio.run(rename())
    assert db.get(Tenant, world.demo.tenant.id).name != "renamed"


def report_order(db, world) -> WorkOrder:
    from anxin.auth.models import User
    from anxin.work_order import actions
    from tests.helpers import intake

    agent = db.scalar(select(User).where(User.tenant_id == world.demo.tenant.id, User.role == "agent"))
    return actions.create_order(
        db, actor=agent, intake=intake(world.demo), idempotency=("key-1", "f" * 64)
    ).order


def test_words_writes_plain_words_into_a_statement_and_refuses_anything_else(db, world):
    created = db.scalar(
        select(func.count()).select_from(WorkOrder).where(WorkOrder.status.in_(words(["created"])))
    )
    assert created == db.scalar(
        select(func.count()).select_from(WorkOrder).where(WorkOrder.status == "created")
    )
    assert "'created'" in str(WorkOrder.status.in_(words(["created", "in_progress"])).compile())
    with pytest.raises(ValueError):
        words(["created' OR '1'='1"])


def test_on_sqlite_an_intake_waits_for_another_writer_and_succeeds(client, world, engine, is_postgres):
    """The embedded database has one writer at a time: a report that arrives while another connection
    holds the write lock (the worker's sweep, a second server thread) waits its turn and is taken."""
    if is_postgres:
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    # given another connection that takes the write lock, changes a row, and keeps it a moment
    locked = threading.Event()

    def writer() -> None:
        connection = sqlite3.connect(engine.url.database, isolation_level=None, timeout=15)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("UPDATE tenant SET name = name || ''")
            locked.set()
            time.sleep(1.0)
            connection.execute("COMMIT")
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(10)

    # when a customer's report arrives meanwhile
    response = report(client, world.demo, role="customer", channel="app")
    thread.join()

    # then it waited for the lock and was taken
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "created"


def test_the_apps_postgresql_sessions_run_without_jit(database_url, is_postgres):
    if not is_postgres:
        pytest.skip("JIT is PostgreSQL's")
    import asyncio

    from sqlalchemy import text

    from anxin.database import make_engine, make_loop_engine

    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()

    async def loop_jit() -> str:
        loop_engine = make_loop_engine(database_url, pool_size=1)
        try:
            async with loop_engine.connect() as connection:
                return (await connection.execute(text("SHOW jit"))).scalar()
        finally:
            await loop_engine.dispose()

    assert asyncio.run(loop_jit()) == "off"
