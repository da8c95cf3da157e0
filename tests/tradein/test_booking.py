"""A trade-in booked in one step: the agent reports the recycling of the old appliance and the
installation of the new one together (the work-order intake, twice); once the customer accepts the old
appliance's valuation its credit goes on the paired installation order by itself. A clash creates
nothing; nothing crosses customers or tenants."""

from __future__ import annotations

from sqlalchemy import func, select

from anxin.tradein.credit import credit_fen
from anxin.tradein.models import TradeInBooking
from anxin.work_order.models import WorkOrder
from tests.helpers import walk
from tests.tradein.scene import second_appliance, set_table, trade_in_of

BOOKINGS = "/api/v1/trade-in/bookings"


def body(world, new_appliance: int, **overrides) -> dict:
    return {
        "customer_id": world.customer_id,
        "old_appliance_id": world.appliance_id,
        "new_appliance_id": new_appliance,
        "note": "旧冰箱换新冰箱",
    } | overrides


def test_a_booking_makes_both_orders_and_the_credit_follows_the_acceptance(client, world, sessionmaker_):
    # Given the table and customer01's old and new refrigerators
    set_table(client, world.demo)
    new = second_appliance(sessionmaker_, world.demo)
    # When the agent books the trade-in in one step
    answer = client.post(BOOKINGS, json=body(world.demo, new), headers=world.demo.headers("agent"))
    # Then a recycling order and an installation order exist, each naming the other
    assert answer.status_code == 201, answer.text
    recycling = answer.json()["recycling_order"]["id"]
    installation = answer.json()["installation_order"]["id"]
    seen = client.get(trade_in_of(installation), headers=world.demo.headers("customer")).json()
    assert seen["booked_with"]["id"] == recycling and seen["credit_fen"] == 0
    with sessionmaker_() as db:
        kinds = {o.id: o.service_type for o in db.scalars(select(WorkOrder))}
        assert (kinds[recycling], kinds[installation]) == ("recycling", "installation")
    # When tech01 values the old one on site and the customer accepts
    walk(client, world.demo, recycling, "arrive")
    put = client.put(
        trade_in_of(recycling), json={"condition": "fair"}, headers=world.demo.headers("technician")
    )
    assert put.status_code == 200, put.text
    accepted = client.post(f"{trade_in_of(recycling)}/accept", headers=world.demo.headers("customer"))
    # Then the credit is on the paired installation order without another step
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["trade_in"]["link"]["installation_order"]["id"] == installation
    with sessionmaker_() as db:
        assert credit_fen(db, tenant_id=world.demo.tenant.id, order_id=installation) == 70000


def test_a_clash_creates_nothing(client, world, sessionmaker_):
    new = second_appliance(sessionmaker_, world.demo)
    first = client.post(BOOKINGS, json=body(world.demo, new), headers=world.demo.headers("agent"))
    assert first.status_code == 201
    with sessionmaker_() as db:
        before = db.scalar(select(func.count(WorkOrder.id)))
    again = client.post(BOOKINGS, json=body(world.demo, new), headers=world.demo.headers("dispatcher"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "trade_in_booking_exists"
    with sessionmaker_() as db:
        assert db.scalar(select(func.count(WorkOrder.id))) == before
        assert db.scalar(select(func.count(TradeInBooking.id))) == 1


def test_the_same_appliance_twice_is_refused(client, world):
    answer = client.post(
        BOOKINGS, json=body(world.demo, world.demo.appliance_id), headers=world.demo.headers("agent")
    )
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "new_appliance_id"


def test_only_the_front_desk_books_and_nothing_crosses(client, world, sessionmaker_):
    new = second_appliance(sessionmaker_, world.demo)
    for role in ("customer", "technician", "quality", "outlet_manager"):
        answer = client.post(BOOKINGS, json=body(world.demo, new), headers=world.demo.headers(role))
        assert answer.status_code == 403, role
    # another customer's appliance, and another tenant's customer: as unknown as a missing one
    theirs = body(world.demo, world.demo.other_appliance_id)
    assert client.post(BOOKINGS, json=theirs, headers=world.demo.headers("agent")).status_code == 404
    assert (
        client.post(BOOKINGS, json=body(world.demo, new), headers=world.acme.headers("agent")).status_code
        == 404
    )
