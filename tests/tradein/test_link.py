"""A recycling order's trade-in: the technician values the old appliance on site, the customer accepts,
the credit goes on an installation order of the same customer once, never twice, never across customers
or tenants, never after it expires; a cancelled installation order gives it back (``credit_fen`` 0)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.tradein.credit import credit_fen
from anxin.tradein.models import TradeIn, TradeInLink
from tests.helpers import act, walk
from tests.tradein.scene import (
    SUBSIDY_FEN,
    accepted,
    link,
    on_site_recycling,
    order_of,
    second_appliance,
    set_table,
    trade_in_of,
    valued,
)

FAIR_1_YEAR = 50000 + SUBSIDY_FEN  # customer01's refrigerator was bought 18 months ago: 0-2 years, fair


def credit(sessionmaker_, tenant_id: int, order_id: int) -> int:
    """``credit_fen`` as payments reads it, in a transaction of its own (what has been committed)."""
    with sessionmaker_() as session:
        return credit_fen(session, tenant_id=tenant_id, order_id=order_id)


def code(answer) -> str:
    return answer.json()["error"]["code"]


# --- valuing ---------------------------------------------------------------------------------------------


def test_the_technician_values_the_old_appliance_on_site(client, world):
    # Given the table and a recycling order with tech01 on site
    set_table(client, world.demo)
    order = on_site_recycling(client, world.demo)
    # When tech01 records its condition (its age read from the appliance: bought 18 months ago)
    answer = client.put(
        trade_in_of(order),
        json={"condition": "fair", "note": "侧面有划痕"},
        headers=world.demo.headers("technician"),
    )
    # Then the valuation is computed and stored, waiting for the customer
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["side"] == "recycling" and body["credit_fen"] == 0
    ti = body["trade_in"]
    assert (ti["age_years"], ti["age_band"], ti["condition"]) == (1, "0_2", "fair")
    assert (ti["base_fen"], ti["subsidy_fen"], ti["value_fen"]) == (50000, SUBSIDY_FEN, FAIR_1_YEAR)
    assert ti["state"] == "valued" and ti["expires_at"] is None and ti["note"] == "侧面有划痕"
    # and the customer sees the same on their order
    mine = client.get(trade_in_of(order), headers=world.demo.headers("customer")).json()
    assert mine["trade_in"]["value_fen"] == FAIR_1_YEAR


def test_a_new_record_replaces_the_valuation_until_the_customer_accepts(client, world):
    order = valued(client, world.demo, "fair")
    again = client.put(
        trade_in_of(order),
        json={"condition": "intact", "age_years": 4},
        headers=world.demo.headers("technician"),
    )
    assert again.status_code == 200 and again.json()["trade_in"]["value_fen"] == 50000 + SUBSIDY_FEN
    assert (
        client.post(f"{trade_in_of(order)}/accept", headers=world.demo.headers("customer")).status_code == 200
    )
    late = client.put(
        trade_in_of(order), json={"condition": "dead"}, headers=world.demo.headers("technician")
    )
    assert late.status_code == 409 and code(late) == "trade_in_accepted"


def test_only_a_recycling_order_on_site_is_valued(client, world):
    set_table(client, world.demo)
    repair = order_of(client, world.demo, "repair")
    act(client, world.demo, repair, "agent", "accept")
    act(client, world.demo, repair, "dispatcher", "assign", {"technician_id": None})
    answer = client.put(
        trade_in_of(repair), json={"condition": "fair"}, headers=world.demo.headers("technician")
    )
    assert answer.status_code == 422 and code(answer) == "trade_in_wrong_service_type"
    early = order_of(client, world.demo, "recycling")
    act(client, world.demo, early, "agent", "accept")
    act(client, world.demo, early, "dispatcher", "assign", {"technician_id": None})
    answer = client.put(
        trade_in_of(early), json={"condition": "fair"}, headers=world.demo.headers("technician")
    )
    assert answer.status_code == 409 and code(answer) == "trade_in_not_now"


def test_accepting_fixes_the_valuation_for_ninety_days(client, world, db):
    order = valued(client, world.demo)
    answer = client.post(f"{trade_in_of(order)}/accept", headers=world.demo.headers("customer"))
    assert answer.status_code == 200, answer.text
    row = db.scalars(select(TradeIn)).one()
    assert row.status == "accepted" and row.expires_at - row.accepted_at == timedelta(days=90)
    assert answer.json()["trade_in"]["state"] == "accepted"


def test_nothing_to_accept_before_the_technician_values_it(client, world):
    set_table(client, world.demo)
    order = on_site_recycling(client, world.demo)
    answer = client.post(f"{trade_in_of(order)}/accept", headers=world.demo.headers("customer"))
    assert answer.status_code == 409 and code(answer) == "trade_in_not_valued"


# --- linking ---------------------------------------------------------------------------------------------


def test_the_credit_goes_on_the_customers_installation_order_once(client, world, sessionmaker_, db):
    # Given an accepted valuation and an installation order of the same customer
    recycling = accepted(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    # When the customer applies it
    answer = link(client, world.demo, recycling, installation)
    # Then the credit is the whole valuation, on the installation order, seen from both orders
    assert answer.status_code == 200, answer.text
    assert answer.json()["trade_in"]["link"]["installation_order"]["id"] == installation
    assert answer.json()["trade_in"]["state"] == "applied"
    seen = client.get(trade_in_of(installation), headers=world.demo.headers("agent")).json()
    assert seen["side"] == "installation" and seen["credit_fen"] == FAIR_1_YEAR
    assert seen["trade_in"]["recycling_order"]["id"] == recycling
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=installation) == FAIR_1_YEAR
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=recycling) == 0
    assert credit(sessionmaker_, tenant_id=world.acme.tenant.id, order_id=installation) == 0
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "trade_in.link")).one()
    # and never twice on it
    again = link(client, world.demo, recycling, installation)
    assert again.status_code == 422 and code(again) == "trade_in_already_linked"


def test_a_credit_already_applied_is_not_applied_to_a_second_order(client, world, sessionmaker_):
    recycling = accepted(client, world.demo)
    first = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, first).status_code == 200
    second = order_of(
        client, world.demo, "installation", appliance_id=second_appliance(sessionmaker_, world.demo)
    )
    refused = link(client, world.demo, recycling, second)
    assert refused.status_code == 422 and code(refused) == "trade_in_already_linked"
    assert "另一张安装工单" in refused.json()["error"]["message"]


def test_an_installation_order_takes_one_credit(client, world, sessionmaker_, db):
    # Given customer01's installation order with a credit already on it
    recycling = accepted(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, installation).status_code == 200
    # and a second accepted trade-in of theirs, for another old appliance
    other = order_of(
        client, world.demo, "recycling", appliance_id=second_appliance(sessionmaker_, world.demo)
    )
    walk(client, world.demo, other, "arrive")
    put = client.put(trade_in_of(other), json={"condition": "poor"}, headers=world.demo.headers("technician"))
    assert put.status_code == 200, put.text
    assert client.post(f"{trade_in_of(other)}/accept", headers=world.demo.headers("agent")).status_code == 200
    # When it is applied to the same installation order
    refused = link(client, world.demo, other, installation)
    # Then it is refused: one credit per installation order
    assert refused.status_code == 422 and code(refused) == "trade_in_already_linked"
    assert "已抵扣过" in refused.json()["error"]["message"]
    assert len(db.scalars(select(TradeInLink)).all()) == 1
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=installation) == FAIR_1_YEAR


def test_wrong_service_types_are_refused(client, world):
    recycling = accepted(client, world.demo)
    repair = order_of(client, world.demo, "repair")
    answer = link(client, world.demo, recycling, repair)
    assert answer.status_code == 422 and code(answer) == "trade_in_wrong_service_type"
    assert answer.json()["error"]["field"] == "installation_order_id"
    installation = order_of(client, world.demo, "installation")
    backwards = link(client, world.demo, installation, recycling)
    assert backwards.status_code == 422 and code(backwards) == "trade_in_wrong_service_type"


def test_another_customers_order_is_refused_and_hidden(client, world):
    recycling = accepted(client, world.demo)
    theirs = order_of(client, world.demo, "installation", other=True)
    # staff see both orders: the rule refuses them
    answer = link(client, world.demo, recycling, theirs, role="agent")
    assert answer.status_code == 422 and code(answer) == "trade_in_other_customer"
    # customer01 cannot even see customer02's order
    assert link(client, world.demo, recycling, theirs, role="customer").status_code == 404
    # nor customer02 customer01's trade-in
    assert client.get(trade_in_of(recycling), headers=world.demo.headers("other_customer")).status_code == 404


def test_another_tenants_orders_are_not_found(client, world):
    recycling = accepted(client, world.demo)
    theirs = order_of(client, world.acme, "installation")
    assert link(client, world.demo, recycling, theirs, role="admin").status_code == 404
    assert client.get(trade_in_of(recycling), headers=world.acme.headers("admin")).status_code == 404
    assert (
        client.post(f"{trade_in_of(recycling)}/accept", headers=world.acme.headers("agent")).status_code
        == 404
    )


def test_a_valuation_not_accepted_cannot_be_applied(client, world):
    recycling = valued(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    answer = link(client, world.demo, recycling, installation)
    assert answer.status_code == 409 and code(answer) == "trade_in_not_accepted"


def test_an_expired_credit_cannot_be_applied(client, world, sessionmaker_):
    recycling = accepted(client, world.demo)
    with sessionmaker_() as db:
        row = db.scalars(select(TradeIn)).one()
        row.accepted_at -= timedelta(days=91)
        row.expires_at = row.accepted_at + timedelta(days=90)
        db.commit()
    installation = order_of(client, world.demo, "installation")
    answer = link(client, world.demo, recycling, installation)
    assert answer.status_code == 422 and code(answer) == "trade_in_expired"
    seen = client.get(trade_in_of(recycling), headers=world.demo.headers("customer")).json()
    assert seen["trade_in"]["state"] == "expired"


# --- giving it back --------------------------------------------------------------------------------------


def test_a_cancelled_installation_order_gives_the_credit_back(client, world, sessionmaker_, db):
    # Given the credit on an installation order
    recycling = accepted(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, installation).status_code == 200
    # When the installation order is cancelled
    cancelled = act(client, world.demo, installation, "agent", "cancel", {"reason": "用户改期另约"})
    assert cancelled.status_code == 200, cancelled.text
    # Then no credit is applied to it, the link is kept as released, and the valuation may be used again
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=installation) == 0
    row = db.scalars(select(TradeInLink)).one()
    assert row.status == "released" and "已取消" in row.release_reason
    seen = client.get(trade_in_of(recycling), headers=world.demo.headers("customer")).json()
    assert seen["trade_in"]["state"] == "accepted" and seen["trade_in"]["link"] is None
    fresh = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, fresh).status_code == 200
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=fresh) == FAIR_1_YEAR


def test_a_cancelled_recycling_order_voids_its_valuation_and_credit(client, world, sessionmaker_, db):
    recycling = accepted(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, installation).status_code == 200
    assert act(client, world.demo, recycling, "agent", "cancel", {"reason": "用户不卖了"}).status_code == 200
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=installation) == 0
    seen = client.get(trade_in_of(installation), headers=world.demo.headers("customer")).json()
    assert seen["credit_fen"] == 0 and seen["trade_in"] is None
    assert (
        client.get(trade_in_of(recycling), headers=world.demo.headers("customer")).json()["trade_in"]["state"]
        == "void"
    )


def test_unlinking_takes_the_credit_off_either_order(client, world, sessionmaker_, db):
    recycling = accepted(client, world.demo)
    installation = order_of(client, world.demo, "installation")
    assert link(client, world.demo, recycling, installation).status_code == 200
    answer = client.post(
        f"{trade_in_of(installation)}/unlink",
        json={"reason": "用户想留着旧机"},
        headers=world.demo.headers("agent"),
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["credit_fen"] == 0
    assert credit(sessionmaker_, tenant_id=world.demo.tenant.id, order_id=installation) == 0
    again = client.post(f"{trade_in_of(recycling)}/unlink", headers=world.demo.headers("agent"))
    assert again.status_code == 409 and code(again) == "trade_in_not_linked"


def test_another_technician_neither_sees_nor_values_the_order(client, world):
    set_table(client, world.demo)
    order = on_site_recycling(client, world.demo)
    answer = client.put(
        trade_in_of(order), json={"condition": "fair"}, headers=world.demo.headers("other_technician")
    )
    assert answer.status_code == 404
    assert client.get(trade_in_of(order), headers=world.demo.headers("other_technician")).status_code == 404
    # and the customer may not value their own appliance
    assert (
        client.put(
            trade_in_of(order), json={"condition": "intact"}, headers=world.demo.headers("customer")
        ).status_code
        == 403
    )
