"""Before a visit: the technician's order page shows the parts triage expects with what their van holds
(可能需要的配件), and the technician and the agent see the appliance's history: earlier orders with their
date, fault, outcome and the parts replaced."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from anxin.knowledge import visit_aids
from anxin.parts.models import Part, PartStock, Warehouse
from anxin.work_order.models import WorkOrder
from tests.helpers import report, walk
from tests.knowledge.test_labels import _complete


def _van_with(db, world, stock: dict[str, int]) -> None:
    """The assigned technician's van, holding ``stock`` (part code → units) of parts in the catalog."""
    demo = world.demo
    van = Warehouse(
        tenant_id=demo.tenant.id,
        code="VAN-1",
        name="王师傅车载库",
        level="van",
        technician_id=demo.technician_id,
    )
    db.add(van)
    db.flush()
    for code, units in stock.items():
        part = Part(tenant_id=demo.tenant.id, code=code, name=f"配件{code}", list_price_fen=1000)
        db.add(part)
        db.flush()
        db.add(PartStock(tenant_id=demo.tenant.id, warehouse_id=van.id, part_id=part.id, on_hand=units))
    db.commit()


def test_the_technician_sees_the_likely_parts_with_their_van_stock(client, world, kb, db, sign_in):
    _van_with(db, world, {"RF-02": 3, "RF-03": 0})  # the thermostat in the van, no door seal; no compressor
    order_id = report(client, world.demo, fault_description="冰箱冷藏室一点都不凉，东西都放坏了").json()["id"]
    walk(client, world.demo, order_id, until="assign")

    likely = visit_aids.likely_parts(db, order=db.get(WorkOrder, order_id))
    assert likely.has_van
    found = {p.code: (p.in_catalog, p.in_van) for p in likely.parts}
    assert found == {"RF-02": (True, 3), "RF-03": (True, 0), "RF-01": (False, 0)}

    sign_in(client, "tech01@demo")
    card = client.get(f"/pages/orders/{order_id}/triage")
    assert card.status_code == 200
    assert "可能需要的配件" in card.text and "车载库存 3" in card.text and "车上没有" in card.text
    assert "配件目录中无此编码" in card.text and "申请调拨" in card.text
    page = client.get(f"/tech/orders/{order_id}")
    assert f'hx-get="/pages/orders/{order_id}/triage"' in page.text


def test_without_a_van_the_parts_are_listed_and_the_page_says_to_collect_them(client, world, kb, db, sign_in):
    order_id = report(client, world.demo, fault_description="冰箱冷藏室一点都不凉").json()["id"]
    likely = visit_aids.likely_parts(db, order=db.get(WorkOrder, order_id))
    assert not likely.has_van and all(p.in_van is None for p in likely.parts) and likely.parts
    sign_in(client, "dispatcher@demo")
    card = client.get(f"/pages/orders/{order_id}/triage").text
    assert "冰箱温控器" in card and "出发前请到网点领料" in card and "车载库存" not in card


def test_the_history_lists_earlier_orders_with_fault_outcome_and_parts_replaced(
    client, world, kb, db, sign_in
):
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=UTC), tick=False):
        first = _complete(client, world, "温控器故障，导致不制冷", "冰箱冷藏室不制冷（第一次）")
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=UTC), tick=False):
        again = report(client, world.demo, fault_description="冰箱又不制冷了").json()
        walk(client, world.demo, again["id"], until="assign")

        visits = visit_aids.appliance_history(
            db, tenant_id=world.demo.tenant.id, appliance_id=world.demo.appliance_id, before=db.get(WorkOrder, again["id"])
        )  # fmt: skip
        assert [v.order_id for v in visits] == [first]
        visit = visits[0]
        assert (visit.fault, visit.status, visit.cause) == (
            "not_cooling",
            "completed",
            "温控器故障，导致不制冷",
        )
        assert visit.parts == [{"name": "温控器", "quantity": 1}]

        for login, path in (
            ("tech01@demo", f"/tech/orders/{again['id']}"),
            ("agent@demo", f"/console?order={again['id']}"),
        ):  # noqa: E501
            client.cookies.clear()
            sign_in(client, login)
            page = client.get(path).text
            history = page[page.index('id="history"') :]
            assert "2026-11-20" in history and "不制冷" in history and "温控器故障" in history
            assert "温控器 ×1" in history and "已完工" in history
        fragment = client.get(f"/pages/orders/{again['id']}/history")
        assert fragment.status_code == 200 and "温控器 ×1" in fragment.text


def test_a_first_visit_says_so_and_a_customer_sees_no_history_fragment(client, world, kb, sign_in):
    order_id = report(client, world.demo).json()["id"]
    sign_in(client, "dispatcher@demo")
    assert "首次服务" in client.get(f"/pages/orders/{order_id}/history").text
    client.cookies.clear()
    sign_in(client, "customer01@demo")
    assert client.get(f"/pages/orders/{order_id}/history", follow_redirects=False).status_code in (303, 403)
