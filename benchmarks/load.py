"""A realistic mix of traffic against a real ``anxin serve`` on PostgreSQL: agents' intake, the order's moves
through the state machine, customers polling their order, the technicians' app and the managers'
dashboards, with the throughput and p50 / p95 / p99 of every kind of request.

    .venv/bin/python benchmarks/load.py [--history 1000000] [--scales 0.5,1,2] [--seconds 60] [--workers 2]
        [--pg-options "-c jit=off"] [--rebuild]

A default run takes about five minutes once the world exists (building it: about four more).

1. The world, in the database ``anxin_bench_load`` (``ANXIN_BENCH_LOAD_URL``), kept between runs: made
   again only when it holds another ``--history`` (or with ``--rebuild``). Through the app's own code: a
   tenant with 20 outlets in 10 districts and 400 technicians (``kpi.reference``), of whom ``--technicians``
   get every skill and certificate, a round-the-clock shift and a user of their own; an agent, a
   dispatcher, an admin and an outlet manager (of the first outlet); and customers with an address, a
   refrigerator and a customer user each, one per order the run will report. Then ``--history`` past orders
   over the 180 days before today (``kpi.generate``, with surveys, complaints and quotes, written with
   COPY) and the settled days' stored KPI sums (``rollup.refresh``, as the nightly job keeps them), so the
   dashboards read what a tenant of that size reads.
2. Starts ``anxin serve --workers N`` on a loopback port with a random secret key, from which this script
   signs each person's bearer token and page session the way the server does (no argon2 sign-in per
   virtual person: sign-in is not what this measures). ``--pg-options`` hands PostgreSQL settings to the
   server's sessions (libpq's ``PGOPTIONS``): ``-c jit=off`` measures the server without JIT compilation,
   which on this history costs the dispatcher's candidate query more than the query itself.
3. The traffic is an open loop: each kind of work arrives on its own Poisson schedule, whether or not the
   earlier work was answered, and its latency is measured from when it was due, so a slow server shows in
   the percentiles instead of slowing the load (no coordinated omission); an order's later moves follow
   its earlier ones (a person waits for the answer), so theirs count from when they were sent. At scale 1:

   - intake: ``--intake`` orders/s (default 1): the agent looks the caller up (``GET /api/v1/customers``)
     and reports (``POST /api/v1/work-orders``), each for an appliance with no open order;
   - each order then lives on its own, ``--step`` seconds (exponential mean) between moves: the agent
     accepts it; the dispatcher reads the ranked candidates and assigns the best-ranked technician;
     the technician opens the app's list and the order's page and acknowledges, departs, arrives and
     quotes (the order's page before each; two lines typed by hand, so no price book is needed); the
     customer reads the quote and approves it; the technician starts and completes. Nine moves through
     the state machine per order;
   - customers poll their order (``GET /api/v1/work-orders/{id}``) every ``--poll`` seconds while it is
     open;
   - technicians open their list (``/tech``) now and then: ``--tech-list`` per second;
   - managers open dashboards: ``--dashboards`` per second, each one of the page (``/dashboard``) as the
     admin and as the outlet manager over 30 and 180 days, or the API (``/api/v1/analytics/kpis`` with and
     without a breakdown, ``/trend``).

   After a warm-up of ``--warmup`` seconds at scale 1, each of ``--scales`` runs ``--seconds``; a request
   counts for the phase in which it was due. Then no new work starts and the orders under way finish
   (the drain, at most ``--drain`` seconds: not in the phases' figures, its errors reported apart).
4. Prints one JSON object: per phase and per kind of request (and per group of kinds), the requests due
   per second, p50 / p95 / p99 / max latency, and every answer that was not the expected status (``errors``; 0 expected),
   with the CPU per request of the server, PostgreSQL and this process (``intake.CpuMeter``).

Why not locust: on this machine's two cores the load generator competes with the server and PostgreSQL
for the CPU; the minimal asyncio HTTP/1.1 client here (as in ``intake.py``, where httpx cost about ten
times the CPU per request) leaves the cores to the server, and an open loop with latencies measured from
the due time is a few lines here, while locust's users are a closed loop (a slow answer delays the user's
next request) unless paced by hand. Nothing to install beyond the project's own environment.

Nothing here asserts on timings. Traffic goes to 127.0.0.1 only, and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

import kpi  # noqa: E402
from intake import CpuMeter, Server, percentile  # noqa: E402

from anxin.analytics import rollup  # noqa: E402
from anxin.analytics.models import KpiDaySum  # noqa: E402
from anxin.appliance import service as appliance_service  # noqa: E402
from anxin.auth import service as auth_service  # noqa: E402
from anxin.auth import sessions  # noqa: E402
from anxin.auth.models import Tenant, User  # noqa: E402
from anxin.auth.security import issue_token  # noqa: E402
from anxin.catalog.models import Category, ProductModel  # noqa: E402
from anxin.customer import service as customer_service  # noqa: E402
from anxin.database import make_engine, make_sessionmaker, transaction  # noqa: E402
from anxin.dispatch.core.rules import CERTIFICATES  # noqa: E402
from anxin.migrate import upgrade  # noqa: E402
from anxin.technician import service as technician_service  # noqa: E402
from anxin.technician.models import Technician  # noqa: E402
from anxin.web.session import SESSION_COOKIE, session_cookie  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/anxin_bench_load"
HOST = "127.0.0.1"
ZONE = ZoneInfo("Asia/Shanghai")
TENANT = "bench"
SERIAL = "SNLOAD"  # the serial numbers of the appliances the run reports for
ADDRESS = {
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
    "lat": 30.27,
    "lng": 120.12,
    "area_type": "urban",
}
FAULT = "冰箱不制冷，冷藏室温度偏高，压缩机有异响"
# typed by hand (kind "other", flagged for review): the run needs no price book
QUOTE = {
    "lines": [
        {"kind": "other", "description": "上门检测", "amount_fen": 5000},
        {"kind": "other", "description": "更换温控器（含工时）", "amount_fen": 20000},
    ]
}
GROUPS = {
    "intake": ("intake.lookup", "intake.report"),
    "status actions": tuple(
        f"move.{a}"
        for a in (
            "accept",
            "assign",
            "acknowledge",
            "depart",
            "arrive",
            "quote",
            "approve-quote",
            "start",
            "complete",
        )
    ),
    "dispatcher": ("dispatch.candidates",),
    "customers": ("customer.poll", "customer.quote"),
    "technicians' app": ("tech.list", "tech.order"),
}
TOKEN_MINUTES = 240
KEEP_ALIVE_S = 3.0


# ------------------------------------------------------------------------------------------------ world


@dataclass
class Person:
    customer_id: int
    user_id: int
    phone: str
    appliance_id: int


@dataclass
class World:
    tenant_id: int
    agent: int
    dispatcher: int
    admin: int
    manager: int
    technicians: dict[int, int]  # technician id -> user id
    people: list[Person]
    setup: dict = field(default_factory=dict)


def raw_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=False).replace("+psycopg", "")


def admin_url(url: str) -> str:
    return raw_url(make_url(url).set(database="postgres").render_as_string(hide_password=False))


def today_midnight() -> datetime:
    """The start of today in the tenant's zone, as UTC: the history ends there."""
    local = datetime.now(ZONE).date()
    return datetime.combine(local, datetime.min.time(), tzinfo=ZONE).astimezone(UTC)


def history_orders(session, tenant_id: int) -> int:
    """The generated past orders (numbered ``WO`` + the id, where the API's are ``WO`` + the date)."""
    return session.execute(
        text("SELECT count(*) FROM work_order WHERE tenant_id = :t AND number LIKE 'WO0%'"), {"t": tenant_id}
    ).scalar()


def build(url: str, history: int, technicians: int, seed: int) -> dict:
    """A new world: reference data, live technicians and users through the services, the past orders with
    COPY, then the stored days."""
    parsed = make_url(url)
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{parsed.database}"')
    upgrade(url)
    engine = make_engine(url)
    began = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        ref = kpi.reference(session, TENANT, 20, 400)
        live = session.scalars(
            select(Technician).where(Technician.tenant_id == ref["tenant"]).order_by(Technician.id)
        ).all()[:technicians]
        categories = sorted({category for _, category in ref["models"]})
        for index, technician in enumerate(live):
            technician.shift_start, technician.shift_end = "00:00", "23:59"
            technician.break_start = technician.break_end = None
            technician.work_days = [1, 2, 3, 4, 5, 6, 7]
            technician.daily_capacity = 1000
            technician.home_lat, technician.home_lng = 30.26, 120.13
            technician_service.grant(technician, categories, level="senior")
            for kind in CERTIFICATES:
                technician_service.certify(technician, kind, expires_on=date(2099, 12, 31))
            auth_service.create_user(
                session,
                tenant_id=ref["tenant"],
                username=f"tech{index:03d}",
                password="unused",
                role="technician",
                password_hash="x",
                technician_id=technician.id,
            )
        for role in ("agent", "dispatcher"):
            auth_service.create_user(
                session,
                tenant_id=ref["tenant"],
                username=role,
                password="unused",
                role=role,
                password_hash="x",
            )
    references = time.perf_counter() - began
    began = time.perf_counter()
    end = today_midnight()
    with psycopg.connect(raw_url(url)) as connection:
        ids = kpi.Ids(connection, list(kpi.COLUMNS))
        counts = kpi.generate(connection, ref, history, random.Random(seed), ids, end=end)
        for table in ids.next:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {ids.next[table]})")
        connection.commit()
    generated = time.perf_counter() - began
    with psycopg.connect(raw_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    engine.dispose()
    return {
        "references_seconds": round(references, 1),
        "history": {k: v for k, v in counts.items() if k != "first_order_id"},
        "history_seconds": round(generated, 1),
        "history_end": end.isoformat(),
    }


def store_days(url: str, tenant_id: int) -> dict:
    """Store every settled day of the last 181 not stored yet (``rollup.refresh``), as the periodic
    refresh keeps them."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    today = now.astimezone(ZONE).date()
    began = time.perf_counter()
    with transaction(make_sessionmaker(engine)) as session:
        have = set(
            session.scalars(
                select(KpiDaySum.day).where(
                    KpiDaySum.tenant_id == tenant_id,
                    KpiDaySum.dim == "total",
                    KpiDaySum.key == rollup.WITH_OUTLETS,
                )
            )
        )
        stored = 0
        for back in range(181, 0, -1):
            day = today - timedelta(days=back)
            if day not in have:
                stored += rollup.refresh(
                    session, tenant_id=tenant_id, timezone="Asia/Shanghai", first=day, last=day, now=now
                )
        rows = session.scalar(select(func.count()).select_from(KpiDaySum))
    engine.dispose()
    return {"days_stored": stored, "seconds": round(time.perf_counter() - began, 1), "rows": rows}


def add_people(url: str, tenant_id: int, first: int, count: int) -> None:
    """``count`` customers, each with an address, a refrigerator and a customer user, through the services."""
    engine = make_engine(url)
    with transaction(make_sessionmaker(engine)) as session:
        model = session.scalar(
            select(ProductModel)
            .join(Category, Category.id == ProductModel.category_id)
            .where(ProductModel.tenant_id == tenant_id, Category.code == "refrigerator")
            .order_by(ProductModel.id)
            .limit(1)
        )
        for index in range(first, first + count):
            customer, _ = customer_service.create_or_get(
                session,
                tenant_id=tenant_id,
                name=f"顾客{index:05d}",
                phone=f"137{index:08d}",
                address=ADDRESS,
            )
            appliance_service.create(
                session,
                tenant_id=tenant_id,
                customer_id=customer.id,
                product_model_id=model.id,
                serial_number=f"{SERIAL}{index:07d}",
                purchase_date=date(2025, 6, 1),
                purchase_channel="jd",
                install_date=None,
                address_id=customer.addresses[0].id,
            )
            auth_service.create_user(
                session,
                tenant_id=tenant_id,
                username=f"customer{index:05d}",
                password="unused",
                role="customer",
                password_hash="x",
                customer_id=customer.id,
            )
    engine.dispose()


FREE_PEOPLE = """
SELECT c.id, u.id, c.phone, a.id FROM appliance a
JOIN customer c ON c.id = a.customer_id
JOIN app_user u ON u.customer_id = c.id AND u.tenant_id = c.tenant_id
WHERE a.tenant_id = :t AND a.serial_number LIKE :serial
  AND NOT EXISTS (SELECT 1 FROM work_order w WHERE w.appliance_id = a.id)
ORDER BY a.id
"""


def prepare(url: str, args: argparse.Namespace, needed: int) -> World:
    """The world, made or reused, with at least ``needed`` customers whose appliance has no order yet."""
    with psycopg.connect(admin_url(url), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (make_url(url).database,)
        ).fetchone()
    setup: dict = {}
    tenant_id = None
    if exists and not args.rebuild:
        upgrade(url)
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == TENANT))
            if tenant_id is not None and history_orders(session, tenant_id) != args.history:
                tenant_id = None
        engine.dispose()
    if tenant_id is None:
        progress("building the world", {"history": args.history})
        setup["built"] = build(url, args.history, args.technicians, args.seed)
    else:
        setup["built"] = "reused"
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    with maker() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == TENANT))
        free = session.execute(text(FREE_PEOPLE), {"t": tenant_id, "serial": f"{SERIAL}%"}).all()
        made = session.scalar(
            select(func.count()).select_from(User).where(User.tenant_id == tenant_id, User.role == "customer")
        )
    if len(free) < needed:
        began = time.perf_counter()
        add_people(url, tenant_id, made, needed - len(free))
        setup["people_added"] = needed - len(free)
        setup["people_seconds"] = round(time.perf_counter() - began, 1)
    setup["stored_days"] = store_days(url, tenant_id)
    with maker() as session:
        free = session.execute(text(FREE_PEOPLE), {"t": tenant_id, "serial": f"{SERIAL}%"}).all()
        users = {
            (u.role, u.username): u
            for u in session.scalars(select(User).where(User.tenant_id == tenant_id, User.role != "customer"))
        }
        technicians = {u.technician_id: u.id for u in users.values() if u.role == "technician"}
        setup["orders_in_database"] = session.scalar(text("SELECT count(*) FROM work_order"))
    engine.dispose()
    return World(
        tenant_id=tenant_id,
        agent=users[("agent", "agent")].id,
        dispatcher=users[("dispatcher", "dispatcher")].id,
        admin=users[("admin", "admin")].id,
        manager=users[("outlet_manager", "manager")].id,
        technicians=technicians,
        people=[Person(c, u, phone, a) for c, u, phone, a in free[:needed]],
        setup=setup,
    )


# ------------------------------------------------------------------------------------------ credentials


@dataclass
class Credentials:
    """Each person's bearer token (API) or page session cookie (pages), as header lines."""

    secret: str
    tenant_id: int
    roles: dict[int, str]
    tokens: dict[int, str] = field(default_factory=dict)
    cookies: dict[int, str] = field(default_factory=dict)

    def bearer(self, user_id: int) -> str:
        token = self.tokens.get(user_id)
        if token is None:
            token = issue_token(
                secret=self.secret,
                user_id=user_id,
                tenant_id=self.tenant_id,
                role=self.roles[user_id],
                minutes=TOKEN_MINUTES,
            )
            self.tokens[user_id] = token
        return f"Authorization: Bearer {token}\r\n"

    def cookie(self, user_id: int) -> str:
        return f"Cookie: {SESSION_COOKIE}={self.cookies[user_id]}\r\n"


def credentials(url: str, world: World, secret: str) -> Credentials:
    """Page sessions (a server-side row and its signed cookie, as the sign-in form makes them) for the
    technicians and the managers; bearer tokens are signed on first use."""
    roles = {world.agent: "agent", world.dispatcher: "dispatcher", world.admin: "admin"}
    roles[world.manager] = "outlet_manager"
    roles.update({user: "technician" for user in world.technicians.values()})
    roles.update({p.user_id: "customer" for p in world.people})
    found = Credentials(secret=secret, tenant_id=world.tenant_id, roles=roles)
    engine = make_engine(url)
    lifetime = timedelta(minutes=TOKEN_MINUTES)
    with transaction(make_sessionmaker(engine)) as session:
        for user_id in [world.admin, world.manager, *world.technicians.values()]:
            now = datetime.now(UTC)
            session_id = sessions.start(session, user=session.get(User, user_id), now=now, lifetime=lifetime)
            found.cookies[user_id] = session_cookie(
                secret, session_id, expires=int(time.time() + lifetime.total_seconds())
            )
    engine.dispose()
    return found


# --------------------------------------------------------------------------------------------- traffic


class Connection:
    """One keep-alive HTTP/1.1 connection: the request line, the given header lines, a JSON body."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, method: str, path: str, headers: str, body: bytes | None) -> tuple[int, bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: application/json\r\n{headers}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode("latin-1") + b"\r\n" + (body or b""))
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length, chunked = 0, False
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await self.reader.readexactly(size + 2)
            if size == 0:
                return status, b"".join(parts)
            parts.append(data[:-2])

    def close(self) -> None:
        self.writer.close()


@dataclass
class Window:
    """What was due between ``start`` and ``end``: latencies and unexpected answers per kind."""

    name: str
    scale: float
    start: float
    end: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    cpu: dict = field(default_factory=dict)


class Load:
    """The open loop: schedules, a pool of keep-alive connections, and the windows requests count in."""

    def __init__(self, port: int, world: World, creds: Credentials, args: argparse.Namespace) -> None:
        self.port, self.world, self.creds, self.args = port, world, creds, args
        self.rng = random.Random(args.seed)
        self.idle: list[tuple[float, Connection]] = []  # (when it was last used, the connection)
        self.opened = 0
        self.scale = 1.0
        self.running = True  # new work starts only while running
        self.window: Window | None = None
        self.windows: list[Window] = []
        self.people = iter(world.people)
        self.technicians = world.technicians
        self.orders = 0
        self.finished = 0
        self.tasks: set[asyncio.Task] = set()
        today = datetime.now(ZONE).date()
        self.periods = {
            days: {"from": str(today - timedelta(days=days - 1)), "to": str(today)} for days in (30, 180)
        }

    # -- requests

    async def _connection(self) -> Connection:
        """The most recently used idle connection, else a new one. Uvicorn closes a keep-alive connection
        after 5 s idle: those idle for 3 s are closed here first, so no request meets a closed one."""
        while self.idle:
            used, connection = self.idle.pop()
            if time.perf_counter() - used < KEEP_ALIVE_S:
                return connection
            connection.close()
        reader, writer = await asyncio.open_connection(HOST, self.port)
        self.opened += 1
        return Connection(reader, writer)

    async def call(
        self,
        name: str,
        method: str,
        path: str,
        headers: str,
        body: dict | None = None,
        *,
        due: float | None = None,
        expect: tuple[int, ...] = (200,),
    ) -> tuple[int, bytes]:
        """One request; its latency from ``due`` (now when not given) counts in the window it was due in."""
        due = time.perf_counter() if due is None else due
        window = self.window
        payload = json.dumps(body).encode() if body is not None else None
        status, data = 0, b""
        connection = None
        try:
            connection = await self._connection()
            status, data = await asyncio.wait_for(
                connection.request(method, path, headers, payload), self.args.timeout
            )
        except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as error:
            if connection is not None:
                connection.close()
            connection = None
            status = type(error).__name__
        finally:
            if connection is not None:
                self.idle.append((time.perf_counter(), connection))
        if window is not None:
            window.latencies[name].append(time.perf_counter() - due)
            if status not in expect:
                window.errors[f"{name} {status}"] += 1
        return status, data

    def spawn(self, work) -> None:
        task = asyncio.ensure_future(self.guarded(work))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def guarded(self, work) -> None:
        """Run one piece of work; an exception in it (an answer it could not read) counts as an error."""
        window = self.window
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - counted and reported, the run goes on
            target = self.window or window
            if target is not None:
                target.errors[f"exception {type(error).__name__}"] += 1

    async def schedule(self, rate: float, work) -> None:
        """Start ``work(due)`` at Poisson arrivals of ``rate`` × the scale per second, without waiting for
        it, until the run stops."""
        due = time.perf_counter()
        while self.running:
            due += self.rng.expovariate(rate * self.scale)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.running:
                return
            self.spawn(work(due))

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.expovariate(1 / self.args.step))

    # -- the kinds of work

    async def order(self, due: float) -> None:
        """One order from the agent's lookup to the technician's completion."""
        person = next(self.people, None)
        if person is None:
            if self.window is not None:
                self.window.errors["intake.no_free_customer"] += 1
            return
        creds, agent = self.creds, self.creds.bearer(self.world.agent)
        await self.call("intake.lookup", "GET", f"/api/v1/customers?q={quote(person.phone)}", agent, due=due)
        report = {
            "customer_id": person.customer_id,
            "appliance_id": person.appliance_id,
            "service_type": "repair",
            "channel": "hotline",
            "fault_description": FAULT,
        }
        key = f"Idempotency-Key: {uuid.uuid4().hex}\r\n"
        status, data = await self.call(
            "intake.report", "POST", "/api/v1/work-orders", agent + key, report, expect=(201,)
        )
        if status != 201:
            return
        self.orders += 1
        order_id = json.loads(data)["id"]
        base = f"/api/v1/work-orders/{order_id}"
        customer = creds.bearer(person.user_id)
        open_ = [True]
        self.spawn(self.poll(base, customer, open_))
        try:
            await self.pause()
            await self.call("move.accept", "POST", f"{base}/accept", agent, {})
            await self.pause()
            dispatcher = creds.bearer(self.world.dispatcher)
            status, data = await self.call("dispatch.candidates", "GET", f"{base}/candidates", dispatcher)
            technician_id = self.pick(json.loads(data) if status == 200 else {})
            assign = {"technician_id": technician_id}
            await self.call("move.assign", "POST", f"{base}/assign", dispatcher, assign)
            user_id = self.technicians[technician_id]
            tech, page = creds.bearer(user_id), creds.cookie(user_id)
            await self.call("tech.list", "GET", "/tech", page)
            for action, body in (
                ("acknowledge", {}),
                ("depart", {"lat": 30.25, "lng": 120.15}),
                ("arrive", {"lat": ADDRESS["lat"], "lng": ADDRESS["lng"]}),
                ("quote", QUOTE),
            ):
                await self.pause()
                await self.call("tech.order", "GET", f"/tech/orders/{order_id}", page)
                await self.call(f"move.{action}", "POST", f"{base}/{action}", tech, body)
            await self.pause()
            await self.call("customer.quote", "GET", f"{base}/quote", customer)
            await self.call("move.approve-quote", "POST", f"{base}/approve-quote", customer, {})
            for action, body in (("start", {}), ("complete", {"note": "更换温控器，试机正常"})):
                await self.pause()
                await self.call("tech.order", "GET", f"/tech/orders/{order_id}", page)
                await self.call(f"move.{action}", "POST", f"{base}/{action}", tech, body)
            self.finished += 1
        finally:
            open_[0] = False

    def pick(self, ranked: dict) -> int:
        """The best-ranked candidate (every candidate passed the hard and soft rules; their ``reasons``
        explain the rank), else one of the technicians at random, counted as an error."""
        for candidate in ranked.get("candidates", []):
            if candidate["technician_id"] in self.technicians:
                return candidate["technician_id"]
        if self.window is not None:
            self.window.errors["dispatch.no_candidate"] += 1
        return self.rng.choice(list(self.technicians))

    async def poll(self, base: str, customer: str, open_: list[bool]) -> None:
        """The customer's app reading the order every ``--poll`` seconds (on a schedule) while it is open."""
        due = time.perf_counter()
        while open_[0]:
            due += self.args.poll * self.rng.uniform(0.8, 1.2)
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if open_[0]:
                await self.call("customer.poll", "GET", base, customer, due=due)

    async def tech_list(self, due: float) -> None:
        user_id = self.rng.choice(list(self.technicians.values()))
        await self.call("tech.list", "GET", "/tech", self.creds.cookie(user_id), due=due)

    async def dashboard(self, due: float) -> None:
        """One manager's view: the page as the admin or the outlet manager over 30 or 180 days, or the API."""
        who = self.rng.choice(("admin", "manager"))
        days = self.rng.choice((30, 180))
        user_id = self.world.admin if who == "admin" else self.world.manager
        period = urlencode(self.periods[days])
        kind = self.rng.choice(("page", "page", "api.kpis", "api.kpis_by_outlet", "api.trend"))
        if kind == "page":
            path, headers = f"/dashboard?{period}", self.creds.cookie(user_id)
        else:
            endpoint = {"api.kpis": "kpis", "api.kpis_by_outlet": "kpis", "api.trend": "trend"}[kind]
            extra = "&group_by=outlet" if kind == "api.kpis_by_outlet" else ""
            path, headers = f"/api/v1/analytics/{endpoint}?{period}{extra}", self.creds.bearer(user_id)
        await self.call(f"dashboard.{kind}.{who}.{days}d", "GET", path, headers, due=due)

    # -- phases

    async def run(self, server_pid: int) -> None:
        args = self.args
        drivers = [
            asyncio.ensure_future(self.schedule(args.intake, self.order)),
            asyncio.ensure_future(self.schedule(args.tech_list, self.tech_list)),
            asyncio.ensure_future(self.schedule(args.dashboards, self.dashboard)),
        ]
        phases = [("warmup", 1.0, args.warmup)] + [(f"x{s:g}", s, args.seconds) for s in args.scales]
        for name, scale, seconds in phases:
            self.scale = scale
            window = Window(name=name, scale=scale, start=time.perf_counter())
            self.window = window
            with CpuMeter(server_pid) as meter:
                await asyncio.sleep(seconds)
            window.end = time.perf_counter()
            window.cpu = meter
            self.windows.append(window)
            progress("phase", summary(window, brief=True))
        self.running = False
        for driver in drivers:
            driver.cancel()
        self.drain = self.window = Window(name="drain", scale=0.0, start=time.perf_counter())
        while self.tasks and time.perf_counter() - self.drain.start < args.drain:
            await asyncio.sleep(0.5)
        self.drain.end = time.perf_counter()
        self.window = None
        self.unfinished = len(self.tasks)
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for _, connection in self.idle:
            connection.close()


# ------------------------------------------------------------------------------------------------- report


def figures(samples: list[float], seconds: float) -> dict:
    """Count, rate (over ``seconds``, when given) and nearest-rank percentiles in ms (None without samples)."""
    found = {"count": len(samples), "per_s": round(len(samples) / seconds, 2) if seconds else None}
    for name, share in (("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99)):
        found[name] = percentile(samples, share) if samples else None
    found["max_ms"] = round(max(samples) * 1000, 1) if samples else None
    return found


def summary(window: Window, brief: bool = False) -> dict:
    seconds = window.end - window.start
    total = sum(len(v) for v in window.latencies.values())
    out: dict = {
        "phase": window.name,
        "scale": window.scale,
        "seconds": round(seconds, 1),
        "requests_per_s": round(total / seconds, 1) if seconds else 0.0,
        "errors": sum(window.errors.values()),
    }
    dashboards = tuple(k for k in window.latencies if k.startswith("dashboard."))
    groups = {**GROUPS, "dashboards": dashboards}
    out["by_group"] = {
        group: figures([s for name in names for s in window.latencies.get(name, [])], seconds)
        for group, names in groups.items()
    }
    if brief:
        out["by_group"] = {
            g: {k: v[k] for k in ("per_s", "p50_ms", "p99_ms")} for g, v in out["by_group"].items()
        }
        return out
    out["by_kind"] = {name: figures(window.latencies[name], seconds) for name in sorted(window.latencies)}
    out["errors_by_kind"] = dict(window.errors)
    if isinstance(window.cpu, CpuMeter):
        cpu = window.cpu.per_order(total)
        out["cpu_ms_per_request"] = {k: v for k, v in cpu.items() if k.endswith("_ms")}
        out["machine_busy_share"] = cpu["machine_busy_share"]
    return out


def progress(label: str, figures_: dict) -> None:
    print(f"{label} {json.dumps(figures_, ensure_ascii=False)}", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=int, default=1_000_000, help="past orders (kpi.py's generator)")
    parser.add_argument("--technicians", type=int, default=40, help="technicians with a user and every skill")
    parser.add_argument("--scales", default="0.5,1,2", help="the load of each phase, times the rates below")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--drain", type=float, default=60.0, help="at most this long for orders under way")
    parser.add_argument("--intake", type=float, default=1.0, help="orders reported per second at scale 1")
    parser.add_argument("--step", type=float, default=3.0, help="mean seconds between an order's moves")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between a customer's polls")
    parser.add_argument("--tech-list", type=float, default=1.0, help="technicians' list views per second")
    parser.add_argument("--dashboards", type=float, default=0.3, help="dashboard views per second")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument(
        "--pg-options",
        default="",
        help="PGOPTIONS for the server's connections, e.g. '-c jit=off' (default: the server's settings)",
    )
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--rebuild", action="store_true", help="make the world again")
    args = parser.parse_args()
    args.scales = [float(s) for s in args.scales.split(",")]
    url = os.environ.get("ANXIN_BENCH_LOAD_URL", DEFAULT_URL)
    # every order the run may report needs a customer whose appliance has none yet
    needed = int(args.intake * (args.warmup + sum(args.scales) * args.seconds) * 1.5) + 50
    world = prepare(url, args, needed)
    progress("world", world.setup)
    secret = secrets.token_urlsafe(48)
    os.environ["ANXIN_SECRET_KEY"] = secret  # the server's key (intake.Server passes it on)
    if args.pg_options:
        os.environ["PGOPTIONS"] = args.pg_options  # libpq reads it: the server's sessions get these settings
    creds = credentials(url, world, secret)
    logdir = Path(os.environ.get("TMPDIR", "/tmp"))
    server = Server(
        url.replace("postgresql+psycopg://", "postgresql://", 1), args.workers, logdir / "load.log"
    )
    result: dict = {
        "benchmark": "load_mix",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "node": platform.node()},
        "settings": {k: v for k, v in vars(args).items() if k not in ("rebuild",)},
        "world": world.setup,
    }
    try:
        server.wait_ready()
        load = Load(server.port, world, creds, args)
        began = time.perf_counter()
        asyncio.run(load.run(server.process.pid))
        result["seconds"] = round(time.perf_counter() - began, 1)
        result["orders"] = {
            "reported": load.orders,
            "completed": load.finished,
            "unfinished": load.unfinished,
        }
        result["connections_opened"] = load.opened
        result["phases"] = [summary(w) for w in load.windows]
        # the dashboards are few per phase: each view over every measured phase together
        measured = [w for w in load.windows if w.name != "warmup"]
        views = sorted({k for w in measured for k in w.latencies if k.startswith("dashboard.")})
        result["dashboards_all_phases"] = {
            view: figures([s for w in measured for s in w.latencies.get(view, [])], 0.0) for view in views
        }
        result["drain"] = {
            "seconds": round(load.drain.end - load.drain.start, 1),
            "requests": sum(len(v) for v in load.drain.latencies.values()),
            "errors_by_kind": dict(load.drain.errors),
        }
        result["errors_total"] = sum(w["errors"] for w in result["phases"]) + sum(load.drain.errors.values())
    finally:
        server.stop()
    with psycopg.connect(raw_url(url)) as connection:
        result["postgres"] = connection.execute("SHOW server_version").fetchone()[0]
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
