"""The demo city, loaded small: deterministic, every order's history legal under the state table, the demo
logins work, and the two tenants share nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock, migrate
from anxin.appliance.models import Appliance
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.customer.models import Address, Customer
from anxin.customer.phone import normalise_mobile
from anxin.database import make_engine, make_sessionmaker
from anxin.demo.city import DemoAlreadyLoaded
from anxin.demo.names import DEMO_CUSTOMER_PHONE
from anxin.notify.models import OutboxMessage
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from anxin.work_order.states import MOVES, OPEN
from tests.conftest import _empty
from tests.demo_city import ANCHOR, copy_rows, digest, load, tenant_id


@pytest.fixture(scope="module")
def city(engine, demo_city):
    """One small city for the module's read-only tests; emptied afterwards like every test's data."""
    demo_city.restore(engine)
    yield make_sessionmaker(engine), demo_city.summary
    _empty(engine)


def test_two_loads_in_two_fresh_databases_are_the_same_city(tmp_path):
    digests = []
    for name in ("first", "second"):
        url = f"sqlite:///{tmp_path}/{name}.sqlite3"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            load(make_sessionmaker(engine))
            with Session(engine) as db:
                assert db.scalar(select(func.count()).select_from(WorkOrder)) > 50
                digests.append(digest(db))
        finally:
            engine.dispose()
    assert digests[0] == digests[1]


def test_the_restored_city_is_the_city_loaded(engine, city, demo_city):
    """The other tests read a city put back from the rows of one load (``tests/demo_city.py``): the same
    rows, the same city."""
    factory, _ = city
    with factory() as db:
        assert db.scalar(select(func.count()).select_from(WorkOrder)) > 50
        assert digest(db) == demo_city.digest
    with engine.connect() as connection:
        assert copy_rows(connection) == demo_city.rows
        # on PostgreSQL each id's sequence is past the restored ids, so a row inserted next gets a new one
        for sequence, table, column in demo_city.sequences:
            highest = connection.exec_driver_sql(f'SELECT MAX("{column}") FROM "{table}"').scalar()
            following = connection.exec_driver_sql(f"SELECT last_value, is_called FROM {sequence}").one()
            assert tuple(following) == (highest + 1, False), sequence


def test_orders_come_in_realistic_proportions_and_replay_through_the_state_table(city):
    factory, summary = city
    assert summary.startswith("demo city loaded")
    with factory() as db:
        demo = tenant_id(db, "demo")
        orders = db.scalars(select(WorkOrder).where(WorkOrder.tenant_id == demo)).all()
        statuses = Counter(o.status for o in orders)
        total = len(orders)
        assert 60 <= total <= 80
        assert statuses["closed"] / total > 0.5
        assert 0 < statuses["cancelled"] / total < 0.15
        open_ = [o for o in orders if o.status in OPEN]
        assert 5 <= len(open_) <= total * 0.4
        assert len({o.status for o in open_}) >= 4
        assert 0 < sum(o.sla_breached for o in orders) < total
        assert any(o.priority == "urgent" for o in orders)

        events = db.scalars(select(WorkOrderEvent).order_by(WorkOrderEvent.work_order_id, WorkOrderEvent.id))
        by_order: dict[int, list[WorkOrderEvent]] = {}
        for event in events:
            by_order.setdefault(event.work_order_id, []).append(event)
        for order in db.scalars(select(WorkOrder)):
            history = by_order[order.id]
            assert history[0].action == "create" and history[0].from_status is None
            for before, event in zip(history, history[1:], strict=False):
                move = MOVES[event.action]
                assert event.from_status == before.to_status, order.number
                assert event.from_status in move.sources, (order.number, event.action)
                assert event.to_status == (move.target or event.from_status), (order.number, event.action)
                assert before.occurred_at <= event.occurred_at <= ANCHOR
            assert history[-1].to_status == order.status, order.number
            assert order.updated_at == history[-1].occurred_at


def test_customer01_has_appliances_and_an_open_order_and_tech01_has_work(city):
    factory, _ = city
    with factory() as db:
        customer = auth_service.authenticate(db, login="customer01@demo", password="demo1234")
        assert customer is not None and customer.role == "customer" and customer.customer_id
        # the phone ``anxin demo`` prints for the portal's sign-in
        assert db.get(Customer, customer.customer_id).phone == DEMO_CUSTOMER_PHONE
        appliances = db.scalars(select(Appliance).where(Appliance.customer_id == customer.customer_id)).all()
        assert len(appliances) >= 3
        orders = db.scalars(select(WorkOrder).where(WorkOrder.customer_id == customer.customer_id)).all()
        assert len(orders) >= 2 and any(o.status in OPEN for o in orders)
        tech = auth_service.authenticate(db, login="tech01@demo", password="demo1234")
        assert tech is not None and tech.technician_id
        assert db.scalar(select(func.count()).where(WorkOrder.technician_id == tech.technician_id)) > 0


def test_demo_logins_authenticate_and_a_second_load_is_refused(city):
    factory, _ = city
    with factory() as db:
        for login, role in [
            ("admin@demo", "admin"),
            ("customer01@demo", "customer"),
            ("tech01@demo", "technician"),
            ("admin@acme", "admin"),
        ]:
            user = auth_service.authenticate(db, login=login, password="demo1234")
            assert user is not None and user.role == role, login
        # one argon2 hash shared by every login, so the rest need no slow verification each
        assert (
            len(set(db.scalars(select(User.password_hash).where(User.is_active)))) == 1
        )  # system users: none
        demo = tenant_id(db, "demo")
        roles = dict(db.execute(select(User.username, User.role).where(User.tenant_id == demo)).all())
        expected = {"agent": "agent", "dispatcher": "dispatcher", "quality": "quality"}
        expected |= {"outlet01": "outlet_manager", "tech16": "technician", "customer05": "customer"}
        assert {name: roles.get(name) for name in expected} == expected
        assert auth_service.authenticate(db, login="admin@demo", password="wrong") is None
        manager = db.scalar(select(User).where(User.tenant_id == demo, User.username == "outlet01"))
        assert manager.outlet_id is not None
        technicians = db.scalars(select(Technician).where(Technician.tenant_id == demo)).all()
        assert all(t.skills for t in technicians)
        phones = db.execute(select(Customer.tenant_id, Customer.phone)).all()
        assert all(normalise_mobile(p) == p for _, p in phones)
        assert len(set(phones)) == len(phones)  # one customer per phone in a tenant (customer01's is in both)
    with pytest.raises(DemoAlreadyLoaded):
        load(factory)


def test_acme_rows_carry_acme_and_nothing_points_across_tenants(city):
    factory, _ = city
    with factory() as db:
        acme = tenant_id(db, "acme")
        acme_orders = db.scalar(select(func.count()).where(WorkOrder.tenant_id == acme))
        assert 5 <= acme_orders <= 20
        assert db.scalar(select(func.count()).where(Customer.tenant_id == acme)) < 20
        crossing = [
            select(func.count())
            .select_from(WorkOrder)
            .join(Customer)
            .where(Customer.tenant_id != WorkOrder.tenant_id),
            select(func.count())
            .select_from(WorkOrder)
            .join(Appliance, Appliance.id == WorkOrder.appliance_id)
            .where(Appliance.tenant_id != WorkOrder.tenant_id),
            select(func.count())
            .select_from(WorkOrder)
            .join(Technician, Technician.id == WorkOrder.technician_id)
            .where(Technician.tenant_id != WorkOrder.tenant_id),
            select(func.count())
            .select_from(WorkOrder)
            .join(Address, Address.id == WorkOrder.address_id)
            .where(Address.tenant_id != WorkOrder.tenant_id),
            select(func.count())
            .select_from(WorkOrderEvent)
            .join(WorkOrder, WorkOrder.id == WorkOrderEvent.work_order_id)
            .where(WorkOrderEvent.tenant_id != WorkOrder.tenant_id),
            select(func.count())
            .select_from(WorkOrderEvent)
            .join(User, User.id == WorkOrderEvent.actor_id)
            .where(User.tenant_id != WorkOrderEvent.tenant_id),
            select(func.count())
            .select_from(Appliance)
            .join(Customer, Customer.id == Appliance.customer_id)
            .where(Customer.tenant_id != Appliance.tenant_id),
            select(func.count())
            .select_from(User)
            .join(Technician)
            .where(Technician.tenant_id != User.tenant_id),
        ]
        for query in crossing:
            assert db.scalar(query) == 0, str(query)
        acme_cities = db.scalars(select(Address.city).where(Address.tenant_id == acme).distinct()).all()
        assert acme_cities == ["宁波市"]


def test_the_historys_messages_count_as_sent_and_only_the_last_day_waits_for_delivery(city):
    """The replayed history writes its messages like any change; those older than a day before the anchor
    went out back then (the worker delivers the rest)."""
    factory, _ = city
    with factory() as db:
        by_status = dict(
            db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        )
        oldest_pending = db.scalar(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
        )
    assert by_status.get("sent", 0) > 0 and set(by_status) <= {"sent", "pending"}
    assert oldest_pending is None or clock.as_utc(oldest_pending) >= ANCHOR - timedelta(days=1)


def test_the_historys_relay_numbers_are_released_and_the_open_orders_keep_theirs(city):
    """A finished order's relay number lasts a day; the history's older ones were released as the sweep
    would have released them, so the demo's first sweep has nothing to catch up on."""
    from anxin.telephony import relay
    from anxin.telephony.models import RelayBinding

    factory, _ = city
    with factory() as db:
        with clock.travel(ANCHOR):
            assert relay.sweep(db, now=ANCHOR) == {"released": 0, "extended": 0, "unbound": 0}
        db.rollback()
        bindings = db.execute(
            select(
                RelayBinding.status, WorkOrder.status, WorkOrder.technician_id, RelayBinding.technician_id
            ).join(WorkOrder, WorkOrder.id == RelayBinding.work_order_id)
        ).all()
    statuses = Counter(status for status, *_ in bindings)
    assert statuses["released"] > statuses["active"] > 0
    for status, order_status, technician, bound in bindings:
        if status == "active":  # only an open order's, with the technician it has now
            assert order_status in OPEN and technician == bound
