"""An order's parts: reserved from the van, then the outlet, then the region (on a transfer the order waits
for), fitted with serials, consumed on completion, released on cancellation; every refusal leaves nothing
written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from anxin.parts.models import PartFitting, PartLine, PartMovement, PartReturn, PartTransfer
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from anxin.work_order.states import Status
from tests.helpers import act
from tests.parts.stockroom import build, held, order_at


@pytest.fixture
def room(world, sessionmaker_):
    with sessionmaker_() as db:
        built = build(db, world.demo)
        db.commit()
    return built


def make(sessionmaker_, world, state: Status, serial: str) -> int:
    with sessionmaker_() as db:
        order = order_at(db, world.demo, state, serial)
        db.commit()
        return order.id


def reserve(client, world, order_id: int, part_id: int, quantity: int = 1, role: str = "technician"):
    return client.post(
        f"/api/v1/work-orders/{order_id}/parts",
        json={"part_id": part_id, "quantity": quantity},
        headers=world.demo.headers(role),
    )


def counts(db) -> tuple[int, int, int]:
    return (
        db.scalar(select(func.count()).select_from(PartLine)),
        db.scalar(select(func.count()).select_from(PartMovement)),
        db.scalar(select(func.count()).select_from(PartTransfer)),
    )


def test_the_van_first_then_the_outlet_then_the_region_on_a_transfer(client, world, room, db, sessionmaker_):
    order = make(sessionmaker_, world, Status.ON_SITE, "A1")
    van = reserve(client, world, order, room.thermostat, 2)
    assert van.status_code == 201, van.text
    line = van.json()
    assert (line["warehouse_id"], line["level"], line["status"]) == (room.van, "van", "reserved")
    assert not line["via_transfer"] and line["part_name"] == "温控器" and line["unit_price_fen"] == 12000
    assert held(db, room.van, room.thermostat) == (2, 2)

    store = reserve(client, world, order, room.refrigerant, 1)  # not on the van: the outlet's store has it
    assert store.status_code == 201 and store.json()["level"] == "outlet", store.text

    regional = reserve(client, world, order, room.thermostat, 1)  # the van's two are taken
    assert regional.status_code == 201, regional.text
    travelling = regional.json()
    assert (travelling["status"], travelling["via_transfer"], travelling["level"]) == (
        "awaiting_transfer",
        True,
        "regional",
    )
    db.rollback()
    transfer = db.get(PartTransfer, travelling["transfer_id"])
    assert (transfer.status, transfer.from_warehouse_id, transfer.to_warehouse_id) == (
        "requested",
        room.regional,
        room.van,
    )
    assert transfer.work_order_id == order and transfer.expected_at > transfer.requested_at
    assert held(db, room.regional, room.thermostat) == (10, 1)

    trail = client.get(f"/api/v1/work-orders/{order}/parts", headers=world.demo.headers("dispatcher")).json()
    assert [line["status"] for line in trail["lines"]] == ["reserved", "reserved", "awaiting_transfer"]
    assert [t["id"] for t in trail["waiting_for"]] == [transfer.id]
    assert {m["kind"] for m in trail["movements"]} == {"reserve"}


def test_refusals_write_nothing(client, world, room, db, sessionmaker_):
    order = make(sessionmaker_, world, Status.ON_SITE, "B1")
    before = counts(db), held(db, room.van, room.thermostat), held(db, room.regional, room.thermostat)

    too_many = reserve(client, world, order, room.thermostat, 50)  # 2 + 10 in the chain: nowhere 50
    assert too_many.status_code == 409, too_many.text
    error = too_many.json()["error"]
    assert (
        error["code"] == "insufficient_stock" and error["available"] == 12 and "库存不足" in error["message"]
    )

    foreign = reserve(client, world, order, room.foreign)
    assert foreign.status_code == 422 and foreign.json()["error"]["code"] == "incompatible_part", foreign.text
    assert "不适用" in foreign.json()["error"]["message"]

    for quantity in (0, -1):
        zero = reserve(client, world, order, room.thermostat, quantity)
        assert zero.status_code == 422 and zero.json()["error"]["code"] == "validation_error", zero.text

    english = client.post(
        f"/api/v1/work-orders/{order}/parts",
        json={"part_id": room.thermostat, "quantity": 50},
        headers={**world.demo.headers("technician"), "Accept-Language": "en"},
    )
    assert english.json()["error"]["message"].startswith("Not enough stock")

    early = make(sessionmaker_, world, Status.ACKNOWLEDGED, "B2")
    not_yet = reserve(client, world, early, room.thermostat)
    assert not_yet.status_code == 409 and not_yet.json()["error"]["code"] == "parts_not_now", not_yet.text

    # tech02 is not this order's technician: it is not theirs to see
    stranger = reserve(client, world, order, room.thermostat, role="other_technician")
    assert stranger.status_code == 404
    customer = reserve(client, world, order, room.thermostat, role="customer")
    assert customer.status_code == 403

    db.rollback()
    after = counts(db), held(db, room.van, room.thermostat), held(db, room.regional, room.thermostat)
    assert after == before


def test_fitted_with_serials_the_rest_consumed_on_completion_and_the_old_part_held(
    client, world, room, db, sessionmaker_
):
    order = make(sessionmaker_, world, Status.IN_PROGRESS, "C1")
    line = reserve(client, world, order, room.thermostat, 2).json()
    url = f"/api/v1/work-orders/{order}/parts/{line['id']}/fit"
    headers = world.demo.headers("technician")

    over = client.post(url, json={"quantity": 3, "serial_numbers": ["A", "B", "C"]}, headers=headers)
    assert over.status_code == 409 and over.json()["error"]["code"] == "exceeds_reserved", over.text
    bare = client.post(url, json={"quantity": 1}, headers=headers)
    assert bare.status_code == 422 and bare.json()["error"]["field"] == "serial_numbers", bare.text
    mismatch = client.post(url, json={"quantity": 1, "serial_numbers": ["A", "B"]}, headers=headers)
    assert mismatch.status_code == 422

    fitted = client.post(
        url,
        json={"quantity": 1, "serial_numbers": ["TH2026120001"], "removed_serial_numbers": ["OLD-77"]},
        headers=headers,
    )
    assert fitted.status_code == 200, fitted.text
    assert (fitted.json()["consumed"], fitted.json()["status"]) == (1, "reserved")
    assert held(db, room.van, room.thermostat) == (1, 1)
    again = client.post(url, json={"quantity": 2, "lot_number": "LOT9"}, headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "exceeds_reserved"

    # a compressor from the region, once it has arrived, goes back to the factory when replaced
    done = act(client, world.demo, order, "technician", "complete", {"note": "更换温控器"})
    assert done.status_code == 200, done.text
    db.rollback()
    assert held(db, room.van, room.thermostat) == (0, 0)  # the second unit was consumed on completion
    lines = db.scalars(select(PartLine).where(PartLine.work_order_id == order)).all()
    assert [(x.status, x.consumed) for x in lines] == [("consumed", 2)]
    serials = db.scalars(select(PartFitting.serial_number).where(PartFitting.work_order_id == order)).all()
    assert serials == ["TH2026120001"]
    removed = db.scalar(select(PartFitting.removed_serial_number).where(PartFitting.work_order_id == order))
    assert removed == "OLD-77"
    assert db.scalar(select(func.count()).select_from(PartReturn)) == 0  # a thermostat is not sent back


def test_cancelling_gives_back_every_reservation_and_withdraws_the_transfer(
    client, world, room, db, sessionmaker_
):
    order = make(sessionmaker_, world, Status.QUOTED, "D1")
    assert reserve(client, world, order, room.thermostat, 2).status_code == 201
    travelling = reserve(client, world, order, room.compressor, 1).json()
    assert travelling["status"] == "awaiting_transfer"
    cancelled = act(client, world.demo, order, "agent", "cancel", {"reason": "客户不修了"})
    assert cancelled.status_code == 200, cancelled.text
    db.rollback()
    assert held(db, room.van, room.thermostat) == (2, 0)
    assert held(db, room.regional, room.compressor) == (10, 0)
    assert db.get(PartTransfer, travelling["transfer_id"]).status == "cancelled"
    statuses = db.scalars(select(PartLine.status).where(PartLine.work_order_id == order)).all()
    assert statuses == ["released", "released"]
    reasons = db.scalars(select(PartLine.release_reason).where(PartLine.work_order_id == order)).all()
    assert all("客户不修了" in r for r in reasons)


def test_an_order_waiting_for_parts_resumes_when_its_transfer_arrives(client, world, room, db, sessionmaker_):
    order = make(sessionmaker_, world, Status.IN_PROGRESS, "E1")
    line = reserve(client, world, order, room.compressor, 1).json()
    waiting = act(client, world.demo, order, "technician", "wait-parts", {"reason": "等压缩机"})
    assert waiting.json()["status"] == "pending_parts"
    transfer_id = line["transfer_id"]
    fit_early = client.post(
        f"/api/v1/work-orders/{order}/parts/{line['id']}/fit",
        json={"quantity": 1, "serial_numbers": ["CP1"]},
        headers=world.demo.headers("technician"),
    )
    assert fit_early.status_code == 409

    dispatcher = world.demo.headers("dispatcher")
    early = client.post(f"/api/v1/transfers/{transfer_id}/receive", headers=dispatcher)
    assert early.status_code == 409 and early.json()["error"]["code"] == "illegal_transition"
    shipped = client.post(
        f"/api/v1/transfers/{transfer_id}/ship", json={"courier_no": "SF100"}, headers=dispatcher
    )
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped", shipped.text
    assert held(db, room.regional, room.compressor) == (9, 0)
    still = client.get(f"/api/v1/work-orders/{order}", headers=dispatcher).json()
    assert still["status"] == "pending_parts"

    # the technician takes it into their van: it is reserved there for the order, and the order resumes
    arrived = client.post(
        f"/api/v1/transfers/{transfer_id}/receive", headers=world.demo.headers("technician")
    )
    assert arrived.status_code == 200 and arrived.json()["status"] == "received", arrived.text
    db.rollback()
    assert db.get(WorkOrder, order).status == "in_progress"
    resumed = db.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == order).order_by(WorkOrderEvent.id.desc())
    ).first()
    assert resumed.action == "resume" and resumed.payload["transfer_id"] == transfer_id
    assert held(db, room.van, room.compressor) == (1, 1)
    moved = db.get(PartLine, line["id"])
    assert (moved.status, moved.warehouse_id) == ("reserved", room.van)

    fitted = client.post(
        f"/api/v1/work-orders/{order}/parts/{line['id']}/fit",
        json={"quantity": 1, "serial_numbers": ["CP2026-0001"], "removed_serial_numbers": ["CPOLD-1"]},
        headers=world.demo.headers("technician"),
    )
    assert fitted.status_code == 200 and fitted.json()["status"] == "consumed", fitted.text
    # the compressor must go back: the old one waits in the van's defective stock
    db.rollback()
    old = db.scalars(select(PartReturn).where(PartReturn.work_order_id == order)).one()
    assert (old.status, old.serial_number, old.warehouse_id) == ("held", "CPOLD-1", room.van)
    assert held(db, room.van, room.compressor, "defective") == (1, 0)

    sent = client.post(
        f"/api/v1/part-returns/{old.id}/ship",
        json={"courier_company": "顺丰", "courier_no": "SF1234567", "postage_paid_by": "brand"},
        headers=world.demo.headers("technician"),
    )
    assert sent.status_code == 200 and sent.json()["status"] == "in_transit", sent.text
    assert held(db, room.van, room.compressor, "defective") == (0, 0)
    landed = client.post(f"/api/v1/part-returns/{old.id}/receive", headers=dispatcher)
    assert landed.status_code == 200 and landed.json()["status"] == "at_factory"
    again = client.post(f"/api/v1/part-returns/{old.id}/receive", headers=dispatcher)
    assert again.status_code == 409

    trail = client.get(f"/api/v1/work-orders/{order}/parts", headers=world.demo.headers("technician")).json()
    assert trail["waiting_for"] == []
    assert [t["status"] for t in trail["transfers"]] == ["received"]
    assert [f["serial_number"] for f in trail["fittings"]] == ["CP2026-0001"]
    assert [(r["courier_no"], r["postage_paid_by"]) for r in trail["returns"]] == [("SF1234567", "brand")]
    kinds = [m["kind"] for m in trail["movements"]]
    assert kinds == [
        "reserve",
        "transfer_out",
        "transfer_in",
        "reserve",
        "consume",
        "return_in",
        "return_out",
    ]


def test_releasing_a_line_gives_its_units_back(client, world, room, db, sessionmaker_):
    order = make(sessionmaker_, world, Status.ON_SITE, "F1")
    line = reserve(client, world, order, room.thermostat, 1).json()
    url = f"/api/v1/work-orders/{order}/parts/{line['id']}/release"
    released = client.post(url, json={"reason": "客户自购"}, headers=world.demo.headers("technician"))
    assert released.status_code == 200 and released.json()["status"] == "released", released.text
    assert held(db, room.van, room.thermostat) == (2, 0)
    twice = client.post(url, headers=world.demo.headers("technician"))
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "part_line_closed"
    other = make(sessionmaker_, world, Status.ON_SITE, "F2")
    elsewhere = client.post(
        f"/api/v1/work-orders/{other}/parts/{line['id']}/release", headers=world.demo.headers("technician")
    )
    assert elsewhere.status_code == 404  # a line of another order
