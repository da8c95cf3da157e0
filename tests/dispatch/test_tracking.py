"""The customer's arrival time (dispatch.planning.tracking, GET /api/v1/work-orders/{id}/eta and the en-route
message): from a fresh position by the travel model dispatch uses, in the tenant's zone, honest without one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant
from anxin.dispatch.day import travel
from anxin.dispatch.matching import live
from anxin.dispatch.planning import tracking
from anxin.geo import Point
from anxin.notify.models import OutboxMessage
from anxin.notify.templates import render
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder
from tests.helpers import act, report, walk

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
HERE = (30.30, 120.20)  # a few kilometres from the world's customer (30.27, 120.12)


def on_the_way(client, db, world, *, located: datetime | None, appointment: tuple[int, int] | None = None):
    """customer01's order walked until the technician departed; the technician last seen at ``located``
    (None: never), the visit window agreed from ``appointment`` (local hours of the day of ``NOW``)."""
    order_id = report(client, world).json()["id"]
    walk(client, world, order_id, until="depart")
    technician = db.get(Technician, world.technician_id)
    technician.last_lat, technician.last_lng, technician.last_located_at = (*HERE, located)
    if located is None:
        technician.last_lat = technician.last_lng = None
    order = db.get(WorkOrder, order_id)
    if appointment:
        zone = ZoneInfo("Asia/Shanghai")
        day = NOW.astimezone(zone).date()
        start, end = (datetime(day.year, day.month, day.day, h, tzinfo=zone) for h in appointment)
        order.appointment_start_at, order.appointment_end_at = start, end
    db.commit()
    return order


def test_a_fresh_position_gives_the_travel_models_arrival_in_the_tenants_zone(client, db, world):
    order = on_the_way(client, db, world.demo, located=NOW - timedelta(minutes=2))

    t = tracking.track(db, order=order, now=NOW)

    leg = travel().leg(Point(*HERE, "urban"), live.order_point(order, db), NOW)
    arrive = (NOW + timedelta(seconds=leg.seconds)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert t.eta.source == "live" and t.eta.eta == NOW + timedelta(seconds=leg.seconds)
    assert leg.seconds > 0
    assert tracking.headline(t, "zh") == f"预计 {arrive:%H:%M} 到达"
    assert tracking.headline(t, "en") == f"Arriving about {arrive:%H:%M}"
    assert tracking.basis(t, "zh") == f"师傅位置2 分钟前更新，距您约 {leg.metres / 1000:.1f} 公里"
    assert t.position == Point(*HERE, "urban") and t.age_minutes == 2

    # the same moment for a tenant in another zone reads in that zone
    db.get(Tenant, order.tenant_id).timezone = "Europe/London"
    db.commit()
    db.info.pop(tenant_clock.ZONE_KEY, None)  # the zone is read once per session: a new request's
    there = tracking.track(db, order=order, now=NOW)
    london = there.eta.eta.astimezone(ZoneInfo("Europe/London"))
    assert tracking.headline(there, "en") == f"Arriving about {london:%H:%M}" != tracking.headline(t, "en")


def test_a_stale_position_falls_back_to_the_window_and_says_so(client, db, world):
    order = on_the_way(client, db, world.demo, located=NOW - timedelta(minutes=40), appointment=(14, 16))

    t = tracking.track(db, order=order, now=NOW)

    assert t.eta.source == "appointment" and t.position is None and not t.fresh
    assert tracking.headline(t, "zh") == "将在预约时段 14:00–16:00 内上门"
    assert tracking.headline(t, "en") == "Visiting in the agreed window 14:00–16:00"
    assert tracking.basis(t, "zh") == "师傅位置40 分钟前更新，已不是实时位置"
    assert tracking.arrival_at(t, "zh") is None  # the SMS does not call the window an arrival time


def test_no_position_and_no_window_says_so_and_never_a_dash(client, db, world):
    order = on_the_way(client, db, world.demo, located=None)

    t = tracking.track(db, order=order, now=NOW)

    assert t.eta.source == "none"
    assert tracking.headline(t, "zh") == "师傅已出发，暂时无法估算到达时间"
    assert tracking.basis(t, "en") == "No live position yet"
    for lang in ("zh", "en"):
        assert "—" not in tracking.headline(t, lang) + (tracking.basis(t, lang) or "")


def test_the_api_gives_the_customer_words_and_points_but_no_ids(client, db, world):
    demo = world.demo
    order = on_the_way(client, db, demo, located=clock.now() - timedelta(minutes=1))

    mine = client.get(f"/api/v1/work-orders/{order.id}/eta", headers=demo.headers("customer"))
    english = client.get(f"/api/v1/work-orders/{order.id}/eta?lang=en", headers=demo.headers("customer"))
    staff = client.get(f"/api/v1/work-orders/{order.id}/eta", headers=demo.headers("dispatcher"))

    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["source"] == "live" and body["live"] is True and body["technician_id"] is None
    assert body["text"].startswith("预计 ") and body["text"].endswith(" 到达")
    assert body["technician_position"] == {"lat": HERE[0], "lng": HERE[1]}
    assert body["destination"] == {"lat": 30.27, "lng": 120.12}
    assert body["position_age_minutes"] == 1 and body["distance_km"] > 1
    assert english.json()["text"].startswith("Arriving about ")
    assert staff.json()["technician_id"] == demo.technician_id


def test_another_customers_or_tenants_order_is_not_found(client, db, world):
    order = on_the_way(client, db, world.demo, located=clock.now())

    other = client.get(f"/api/v1/work-orders/{order.id}/eta", headers=world.demo.headers("other_customer"))
    foreign = client.get(f"/api/v1/work-orders/{order.id}/eta", headers=world.acme.headers("customer"))
    bad = client.get(f"/api/v1/work-orders/{order.id}/eta?lang=fr", headers=world.demo.headers("customer"))

    assert other.status_code == 404 and foreign.status_code == 404
    assert bad.status_code == 422 and bad.json()["error"]["code"]


def departure_texts(db, order_id: int) -> dict[str, str]:
    row = db.scalars(
        select(OutboxMessage).where(
            OutboxMessage.work_order_id == order_id,
            OutboxMessage.event == "work_order.en_route",
            OutboxMessage.channel == "sms",
        )
    ).one()
    return {lang: render(row.event, row.context, lang).body for lang in ("zh", "en")}


def test_the_en_route_sms_says_the_live_arrival_or_the_window_never_a_dash(client, db, world):
    demo = world.demo
    technician = db.get(Technician, demo.technician_id)
    technician.last_lat, technician.last_lng, technician.last_located_at = (*HERE, clock.now())
    db.commit()
    fresh = report(client, demo).json()["id"]
    walk(client, demo, fresh, until="depart")
    texts = departure_texts(db, fresh)
    assert "预计 " in texts["zh"] and " 到达" in texts["zh"] and "/portal/orders/" in texts["zh"]
    assert "arriving about " in texts["en"]

    technician.last_located_at = clock.now() - timedelta(hours=3)
    db.commit()
    blind = report(client, demo, appliance_id=demo.other_appliance_id, customer_id=demo.other_customer_id)
    walk(client, demo, blind.json()["id"], until="acknowledge")
    # set off without a position (a depart with one would be the fresh position the arrival time reads)
    assert act(client, demo, blind.json()["id"], "technician", "depart").status_code == 200
    texts = departure_texts(db, blind.json()["id"])
    assert "预计" not in texts["zh"] and "—" not in texts["zh"] and "已出发。" in texts["zh"]
    assert "—" not in texts["en"]
