"""The assistant books the visit in a window technicians can keep: the windows it offers are dispatch's
offer for the order (what the portal's slot picker shows), the one picked is booked through the same
``booking.book``, and a window that filled up meanwhile is refused in words with the other windows offered.

The clock stands at 08:30 on Tuesday 1 December 2026 in Hangzhou; the world's technicians work every day."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from anxin.dispatch.models import SlotReservation
from anxin.technician.models import TechnicianDayOff
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act

URL = "/api/v1/assistant/messages"
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 1, 8, 30, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def half_past_eight():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def say(client, world, text, conversation_id=None):
    body = {"text": text} | ({"conversation_id": conversation_id} if conversation_id else {})
    return client.post(URL, json=body, headers=world.headers("customer"))


def not_solved(client, world) -> dict:
    first = say(client, world, "冰箱冷藏室一点都不凉，东西都放坏了").json()
    answer = say(client, world, "没解决", first["conversation_id"])
    assert answer.status_code == 200, answer.text
    return answer.json()


def portal_offer(client, world, order_id: int) -> list[str]:
    """The open windows' starts the portal's slot picker offers the customer for the order."""
    answer = client.get(f"/api/v1/work-orders/{order_id}/slots?days=3", headers=world.headers("customer"))
    assert answer.status_code == 200, answer.text
    return [s["start"] for s in answer.json()["slots"] if s["available"]]


def start_of(button: dict) -> datetime:
    month_day, hour = button["text"].split()[1:]
    month, day = (int(x) for x in month_day.split("-"))
    return datetime(2026, month, day, int(hour[:2]), int(hour[3:]), tzinfo=ZONE)


def test_the_windows_offered_are_the_portals_and_picking_one_books_it(client, world, kb, db):
    demo = world.demo
    booked = not_solved(client, demo)
    assert booked["status"] == "booked" and "请选一个" in booked["reply"]
    windows, later = booked["actions"][:-1], booked["actions"][-1]
    assert later["text"] == "稍后再约" and len(windows) == 4
    # the soonest open windows of the portal's own offer, in words a customer reads
    assert windows[0] == {"label": "12月1日 周二 10:00–12:00", "text": "预约 12-01 10:00"}
    offered = [datetime.fromisoformat(s) for s in portal_offer(client, demo, booked["work_order_id"])]
    assert [start_of(b) for b in windows] == offered[:4]
    # when the customer picks the second window
    picked = say(client, demo, windows[1]["text"], booked["conversation_id"]).json()
    # then it is booked: the order accepted by the assistant and appointed, the window held
    assert "已为您预约 12月1日 周二 12:00–14:00 上门" in picked["reply"]
    assert picked["sources"] == [
        {"kind": "slot_offer", "work_order": db.get(WorkOrder, picked["work_order_id"]).number}
    ]
    db.expire_all()
    order = db.get(WorkOrder, booked["work_order_id"])
    assert order.status != "created" and order.appointment_start_at == start_of(windows[1])
    held = db.scalar(select(SlotReservation).where(SlotReservation.work_order_id == order.id))
    assert held.status == "held" and held.window_start_at == start_of(windows[1])
    actions = [
        e.action for e in db.scalars(select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order.id))
    ]
    assert "accept" in actions and "appoint" in actions
    # and the conversation is over; asked later, the window is told from the order
    assert say(client, demo, "还在吗", booked["conversation_id"]).status_code == 409
    where = say(client, demo, "师傅什么时候来").json()
    assert "预约上门时段：12月1日 周二 12:00–14:00" in where["reply"]


def test_a_window_that_filled_up_is_refused_and_others_are_offered(client, world, kb, db):
    demo = world.demo
    booked = not_solved(client, demo)
    first = booked["actions"][0]
    assert first["text"] == "预约 12-01 10:00"
    # given every technician takes the day off after the windows were offered
    for technician_id in (demo.technician_id, demo.other_technician_id):
        db.add(TechnicianDayOff(tenant_id=demo.tenant.id, technician_id=technician_id, day=date(2026, 12, 1)))
    db.commit()
    # when the customer picks the window they were offered
    refused = say(client, demo, first["text"], booked["conversation_id"]).json()
    # then it is refused in words, nothing is held, and the next open windows are offered instead
    assert "抱歉，12月1日 周二 10:00–12:00 已约满" in refused["reply"]
    assert refused["status"] == "booked"
    others = refused["actions"][:-1]
    assert others and all(b["text"].startswith("预约 12-02") for b in others)
    db.expire_all()
    assert (
        db.scalar(select(SlotReservation).where(SlotReservation.work_order_id == booked["work_order_id"]))
        is None
    )
    # and one of those books
    done = say(client, demo, others[0]["text"], booked["conversation_id"]).json()
    assert "已为您预约 12月2日 周三 08:00–10:00 上门" in done["reply"]


def test_words_that_name_no_window_offer_the_windows_again(client, world, kb):
    demo = world.demo
    booked = not_solved(client, demo)
    again = say(client, demo, "明天可以吗", booked["conversation_id"]).json()
    assert "请点选下面的一个时段" in again["reply"] and again["actions"][0]["text"] == "预约 12-01 10:00"
    typed = say(client, demo, "12月3日 14:00", booked["conversation_id"]).json()
    assert "已为您预约 12月3日 周四 14:00–16:00 上门" in typed["reply"]


def test_an_order_that_moved_on_meanwhile_is_told_where_it_stands(client, world, kb):
    demo = world.demo
    booked = not_solved(client, demo)
    order_id = booked["work_order_id"]
    # given the technician set off before the customer picked a window
    for role, action, body in (
        ("agent", "accept", None),
        ("dispatcher", "assign", {"technician_id": None}),
        ("technician", "acknowledge", None),
        ("technician", "depart", {"lat": 30.25, "lng": 120.15}),
    ):
        assert act(client, demo, order_id, role, action, body).status_code == 200, action
    located = client.post(
        "/api/v1/technicians/me/location",
        json={"lat": 30.25, "lng": 120.15},
        headers=demo.headers("technician"),
    )
    assert located.status_code == 200, located.text
    # when they pick one, then they are told where the order stands instead, and the chat ends
    told = say(client, demo, booked["actions"][0]["text"], booked["conversation_id"]).json()
    assert "师傅在路上" in told["reply"] and "负责的师傅：王师傅。" in told["reply"]
    # with the arrival estimated from the technician's fresh position by the travel model
    assert re.search(r"师傅正在路上，预计 \d\d:\d\d 左右到达。", told["reply"]), told["reply"]
    assert told["actions"] == [] and {"kind": "eta", "source": "live"} in told["sources"]
    assert say(client, demo, "还在吗", booked["conversation_id"]).status_code == 409
