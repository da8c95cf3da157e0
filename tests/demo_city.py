"""The small demo city of the tests, loaded once per test process and put back from a copy of its rows for
each test module that reads it: loading it takes tens of seconds, putting its rows back a fraction of one.

``conftest.demo_city`` (session scope) loads the city into the test database the first time a test asks for
it, keeps a copy of every table's rows (``Base.metadata``: the only other tables are Alembic's version and,
on PostgreSQL, the monthly partitions of ``telemetry_reading``, whose rows are copied through it) and
empties the database again, so that the tests that expect an empty one still find it so. A module then
calls ``City.restore`` instead of loading, and empties the database afterwards as before.

The copy is of the stored values, not of Python objects: on SQLite each row as the driver reads it, on
PostgreSQL each table in ``COPY``'s text format, so a restored row is the row the load wrote (a JSON null
stays JSON, a time keeps its microseconds). On PostgreSQL the sequences behind the ids are moved past the
restored ids, so what a test inserts afterwards gets a new one. Loading writes nothing outside the
database here: no avatars (no ``upload_dir``), no failure model files (``save_models`` off), no outbound
calls, and the clock is moved back when the load returns."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Table, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from anxin import clock
from anxin.appliance.models import Appliance
from anxin.auth.models import Tenant
from anxin.config import get_settings
from anxin.customer.models import Address, Customer
from anxin.database import make_sessionmaker
from anxin.demo.city import load_demo_city
from anxin.models import Base
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder, WorkOrderEvent

ANCHOR = datetime(2026, 11, 22, 6, 30, tzinfo=UTC)  # 14:30 in Hangzhou
SCALE = 0.05


@contextmanager
def demo_telephony() -> Iterator[None]:
    """The demo's relay-number provider configured, as ``anxin demo`` configures it, until the block ends."""
    before = os.environ.get("ANXIN_TELEPHONY_PROVIDER")
    os.environ["ANXIN_TELEPHONY_PROVIDER"] = "demo"
    get_settings.cache_clear()
    try:
        yield
    finally:
        if before is None:
            del os.environ["ANXIN_TELEPHONY_PROVIDER"]
        else:
            os.environ["ANXIN_TELEPHONY_PROVIDER"] = before
        get_settings.cache_clear()


def load(factory) -> str:
    """Load the small city for real (slow: most tests restore ``demo_city`` instead), with the demo's
    relay numbers as ``anxin demo`` loads it; the loader's summary."""
    with clock.travel(ANCHOR), demo_telephony():
        session = factory()
        try:
            summary = load_demo_city(session, scale=SCALE)
            session.commit()
        finally:
            session.close()
    return summary


def tenant_id(db: Session, slug: str) -> int:
    return db.scalar(select(Tenant.id).where(Tenant.slug == slug))


def digest(db: Session) -> str:
    """Everything that should come out the same on every load, by natural keys (not ids)."""
    technician = aliased(Technician)
    rows = db.execute(
        select(
            Tenant.slug,
            WorkOrder.number,
            WorkOrder.status,
            WorkOrder.priority,
            WorkOrder.is_rework,
            WorkOrder.sla_breached,
            Customer.phone,
            Appliance.serial_number,
            technician.phone,
            WorkOrderEvent.action,
            WorkOrderEvent.to_status,
            WorkOrderEvent.occurred_at,
        )
        .join(Tenant, Tenant.id == WorkOrder.tenant_id)
        .join(Customer, Customer.id == WorkOrder.customer_id)
        .join(Appliance, Appliance.id == WorkOrder.appliance_id)
        .outerjoin(technician, technician.id == WorkOrder.technician_id)
        .join(WorkOrderEvent, WorkOrderEvent.work_order_id == WorkOrder.id)
        .order_by(Tenant.slug, WorkOrder.number, WorkOrderEvent.id)
    ).all()
    people = db.execute(select(Customer.name, Customer.phone, Address.detail).join(Address)).all()
    return hashlib.sha256(repr((rows, sorted(people))).encode()).hexdigest()


@dataclass(frozen=True)
class City:
    """The loaded city: the loader's summary, its ``digest`` and the rows of every table that has any, in
    the order the tables depend on each other (on SQLite a list of rows, on PostgreSQL ``COPY`` text)."""

    summary: str
    digest: str
    rows: dict[str, list[tuple] | bytes]
    sequences: list[tuple[str, str, str]]  # PostgreSQL: (sequence, table, column) of the restored tables

    def restore(self, engine: Engine) -> None:
        """Put the city back into the empty database of ``engine``."""
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                with connection.connection.driver_connection.cursor() as cursor:
                    for name, data in self.rows.items():
                        with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                            copy.write(data)
                for sequence, table, column in self.sequences:
                    connection.exec_driver_sql(
                        f'SELECT setval(\'{sequence}\', COALESCE(MAX("{column}"), 0) + 1, false) FROM "{table}"'
                    )
            else:
                for name, rows in self.rows.items():
                    marks = ", ".join("?" * len(rows[0]))
                    connection.exec_driver_sql(f'INSERT INTO "{name}" VALUES ({marks})', rows)


def take(engine: Engine) -> City:
    """Load the city into the empty database of ``engine`` and copy its rows out; the caller empties it."""
    factory = make_sessionmaker(engine)
    summary = load(factory)
    with factory() as db:
        loaded = digest(db)
    with engine.connect() as connection:
        rows = copy_rows(connection)
        sequences = _sequences(connection, rows) if connection.dialect.name == "postgresql" else []
    return City(summary=summary, digest=loaded, rows=rows, sequences=sequences)


def copy_rows(connection: Connection) -> dict[str, list[tuple] | bytes]:
    """Every table's stored rows, by table name, tables without rows left out (``City.rows``)."""
    copied: dict[str, list[tuple] | bytes] = {}
    for table in Base.metadata.sorted_tables:
        query = f'SELECT * FROM "{table.name}"{_order(table)}'
        if connection.dialect.name == "postgresql":
            with (
                connection.connection.driver_connection.cursor() as cursor,
                cursor.copy(f"COPY ({query}) TO STDOUT") as copy,
            ):
                data = b"".join(bytes(block) for block in copy)
            if data:
                copied[table.name] = data
        else:
            rows = [tuple(row) for row in connection.exec_driver_sql(query)]
            if rows:
                copied[table.name] = rows
    return copied


def _order(table: Table) -> str:
    # by primary key, so that a row that refers to another row of its own table comes after it
    keys = [f'"{column.name}"' for column in table.primary_key.columns]
    return f" ORDER BY {', '.join(keys)}" if keys else ""


def _sequences(connection: Connection, rows: dict) -> list[tuple[str, str, str]]:
    """The sequences owned by a column (serial or identity) of the tables in ``rows``."""
    owned = connection.exec_driver_sql(
        "SELECT s.oid::regclass::text, t.relname, a.attname FROM pg_class s "
        "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
        "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
        "JOIN pg_class t ON t.oid = d.refobjid "
        "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid "
        "WHERE s.relkind = 'S' ORDER BY 2, 3"
    ).all()
    return [(sequence, table, column) for sequence, table, column in owned if table in rows]
