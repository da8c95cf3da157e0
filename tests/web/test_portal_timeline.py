"""The portal's timeline shows the customer what happened to their order, without the words staff and
technicians write for each other; the console's shows staff everything."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.helpers import HAPPY_PATH, act, report

INTERNAL = ("调度内部备注", "太远了不想去", "师傅自己的出发备注")


def test_the_portal_timeline_leaves_out_what_staff_write_for_each_other(
    client: TestClient, world: World, sign_in
) -> None:
    demo = world.demo
    # given an order rejected once with a reason, assigned again with a dispatcher's note, that the
    # technician left for with a note of their own and then completed with a note of the work done
    order = report(client, demo).json()
    act(client, demo, order["id"], "agent", "accept")
    note = {"technician_id": demo.technician_id, "note": "调度内部备注"}
    assert act(client, demo, order["id"], "dispatcher", "assign", note).status_code == 200
    assert (
        act(client, demo, order["id"], "technician", "reject", {"reason": "太远了不想去"}).status_code == 200
    )
    assert act(client, demo, order["id"], "dispatcher", "assign", note).status_code == 200
    act(client, demo, order["id"], "technician", "acknowledge")
    departed = {"note": "师傅自己的出发备注", "lat": 30.2512, "lng": 120.1534}
    assert act(client, demo, order["id"], "technician", "depart", departed).status_code == 200
    rest = [step for step in HAPPY_PATH if step[1] not in ("accept", "assign", "acknowledge", "depart")]
    for role, action, body in rest[: [step[1] for step in rest].index("complete") + 1]:
        assert act(client, demo, order["id"], role, action, body).status_code == 200, action

    # when the customer opens the order page and its live part
    sign_in(client, "customer01@demo")
    page = client.get(f"/portal/orders/{order['id']}").text
    live = client.get(f"/portal/orders/{order['id']}/live").text

    # then the timeline is there with its moves and the work done
    for text in (page, live):
        timeline = text[text.index('class="timeline"') :]
        assert "已为您安排服务师傅" in timeline and "维修完成" in timeline  # one plain sentence per event
        assert "更换温控器，试机正常" in timeline
        # and none of the staff's words, nor where the technician set off from
        for secret in (*INTERNAL, "30.2512", "120.1534"):
            assert secret not in text, secret


def test_the_console_timeline_still_shows_staff_everything(client: TestClient, world: World, sign_in) -> None:
    demo = world.demo
    # given an order rejected with a reason after a dispatcher's note
    order = report(client, demo).json()
    act(client, demo, order["id"], "agent", "accept")
    note = {"technician_id": demo.technician_id, "note": "调度内部备注"}
    act(client, demo, order["id"], "dispatcher", "assign", note)
    act(client, demo, order["id"], "technician", "reject", {"reason": "太远了不想去"})

    # when a dispatcher opens the order in the console
    sign_in(client, "dispatcher@demo")
    panel = client.get("/console", params={"order": order["id"]})

    # then the note and the reason are in its timeline
    assert panel.status_code == 200
    assert "调度内部备注" in panel.text and "太远了不想去" in panel.text
