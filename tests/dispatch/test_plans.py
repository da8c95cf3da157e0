"""Day plans over a small day worked out by hand.

Wednesday 2 December 2026 in Hangzhou, planned at 07:00. 王师傅 (the ``technician`` persona) lives in the
west by the outlet, 李师傅 (``other_technician``) 17 km east; both work 09:00–18:00 with lunch at 12:00.
Four refrigerator repairs, an hour each: two in the west (10:00–12:00 and 14:00–16:00) and two in the east
(the same windows). By hand: each technician takes the two orders on their side, the morning one first;
crossing town costs tens of kilometres more than either local pair.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from typer.testing import CliRunner

from anxin.appliance import service as appliance_service
from anxin.catalog import service as catalog_service
from anxin.catalog.models import Brand, ProductModel
from anxin.config import get_settings
from anxin.customer import service as customer_service
from anxin.dispatch.models import DispatchPlan
from anxin.technician.models import Technician, TechnicianCertificate
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from tests.helpers import act, report

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 2)
WEST, EAST = (30.26, 120.13), (30.26, 120.30)
SECONDS = 0.5


def local(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, 2, hour, minute, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def seven_in_the_morning():
    with time_machine.travel(local(7), tick=False) as traveller:
        yield traveller


def shape(db, technician_id: int, home: tuple[float, float], **fields) -> None:
    technician = db.get(Technician, technician_id)
    ordinary = {
        "shift_start": "09:00",
        "shift_end": "18:00",
        "break_start": "12:00",
        "break_end": "13:00",
        "work_days": [1, 2, 3, 4, 5, 6],
        "daily_capacity": 8,
        "status": "available",
        "home_lat": home[0],
        "home_lng": home[1],
    }
    for name, value in {**ordinary, **fields}.items():
        setattr(technician, name, value)
    db.commit()


def customer_at(
    db, world, phone: str, lat: float, lng: float, *, district: str = "西湖区", category: str = "refrigerator"
) -> tuple[int, int]:
    """A new customer at (lat, lng) with one appliance of ``category``; (customer id, appliance id)."""
    tenant_id = world.tenant.id
    code = "BCD-470" if category == "refrigerator" else f"M-{category}"  # the world's refrigerator model
    model_id = db.scalar(
        select(ProductModel.id).where(ProductModel.tenant_id == tenant_id, ProductModel.model_code == code)
    )
    if model_id is None:
        brand = db.scalar(select(Brand).where(Brand.tenant_id == tenant_id))
        model_id = catalog_service.create_product_model(
            db,
            tenant_id=tenant_id,
            brand_id=brand.id,
            category_code=category,
            model_code=f"M-{category}",
            name=category,
            warranty_months=12,
            key_part_months={},
        ).id
    address = {
        "province": "浙江省",
        "city": "杭州市",
        "district": district,
        "detail": f"{phone} 号",
        "lat": lat,
        "lng": lng,
        "area_type": "urban",
    }
    customer, _ = customer_service.create_or_get(
        db, tenant_id=tenant_id, name=f"客户{phone[-4:]}", phone=phone, address=address
    )
    appliance = appliance_service.create(
        db,
        tenant_id=tenant_id,
        customer_id=customer.id,
        product_model_id=model_id,
        serial_number=f"SN{phone}",
        purchase_date=date(2025, 6, 1),
        purchase_channel="jd",
        install_date=None,
        address_id=customer.addresses[0].id,
    )
    db.commit()
    return customer.id, appliance.id


def order_at(
    client,
    db,
    world,
    phone: str,
    place: tuple[float, float],
    window: tuple[datetime, datetime] | None,
    **where,
) -> dict:
    """An accepted order at ``place``, appointed for ``window``."""
    customer_id, appliance_id = customer_at(db, world, phone, *place, **where)
    order = report(client, world, customer_id=customer_id, appliance_id=appliance_id).json()
    assert act(client, world, order["id"], "agent", "accept").status_code == 200
    if window is not None:
        body = {"start_at": window[0].isoformat(), "end_at": window[1].isoformat()}
        response = act(client, world, order["id"], "agent", "appoint", body)
        assert response.status_code == 200, response.text
    return order


def the_day(client, db, world) -> dict[str, int]:
    """The four orders of the hand-made day, by name."""
    shape(db, world.technician_id, WEST)
    shape(db, world.other_technician_id, EAST)
    morning, afternoon = (local(10), local(12)), (local(14), local(16))
    return {
        "W1": order_at(client, db, world, "13700000001", (30.27, 120.12), morning)["id"],
        "W2": order_at(client, db, world, "13700000002", (30.25, 120.11), afternoon)["id"],
        "E1": order_at(client, db, world, "13700000003", (30.27, 120.31), morning, district="上城区")["id"],
        "E2": order_at(client, db, world, "13700000004", (30.25, 120.29), afternoon, district="上城区")["id"],
    }


def make_plan(client, world, role: str = "dispatcher", **body):
    return client.post(
        "/api/v1/dispatch/plans",
        json={"date": DAY.isoformat(), "seconds": SECONDS, **body},
        headers=world.headers(role),
    )


def routes(plan: dict) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for stop in sorted(plan["stops"], key=lambda s: (s["technician_id"], s["sequence"])):
        out.setdefault(stop["technician_id"], []).append(stop["work_order_id"])
    return out


def test_a_small_day_is_planned_as_worked_out_by_hand_and_each_technician_sees_their_route(client, world, db):
    demo = world.demo
    o = the_day(client, db, demo)

    response = make_plan(client, demo)

    assert response.status_code == 201, response.text
    plan = response.json()
    assert (plan["status"], plan["revision"], plan["unserved"]) == ("current", 1, [])
    assert routes(plan) == {
        demo.technician_id: [o["W1"], o["W2"]],
        demo.other_technician_id: [o["E1"], o["E2"]],
    }
    windows = {o["W1"]: local(10), o["E1"]: local(10), o["W2"]: local(14), o["E2"]: local(14)}
    for stop in plan["stops"]:
        start, arrive = datetime.fromisoformat(stop["start_at"]), datetime.fromisoformat(stop["arrive_at"])
        assert windows[stop["work_order_id"]] <= start <= windows[stop["work_order_id"]] + timedelta(hours=2)
        assert arrive <= start and datetime.fromisoformat(stop["end_at"]) == start + timedelta(minutes=60)
    stats = plan["stats"]
    assert (stats["orders"], stats["served"], stats["unserved"], stats["trigger"]) == (4, 4, 0, "manual")
    assert 0 < stats["total_km"] < 20 and 0 < stats["utilisation"] < 1

    mine = client.get(f"/api/v1/technicians/me/route?date={DAY}", headers=demo.headers("technician")).json()
    theirs = client.get(f"/api/v1/technicians/me/route?date={DAY}", headers=demo.headers("other_technician"))
    assert [s["order_id"] for s in mine["stops"]] == [o["W1"], o["W2"]]
    assert [s["sequence"] for s in mine["stops"]] == [1, 2] and mine["plan_id"] == plan["id"]
    assert mine["stops"][0]["number"].startswith("WO") and "号" in mine["stops"][0]["address"]
    assert [s["order_id"] for s in theirs.json()["stops"]] == [o["E1"], o["E2"]]
    listed = client.get(f"/api/v1/dispatch/plans?date={DAY}", headers=demo.headers("admin")).json()
    assert [p["id"] for p in listed] == [plan["id"]]
    eta = client.get(f"/api/v1/work-orders/{o['W1']}/eta", headers=demo.headers("agent")).json()
    first = next(s for s in plan["stops"] if s["work_order_id"] == o["W1"])
    assert eta["source"] == "plan" and eta["eta"] == first["arrive_at"]


def test_eligibility_is_respected_and_every_order_left_out_says_why(client, world, db):
    demo = world.demo
    shape(db, demo.technician_id, WEST)
    shape(db, demo.other_technician_id, EAST)
    for certificate in db.scalars(
        select(TechnicianCertificate).where(TechnicianCertificate.technician_id == demo.other_technician_id)
    ):
        certificate.expires_on = date(2020, 1, 1)  # 李师傅 may not open a refrigerant circuit any more
    db.commit()
    tight = (local(10), local(10, 30))
    west = order_at(client, db, demo, "13700000001", (30.27, 120.12), tight)["id"]
    east = order_at(client, db, demo, "13700000003", (30.27, 120.31), tight)["id"]
    stove = order_at(client, db, demo, "13700000005", (30.27, 120.12), None, category="gas_stove")["id"]
    evening = order_at(client, db, demo, "13700000006", (30.26, 120.14), (local(19), local(20)))["id"]

    plan = make_plan(client, demo).json()

    assert routes(plan) == {demo.technician_id: [west]}
    reasons = {u["work_order_id"]: u["reason"] for u in plan["unserved"]}
    assert reasons == {east: "no_time_left", stove: "no_eligible_technician", evening: "not_today"}
    assert all(u["message"] for u in plan["unserved"])
    assert plan["stats"]["unserved_by_reason"] == {
        "no_time_left": 1,
        "no_eligible_technician": 1,
        "not_today": 1,
    }


def test_replanning_keeps_the_visit_under_way_first_and_supersedes_the_earlier_plan(
    client, world, db, seven_in_the_morning
):
    demo = world.demo
    o = the_day(client, db, demo)
    first = make_plan(client, demo, apply=True).json()
    db.expire_all()
    assert {k: db.get(WorkOrder, v).technician_id for k, v in o.items()} == {
        "W1": demo.technician_id,
        "W2": demo.technician_id,
        "E1": demo.other_technician_id,
        "E2": demo.other_technician_id,
    }
    assigned = db.scalars(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == o["W1"], WorkOrderEvent.action == "assign"
        )
    ).one()
    assert assigned.payload["plan_id"] == first["id"]
    db.commit()  # end the read, so the changes below start from what the API wrote

    seven_in_the_morning.move_to(local(9, 30))
    assert act(client, demo, o["W1"], "technician", "acknowledge").status_code == 200
    assert act(client, demo, o["W1"], "technician", "depart").status_code == 200
    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    technician.last_lat, technician.last_lng, technician.last_located_at = 30.262, 120.128, local(9, 28)
    db.get(Technician, demo.other_technician_id).status = "off"  # 李师傅 went home sick
    db.commit()

    response = client.post(
        f"/api/v1/dispatch/plans/{first['id']}/replan",
        json={"reason": "sick", "seconds": SECONDS, "reassign": True},
        headers=demo.headers("dispatcher"),
    )

    assert response.status_code == 201, response.text
    second = response.json()
    assert (second["revision"], second["trigger"]) == (2, "sick")
    route = sorted(
        (s for s in second["stops"] if s["technician_id"] == demo.technician_id), key=lambda s: s["sequence"]
    )
    assert (route[0]["work_order_id"], route[0]["fixed"]) == (o["W1"], True)
    assert not any(s["fixed"] for s in route[1:])
    assert all(s["technician_id"] == demo.technician_id for s in second["stops"])
    # Free to move (reassign), 李师傅's orders are still out of 王师傅's reach: across town, the morning
    # one would start after his lunch and the afternoon one after its window once W2 is done.
    assert {u["work_order_id"]: u["reason"] for u in second["unserved"]} == {
        o["E1"]: "no_time_left",
        o["E2"]: "no_time_left",
    }
    old = client.get(f"/api/v1/dispatch/plans/{first['id']}", headers=demo.headers("dispatcher")).json()
    assert old["status"] == "superseded"
    stale = client.post(
        f"/api/v1/dispatch/plans/{first['id']}/replan",
        json={"reason": "again"},
        headers=demo.headers("dispatcher"),
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "plan_superseded"
    eta = client.get(f"/api/v1/work-orders/{o['W1']}/eta", headers=demo.headers("agent")).json()
    assert eta["source"] == "live" and local(9, 30) < datetime.fromisoformat(eta["eta"]) < local(10)


def test_replanning_an_unchanged_day_starts_from_the_plan_and_keeps_it(client, world, db, monkeypatch):
    from anxin.dispatch.core import vrp

    demo = world.demo
    the_day(client, db, demo)
    first = make_plan(client, demo).json()
    hints = []
    solve = vrp.solve

    def spy(problem, **options):
        hints.append(options.get("hint"))
        return solve(problem, **options)

    monkeypatch.setattr(vrp, "solve", spy)

    response = client.post(
        f"/api/v1/dispatch/plans/{first['id']}/replan",
        json={"reason": "check", "seconds": SECONDS},
        headers=demo.headers("dispatcher"),
    )

    assert response.status_code == 201, response.text
    assert hints == [routes(first)]  # the solver was warm-started from the plan's routes
    assert routes(response.json()) == routes(first)


def test_another_tenants_plans_and_orders_are_404_and_an_outlet_manager_plans_their_own_outlet(
    client, world, db
):
    demo, acme = world.demo, world.acme
    o = the_day(client, db, demo)
    plan = make_plan(client, demo).json()

    assert (
        client.get(f"/api/v1/dispatch/plans/{plan['id']}", headers=acme.headers("dispatcher")).status_code
        == 404
    )
    replan = client.post(
        f"/api/v1/dispatch/plans/{plan['id']}/replan", json={"reason": "peek"}, headers=acme.headers("admin")
    )
    assert replan.status_code == 404
    assert client.get(f"/api/v1/dispatch/plans?date={DAY}", headers=acme.headers("dispatcher")).json() == []
    assert client.get(f"/api/v1/work-orders/{o['W1']}/eta", headers=acme.headers("agent")).status_code == 404
    assert (
        client.get(f"/api/v1/technicians/me/route?date={DAY}", headers=acme.headers("technician")).json()[
            "stops"
        ]
        == []
    )
    assert make_plan(client, demo, role="agent").status_code == 403
    elsewhere = make_plan(client, demo, role="outlet_manager", outlet_id=acme.outlet_id)
    assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "not_your_outlet"
    own = make_plan(client, demo, role="outlet_manager")
    assert own.status_code == 201 and own.json()["outlet_id"] == demo.outlet_id
    assert make_plan(client, acme, outlet_id=demo.outlet_id).status_code == 404


def test_the_command_line_plans_an_area_prints_the_routes_and_commits(
    client, world, db, database_url, monkeypatch
):
    import typer

    from anxin.dispatch.planning.command import plan

    demo = world.demo
    o = the_day(client, db, demo)
    monkeypatch.setenv("ANXIN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    command = typer.Typer()
    command.command()(plan)
    try:
        result = CliRunner().invoke(
            command,
            ["--date", DAY.isoformat(), "--area", "西湖区", "--tenant", "demo", "--seconds", str(SECONDS)],
        )
    finally:
        get_settings.cache_clear()

    assert result.exit_code == 0, result.output
    numbers = {k: db.get(WorkOrder, v).number for k, v in o.items()}
    assert "王师傅" in result.output and numbers["W1"] in result.output and numbers["E1"] not in result.output
    db.expire_all()
    stored = db.scalars(select(DispatchPlan).where(DispatchPlan.tenant_id == demo.tenant.id)).one()
    assert (stored.area, stored.trigger, stored.stats["served"]) == ("西湖区", "cli", 2)
