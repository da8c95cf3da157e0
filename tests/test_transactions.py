"""One transaction per request, committed before the response is sent."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from anxin.auth.models import Tenant
from anxin.database import ReadOnlySessionError, make_read_sessionmaker
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
