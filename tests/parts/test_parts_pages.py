"""Parts on the pages: the technician reserves and fits on the order page, the console's panel shows the
order's parts, the outlet manager sees their stock, alerts and transfers."""

from __future__ import annotations

from anxin.parts import stock
from anxin.work_order.states import Status
from tests.conftest import CSRF_TOKEN
from tests.parts.stockroom import build, order_at


def test_the_technician_reserves_and_fits_a_part_on_the_order_page(client, world, sessionmaker_, sign_in):
    demo = world.demo
    with sessionmaker_() as db:
        room = build(db, demo)
        order = order_at(db, demo, Status.IN_PROGRESS, "PG1").id
        db.commit()
    sign_in(client, "tech01@demo")
    page = client.get(f"/tech/orders/{order}")
    assert page.status_code == 200
    csrf = CSRF_TOKEN.search(page.text).group(1)
    assert (
        'id="parts"' in page.text and "暂无配件" in page.text and "温控器" in page.text
    )  # in the form's list
    assert "洗衣机电机" not in page.text  # fits no model of this order's

    reserved = client.post(
        f"/tech/orders/{order}/parts",
        data={"part_id": str(room.thermostat), "quantity": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert reserved.status_code == 303, reserved.text
    page = client.get(f"/tech/orders/{order}")
    assert "已预留" in page.text and "车载库" in page.text
    line_id = page.text.split('name="line_id" value="')[1].split('"')[0]

    fitted = client.post(
        f"/tech/orders/{order}/parts/fit",
        data={"line_id": line_id, "serial": "TH-PAGE-1", "removed_serial": "OLD-9", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert fitted.status_code == 303, fitted.text
    page = client.get(f"/tech/orders/{order}")
    assert "TH-PAGE-1" in page.text and "OLD-9" in page.text and "已使用" in page.text

    refused = client.post(
        f"/tech/orders/{order}/parts",
        data={"part_id": str(room.foreign), "quantity": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "不适用" in refused.text
    bad = client.post(
        f"/tech/orders/{order}/parts", data={"part_id": "x", "quantity": "1", "csrf_token": csrf}
    )
    assert bad.status_code == 422


def test_the_console_panel_shows_the_orders_parts_and_what_it_waits_for(
    client, world, sessionmaker_, sign_in
):
    demo = world.demo
    with sessionmaker_() as db:
        room = build(db, demo)
        order = order_at(db, demo, Status.IN_PROGRESS, "PG2").id
        db.commit()
    answer = client.post(
        f"/api/v1/work-orders/{order}/parts",
        json={"part_id": room.compressor, "quantity": 1},
        headers=demo.headers("technician"),
    )
    transfer_id = answer.json()["transfer_id"]
    sign_in(client, "dispatcher@demo")
    page = client.get("/console", params={"order": order})
    assert page.status_code == 200
    assert "等待调拨到货" in page.text and f"#{transfer_id}" in page.text and "压缩机" in page.text
    assert 'action="/tech/orders/' not in page.text.split('id="parts"')[1].split("</section>")[0]  # no forms


def test_the_outlet_manager_sees_the_outlets_stock_alerts_and_transfers(
    client, world, sessionmaker_, sign_in
):
    demo = world.demo
    with sessionmaker_() as db:
        room = build(db, demo)
        stock.set_reorder_point(
            db, tenant_id=demo.tenant.id, warehouse_id=room.van, part_id=room.thermostat, reorder_point=3
        )
        db.commit()
    moved = client.post(
        "/api/v1/transfers",
        json={"from_warehouse_id": room.regional, "to_warehouse_id": room.store, "part_id": room.compressor}
        | {"quantity": 2},
        headers=demo.headers("outlet_manager"),
    )
    assert moved.status_code == 201, moved.text
    sign_in(client, "outlet_manager@demo")
    page = client.get("/console/stock")
    assert page.status_code == 200
    assert "西湖网点库" in page.text and "王师傅车载库" in page.text
    stock_rows = page.text.split("</table>")[0]
    assert "华东区域库" not in stock_rows and "中心库" not in stock_rows  # not the outlet's stock
    assert "需补货" in page.text  # the van's two thermostats are at or under its reorder point of three
    assert "已申请" in page.text and "华东区域库" in page.text  # the transfer in, from the region
    alerts = client.get("/console/stock", params={"alerts": "true"})
    assert alerts.text.count("需补货</span>") == 1
