"""The schedule board (``/console/board``) over TestClient: who sees it and what (a row per technician, the
unassigned queue by deadline), another tenant's orders and technicians out of reach, the checks shown
before a drop, and a drop that assigns or moves through the same actions as the API. Also the queue's
search, columns, deadline words and kept filters, and the candidates' words on the console's panel."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.conftest import World
from tests.dates import local_today
from tests.helpers import act, report

BOARD_ROLES = ("dispatcher", "admin", "outlet_manager")  # Action.ROUTES_PLAN


def accepted_order(client: TestClient, world: World, **overrides) -> dict:
    """A refrigerator report of customer01, accepted by the dispatcher and not yet assigned."""
    order = report(client, world.demo, **overrides).json()
    answer = act(client, world.demo, order["id"], "dispatcher", "accept")
    assert answer.status_code == 200, answer.text
    assert answer.json()["technician_id"] is None
    return answer.json()


def board_json(client: TestClient) -> dict:
    answer = client.get("/console/board/data")
    assert answer.status_code == 200, answer.text
    return answer.json()


def csrf_of(client: TestClient) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/console/board").text).group(1)


def unskilled_technician(client: TestClient, tenant_id: int, outlet_id: int) -> int:
    """A technician on shift all day with no skill at all (every order's ``skill`` rule refuses them)."""
    with client.app.state.sessionmaker() as db, db.begin():
        tech = Technician(
            tenant_id=tenant_id,
            outlet_id=outlet_id,
            name="赵新人",
            phone="13900000009",
            home_lat=30.26,
            home_lng=120.13,
            work_days=[1, 2, 3, 4, 5, 6, 7],
            shift_start="00:00",
            shift_end="23:59",
            daily_capacity=100,
        )
        db.add(tech)
        db.flush()
        return tech.id


@pytest.mark.parametrize("role", BOARD_ROLES)
def test_the_board_shows_each_technician_and_the_unassigned_queue(
    client: TestClient, world: World, sign_in, role: str
) -> None:
    order = accepted_order(client, world)
    sign_in(client, f"{role}@demo")
    page = client.get("/console/board")
    assert page.status_code == 200
    assert "排班看板" in page.text and "/static/board.js" in page.text
    data = board_json(client)
    assert data["date"] == str(local_today())
    assert {row["name"] for row in data["rows"]} == {"王师傅", "李师傅"}  # the outlet's two technicians
    assert [card["number"] for card in data["queue"]] == [order["number"]]
    card = data["queue"][0]
    assert card["deadline"] == "响应" and card["due_at"]  # the countdown says what it counts to
    assert all(row["state"] == "" for row in data["rows"])  # on shift all day, none suspended


@pytest.mark.parametrize("login", ["agent@demo", "tech01@demo", "quality@demo", "customer01@demo"])
def test_other_roles_are_refused_the_board(client: TestClient, world: World, sign_in, login: str) -> None:
    order = accepted_order(client, world)
    if login.startswith("customer"):
        from tests.conftest import page_session

        page_session(client, world.demo.users["customer"])
    else:
        sign_in(client, login)
    assert client.get("/console/board").status_code == 403
    refused = client.get("/console/board/data")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    check = f"/console/board/check?order_id={order['id']}&technician_id={world.demo.technician_id}"
    assert client.get(check).status_code == 403


def test_a_stranger_is_sent_to_sign_in(client: TestClient, world: World) -> None:
    answer = client.get("/console/board", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_another_tenants_board_shows_none_of_ours_and_cannot_touch_our_orders(
    client: TestClient, world: World, sign_in
) -> None:
    order = accepted_order(client, world)
    sign_in(client, "dispatcher@acme")
    data = board_json(client)
    assert order["number"] not in {card["number"] for card in data["queue"]}
    assert world.demo.technician_id not in {row["id"] for row in data["rows"]}
    ours = f"order_id={order['id']}&technician_id={world.acme.technician_id}"
    assert client.get(f"/console/board/check?{ours}").status_code == 404
    theirs_tech = f"order_id={order['id']}&technician_id={world.demo.technician_id}"
    assert client.get(f"/console/board/check?{theirs_tech}").status_code == 404
    answer = client.post(
        f"/console/board/orders/{order['id']}/assign",
        json={"technician_id": world.acme.technician_id},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    with client.app.state.sessionmaker() as db:
        assert db.get(WorkOrder, order["id"]).technician_id is None


def test_a_drop_assigns_through_the_assign_action(client: TestClient, world: World, sign_in) -> None:
    order = accepted_order(client, world)
    sign_in(client, "dispatcher@demo")
    check = client.get(
        f"/console/board/check?order_id={order['id']}&technician_id={world.demo.technician_id}"
    ).json()
    assert check == {
        "order_id": order["id"],
        "technician_id": world.demo.technician_id,
        "ok": True,
        "hard": False,
        "reasons": [],
    }
    answer = client.post(
        f"/console/board/orders/{order['id']}/assign",
        json={"technician_id": world.demo.technician_id},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "assigned"  # the API's answer (work_order.api.answer)
    assert answer.json()["technician_id"] == world.demo.technician_id
    with client.app.state.sessionmaker() as db:
        events = db.scalars(
            select(WorkOrderEvent.action).where(WorkOrderEvent.work_order_id == order["id"])
        ).all()
    assert events[-1] == "assign"
    data = board_json(client)
    assert data["queue"] == []
    row = next(r for r in data["rows"] if r["id"] == world.demo.technician_id)
    block = next(b for b in row["blocks"] if b["order_id"] == order["id"])
    assert block["movable"] and block["end"] > block["start"]


def test_a_drop_without_the_csrf_token_is_refused(client: TestClient, world: World, sign_in) -> None:
    order = accepted_order(client, world)
    sign_in(client, "dispatcher@demo")
    answer = client.post(
        f"/console/board/orders/{order['id']}/assign", json={"technician_id": world.demo.technician_id}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "csrf_failed"


def test_the_check_names_a_missing_skill_and_the_drop_is_refused_in_chinese(
    client: TestClient, world: World, sign_in
) -> None:
    order = accepted_order(client, world)
    novice = unskilled_technician(client, world.demo.tenant.id, world.demo.outlet_id)
    sign_in(client, "dispatcher@demo")
    check = client.get(f"/console/board/check?order_id={order['id']}&technician_id={novice}").json()
    assert check["ok"] is False and check["hard"] is True
    assert {"code": "skill", "message": "无此品类/服务技能", "hard": True} in check["reasons"]
    answer = client.post(
        f"/console/board/orders/{order['id']}/assign",
        json={"technician_id": novice, "override": True},  # a missing skill is never overruled
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert answer.status_code in (409, 422), answer.text
    assert "技能" in answer.json()["error"]["message"]
    with client.app.state.sessionmaker() as db:
        assert db.get(WorkOrder, order["id"]).technician_id is None


def test_moving_a_block_books_the_new_window(client: TestClient, world: World, sign_in) -> None:
    order = accepted_order(client, world)
    sign_in(client, "dispatcher@demo")
    token = csrf_of(client)
    day = str(local_today())
    answer = client.post(
        f"/console/board/orders/{order['id']}/assign",
        json={"technician_id": world.demo.technician_id, "date": day, "start_minute": 14 * 60},
        headers={"X-CSRF-Token": token},
    )
    assert answer.status_code == 200, answer.text
    assert "T14:00:00+08:00" in answer.json()["appointment_start_at"] or answer.json()[
        "appointment_start_at"
    ].endswith("06:00:00Z")
    moved = client.post(
        f"/console/board/orders/{order['id']}/appoint",
        json={"date": day, "start_minute": 16 * 60 + 30, "window_minutes": 60},
        headers={"X-CSRF-Token": token},
    )
    assert moved.status_code == 200, moved.text
    with client.app.state.sessionmaker() as db:
        saved = db.get(WorkOrder, order["id"])
        assert saved.technician_id == world.demo.technician_id
        length = saved.appointment_end_at - saved.appointment_start_at
    assert length.total_seconds() == 3600
    bad = client.post(
        f"/console/board/orders/{order['id']}/appoint",
        json={"date": day, "start_minute": 24 * 60},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422


def test_the_queue_searches_names_its_columns_and_keeps_its_filters(
    client: TestClient, world: World, sign_in
) -> None:
    first = accepted_order(client, world)
    second = accepted_order(
        client, world, customer_id=world.demo.other_customer_id, appliance_id=world.demo.other_appliance_id
    )
    sign_in(client, "dispatcher@demo")
    token = csrf_of(client)
    page = client.get(f"/console?q={first['number']}").text
    assert first["number"] in page and second["number"] not in page
    assert "响应时限" in page  # the countdown says which deadline it counts to
    assert "客户" in page and "冰箱" in page  # the customer and category columns
    by_name = client.get("/console?q=" + "nobody-such").text
    assert first["number"] not in by_name
    answer = client.post(
        f"/console/orders/{first['id']}/assign",
        data={"technician_id": str(world.demo.technician_id), "csrf_token": token},
        headers={"referer": f"http://testserver/console?order={first['id']}&state=accepted&q=WO"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/console?") and "state=accepted" in location and "q=WO" in location


def test_the_candidates_speak_in_hours_and_minutes_and_mark_the_current_technician(
    client: TestClient, world: World, sign_in
) -> None:
    order = accepted_order(client, world)
    assert act(client, world.demo, order["id"], "dispatcher", "assign", {}).status_code == 200
    sign_in(client, "dispatcher@demo")
    panel = client.get(f"/console?order={order['id']}").text
    assert "按综合得分排序" in panel
    assert "当前师傅" in panel
    assert re.search(r"车程 约 (\d+小时)?\d+分 · \d+\.\d 公里", panel)
    assert not re.search(r"\d{3,}分钟", panel)
    assert "到达 " in panel and "/35" in panel  # the score's parts, as points of their weight


def test_the_current_technician_is_not_ranked_behind_the_order_itself(
    client: TestClient, world: World
) -> None:
    """Ranking an assigned order, its own visit is not on its technician's queue: they are free before it
    (an arrival hours away at 0.0 km, behind their own visit to the same door, ranked a first candidate
    later than the second)."""
    order = accepted_order(client, world)
    assert act(client, world.demo, order["id"], "dispatcher", "assign", {}).status_code == 200
    ranked = client.get(
        f"/api/v1/work-orders/{order['id']}/candidates", headers=world.demo.headers("dispatcher")
    ).json()
    current = next(c for c in ranked["candidates"] if c["technician_id"] == world.demo.technician_id)
    other = next(c for c in ranked["candidates"] if c["technician_id"] == world.demo.other_technician_id)
    # both start from the same home with empty days: the same arrival, not one a whole visit later
    assert current["eta_minutes"] == other["eta_minutes"]
    assert current["eta_minutes"] < ranked["job"]["service_minutes"]
