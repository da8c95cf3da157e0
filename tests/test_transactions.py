"""One transaction per request, committed before the response is sent."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

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
