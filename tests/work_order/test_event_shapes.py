"""Each role reads an order's events as it needs them: staff and the order's technician whole, the customer
what happened and when, without coordinates, ids, staff roles or dispatch's internal notes."""

from __future__ import annotations

from anxin.auth import service as auth_service
from anxin.dispatch.matching import offers
from anxin.work_order import service
from anxin.work_order.models import WorkOrder
from tests.helpers import act, report, walk

CUSTOMER_KEYS = {"action", "occurred_at", "from_status", "to_status", "by", "reason", "note"}
DEPARTED_AT = {"lat": 30.2512, "lng": 120.1534}


def events(client, world, order_id: int, role: str) -> list[dict]:
    response = client.get(f"/api/v1/work-orders/{order_id}/events", headers=world.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_customer_reads_the_timeline_without_coordinates_ids_or_internal_notes(client, world, db):
    demo = world.demo
    # given an order the technician rejected once (with a reason for the dispatcher), that was assigned
    # again with a dispatcher's note, that the technician set off to from a known place, and that a
    # dispatch step noted internally
    order = report(client, demo).json()
    assert act(client, demo, order["id"], "agent", "accept").status_code == 200
    body = {"technician_id": demo.technician_id, "note": "调度内部：评分 87，覆盖区外"}
    assert act(client, demo, order["id"], "dispatcher", "assign", body).status_code == 200
    assert (
        act(client, demo, order["id"], "technician", "reject", {"reason": "太远了不想去"}).status_code == 200
    )
    assert act(client, demo, order["id"], "dispatcher", "assign", body).status_code == 200
    assert act(client, demo, order["id"], "technician", "acknowledge").status_code == 200
    assert act(client, demo, order["id"], "technician", "depart", DEPARTED_AT).status_code == 200
    row = db.get(WorkOrder, order["id"])
    system = auth_service.system_user(db, tenant_id=row.tenant_id)
    offers.note(db, order=row, actor=system, action="escalate", payload={"score": 87}, text="无人接单，升级")
    db.commit()
    staff = events(client, demo, order["id"], "dispatcher")

    # when the customer reads the order's events
    seen = events(client, demo, order["id"], "customer")

    # then every event has the customer's shape and no more
    assert seen and all(set(e) == CUSTOMER_KEYS for e in seen), seen
    # and the moves are all there, in order, while dispatch's own note is not
    moves = [e["action"] for e in staff if e["action"] != "escalate"]
    assert [e["action"] for e in seen] == moves
    # and who acted is one of three, never a staff role
    assert {e["by"] for e in seen} == {"customer", "technician", "service"} - {"customer"}
    assert [e["by"] for e in seen if e["action"] in ("reject", "depart")] == ["technician", "technician"]
    # and none of the staff's words reaches them (the coordinates, ids and scores have no field to be in)
    words = [e[key] for e in seen for key in ("reason", "note") if e[key]]
    recorded = [str(e["note"]) + str(e["payload"].get("reason")) for e in staff]
    for secret in ("太远了不想去", "调度内部", "无人接单"):
        assert any(secret in text for text in recorded), secret  # written, for the staff
        assert not any(secret in text for text in words), secret
    # while staff still read the whole events
    depart = next(e for e in staff if e["action"] == "depart")
    assert (depart["lat"], depart["lng"]) == (DEPARTED_AT["lat"], DEPARTED_AT["lng"])
    assign = next(e for e in staff if e["action"] == "assign")
    assert assign["payload"]["technician_id"] == demo.technician_id and assign["actor_id"]


def test_a_customer_reads_the_words_meant_for_them(client, world):
    demo = world.demo
    # given an order completed with a note of the work done, and another cancelled by the front desk
    done = report(client, demo).json()
    walk(client, demo, done["id"], until="complete")
    cancelled = report(
        client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
    ).json()
    act(client, demo, cancelled["id"], "agent", "cancel", {"reason": "客户电话取消：已自行修好"})

    # when their customers read the events
    completed = events(client, demo, done["id"], "customer")
    gone = events(client, demo, cancelled["id"], "other_customer")

    # then the work done and the reason for the cancellation are there, said by the service or technician
    complete = next(e for e in completed if e["action"] == "complete")
    assert complete["note"] == "更换温控器，试机正常" and complete["by"] == "technician"
    cancel = next(e for e in gone if e["action"] == "cancel")
    assert cancel["reason"] == "客户电话取消：已自行修好" and cancel["by"] == "service"
    assert cancel["to_status"] == "cancelled" and cancel["from_status"] == "created"
    # and the customer's own approval is theirs
    approve = next(e for e in completed if e["action"] == "approve-quote")
    assert approve["by"] == "customer"


def test_the_orders_technician_and_staff_read_the_same_events_as_recorded(client, world, db):
    demo = world.demo
    # given an order the technician has reached
    order = report(client, demo).json()
    walk(client, demo, order["id"], until="arrive")

    # when the technician and an agent read its events
    by_technician = events(client, demo, order["id"], "technician")
    by_agent = events(client, demo, order["id"], "agent")

    # then both read every recorded event whole
    recorded = service.events(db, order=db.get(WorkOrder, order["id"]))
    assert [e["action"] for e in by_technician] == [e.action for e in recorded]
    assert by_technician == by_agent
    arrive = next(e for e in by_agent if e["action"] == "arrive")
    assert arrive["actor_role"] == "technician" and arrive["lat"] == 30.27
