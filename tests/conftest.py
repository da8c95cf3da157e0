"""Test fixtures: a migrated database (SQLite by default, PostgreSQL when ANXIN_TEST_DATABASE_URL names
one), emptied after every test, and named personas of two tenants."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from anxin import clock, migrate, wiring
from anxin.auth import service as auth_service
from anxin.auth import sessions
from anxin.auth.models import Tenant, User
from anxin.auth.security import hash_password, issue_token
from anxin.catalog import service as catalog_service
from anxin.config import Settings
from anxin.customer import service as customer_service
from anxin.database import make_engine, make_sessionmaker
from anxin.main import create_app
from anxin.models import Base
from anxin.technician import service as technician_service
from anxin.technician.models import Outlet, Technician
from anxin.web.session import SESSION_COOKIE, SESSION_SECONDS, session_cookie
from tests.dates import months_ago
from tests.demo_city import City, take

# ``ANXIN_TEST_TODAY=2031-02-28`` (10:00 in Shanghai) or ``ANXIN_TEST_TODAY=2031-02-28T23:55`` runs the
# whole suite as if the real clock said so (it keeps ticking): a test must give the same answer on any day
# and at any hour it runs, so one that mixes a frozen clock with the real one, or reads today's date into
# a fixed expectation, fails under it. The clock moves before any test module is imported.
_TODAY = os.environ.get("ANXIN_TEST_TODAY")
if _TODAY:
    time_machine.travel(f"{_TODAY if 'T' in _TODAY else _TODAY + 'T10:00'}:00+08:00", tick=True).start()

# The tests pay through the demo gateway and invoice through the demo provider (none is configured by
# default); set before any settings are read, and inherited by the live servers of the browser tests.
os.environ.setdefault("ANXIN_PAYMENT_GATEWAY", "demo")
os.environ.setdefault("ANXIN_INVOICE_PROVIDER", "demo")

PASSWORD = "demo1234"
SECRET = "test-secret-key-for-anxin-tests-0123456789abcdef"


def pytest_configure(config) -> None:
    wiring.wire()  # as the app, the workers and the command line do at start-up


def pytest_report_header(config) -> str:
    shifted = f"; the clock starts at {_TODAY} (Shanghai)" if _TODAY else ""
    return f"anxin test database: {_database_label()}{shifted}"


def _database_label() -> str:
    url = os.environ.get("ANXIN_TEST_DATABASE_URL")
    return make_url(url).render_as_string(hide_password=True) if url else "SQLite (temporary file)"


@pytest.fixture(scope="session")
def database_url(worker_id: str) -> Iterator[str]:
    """The database of this test process. Under pytest-xdist (``make test`` runs ``-n``) each worker gets
    its own: a temporary SQLite file, or on PostgreSQL a database of its own beside the named one
    (``<name>_gw0``), created empty here and dropped afterwards."""
    url = os.environ.get("ANXIN_TEST_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/test.sqlite3"
        return
    if worker_id == "master":
        yield url
        return
    named = make_url(url)
    own = f"{named.database}_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{own}"'))
    except Exception as exc:  # the named database must be there: never skip silently
        pytest.exit(f"test database {_database_label()} is not reachable: {exc}", returncode=3)
    try:
        yield named.set(database=own).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # the named database must be there: never skip silently
        pytest.exit(f"test database {_database_label()} is not reachable: {exc}", returncode=3)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def _empty(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # an append-only table's guards (the audit log's triggers) step aside for the cleanup only
            guards = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
            ).all()
            for name, _ in guards:
                connection.execute(text(f'DROP TRIGGER "{name}"'))
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))
            for _, sql in guards:
                connection.execute(text(sql))


@pytest.fixture(scope="session")
def demo_city(engine: Engine) -> City:
    """The small demo city (``tests/demo_city.py``): loaded once per test process, when a test first asks
    for it, and copied out, the database then emptied again; ``demo_city.restore(engine)`` puts it back."""
    try:
        return take(engine)
    finally:
        _empty(engine)


@pytest.fixture
def sessionmaker_(engine: Engine):
    yield make_sessionmaker(engine)
    _empty(engine)


@pytest.fixture
def db(sessionmaker_) -> Iterator[Session]:
    session = sessionmaker_()
    yield session
    session.rollback()
    session.close()


@pytest.fixture(scope="session")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SECRET,
        upload_dir=tmp_path / "uploads",
        log_json=True,
        log_level="WARNING",
        # The tests' webhook receivers listen on this machine, so the operator's setting admits loopback,
        # as it would a brand's private network; tests of the refusal set it empty.
        outbound_allowed_networks=["127.0.0.0/8"],
    )


@pytest.fixture
def app(settings: Settings, sessionmaker_):
    application = create_app(settings)
    yield application
    application.state.engine.dispose()
    if application.state.loop_engine is not None:  # when no lifespan ran to close it
        asyncio.run(application.state.loop_engine.dispose())


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


# The CSRF token a page's form carries.
CSRF_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_csrf(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the form on ``path`` (a page read with the client's cookies)."""
    return CSRF_TOKEN.search(client.get(path).text).group(1)


def page_session(client: TestClient, user: User) -> str:
    """Give ``client`` a page session of ``user`` without the sign-in form (a server-side session row and
    its signed cookie); returns the cookie's value."""
    with client.app.state.sessionmaker() as db, db.begin():
        session_id = sessions.start(
            db, user=db.get(User, user.id), now=clock.now(), lifetime=timedelta(seconds=SESSION_SECONDS)
        )
    value = session_cookie(SECRET, session_id, expires=int(time.time()) + SESSION_SECONDS)
    client.cookies.set(SESSION_COOKIE, value)
    return value


@pytest.fixture
def sign_in():
    """``sign_in(client, "name@tenant")``: sign in to the pages with the demo password, as a person does
    at ``/login``; returns the form's CSRF token, which the client's later forms carry."""

    def signed_in(client: TestClient, login: str) -> str:
        token = page_csrf(client)
        answer = client.post(
            "/login", data={"login": login, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
        )
        assert answer.status_code == 303, answer.text
        return token

    return signed_in


@dataclass
class TenantWorld:
    tenant: Tenant
    users: dict[str, User]
    customer_id: int
    other_customer_id: int
    appliance_id: int
    other_appliance_id: int
    technician_id: int
    other_technician_id: int
    outlet_id: int

    def headers(self, role: str) -> dict[str, str]:
        user = self.users[role]
        token = issue_token(
            secret=SECRET, user_id=user.id, tenant_id=user.tenant_id, role=user.role, minutes=60
        )
        return {"Authorization": f"Bearer {token}"}


@dataclass
class World:
    demo: TenantWorld
    acme: TenantWorld


def build_tenant(db: Session, slug: str, password_hash: str) -> TenantWorld:
    """A tenant with one user per role, two customers with a refrigerator each (one in warranty, one
    bought long ago), an outlet and two technicians skilled for refrigerators."""
    tenant = Tenant(slug=slug, name=f"{slug} service", timezone="Asia/Shanghai")
    db.add(tenant)
    db.flush()
    catalog_service.ensure_categories(db, tenant_id=tenant.id)
    brand = catalog_service.create_brand(
        db, tenant_id=tenant.id, code="haier", name_zh="海尔", name_en="Haier"
    )
    model = catalog_service.create_product_model(
        db,
        tenant_id=tenant.id,
        brand_id=brand.id,
        category_code="refrigerator",
        model_code="BCD-470",
        name="对开门冰箱",
        warranty_months=36,
        key_part_months={"compressor": 120},
    )
    outlet = Outlet(
        tenant_id=tenant.id,
        code="west",
        name="西湖网点",
        kind="own",
        district="西湖区",
        lat=30.26,
        lng=120.13,
    )
    db.add(outlet)
    db.flush()
    technicians = [
        Technician(
            tenant_id=tenant.id,
            outlet_id=outlet.id,
            name=name,
            phone=phone,
            home_lat=30.26,
            home_lng=120.13,
            work_days=[1, 2, 3, 4, 5, 6, 7],
            shift_start="00:00",
            shift_end="23:59",
            break_start=None,
            break_end=None,
            daily_capacity=100,
        )
        for name, phone in (("王师傅", "13900000001"), ("李师傅", "13900000002"))
    ]
    for technician in technicians:
        technician_service.grant(technician, ["refrigerator", "air_conditioner"], level="senior")
        technician_service.certify(technician, "refrigerant", expires_on=date(2099, 12, 31))
        technician_service.certify(technician, "height", expires_on=date(2099, 12, 31))
    db.add_all(technicians)
    db.flush()
    address = {
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路 1 号",
        "lat": 30.27,
        "lng": 120.12,
        "area_type": "urban",
    }
    customers = []
    appliances = []
    for index, (name, phone, bought) in enumerate(
        # bought 18 months ago: in its 36-month warranty; 93 months ago: only the compressor's 120 months
        (("张三", "13800000001", months_ago(18)), ("李四", "13800000002", months_ago(93)))
    ):
        customer, _ = customer_service.create_or_get(
            db, tenant_id=tenant.id, name=name, phone=phone, address=address
        )
        from anxin.appliance import service as appliance_service

        appliances.append(
            appliance_service.create(
                db,
                tenant_id=tenant.id,
                customer_id=customer.id,
                product_model_id=model.id,
                serial_number=f"SN{slug.upper()}{index:04d}",
                purchase_date=bought,
                purchase_channel="jd",
                install_date=None,
                address_id=customer.addresses[0].id,
            )
        )
        customers.append(customer)
    users = {}
    for role in ("admin", "agent", "dispatcher", "quality", "outlet_manager"):
        users[role] = auth_service.create_user(
            db,
            tenant_id=tenant.id,
            username=role,
            password=PASSWORD,
            role=role,
            password_hash=password_hash,
            outlet_id=outlet.id if role == "outlet_manager" else None,
        )
    users["technician"] = auth_service.create_user(
        db,
        tenant_id=tenant.id,
        username="tech01",
        password=PASSWORD,
        role="technician",
        password_hash=password_hash,
        technician_id=technicians[0].id,
    )
    users["other_technician"] = auth_service.create_user(
        db,
        tenant_id=tenant.id,
        username="tech02",
        password=PASSWORD,
        role="technician",
        password_hash=password_hash,
        technician_id=technicians[1].id,
    )
    users["customer"] = auth_service.create_user(
        db,
        tenant_id=tenant.id,
        username="customer01",
        password=PASSWORD,
        role="customer",
        password_hash=password_hash,
        customer_id=customers[0].id,
    )
    users["other_customer"] = auth_service.create_user(
        db,
        tenant_id=tenant.id,
        username="customer02",
        password=PASSWORD,
        role="customer",
        password_hash=password_hash,
        customer_id=customers[1].id,
    )
    return TenantWorld(
        tenant=tenant,
        users=users,
        customer_id=customers[0].id,
        other_customer_id=customers[1].id,
        appliance_id=appliances[0].id,
        other_appliance_id=appliances[1].id,
        technician_id=technicians[0].id,
        other_technician_id=technicians[1].id,
        outlet_id=outlet.id,
    )


@pytest.fixture
def world(sessionmaker_, password_hash: str) -> World:
    session = sessionmaker_()
    built = World(
        demo=build_tenant(session, "demo", password_hash), acme=build_tenant(session, "acme", password_hash)
    )
    session.commit()
    session.close()
    return built
