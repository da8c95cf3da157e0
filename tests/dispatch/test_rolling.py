"""Rolling re-planning: the sweep re-plans today's plan when it no longer fits the day, once per change."""

from __future__ import annotations

import pytest
import time_machine

from anxin.technician.models import Technician
from tests.dispatch.test_plans import local, make_plan, the_day
from tests.helpers import act


@pytest.fixture(autouse=True)
def seven_in_the_morning():
    with time_machine.travel(local(7), tick=False) as traveller:
        yield traveller


def sweep(client, world) -> dict:
    response = client.post("/api/v1/dispatch/sweep", headers=world.headers("dispatcher"))
    assert response.status_code == 200, response.text
    return response.json()


def current(client, world) -> dict:
    (plan,) = [
        p
        for p in client.get("/api/v1/dispatch/plans", headers=world.headers("dispatcher")).json()
        if p["status"] == "current"
    ]
    return client.get(f"/api/v1/dispatch/plans/{plan['id']}", headers=world.headers("dispatcher")).json()


def test_a_cancelled_order_makes_the_sweep_replan_the_day_once(client, world, db):
    demo = world.demo
    o = the_day(client, db, demo)
    first = make_plan(client, demo).json()
    assert sweep(client, demo)["replanned"] == 0  # nothing changed yet
    cancelled = act(client, demo, o["E2"], "agent", "cancel", {"reason": "客户已自行解决"})
    assert cancelled.status_code == 200, cancelled.text
    assert sweep(client, demo)["replanned"] == 1
    plan = current(client, demo)
    assert plan["id"] != first["id"] and plan["trigger"] == "auto:cancelled" and plan["revision"] == 2
    assert o["E2"] not in {s["work_order_id"] for s in plan["stops"]}
    assert sweep(client, demo)["replanned"] == 0  # the new plan fits the day


def test_a_technician_off_sick_makes_the_sweep_replan(client, world, db):
    demo = world.demo
    the_day(client, db, demo)
    make_plan(client, demo)
    db.get(Technician, demo.other_technician_id).status = "off"
    db.commit()
    assert sweep(client, demo)["replanned"] == 1
    plan = current(client, demo)
    assert plan["trigger"] == "auto:technician_off"
    assert demo.other_technician_id not in {s["technician_id"] for s in plan["stops"]}
