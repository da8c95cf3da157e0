"""Engine, sessions, declarative base with a constraint naming convention, and column types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    insert,
    inspect,
    literal_column,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.types import TypeDecorator

from anxin.clock import as_utc

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite so autoincrement works there.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, always returns an aware UTC datetime (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite (the embedded demo, a small shop): how long a transaction waits for another connection's write
# lock before it gives up with "database is locked" (SQLite's busy timeout, answered 409 ``busy``). The
# longest holder by design is a day plan, whose request solves while it holds the lock: 5 s by default,
# twice when it relaxes (dispatch/planning); the jobs commit every few milliseconds.
SQLITE_BUSY_SECONDS = 30.0
# The execution option that makes a SQLite transaction begin by taking the write lock (``BEGIN
# IMMEDIATE``); ``make_sessionmaker(..., writes=True)`` sets it.
SQLITE_BEGIN = "anxin_sqlite_begin"
# Set for a unit of work that writes on a second connection while its own session is open (a refused
# sign-in is counted apart: ``auth.throttle.record_apart``): its session begins deferred, as the second
# connection could never take the write lock its own session held. ``middleware.WritesApart`` sets it.
BEGIN_DEFERRED: ContextVar[bool] = ContextVar("anxin_sqlite_begin_deferred", default=False)


def write_from_here(db: Session) -> None:
    """For a unit of work begun deferred (``BEGIN_DEFERRED``) that has read, written nothing, and now
    writes: on SQLite its read transaction ends here and the rest begins with the write lock (``BEGIN
    IMMEDIATE``), waiting for another writer rather than failing because that writer's commit made its
    reads stale (a sign-in checks a password for a tenth of a second, while jobs commit every few
    milliseconds). What it read may be stale when it writes: its writes must carry their own conditions.
    Elsewhere nothing."""
    if not BEGIN_DEFERRED.get() or db.get_bind().dialect.name != "sqlite":
        return
    db.commit()
    BEGIN_DEFERRED.set(False)


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int | None = None,
    pre_ping: bool = False,
) -> Engine:
    """The engine. On PostgreSQL a pool of ``pool_size`` connections kept open, and ``max_overflow`` more
    (``pool_size`` by default) opened when needed and closed when given back to a full pool; with
    ``pre_ping`` each connection is tested as it leaves the pool (the workers: a job costs one round trip
    more, and the first job after a database restart does not fail on a dead connection).

    On SQLite: write-ahead logging (readers and the one writer do not block each other), a busy timeout
    of ``SQLITE_BUSY_SECONDS`` (a writer waits for the one before it), and transactions that begin as
    SQLite's default ``BEGIN`` (deferred: a read takes no lock) unless their sessions were made for
    writing (``make_sessionmaker(..., writes=True)``: ``BEGIN IMMEDIATE``). A deferred transaction that
    reads and then writes cannot outlast another writer: when that writer commits, the reads are stale and
    SQLite refuses the write ("database is locked") rather than letting it wait; a transaction that takes
    the write lock first waits its turn and then reads what is current."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Python's sqlite3 module opens transactions lazily and its own way, which makes SAVEPOINT
            # commit early; let SQLAlchemy say BEGIN itself (the recipe in SQLAlchemy's pysqlite notes).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(SQLITE_BEGIN) == "immediate"
            immediate = immediate and not BEGIN_DEFERRED.get()
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=pre_ping,
        connect_args=POSTGRES_OPTIONS,
        **_pool(pool_size, max_overflow),
    )


# Every PostgreSQL session of the app runs without JIT compilation: the app's queries are short and
# indexed, and on a large history the planner's cost estimates made PostgreSQL spend most of a candidates
# query compiling it (950 of 1,436 ms on 1,000,000 orders, benchmarks/load.py).
POSTGRES_OPTIONS: dict[str, Any] = {"options": "-c jit=off"}


def _pool(pool_size: int, max_overflow: int | None) -> dict[str, Any]:
    """A PostgreSQL engine's pool. No pre-ping for the API: it costs a round trip per request (measured by
    benchmarks/intake.py); connections are recycled after half an hour instead, and after a server
    restart the first request on a dead connection is refused with 503 ``database_unavailable`` (the pool
    is then invalidated, so the next request reconnects)."""
    overflow = pool_size if max_overflow is None else max_overflow
    return {"pool_size": pool_size, "max_overflow": overflow, "pool_recycle": 1800}


def make_loop_engine(
    url: str, *, echo: bool = False, pool_size: int = 10, max_overflow: int | None = None
) -> AsyncEngine | None:
    """On PostgreSQL, the engine of the routes that run on the event loop (``dependencies.LoopDb``):
    psycopg's asynchronous connections, in a pool of their own sized as ``make_engine``'s. None on
    SQLite, whose driver has no asynchronous interface: there those routes run in a worker thread."""
    if not url.startswith("postgresql"):
        return None
    return create_async_engine(
        url, echo=echo, connect_args=POSTGRES_OPTIONS, **_pool(pool_size, max_overflow)
    )


def make_sessionmaker(
    engine: Engine,
    *,
    info: dict[str, Any] | None = None,
    class_: type[Session] = Session,
    writes: bool = False,
) -> sessionmaker[Session]:
    """Sessions on ``engine``. ``writes``: for a unit of work that writes (a request that may change
    something, a job): on SQLite its transaction begins with the write lock (``BEGIN IMMEDIATE``, after
    waiting for the writer before it), so it never fails for reads another writer made stale; elsewhere it
    changes nothing."""
    if writes and engine.dialect.name == "sqlite":
        engine = engine.execution_options(**{SQLITE_BEGIN: "immediate"})
    return sessionmaker(bind=engine, class_=class_, expire_on_commit=False, autoflush=True, info=info or {})


# Keys of ``Session.info`` set by the read sessionmaker: its sessions refuse writes, and on PostgreSQL
# they run in autocommit (so ending one sends nothing to the server).
READ_ONLY = "anxin.read_only"
AUTOCOMMIT = "anxin.autocommit"


class ReadOnlySessionError(RuntimeError):
    """A session made for reading tried to write."""


class ReadOnlySession(Session):
    """A session for a request that only reads: flushing a change raises, on every database, so a read
    that starts writing is caught by the tests rather than committed piecemeal."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("a read-only request tried to write to the database")


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions for requests that only read (``ReadOnlySession``). On PostgreSQL they run in autocommit,
    with no BEGIN and COMMIT round trips; a statement there sees the latest committed data, as it would
    in a READ COMMITTED transaction."""
    autocommit = engine.dialect.name == "postgresql"
    if autocommit:
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    return make_sessionmaker(engine, info={READ_ONLY: True, AUTOCOMMIT: autocommit}, class_=ReadOnlySession)


def make_loop_sessionmakers(engine: AsyncEngine) -> tuple[async_sessionmaker, async_sessionmaker]:
    """The sessions of ``make_loop_engine``'s routes: (writes, reads), configured as ``make_sessionmaker``
    and ``make_read_sessionmaker`` configure theirs (the reads in autocommit, refusing to write)."""
    options: dict[str, Any] = {"expire_on_commit": False, "autoflush": True}
    writes = async_sessionmaker(engine, **options)
    reads = async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        info={READ_ONLY: True, AUTOCOMMIT: True},
        sync_session_class=ReadOnlySession,
        **options,
    )
    return writes, reads


def insert_loaded(db: Session, obj: Base) -> Any:
    """INSERT a new ORM object at once with a plain statement of the columns it sets, and put it in the
    session as if it had been loaded: persistent, every column attribute set, nothing pending.

    For the hottest write path only (intake), where the unit of work's flush costs about twice what
    these statements take: it plans the flush, binds every nullable column, and the driver parses a
    statement of more than 50 parameters again on every execution (docs/benchmark-history.md,
    "Intake"). The object is an ordinary persistent object afterwards: later changes flush as usual, with
    the version check where the class has one. Relationships are not written; set their rows and then the
    collection with ``set_committed_value``. Column defaults are applied as the flush would; columns left
    unset and without a default are NULL and left out of the statement, so they must not carry a server
    default."""
    if db.info.get(READ_ONLY):
        raise ReadOnlySessionError("a read-only request tried to write to the database")
    state = inspect(obj)
    if state.key is not None or state.session_id is not None:
        raise ValueError("insert_loaded takes a new object that is not in a session")
    table, primary, columns = _insert_plan(type(obj))
    given = state.dict
    values: dict[str, Any] = {}
    loaded: dict[str, Any] = {}
    for key, column_key, default in columns:
        value = given.get(key)
        if value is None and default is not None:
            value = default()
        loaded[key] = value
        if value is not None:
            values[column_key] = value
    db.flush()  # what is pending goes first, as autoflush would have it (nothing, when nothing is)
    # one statement per table: SQLAlchemy compiles (and caches) it for each set of columns given
    row = db.connection().execute(_insert_statement(type(obj)), values).one()
    for (key, _), value in zip(primary, row, strict=True):
        loaded[key] = value
    given.update(loaded)
    make_transient_to_detached(obj)  # the identity from the key; the values count as loaded
    db.add(obj)
    return obj


@cache
def _insert_plan(cls: type) -> tuple[Any, tuple, tuple]:
    """The table, its primary key's ``(attribute, column)`` pairs, and for every other column its
    attribute, its column key and what fills it when unset (the version counter's 1 for a new row, the
    column's default, or nothing)."""
    mapper = inspect(cls)
    table = mapper.local_table
    primary, columns = [], []
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if column.primary_key:
            primary.append((prop.key, column))
            continue
        default = None
        if column is mapper.version_id_col:
            default = _one
        elif column.default is not None:
            spec = column.default
            default = (lambda spec=spec: spec.arg({})) if spec.is_callable else (lambda spec=spec: spec.arg)
        elif column.server_default is not None:
            raise ValueError(f"{table.name}.{column.name} has a server default insert_loaded cannot read")
        columns.append((prop.key, column.key, default))
    return table, tuple(primary), tuple(columns)


@cache
def _insert_statement(cls: type) -> Any:
    """The INSERT … RETURNING of the primary key into ``cls``'s table."""
    table, primary, _ = _insert_plan(cls)
    return insert(table).returning(*(column for _, column in primary))


def _one() -> int:
    return 1


def words(values: Iterable[str]) -> list:
    """Plain words (status names and the like) written into a statement's text as string constants, for
    ``column.in_(words(...))``: an ``in_`` of a list sends an expanding parameter, which SQLAlchemy renders
    into the SQL again at every execution, at more cost than a hot statement takes to run."""
    out = []
    for value in values:
        if not value.replace("_", "").isalnum():  # plain words only: safe to write as SQL literals
            raise ValueError(f"not a plain word: {value!r}")
        out.append(literal_column(f"'{value}'", String))
    return out


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


class DuplicateKey(Exception):
    """A unique constraint refused the commit: another transaction wrote the same key first."""


@contextmanager
def duplicate_keys(db: Session) -> Iterator[None]:
    """Within the block, a unique-key conflict (at an INSERT or at the commit) rolls the session back and
    is raised as ``DuplicateKey``, for the caller to answer with what the other transaction wrote."""
    try:
        yield
    except IntegrityError as error:
        db.rollback()
        raise DuplicateKey(str(error.orig)) from error


def is_locked(error: OperationalError) -> bool:
    """SQLite's "database is locked": another writer held the database past the busy timeout."""
    return "locked" in str(error.orig)


T = TypeVar("T")


def retry_when_locked(db: Session, work: Callable[[], T], *, attempts: int, wait: Callable[[], None]) -> T:
    """Run ``work``; when SQLite refuses it because another writer holds the database (a stale read
    transaction cannot be upgraded to a write), roll back, ``wait`` for the writer, and run it again from
    the start, at most ``attempts`` times in all."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError as error:
            if not is_locked(error) or attempt == attempts - 1:
                raise
            db.rollback()
            wait()
    raise AssertionError("unreachable")
