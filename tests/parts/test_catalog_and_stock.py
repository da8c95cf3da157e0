"""The catalog (what fits which model, list price, genuine), warehouses and stock as each role sees them,
goods in, reorder alerts, and transfers asked for by hand."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anxin.notify.models import OutboxMessage
from anxin.parts.stock import REORDER_EVENT
from anxin.work_order.states import Status
from tests.parts.stockroom import build, held, order_at


@pytest.fixture
def room(world, sessionmaker_):
    with sessionmaker_() as db:
        built = build(db, world.demo)
        db.commit()
    return built


def test_the_catalog_lists_what_fits_a_model_at_list_price(client, world, room, db):
    demo = world.demo
    model_id = client.get("/api/v1/catalog/models", headers=demo.headers("admin")).json()[0]["id"]
    for role in ("customer", "technician", "admin"):  # the prices are public to the tenant (三公开)
        fits = client.get("/api/v1/parts", params={"product_model_id": model_id}, headers=demo.headers(role))
        assert fits.status_code == 200, fits.text
        codes = {p["code"]: p for p in fits.json()["items"]}
        assert set(codes) == {"TH-470", "CP-470", "R600A"}  # the washing-machine motor fits no model here
    assert codes["CP-470"]["list_price_fen"] == 95000 and codes["CP-470"]["genuine"]
    assert codes["CP-470"]["product_model_ids"] == [model_id] and codes["R600A"]["fits_all"]
    everything = client.get("/api/v1/parts", headers=demo.headers("agent")).json()
    assert everything["total"] == 4
    found = client.get("/api/v1/parts", params={"q": "压缩"}, headers=demo.headers("agent")).json()
    assert [p["code"] for p in found["items"]] == ["CP-470"]


def test_only_an_admin_adds_parts_and_a_code_is_used_once(client, world, room):
    demo = world.demo
    body = {"code": "TH-510", "name": "温控器（新款）", "list_price_fen": 13000, "genuine": False}
    assert client.post("/api/v1/parts", json=body, headers=demo.headers("dispatcher")).status_code == 403
    made = client.post("/api/v1/parts", json=body, headers=demo.headers("admin"))
    assert made.status_code == 201 and made.json()["genuine"] is False, made.text
    again = client.post("/api/v1/parts", json=body, headers=demo.headers("admin"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "code_taken"
    for bad in (
        {**body, "code": "含 空格"},
        {**body, "code": "X", "list_price_fen": -1},
        {**body, "code": ""},
    ):
        assert client.post("/api/v1/parts", json=bad, headers=demo.headers("admin")).status_code == 422


def test_each_role_sees_its_own_warehouses_and_stock(client, world, room):
    demo = world.demo

    def levels(role: str) -> list[tuple[str, str]]:
        rows = client.get("/api/v1/stock", headers=demo.headers(role)).json()["items"]
        return sorted({(r["warehouse_name"], r["level"]) for r in rows})

    assert {level for _, level in levels("admin")} == {"central", "regional", "outlet", "van"}
    assert levels("outlet_manager") == [("王师傅车载库", "van"), ("西湖网点库", "outlet")]
    assert levels("technician") == [("王师傅车载库", "van"), ("西湖网点库", "outlet")]
    assert levels("other_technician") == [("西湖网点库", "outlet")]  # their own van is empty
    warehouses = client.get("/api/v1/warehouses", headers=demo.headers("other_technician")).json()
    assert sorted(w["level"] for w in warehouses) == ["outlet", "van"]
    assert client.get("/api/v1/stock", headers=demo.headers("agent")).status_code == 403
    row = client.get(
        "/api/v1/stock",
        params={"part_id": room.thermostat, "level": "van"},
        headers=demo.headers("dispatcher"),
    ).json()["items"]
    assert [(r["warehouse_id"], r["on_hand"], r["reserved"], r["available"]) for r in row] == [
        (room.van, 2, 0, 2)
    ]


def test_goods_in_and_a_reservation_down_to_the_reorder_point_alerts_the_dispatchers(
    client, world, room, db, sessionmaker_
):
    demo = world.demo
    dispatcher = demo.headers("dispatcher")
    point = client.post(
        "/api/v1/stock/reorder-points",
        json={"warehouse_id": room.van, "part_id": room.thermostat, "reorder_point": 1},
        headers=dispatcher,
    )
    assert point.status_code == 200 and point.json()["reorder_point"] == 1, point.text
    got = client.post(
        "/api/v1/stock/receipts",
        json={"warehouse_id": room.van, "part_id": room.thermostat, "quantity": 1},
        headers=dispatcher,
    )
    assert got.status_code == 201 and got.json()["on_hand"] == 3, got.text
    assert (
        client.get("/api/v1/stock", params={"below_reorder_point": True}, headers=dispatcher).json()["total"]
        == 0
    )
    with sessionmaker_() as session:
        order = order_at(session, demo, Status.ON_SITE, "K1").id
        session.commit()
    reserved = client.post(
        f"/api/v1/work-orders/{order}/parts",
        json={"part_id": room.thermostat, "quantity": 2},
        headers=demo.headers("technician"),
    )
    assert reserved.status_code == 201
    alerts = client.get("/api/v1/stock", params={"below_reorder_point": True}, headers=dispatcher).json()
    assert [(r["warehouse_id"], r["available"]) for r in alerts["items"]] == [(room.van, 1)]
    db.rollback()
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.event == REORDER_EVENT)).all()
    assert [m.recipient for m in told] == [f"user:{demo.users['dispatcher'].id}"]
    assert told[0].context["available"] == 1 and "温控器" in told[0].context["part"]


def test_transfers_by_hand_reserve_at_the_source_and_move_stock_only_for_those_who_keep_it(
    client, world, room, db
):
    demo = world.demo
    body = {"from_warehouse_id": room.regional, "to_warehouse_id": room.van, "part_id": room.compressor}
    too_many = client.post(
        "/api/v1/transfers", json=body | {"quantity": 11}, headers=demo.headers("technician")
    )
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "insufficient_stock"
    # tech02 may ask only into their own van
    other = client.post(
        "/api/v1/transfers", json=body | {"quantity": 1}, headers=demo.headers("other_technician")
    )
    assert other.status_code == 404  # tech01's van is not one they see
    asked = client.post("/api/v1/transfers", json=body | {"quantity": 3}, headers=demo.headers("technician"))
    assert asked.status_code == 201 and asked.json()["status"] == "requested", asked.text
    assert held(db, room.regional, room.compressor) == (10, 3)
    transfer = asked.json()["id"]
    # the technician does not keep the regional warehouse: shipping is the centre's
    refused = client.post(f"/api/v1/transfers/{transfer}/ship", headers=demo.headers("technician"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_warehouse"
    assert (
        client.post(f"/api/v1/transfers/{transfer}/ship", headers=demo.headers("dispatcher")).status_code
        == 200
    )
    assert (
        client.post(f"/api/v1/transfers/{transfer}/receive", headers=demo.headers("technician")).status_code
        == 200
    )
    assert held(db, room.regional, room.compressor) == (7, 0)
    assert held(db, room.van, room.compressor) == (3, 0)
    listed = client.get(
        "/api/v1/transfers", params={"status": "received"}, headers=demo.headers("outlet_manager")
    )
    assert [t["id"] for t in listed.json()["items"]] == [transfer]
    same = client.post(
        "/api/v1/transfers",
        json=body | {"to_warehouse_id": room.regional, "quantity": 1},
        headers=demo.headers("admin"),
    )
    assert same.status_code == 422
