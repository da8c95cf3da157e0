"""Never oversell: many clients at once race for the last units of one part, each for its own order. As many
win as there are units, the others are refused with 409 ``insufficient_stock``, and the stock, the lines
and the ledger agree."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from anxin.models import ProductModel
from anxin.parts import catalog, stock
from anxin.parts.exceptions import StockBusy
from anxin.parts.models import PartLine, PartMovement
from anxin.work_order.states import Status
from tests.helpers import run_together
from tests.parts.stockroom import build, held, order_at


def race(client, world, sessionmaker_, db, *, clients: int, units: int, each: int) -> list:
    demo = world.demo
    with sessionmaker_() as session:
        room = build(session, demo)
        # the hot part: stock on tech01's van only, so nothing else in the chain can serve a loser
        model = session.scalar(select(ProductModel.id).where(ProductModel.tenant_id == demo.tenant.id))
        hot = catalog.create(
            session,
            tenant_id=demo.tenant.id,
            code="HOT-1",
            name="热门温控器",
            list_price_fen=9900,
            product_model_ids=[model],
        )
        stock.put(session, tenant_id=demo.tenant.id, warehouse_id=room.van, part_id=hot.id, quantity=units)
        orders = [order_at(session, demo, Status.ON_SITE, f"R{i:03d}").id for i in range(clients)]
        session.commit()
        hot_id, van = hot.id, room.van
    headers = demo.headers("technician")
    results = run_together(
        clients,
        lambda i: client.post(
            f"/api/v1/work-orders/{orders[i]}/parts",
            json={"part_id": hot_id, "quantity": each},
            headers=headers,
        ),
    )
    codes = sorted(r.status_code for r in results)
    winners = units // each
    assert codes == [201] * winners + [409] * (clients - winners), [r.text for r in results]
    assert all(r.json()["error"]["code"] == "insufficient_stock" for r in results if r.status_code == 409)
    assert held(db, van, hot_id) == (units, winners * each)
    lines = db.scalar(select(func.count()).where(PartLine.part_id == hot_id))
    ledger = db.scalar(
        select(func.coalesce(func.sum(PartMovement.reserved_delta), 0)).where(PartMovement.part_id == hot_id)
    )
    assert (lines, ledger) == (winners, winners * each)
    return results


@pytest.mark.postgres
def test_sixteen_clients_racing_for_the_last_units_never_oversell(
    client, world, sessionmaker_, db, is_postgres
):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    race(client, world, sessionmaker_, db, clients=16, units=5, each=1)


@pytest.mark.postgres
def test_racing_for_two_units_each_leaves_the_odd_one(client, world, sessionmaker_, db, is_postgres):
    if not is_postgres:
        pytest.skip("real concurrent writers need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)")
    race(client, world, sessionmaker_, db, clients=12, units=7, each=2)


def test_racing_clients_on_either_database_take_turns_and_never_oversell(client, world, sessionmaker_, db):
    race(client, world, sessionmaker_, db, clients=6, units=2, each=1)


@pytest.mark.postgres
def test_a_stock_row_held_too_long_is_refused_as_busy_not_waited_for_forever(
    world, sessionmaker_, is_postgres, monkeypatch
):
    if not is_postgres:
        pytest.skip(
            "row locks between two transactions need PostgreSQL (the CI run sets ANXIN_TEST_DATABASE_URL)"
        )
    demo = world.demo
    with sessionmaker_() as session:
        room = build(session, demo)
        session.commit()
    monkeypatch.setattr(stock, "LOCK_WAIT", "200ms")
    holder, waiter = sessionmaker_(), sessionmaker_()
    try:
        assert stock.reserve(
            holder, tenant_id=demo.tenant.id, warehouse_id=room.van, part_id=room.thermostat, quantity=1
        )
        with pytest.raises(StockBusy):
            stock.reserve(
                waiter, tenant_id=demo.tenant.id, warehouse_id=room.van, part_id=room.thermostat, quantity=1
            )
    finally:
        waiter.rollback()
        holder.rollback()
        waiter.close()
        holder.close()
