"""``parts_fill_rate``: of the orders that needed parts, those whose parts were on hand (van or outlet) when
reserved, none on a transfer; on the KPI report and the dashboard."""

from __future__ import annotations

from anxin.work_order.states import Status
from tests.dates import local_today
from tests.helpers import act
from tests.parts.stockroom import build, order_at


def test_the_fill_rate_counts_orders_served_from_the_van_or_the_outlet(client, world, sessionmaker_, sign_in):
    demo = world.demo
    with sessionmaker_() as db:
        room = build(db, demo)
        orders = {
            key: order_at(db, demo, Status.ON_SITE, key).id
            for key in ("van", "store", "region", "none", "gone")
        }
        db.commit()
    headers = demo.headers("technician")

    def reserve(key: str, part_id: int, quantity: int = 1) -> dict:
        answer = client.post(
            f"/api/v1/work-orders/{orders[key]}/parts",
            json={"part_id": part_id, "quantity": quantity},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    assert reserve("van", room.thermostat)["level"] == "van"
    assert reserve("store", room.refrigerant)["level"] == "outlet"
    assert reserve("region", room.compressor)["via_transfer"]
    reserve("gone", room.compressor)  # on a transfer too, but the order is cancelled: it needed nothing
    assert act(client, demo, orders["gone"], "agent", "cancel", {"reason": "客户取消"}).status_code == 200

    today = str(local_today())
    body = client.get(
        "/api/v1/analytics/kpis", params={"from": today, "to": today}, headers=demo.headers("admin")
    ).json()
    assert body["kpis"]["parts_fill_rate"] == round(2 / 3, 4)
    # the outlet manager's scope: all of these orders are its technician's
    mine = client.get(
        "/api/v1/analytics/kpis", params={"from": today, "to": today}, headers=demo.headers("outlet_manager")
    ).json()
    assert mine["kpis"]["parts_fill_rate"] == round(2 / 3, 4)
    acme = client.get(
        "/api/v1/analytics/kpis", params={"from": today, "to": today}, headers=world.acme.headers("admin")
    ).json()
    assert acme["kpis"]["parts_fill_rate"] is None  # no order of acme's needed parts

    sign_in(client, "admin@demo")
    page = client.get("/dashboard", params={"from": today, "to": today})
    assert page.status_code == 200
    assert 'data-kpi="parts_fill_rate">66.7%</dd>' in page.text
