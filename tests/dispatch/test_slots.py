"""Appointment slots: the windows offered and refused, booking under a lock, at-risk flagging and release.

The clock stands at 08:30 on Tuesday 1 December 2026 in Hangzhou. The world's technicians are reshaped into
ordinary days: 09:00–18:00 with lunch at 12:00, Monday to Saturday, at home by the outlet in 西湖区, about
1.5 km from the customers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from anxin.dispatch.models import SlotReservation
from anxin.dispatch.slots import booking, risk
from anxin.technician.models import Technician, TechnicianDayOff
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, report, run_together

ZONE = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


NOW = local(1, 8, 30)  # a Tuesday


@pytest.fixture(autouse=True)
def half_past_eight():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def shape(db, technician_id: int, **fields) -> None:
    """Give a technician an ordinary working day (and any changes)."""
    technician = db.get(Technician, technician_id)
    ordinary = {
        "shift_start": "09:00",
        "shift_end": "18:00",
        "break_start": "12:00",
        "break_end": "13:00",
        "work_days": [1, 2, 3, 4, 5, 6],
        "daily_capacity": 8,
        "status": "available",
        "home_lat": 30.26,
        "home_lng": 120.13,
        "last_lat": None,
        "last_lng": None,
        "last_located_at": None,
    }
    for name, value in {**ordinary, **fields}.items():
        setattr(technician, name, value)
    db.commit()


def only_one_technician(db, world, **fields) -> None:
    """王师傅 works an ordinary day; 李师傅 is suspended, so every booking goes to 王师傅."""
    shape(db, world.technician_id, **fields)
    shape(db, world.other_technician_id, status="suspended")


def accepted(client, world, *, other_customer: bool = False) -> dict:
    ids = (
        {"customer_id": world.other_customer_id, "appliance_id": world.other_appliance_id}
        if other_customer
        else {}
    )
    order = report(client, world, **ids).json()
    response = act(client, world, order["id"], "agent", "accept")
    assert response.status_code == 200, response.text
    return response.json()


def offered(client, world, order_id: int, days: int = 3, role: str = "agent") -> dict:
    response = client.get(f"/api/v1/work-orders/{order_id}/slots?days={days}", headers=world.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def slot_at(body: dict, moment: datetime) -> dict | None:
    return next((s for s in body["slots"] if datetime.fromisoformat(s["start"]) == moment), None)


def book(client, world, order_id: int, moment: datetime, role: str = "agent"):
    return client.post(
        f"/api/v1/work-orders/{order_id}/book-slot",
        json={"start": moment.isoformat()},
        headers=world.headers(role),
    )


def reservations(db, order_id: int) -> list[SlotReservation]:
    db.expire_all()
    return list(db.scalars(select(SlotReservation).where(SlotReservation.work_order_id == order_id)))


def test_windows_a_qualified_technician_can_honour_are_offered_and_past_ones_are_not(client, world, db):
    demo = world.demo
    shape(db, demo.technician_id)
    shape(db, demo.other_technician_id)
    order = accepted(client, demo)

    body = offered(client, demo, order["id"], role="customer")

    starts = [datetime.fromisoformat(s["start"]) for s in body["slots"]]
    assert min(starts) == local(1, 10)  # 08:00 has begun and 10:00 is the first beyond the hour's lead time
    assert all(start >= NOW + booking.LEAD_TIME for start in starts)
    assert len([s for s in starts if s.astimezone(ZONE).day == 1]) == 5
    assert len([s for s in starts if s.astimezone(ZONE).day == 2]) == 6
    early = slot_at(body, local(2, 8))
    assert early["available"] and early["technicians"] == 2
    late = slot_at(body, local(2, 18))  # the visit would run past the end of both shifts
    assert not late["available"] and late["technicians"] == 0
    assert body["booked"] is None
    assert offered(client, demo, order["id"])["bookable"] is True  # the agent may appoint an accepted order
    assert "王师傅" not in str(body) and "technician_ids" not in body["slots"][0]

    other = client.get(f"/api/v1/work-orders/{order['id']}/slots", headers=demo.headers("other_customer"))
    assert other.status_code == 404
    quality = client.get(f"/api/v1/work-orders/{order['id']}/slots", headers=demo.headers("quality"))
    assert quality.status_code == 403


def test_a_day_off_and_a_rest_day_offer_no_window(client, world, db):
    demo = world.demo
    only_one_technician(db, demo)
    db.add(
        TechnicianDayOff(tenant_id=demo.tenant.id, technician_id=demo.technician_id, day=date(2026, 12, 3))
    )
    db.commit()
    order = accepted(client, demo)

    body = offered(client, demo, order["id"], days=6)

    by_day: dict[int, list[bool]] = {}
    for s in body["slots"]:
        by_day.setdefault(datetime.fromisoformat(s["start"]).astimezone(ZONE).day, []).append(s["available"])
    assert any(by_day[2]) and any(by_day[4])
    assert not any(by_day[3])  # a day off
    assert not any(by_day[6])  # Sunday, not a working day


def test_booking_holds_the_window_against_a_technician_and_records_the_appointment(client, world, db):
    demo = world.demo
    only_one_technician(db, demo)
    order = accepted(client, demo)

    response = book(client, demo, order["id"], local(2, 10))

    assert response.status_code == 200, response.text
    assert response.json()["technician_id"] == demo.technician_id
    [held] = reservations(db, order["id"])
    assert (held.status, held.technician_id) == ("held", demo.technician_id)
    assert (held.window_start_at, held.window_end_at) == (local(2, 10), local(2, 12))
    saved = db.get(WorkOrder, order["id"])
    assert (saved.appointment_start_at, saved.appointment_end_at) == (local(2, 10), local(2, 12))
    assert saved.version == order["version"] + 1
    last = db.scalars(
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == order["id"])
        .order_by(WorkOrderEvent.id.desc())
    ).first()
    assert last.action == "appoint" and datetime.fromisoformat(last.payload["start_at"]) == local(2, 10)
    body = offered(client, demo, order["id"])
    assert body["booked"]["status"] == "held" and body["booked"]["at_risk"] is False
    assert slot_at(body, local(2, 10))["booked"] is True


def test_a_time_off_the_grid_is_422_and_a_window_too_soon_is_409(client, world, db):
    demo = world.demo
    only_one_technician(db, demo)
    order = accepted(client, demo)

    off_grid = book(client, demo, order["id"], local(2, 10, 30))
    too_soon = book(client, demo, order["id"], local(1, 8))

    assert off_grid.status_code == 422 and off_grid.json()["error"]["code"] == "not_a_slot"
    assert too_soon.status_code == 409 and too_soon.json()["error"]["reason"] == "too_soon"
    assert reservations(db, order["id"]) == []


def test_a_full_day_is_refused_and_rebooking_frees_the_earlier_window(client, world, db):
    demo = world.demo
    only_one_technician(db, demo, daily_capacity=1)
    first = accepted(client, demo)
    second = accepted(client, demo, other_customer=True)
    assert book(client, demo, first["id"], local(2, 10)).status_code == 200

    body = offered(client, demo, second["id"])
    refused = book(client, demo, second["id"], local(2, 14))

    assert not any(s["available"] for s in body["slots"] if datetime.fromisoformat(s["start"]).day == 2)
    assert slot_at(body, local(3, 10))["available"]
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "slot_unavailable"

    moved = book(client, demo, first["id"], local(3, 10))
    assert moved.status_code == 200, moved.text
    [held] = reservations(db, first["id"])
    assert (held.status, held.window_start_at) == ("held", local(3, 10))
    assert slot_at(offered(client, demo, second["id"]), local(2, 14))["available"]
    assert book(client, demo, second["id"], local(2, 14)).status_code == 200


def test_two_customers_racing_for_the_last_place_get_one_booking_and_one_409(client, world, db):
    demo = world.demo
    only_one_technician(db, demo, daily_capacity=1)
    orders = [accepted(client, demo), accepted(client, demo, other_customer=True)]

    results = run_together(2, lambda i: book(client, demo, orders[i]["id"], local(2, 10)))

    assert sorted(r.status_code for r in results) == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["error"]["code"] == "slot_unavailable"
    db.expire_all()
    live = db.scalars(select(SlotReservation).where(SlotReservation.status.in_(booking.LIVE))).all()
    assert len(live) == 1


def test_slots_that_can_no_longer_be_kept_are_flagged_and_the_customer_is_offered_others(client, world, db):
    demo = world.demo
    only_one_technician(db, demo)
    today = accepted(client, demo)
    tomorrow = accepted(client, demo, other_customer=True)
    assert book(client, demo, today["id"], local(1, 10)).status_code == 200
    assert book(client, demo, tomorrow["id"], local(2, 10)).status_code == 200
    technician = db.get(Technician, demo.technician_id)
    technician.last_lat, technician.last_lng = 31.23, 121.47  # stuck in Shanghai, 160 km away
    technician.last_located_at = NOW - timedelta(minutes=5)
    db.commit()

    flagged = risk.flag_slots_at_risk(db, tenant_id=demo.tenant.id, now=NOW)
    db.commit()

    assert [r.work_order_id for r in flagged] == [today["id"]]
    assert [r.status for r in reservations(db, today["id"])] == ["at_risk"]
    assert [r.status for r in reservations(db, tomorrow["id"])] == ["held"]
    event = db.scalars(
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == today["id"])
        .order_by(WorkOrderEvent.id.desc())
    ).first()
    assert event.action == "slot_at_risk" and event.payload["reason"] == "late"
    body = offered(client, demo, today["id"], role="customer")
    assert body["booked"]["at_risk"] is True
    assert any(s["available"] for s in body["slots"])
    assert risk.flag_slots_at_risk(db, tenant_id=world.acme.tenant.id, now=NOW) == []

    db.get(Technician, demo.technician_id).status = "suspended"
    db.commit()
    again = risk.flag_slots_at_risk(db, tenant_id=demo.tenant.id, now=NOW)
    db.commit()
    assert [r.work_order_id for r in again] == [tomorrow["id"]]
    last = db.scalars(
        select(WorkOrderEvent)
        .where(WorkOrderEvent.work_order_id == tomorrow["id"])
        .order_by(WorkOrderEvent.id.desc())
    ).first()
    assert last.payload["reason"] == "technician_unavailable"


def test_cancelling_an_order_releases_its_window(client, world, db):
    demo = world.demo
    only_one_technician(db, demo, daily_capacity=1)
    first = accepted(client, demo)
    second = accepted(client, demo, other_customer=True)
    assert book(client, demo, first["id"], local(2, 10)).status_code == 200
    assert not slot_at(offered(client, demo, second["id"]), local(2, 10))["available"]

    cancelled = act(client, demo, first["id"], "agent", "cancel", {"reason": "客户自行修好"})
    assert cancelled.status_code == 200, cancelled.text
    booking.release_for_order(db, db.get(WorkOrder, first["id"]))  # what the cancel path calls
    db.commit()

    assert [r.status for r in reservations(db, first["id"])] == ["released"]
    assert slot_at(offered(client, demo, second["id"]), local(2, 10))["available"]


def test_another_tenants_order_is_404_for_slots_and_booking(client, world, db):
    demo, acme = world.demo, world.acme
    only_one_technician(db, demo)
    order = accepted(client, demo)

    looked = client.get(f"/api/v1/work-orders/{order['id']}/slots", headers=acme.headers("agent"))
    booked = book(client, acme, order["id"], local(2, 10))

    assert looked.status_code == 404 and booked.status_code == 404
    assert reservations(db, order["id"]) == []
