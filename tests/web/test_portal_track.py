"""The portal's order page while the technician comes (web/portal_track.py): honest words without a fresh
position, the map's points only while en route with one, and nothing internal in the script's data."""

from __future__ import annotations

import re
from datetime import timedelta

from anxin import clock
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder
from tests.conftest import page_session
from tests.helpers import report, walk


def tracking_card(html: str) -> str:
    return re.search(r'<section class="card tracking".*?</section>', html, re.S).group(0)


def test_a_stale_position_shows_the_window_and_no_point(client, db, world):
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="depart")
    technician = db.get(Technician, demo.technician_id)
    technician.last_lat, technician.last_lng = 30.3, 120.2
    technician.last_located_at = clock.now() - timedelta(hours=1)
    order = db.get(WorkOrder, order_id)
    order.appointment_start_at = clock.now() + timedelta(minutes=30)
    order.appointment_end_at = clock.now() + timedelta(minutes=150)
    db.commit()
    page_session(client, demo.users["customer"])

    card = tracking_card(client.get(f"/portal/orders/{order_id}").text)
    data = client.get(f"/portal/orders/{order_id}/track").json()

    assert "将在预约时段" in card and "1 小时前更新，已不是实时位置" in card and "—" not in card
    assert data["on_the_way"] and data["technician"] is None and data["home"] == [120.12, 30.27]
    english = client.get(f"/portal/orders/{order_id}/track?lang=en").json()
    assert english["text"].startswith("Visiting in the agreed window ")
    assert str(demo.technician_id) not in str(data["labels"])


def test_before_the_technician_sets_off_the_map_is_hidden(client, db, world):
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="acknowledge")
    page_session(client, demo.users["customer"])

    html = client.get(f"/portal/orders/{order_id}").text
    data = client.get(f"/portal/orders/{order_id}/track").json()

    assert 'id="tracking" data-url' in html and " hidden>" in tracking_card(html)
    assert data["on_the_way"] is False and data["technician"] is None
