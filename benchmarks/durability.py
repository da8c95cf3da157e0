"""Durability under faults: what the API acknowledged is kept, nothing in the outbox is lost, and a job
cut off mid-way runs again with its effect once. It counts; it does not time.

    .venv/bin/python benchmarks/durability.py                      # standalone: starts everything itself
    .venv/bin/python benchmarks/durability.py --base-url http://127.0.0.1:8080 --layout layout.json
                                                                   # through a running layout (deploy/up.sh)

Standalone, it starts a throwaway PostgreSQL cluster (``initdb`` and ``pg_ctl`` in a temporary folder, on
a free port, as the ``postgres`` user when run as root; removed at the end, never the machine's own
cluster), migrates it, and starts ``--api`` (1) ``anxin serve`` processes on loopback ports, which the
clients call directly, and ``--workers`` (2) ``anxin worker`` processes on Redis database ``--redis-url``
(``/11``, flushed at the start and the end; the first consumer schedules the periodic jobs, the others
take tasks). Through a layout (``--layout``, written by ``deploy/up.sh``), it uses the database, the
PostgreSQL data folder, and the pid files of the serve and worker processes named there; a supervisor
restarts a killed process (as systemd's ``Restart=always`` would), and the clients go to ``--base-url``
(nginx).

1. Data, through the services: a tenant of its own, an agent and an admin, and one customer with an
   appliance per order. A local webhook receiver (a thread of this script on 127.0.0.1; the processes need
   ``ANXIN_OUTBOUND_ALLOWED_NETWORKS=127.0.0.1/32``) is registered through the API for every event.
2. Load: ``--clients`` agents (asyncio, httpx), paced to ``--rate`` orders/s together, each reporting a
   fault (``POST /api/v1/work-orders`` with an ``Idempotency-Key``), accepting it and then solving it
   remotely or cancelling it, each move with the ``version`` it saw. An answer is *acknowledged* when it is
   2xx with the order's id and number. A request that fails (no connection, a reset, 5xx, nginx's 502) is
   retried as a real client would, with the same key and body; a move retried after its first answer was
   lost may meet 409 (it had happened): the client then reads the order and counts the move as seen
   applied, not acknowledged. So that this path runs in every run, not only when a kill lands between a
   commit and its answer, the client throws away the 2xx answer of every ``--drop-every``-th write (10)
   and retries it: a report must come back as the first order (``replayed``), a move as seen applied.
3. Faults, one after the other during the load: ``kill -9`` one serve process (and it is restarted);
   ``kill -9`` the worker that is delivering at that moment: the receiver holds the next webhook it
   receives, finds the worker process that owns the connection (``/proc``) and kills it while the request
   is open, so the message is received (its effect applied) but never marked sent, and the rest of that
   worker's claimed batch is cut off (the worker is restarted); ``pg_ctl restart -m immediate`` of the
   cluster (a crash and recovery: only what was committed survives); ``kill -9`` of another serve process.
4. Drain: the load stops, and the script waits until no outbox row of its tenant is pending, failing or
   claimed (``sending``): a claimed row whose worker died is due again when its lease ends (``--lease-
   seconds``, see below) and the next pass sends it.
5. Checks against the database: every acknowledged order is there once (one order per appliance and per
   idempotency key, the acknowledged number); every acknowledged move has its event, and no move was
   recorded twice; every outbox row the events call for exists and every row written reached ``sent``
   (``lost``: missing or never delivered; ``dead`` is counted apart); every sent inbox row made exactly one
   inbox item; every sent webhook row reached the receiver, which applies a delivery key once and counts
   repeats (the same ``X-Anxin-Delivery`` and the same body bytes, signature checked); the rows the killed
   worker had claimed were delivered after it, with their effect once, and the held message was received
   again (the job ran again). ``delivery`` gives the passes read from the rows' ``sent_at`` and what each
   channel promises when a delivery is cut off (``semantics``).

The outbox lease. Delivery claims a row by setting it ``sending`` with ``next_attempt_at`` a lease ahead
(``ANXIN_OUTBOX_LEASE_SECONDS``, five minutes by default); a worker that dies leaves the row due again when
that runs out. So that a run takes a few minutes, the workers this script starts have a lease of
``--lease-seconds`` (30; ``deploy/up.sh`` sets the same); ``--lease-seconds 0`` keeps the default five
minutes (the run takes about five minutes longer).

It prints one JSON object (the counts, the faults, the verdict) and exits 1 when a guarantee failed or a
fault could not be injected. Nothing here asserts on timings. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psycopg


def _version(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())


ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PG_BIN = Path(
    os.environ.get("ANXIN_PG_BIN")
    or max(
        Path("/usr/lib/postgresql").glob("*/bin"), default=Path("/usr/lib/postgresql/15/bin"), key=_version
    )
)
PASSWORD = "durability-1234"
ADDRESS = {
    "province": "浙江省",
    "city": "杭州市",
    "district": "西湖区",
    "detail": "文三路 1 号",
    "lat": 30.27,
    "lng": 120.12,
    "area_type": "urban",
}
RETRYABLE = frozenset({500, 502, 503, 504})
# What a delivery cut off between the send and the commit of "sent" does, channel by channel: the outbox
# row is sent again when its lease runs out (at least once); whether the effect repeats is the receiver's.
SEMANTICS = {
    "inbox": "once: the item is written in the transaction that marks the row sent",
    "webhook": "at least once; a repeat has the same X-Anxin-Delivery key and body: applied once by key",
    "sms": "at least once; the gateway gets the text again (the default backend logs it)",
    "email": "at least once; a repeat has the same Message-ID, from the dedupe key",
}
PRODUCT_LEASE_SECONDS = 300.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def conninfo(url: str) -> str:
    """A SQLAlchemy URL (``postgresql+psycopg://``) as psycopg's connection string."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def log(message: str) -> None:
    print(f"[durability {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ PostgreSQL


@dataclass
class Postgres:
    """A PostgreSQL cluster this script may restart: its own throwaway one (standalone), or the one a
    layout names. Commands run as ``user`` when this script runs as root (initdb refuses root)."""

    data: Path
    log: Path
    bin: Path = PG_BIN
    user: str = "postgres"
    port: int = 0

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, check=check, capture_output=True, text=True, timeout=180)

    def create(self, folder: Path) -> None:
        """initdb a new cluster in ``folder`` and start it on a free loopback port."""
        self.port = free_port()
        sockets = folder / "pgsock"
        for path in (self.data, sockets):
            path.mkdir(mode=0o700)
        self.log.touch()
        if os.geteuid() == 0:
            for path in (self.data, sockets, self.log):
                shutil.chown(path, self.user, self.user)
        initdb = ["-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        self.run("initdb", *initdb, "--no-instructions")
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -c unix_socket_directories={sockets} "
            "-c max_connections=200 -c shared_buffers=64MB -c fsync=on -c synchronous_commit=on"
        )
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start"
        )
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute('CREATE DATABASE "anxin"')

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@{HOST}:{self.port}/anxin"

    def restart(self, mode: str = "immediate") -> None:
        """``pg_ctl restart -m immediate``: the server stops without a checkpoint, as in a crash, and
        starts with recovery from the WAL (the options it was started with are kept in postmaster.opts)."""
        self.run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "120", "restart"
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop", check=False)


def wait_for_database(url: str, timeout: float = 120.0) -> float:
    """Seconds until a connection succeeds."""
    start = time.monotonic()
    while True:
        try:
            with psycopg.connect(conninfo(url), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return time.monotonic() - start
        except psycopg.Error:
            if time.monotonic() - start > timeout:
                raise
            time.sleep(0.2)


# ------------------------------------------------------------------------------------------- processes


@dataclass
class Proc:
    """One ``anxin serve`` or ``anxin worker`` process: started by this script (``command``), or by a
    supervisor that writes its pid to ``pidfile`` and starts it again when it dies."""

    name: str
    kind: str  # "api" | "worker"
    url: str | None = None  # an API process's own address (its /healthz)
    command: list[str] | None = None
    env: dict[str, str] | None = None
    logfile: Path | None = None
    pidfile: Path | None = None
    popen: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        assert self.command is not None and self.logfile is not None
        self.popen = subprocess.Popen(
            self.command,
            env=self.env,
            cwd=self.logfile.parent,  # not the repository: no .env read from there
            stdout=self.logfile.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1

    def pid(self) -> int | None:
        if self.popen is not None:
            return self.popen.pid if self.popen.poll() is None else None
        try:
            pid = int(self.pidfile.read_text().strip()) if self.pidfile else 0
        except (OSError, ValueError):
            return None
        return pid if pid > 0 and Path(f"/proc/{pid}").exists() else None

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGTERM if self.kind == "worker" else signal.SIGINT)
        try:
            self.popen.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def wait_healthy(proc: Proc, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen is not None and proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{proc.logfile.read_text()[-3000:]}")
        try:
            if httpx.get(f"{proc.url}/healthz", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{proc.name} not healthy after {timeout:.0f} s")


@dataclass
class Layout:
    """What runs: the URLs the clients call, the database, the processes, who restarts them."""

    mode: str  # "standalone" | "layout"
    base_urls: list[str]
    database_url: str
    apis: list[Proc]
    workers: list[Proc]
    postgres: Postgres | None
    lease_seconds: float
    supervised: bool
    folder: Path | None = None  # standalone: the temporary folder
    redis_url: str | None = None

    def restart(self, proc: Proc, old_pid: int) -> float:
        """Bring ``proc`` back after a kill; seconds until it is up again (healthy, for an API)."""
        start = time.monotonic()
        if self.supervised:
            while (pid := proc.pid()) is None or pid == old_pid:
                if time.monotonic() - start > 60:
                    raise RuntimeError(f"{proc.name}: its supervisor did not start it again")
                time.sleep(0.2)
        else:
            proc.popen.wait()
            time.sleep(1.0)  # as a supervisor would (systemd's RestartSec=1)
            proc.start()
        if proc.kind == "api":
            wait_healthy(proc)
        return time.monotonic() - start


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_")}
    env.update(extra)
    return env


def standalone(args: argparse.Namespace, made: list[Layout]) -> Layout:
    """The throwaway cluster, the serve and worker processes; appended to ``made`` before anything starts,
    so that a failure half-way still tears down what was started."""
    folder = Path(tempfile.mkdtemp(prefix="anxin-durability-"))
    os.chmod(folder, 0o711)  # the postgres user reaches its data folder inside
    log(f"working folder {folder}")
    layout = Layout(
        mode="standalone",
        base_urls=[],
        database_url="",
        apis=[],
        workers=[],
        postgres=Postgres(data=folder / "pgdata", log=folder / "postgres.log"),
        lease_seconds=args.lease_seconds or PRODUCT_LEASE_SECONDS,
        supervised=False,
        folder=folder,
        redis_url=args.redis_url,
    )
    made.append(layout)
    postgres = layout.postgres
    postgres.create(folder)
    layout.database_url = postgres.url
    log(f"throwaway PostgreSQL cluster on port {postgres.port}")
    from anxin import migrate

    migrate.upgrade(postgres.url)
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    ports = [free_port() for _ in range(args.api)]
    env = clean_env(
        {
            "ANXIN_DATABASE_URL": postgres.url,
            "ANXIN_SECRET_KEY": secrets.token_urlsafe(48),
            "ANXIN_REDIS_URL": args.redis_url,
            "ANXIN_PUBLIC_BASE_URL": f"http://{HOST}:{ports[0]}",
            "ANXIN_OUTBOUND_ALLOWED_NETWORKS": f"{HOST}/32",  # the webhook receiver of this script
            "ANXIN_LOG_LEVEL": "WARNING",
            "ANXIN_DB_POOL_SIZE": "5",
            "ANXIN_DB_MAX_OVERFLOW": "5",
            "ANXIN_UPLOAD_DIR": str(folder / "uploads"),
            "ANXIN_HUEY_SQLITE_PATH": str(folder / "huey.sqlite3"),
            "ANXIN_OUTBOX_LEASE_SECONDS": str(layout.lease_seconds),
        }
    )
    layout.apis = [
        Proc(
            name=f"anxin-serve@{port}",
            kind="api",
            url=f"http://{HOST}:{port}",
            command=[str(BIN / "anxin"), "serve", "--host", HOST, "--port", str(port), "--sweep-every", "0"],
            env=env,
            logfile=folder / f"serve-{port}.log",
        )
        for port in ports
    ]
    layout.workers = [
        Proc(
            name=f"anxin-worker@{n}",
            kind="worker",
            command=[str(BIN / "anxin"), "worker", "--workers", "2", *(() if n == 1 else ("--no-periodic",))],
            env=env,
            logfile=folder / f"worker-{n}.log",
        )
        for n in range(1, args.workers + 1)
    ]
    for proc in [*layout.apis, *layout.workers]:
        proc.start()
    for proc in layout.apis:
        wait_healthy(proc)
    layout.base_urls = [p.url for p in layout.apis]
    return layout


def from_file(path: Path, base_url: str) -> Layout:
    """The layout ``deploy/up.sh`` describes (JSON)."""
    spec = json.loads(path.read_text())
    pg = spec.get("postgres")
    postgres = (
        Postgres(
            data=Path(pg["data"]),
            log=Path(pg["log"]),
            bin=Path(pg.get("bin", PG_BIN)),
            user=pg.get("user", "postgres"),
        )
        if pg
        else None
    )
    apis = [Proc(name=a["name"], kind="api", url=a["url"], pidfile=Path(a["pidfile"])) for a in spec["api"]]
    workers = [Proc(name=w["name"], kind="worker", pidfile=Path(w["pidfile"])) for w in spec["workers"]]
    return Layout(
        mode="layout",
        base_urls=[base_url.rstrip("/")],
        database_url=spec["database_url"],
        apis=apis,
        workers=workers,
        postgres=postgres,
        lease_seconds=float(spec.get("lease_seconds") or PRODUCT_LEASE_SECONDS),
        supervised=True,
    )


# ------------------------------------------------------------------------------------------------ data


@dataclass(frozen=True)
class Person:
    customer_id: int
    appliance_id: int
    phone: str


@dataclass
class World:
    tenant_id: int
    slug: str
    people: list[Person]


def prepare(url: str, count: int, run: str) -> World:
    """A tenant of this run's own, an agent, an admin, and ``count`` customers with an appliance each."""
    from anxin import wiring
    from anxin.appliance import service as appliance_service
    from anxin.auth import service as auth_service
    from anxin.auth.models import Tenant
    from anxin.catalog import service as catalog_service
    from anxin.customer import service as customer_service
    from anxin.database import make_engine, make_sessionmaker, transaction

    wiring.wire()
    engine = make_engine(url)
    slug = f"dur{run}"
    people = []
    try:
        with transaction(make_sessionmaker(engine)) as db:
            tenant = Tenant(slug=slug, name="durability", timezone="Asia/Shanghai")
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
            for username, role in (("agent", "agent"), ("admin", "admin")):
                auth_service.create_user(
                    db, tenant_id=tenant.id, username=username, password=PASSWORD, role=role
                )
            for index in range(count):
                customer, _ = customer_service.create_or_get(
                    db, tenant_id=tenant.id, name=f"客户{index:05d}", phone=f"137{index:08d}", address=ADDRESS
                )
                appliance = appliance_service.create(
                    db,
                    tenant_id=tenant.id,
                    customer_id=customer.id,
                    product_model_id=model.id,
                    serial_number=f"SNDUR{index:07d}",
                    purchase_date=date(2025, 6, 1),
                    purchase_channel="jd",
                    install_date=None,
                    address_id=customer.addresses[0].id,
                )
                people.append(Person(customer.id, appliance.id, customer.phone))
            tenant_id = tenant.id
    finally:
        engine.dispose()
    return World(tenant_id, slug, people)


# -------------------------------------------------------------------------------------------- receiver


class Receiver:
    """The webhook receiver: applies each delivery key once (the effect), counts repeats, checks the
    signature and that a repeat carries the same bytes. Armed, it holds the next request open until
    ``release`` (so a worker can be killed in the middle of that delivery)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.lock = threading.Lock()
        self.applied: dict[str, str] = {}  # delivery key -> sha256 of the body first received
        self.receipts: Counter = Counter()
        self.bad_signatures = 0
        self.changed_bodies = 0
        self.armed = threading.Event()
        self.held = threading.Event()
        self.released = threading.Event()
        self.held_key: str | None = None
        self.held_peer_port: int | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.receive(self.headers, body, self.client_address[1])
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the worker was killed while we held its request

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{HOST}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receive(self, headers, body: bytes, peer_port: int) -> None:
        key = headers.get("X-Anxin-Delivery", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        digest = hashlib.sha256(body).hexdigest()
        hold = False
        with self.lock:
            if not hmac.compare_digest(expected, headers.get("X-Anxin-Signature", "")):
                self.bad_signatures += 1
            self.receipts[key] += 1
            if key in self.applied:
                self.changed_bodies += self.applied[key] != digest
            else:
                self.applied[key] = digest  # the effect, once per key
            if self.armed.is_set() and not self.held.is_set():
                self.held_key, self.held_peer_port, hold = key, peer_port, True
                self.held.set()
        if hold:
            self.released.wait(timeout=60)

    def release(self) -> None:
        self.armed.clear()
        self.released.set()

    def close(self) -> None:
        self.release()
        self.server.shutdown()


def connection_owner(local_port: int, remote_port: int, pids: list[int]) -> int | None:
    """The process among ``pids`` holding the TCP connection 127.0.0.1:local_port → :remote_port."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == local_port and int(parts[2].split(":")[1], 16) == remote_port:
            inode = parts[9]
            break
    if inode is None:
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
        except OSError:
            continue
    return None


# --------------------------------------------------------------------------------------------- clients


@dataclass
class Tally:
    requests: int = 0
    retries: int = 0
    failures: Counter = field(default_factory=Counter)  # failed attempts by kind
    # person -> (order id, number, appliance id)
    orders_acked: dict[int, tuple[int, str, int]] = field(default_factory=dict)
    replayed: int = 0  # acknowledged answers that were a retried request's first order
    orders_given_up: int = 0  # intakes never acknowledged before their deadline
    moves_acked: list[tuple[int, str]] = field(default_factory=list)
    moves_seen_applied: list[tuple[int, str]] = field(default_factory=list)  # answer lost, then read
    moves_refused: Counter = field(default_factory=Counter)  # unexpected final answers
    moves_given_up: int = 0
    writes_in_flight: Counter = field(default_factory=Counter)  # by URL: POSTs sent, not yet answered
    writes_sent: int = 0
    answers_dropped: Counter = field(default_factory=Counter)  # by action: 2xx answers the client lost


class Client:
    """One agent: requests with retries, over the layout's URLs (a retry goes to the next one)."""

    def __init__(self, urls: list[str], token: str, tally: Tally, index: int, drop_every: int = 0) -> None:
        self.urls = urls
        self.drop_every = drop_every
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
        self.tally = tally
        self.turn = index
        self.http = httpx.AsyncClient(timeout=20.0)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json_body: dict | None = None,
        headers: dict | None = None,
        deadline: float = 120.0,
        action: str = "",
    ) -> tuple[int | None, dict | None, int]:
        """(status, body, failed attempts before it); status None when the deadline passed first.

        Every ``drop_every``-th write's first successful answer is thrown away, as when the connection
        breaks after the server committed: the client retries the same request, as it would."""
        give_up = time.monotonic() + deadline
        drop = False
        if method == "POST" and self.drop_every:
            self.tally.writes_sent += 1
            drop = self.tally.writes_sent % self.drop_every == 0
        failed = 0
        pause = 0.25
        while True:
            base = self.urls[self.turn % len(self.urls)]
            self.tally.requests += 1
            self.tally.writes_in_flight[base] += method == "POST"
            kind = None
            try:
                answer = await self.http.request(
                    method, base + path, json=json_body, headers={**self.headers, **(headers or {})}
                )
            except httpx.TransportError as exc:
                kind = type(exc).__name__
            finally:
                self.tally.writes_in_flight[base] -= method == "POST"
            if kind is None and drop and 200 <= answer.status_code < 300:
                drop = False
                self.tally.answers_dropped[action] += 1
                kind = "answer dropped by the client"
            if kind is None:
                if answer.status_code not in RETRYABLE:
                    try:
                        body = answer.json()
                    except ValueError:
                        body = None
                    return answer.status_code, body, failed
                kind = f"HTTP {answer.status_code}"
            self.tally.failures[kind] += 1
            failed += 1
            self.turn += 1
            if time.monotonic() + pause > give_up:
                return None, None, failed
            self.tally.retries += 1
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def report(self, n: int, person: Person, run: str) -> tuple[int, int] | None:
        body = {
            "customer_id": person.customer_id,
            "appliance_id": person.appliance_id,
            "service_type": "repair",
            "channel": "hotline",
            "fault_description": "冰箱不制冷，冷藏室温度偏高",
        }
        status, answer, _ = await self.call(
            "POST",
            "/api/v1/work-orders",
            json_body=body,
            headers={"Idempotency-Key": f"dur-{run}-{n}"},
            action="create",
        )
        if status in (200, 201) and answer and answer.get("id") and answer.get("number"):
            self.tally.orders_acked[n] = (answer["id"], answer["number"], person.appliance_id)
            self.tally.replayed += bool(answer.get("replayed"))
            return answer["id"], answer["version"]
        if status is None:
            self.tally.orders_given_up += 1
        else:
            self.tally.moves_refused[f"create: HTTP {status}"] += 1
        return None

    async def move(
        self, order_id: int, action: str, version: int, target: str, extra: dict | None = None
    ) -> int | None:
        """The move with the version seen; the new version, or None when it did not happen."""
        body = {"version": version, **(extra or {})}
        status, answer, failed = await self.call(
            "POST", f"/api/v1/work-orders/{order_id}/{action}", json_body=body, action=action
        )
        if status == 200 and answer and answer.get("id") == order_id:
            self.tally.moves_acked.append((order_id, action))
            return answer["version"]
        if status == 409 and failed:
            # an earlier attempt's answer was lost: read what became of the order
            seen, order, _ = await self.call("GET", f"/api/v1/work-orders/{order_id}")
            if seen == 200 and order and order["status"] == target:
                self.tally.moves_seen_applied.append((order_id, action))
                return order["version"]
        if status is None:
            self.tally.moves_given_up += 1
        else:
            self.tally.moves_refused[f"{action}: HTTP {status}"] += 1
        return None

    async def close(self) -> None:
        await self.http.aclose()


async def drive(
    layout: Layout,
    world: World,
    token: str,
    args: argparse.Namespace,
    run: str,
    stop: threading.Event,
    tally: Tally,
) -> Tally:
    queue = list(enumerate(world.people))
    queue.reverse()
    interval = 1.0 / args.rate
    next_slot = [time.monotonic()]

    async def paced() -> None:
        now = time.monotonic()
        slot = max(now, next_slot[0])
        next_slot[0] = slot + interval
        await asyncio.sleep(slot - now)

    async def agent(index: int) -> None:
        client = Client(layout.base_urls, token, tally, index, args.drop_every)
        try:
            while not stop.is_set() and queue:
                await paced()
                if stop.is_set() or not queue:
                    break
                n, person = queue.pop()
                created = await client.report(n, person, run)
                if created is None:
                    continue
                order_id, version = created
                version = await client.move(order_id, "accept", version, "accepted")
                if version is None:
                    continue
                if n % 2 == 0:
                    await client.move(
                        order_id, "resolve-remote", version, "resolved_remote", {"note": "远程指导重启后恢复"}
                    )
                else:
                    await client.move(order_id, "cancel", version, "cancelled", {"reason": "客户自行修好"})
        finally:
            await client.close()

    await asyncio.gather(*(agent(i) for i in range(args.clients)))
    return tally


def token_for(url: str, login: str) -> str:
    answer = httpx.post(
        f"{url}/api/v1/auth/token", data={"username": login, "password": PASSWORD}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()["access_token"]


# ---------------------------------------------------------------------------------------------- faults


@dataclass
class Chaos:
    layout: Layout
    receiver: Receiver
    tenant_id: int
    stop: threading.Event
    settle: float
    tally: Tally
    faults: list[dict] = field(default_factory=list)
    cut_off: list[tuple[int, str, str]] = field(default_factory=list)  # (id, channel, dedupe key)
    errors: list[str] = field(default_factory=list)
    start: float = field(default_factory=time.monotonic)

    def at(self) -> float:
        return round(time.monotonic() - self.start, 1)

    def kill_api(self, proc: Proc) -> None:
        """Kill ``proc`` while a client's write is open on it (through a proxy: on any process, so on
        this one by chance), waiting up to 10 s for one: a write cut off before or after its commit."""
        pid = proc.pid()
        if pid is None:
            raise RuntimeError(f"{proc.name} is not running")
        watched = proc.url if proc.url in self.layout.base_urls else None
        wait_until = time.monotonic() + 10
        in_flight = 0
        while time.monotonic() < wait_until:
            counts = self.tally.writes_in_flight
            in_flight = counts[watched] if watched else sum(counts.values())
            if in_flight > 0:
                break
            time.sleep(0.002)
        at = self.at()
        os.kill(pid, signal.SIGKILL)
        log(f"kill -9 {proc.name} (pid {pid}), {in_flight} client writes open")
        back = self.layout.restart(proc, pid)
        fault = {"fault": "kill -9 API process", "target": proc.name, "pid": pid, "at_s": at}
        fault["client_writes_open"] = in_flight
        fault["writes_counted_on"] = "this process" if watched else "every process (through the proxy)"
        self.faults.append({**fault, "up_again_after_s": round(back, 1)})

    def kill_worker_mid_delivery(self) -> None:
        self.receiver.armed.set()
        log("waiting for a webhook delivery in flight (the workers deliver at each minute)")
        if not self.receiver.held.wait(timeout=150):
            self.receiver.release()
            raise RuntimeError("no webhook delivery began within 150 s")
        at = self.at()
        pids = [p for w in self.layout.workers if (p := w.pid()) is not None]
        owner = connection_owner(self.receiver.held_peer_port, self.receiver.port, pids)
        victims = [w for w in self.layout.workers if owner is not None and w.pid() == owner] or list(
            self.layout.workers
        )
        killed = []
        for worker in victims:
            pid = worker.pid()
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.append((worker, pid))
                log(f"kill -9 {worker.name} (pid {pid}) while it delivers {self.receiver.held_key}")
        time.sleep(0.5)
        with psycopg.connect(conninfo(self.layout.database_url)) as conn:
            self.cut_off = [
                tuple(row)
                for row in conn.execute(
                    "SELECT id, channel, dedupe_key FROM outbox_message "
                    "WHERE tenant_id = %s AND status = 'sending'",
                    (self.tenant_id,),
                )
            ]
        self.receiver.release()
        back = max((self.layout.restart(worker, pid) for worker, pid in killed), default=0.0)
        self.faults.append(
            {
                "fault": "kill -9 worker in the middle of a delivery",
                "target": [w.name for w, _ in killed],
                "pid": [pid for _, pid in killed],
                "identified_by_its_connection": owner is not None,
                "held_delivery": self.receiver.held_key,
                "rows_claimed_when_killed": len(self.cut_off),
                "at_s": at,
                "up_again_after_s": round(back, 1),
            }
        )

    def restart_postgres(self) -> None:
        at = self.at()
        start = time.monotonic()
        log("pg_ctl restart -m immediate")
        self.layout.postgres.restart("immediate")
        wait_for_database(self.layout.database_url)
        fault = {"fault": "PostgreSQL restart -m immediate (crash and recovery)", "at_s": at}
        self.faults.append({**fault, "accepting_again_after_s": round(time.monotonic() - start, 1)})

    def run(self) -> None:
        try:
            time.sleep(self.settle)
            self.kill_api(self.layout.apis[0])
            self.kill_worker_mid_delivery()
            time.sleep(self.settle)
            if self.layout.postgres is not None:
                self.restart_postgres()
            else:
                self.errors.append("no PostgreSQL named in the layout: not restarted")
            time.sleep(self.settle)
            self.kill_api(self.layout.apis[-1])
            time.sleep(self.settle)
        except Exception as exc:  # reported in the JSON; the run then fails
            log(f"fault injection failed: {exc!r}")
            self.errors.append(repr(exc))
        finally:
            self.receiver.release()
            self.stop.set()


# ----------------------------------------------------------------------------------------- the checks


def outbox_status(url: str, tenant_id: int) -> Counter:
    with psycopg.connect(conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM outbox_message WHERE tenant_id = %s GROUP BY status", (tenant_id,)
        ).fetchall()
    return Counter(dict(rows))


def drain(layout: Layout, tenant_id: int, *, limit: float = 1800.0) -> tuple[float, Counter]:
    """Wait until no row is pending, failing or claimed; or until nothing was delivered for as long as a
    claim's lease and three passes take (a pass each minute: one may fail on a connection the database's
    restart broke), or ``limit`` seconds in all."""
    start = last_progress = time.monotonic()
    patience = layout.lease_seconds + 180
    done = -1
    while True:
        status = outbox_status(layout.database_url, tenant_id)
        waiting = status["pending"] + status["failed"] + status["sending"]
        now = time.monotonic()
        if status["sent"] + status["dead"] > done:
            done, last_progress = status["sent"] + status["dead"], now
        if waiting == 0 or now - last_progress > patience or now - start > limit:
            return now - start, status
        log(f"draining the outbox: {waiting} rows not delivered yet {dict(status)}")
        time.sleep(5)


def delivery_passes(url: str, tenant_id: int) -> dict:
    """The delivery passes read from the rows' ``sent_at`` (a pass sends one row after another; a pause of
    over 5 s ends it): how many, and the largest one's rows per second (one worker thread)."""
    with psycopg.connect(conninfo(url)) as conn:
        stamps = [
            row[0].timestamp()
            for row in conn.execute(
                "SELECT sent_at FROM outbox_message WHERE tenant_id = %s AND sent_at IS NOT NULL "
                "ORDER BY sent_at",
                (tenant_id,),
            )
        ]
    passes: list[list[float]] = []
    for stamp in stamps:
        if passes and stamp - passes[-1][-1] <= 5.0:
            passes[-1].append(stamp)
        else:
            passes.append([stamp])
    largest = max(passes, key=len, default=[])
    span = largest[-1] - largest[0] if len(largest) > 1 else 0.0
    return {
        "passes": len(passes),
        "largest_pass_rows": len(largest),
        "largest_pass_seconds": round(span, 1),
        "largest_pass_rows_per_s": round(len(largest) / span, 1) if span else None,
    }


def check(
    layout: Layout, world: World, tally: Tally, receiver: Receiver, chaos: Chaos, endpoint_id: int
) -> dict:
    from anxin.notify.outbox import Recipient, address_in_key  # how a key names a phone (a digest)

    tenant = world.tenant_id
    with psycopg.connect(conninfo(layout.database_url)) as conn:
        orders = conn.execute(
            "SELECT id, number, appliance_id FROM work_order WHERE tenant_id = %s", (tenant,)
        ).fetchall()
        events = conn.execute(
            "SELECT id, work_order_id, action FROM work_order_event WHERE tenant_id = %s", (tenant,)
        ).fetchall()
        keys = conn.execute(
            "SELECT count(*), count(DISTINCT key) FROM idempotency_record WHERE tenant_id = %s", (tenant,)
        ).fetchone()
        surveys = dict(
            conn.execute("SELECT work_order_id, id FROM survey WHERE tenant_id = %s", (tenant,)).fetchall()
        )
        outbox = conn.execute(
            "SELECT id, channel, status, dedupe_key FROM outbox_message WHERE tenant_id = %s", (tenant,)
        ).fetchall()
        items = Counter(
            dict(
                conn.execute(
                    "SELECT outbox_message_id, count(*) FROM inbox_item WHERE tenant_id = %s "
                    "AND outbox_message_id IS NOT NULL GROUP BY outbox_message_id",
                    (tenant,),
                ).fetchall()
            )
        )
    by_id = {row[0]: row for row in orders}
    per_appliance = Counter(row[2] for row in orders)
    customer_of = {p.appliance_id: p for p in world.people}

    # orders: every acknowledged one there, once
    acked = tally.orders_acked.values()
    found = sum(
        1
        for oid, number, appliance in acked
        if oid in by_id and by_id[oid][1] == number and by_id[oid][2] == appliance
    )
    duplicated = sum(n - 1 for n in per_appliance.values() if n > 1)
    acked_ids = {oid for oid, _, _ in acked}

    # events: each acknowledged move recorded, none twice
    per_move = Counter((order_id, action) for _, order_id, action in events)
    creates_missing = sum(1 for oid in acked_ids if per_move[(oid, "create")] != 1)
    moves_missing = sum(1 for move in tally.moves_acked if per_move[move] < 1)
    seen_missing = sum(1 for move in tally.moves_seen_applied if per_move[move] < 1)
    double = sum(
        n - 1
        for (_, action), n in per_move.items()
        if n > 1 and action in ("create", "accept", "resolve-remote", "cancel")
    )

    # outbox: what the events call for exists, and everything written was delivered
    present = {row[3] for row in outbox}
    expected: list[str] = []
    for event_id, order_id, action in events:
        order = by_id.get(order_id)
        person = customer_of.get(order[2]) if order else None
        if person is None:
            continue
        if action in ("create", "accept", "cancel"):
            stem = f"wo-event:{event_id}"
            expected += [
                f"{stem}|inbox|customer:{person.customer_id}",
                f"{stem}|webhook|endpoint:{endpoint_id}",
            ]
        elif action == "resolve-remote":
            stem = f"survey.invite:{surveys.get(order_id)}"
            expected += [
                f"{stem}|sms|{address_in_key(Recipient('sms', person.phone))}",
                f"{stem}|inbox|customer:{person.customer_id}",
                f"{stem}|webhook|endpoint:{endpoint_id}",
            ]
    missing = [key for key in expected if key not in present]
    status = Counter(row[2] for row in outbox)
    by_channel = Counter(f"{row[1]}:{row[2]}" for row in outbox)
    stuck = sum(n for s, n in status.items() if s not in ("sent", "dead"))

    # effects: inbox items and webhook receipts
    inbox_rows = [row for row in outbox if row[1] == "inbox"]
    inbox = {
        "rows_sent": sum(1 for row in inbox_rows if row[2] == "sent"),
        "items": sum(items.values()),
        "sent_without_item": sum(1 for row in inbox_rows if row[2] == "sent" and items[row[0]] == 0),
        "item_without_sent_row": sum(1 for row in inbox_rows if row[2] != "sent" and items[row[0]] > 0),
        "rows_with_two_items": sum(1 for n in items.values() if n > 1),
    }
    hooks = {row[3]: row[2] for row in outbox if row[1] == "webhook"}
    webhook = {
        "rows_sent": sum(1 for s in hooks.values() if s == "sent"),
        "keys_received": len(receiver.applied),
        "receipts": sum(receiver.receipts.values()),
        "redeliveries": sum(receiver.receipts.values()) - len(receiver.receipts),
        "effects_applied": len(receiver.applied),
        "sent_not_received": sum(
            1 for key, s in hooks.items() if s == "sent" and key not in receiver.applied
        ),
        "received_not_sent": sum(1 for key in receiver.applied if hooks.get(key) != "sent"),
        "repeat_with_other_bytes": receiver.changed_bodies,
        "bad_signatures": receiver.bad_signatures,
    }

    # the job cut off mid-way
    final = {row[0]: row for row in outbox}
    cut = chaos.cut_off
    cut_sent = sum(1 for mid, _, _ in cut if final.get(mid, (0, 0, ""))[2] == "sent")
    cut_inbox_once = sum(1 for mid, channel, _ in cut if channel == "inbox" and items[mid] == 1)
    cut_hooks_once = sum(1 for _, channel, key in cut if channel == "webhook" and key in receiver.applied)
    held = receiver.held_key
    cut_off = {
        "rows_claimed_when_killed": len(cut),
        "by_channel": dict(Counter(channel for _, channel, _ in cut)),
        "sent_after_restart": cut_sent,
        "inbox_rows_with_one_item": cut_inbox_once,
        "webhook_rows_applied_once": cut_hooks_once,
        "held_delivery": held,
        "held_delivery_receipts": receiver.receipts.get(held, 0) if held else 0,
        "held_row_status": hooks.get(held) if held else None,
    }

    dropped_creates = tally.answers_dropped["create"]
    dropped_moves = sum(n for action, n in tally.answers_dropped.items() if action != "create")
    inbox_cut = sum(1 for _, channel, _ in cut if channel == "inbox")
    hooks_cut = sum(1 for _, channel, _ in cut if channel == "webhook")
    verdict = {
        "orders_acknowledged_all_there_once": (
            found == len(tally.orders_acked) and duplicated == 0 and keys[0] == keys[1]
        ),
        "moves_acknowledged_all_recorded_once": (
            creates_missing + moves_missing + seen_missing + double == 0
        ),
        "outbox_nothing_lost": not missing and stuck == 0 and status["dead"] == 0,
        "effects_once": (
            inbox["sent_without_item"] + inbox["item_without_sent_row"] + inbox["rows_with_two_items"] == 0
            and webhook["sent_not_received"] + webhook["received_not_sent"] == 0
            and webhook["repeat_with_other_bytes"] + webhook["bad_signatures"] == 0
        ),
        "cut_off_job_ran_again_effect_once": (
            bool(cut)
            and held is not None
            and cut_sent == len(cut)
            and cut_inbox_once == inbox_cut
            and cut_hooks_once == hooks_cut
            and cut_off["held_delivery_receipts"] >= 2
            and cut_off["held_row_status"] == "sent"
        ),
        "lost_answers_retried_applied_once": (
            tally.replayed >= dropped_creates and len(tally.moves_seen_applied) >= dropped_moves
        ),
        "every_fault_injected": not chaos.errors,
    }
    return {
        "orders": {
            "acknowledged": len(tally.orders_acked),
            "found": found,
            "duplicated": duplicated,
            "in_database": len(orders),
            "created_but_never_acknowledged": len({row[0] for row in orders} - acked_ids),
            "answers_dropped_by_the_client": dropped_creates,
            "acknowledged_as_replay_of_a_retry": tally.replayed,
            "given_up_unacknowledged": tally.orders_given_up,
            "idempotency_records": keys[0],
        },
        "events": {
            "in_database": len(events),
            "moves_acknowledged": len(tally.moves_acked),
            "move_answers_dropped_by_the_client": dropped_moves,
            "moves_answer_lost_then_seen_applied": len(tally.moves_seen_applied),
            "missing": creates_missing + moves_missing + seen_missing,
            "recorded_twice": double,
            "moves_given_up": tally.moves_given_up,
            "refused": dict(tally.moves_refused),
        },
        "outbox": {
            "created": len(outbox),
            "sent": status["sent"],
            "dead": status["dead"],
            "not_delivered": stuck,
            "expected_by_the_events": len(expected),
            "expected_missing": len(missing),
            "lost": len(missing) + stuck,
            "by_channel": dict(sorted(by_channel.items())),
        },
        "effects": {"inbox": inbox, "webhook": webhook},
        "delivery": {**delivery_passes(layout.database_url, tenant), "semantics": SEMANTICS},
        "cut_off_job": cut_off,
        "guarantees": verdict,
    }


# ------------------------------------------------------------------------------------------------ main


def machine(url: str) -> dict:
    with psycopg.connect(conninfo(url)) as conn:
        server = conn.execute("SHOW server_version").fetchone()[0]
        sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        fsync = conn.execute("SHOW fsync").fetchone()[0]
    return {
        "nproc": os.cpu_count(),
        "kernel": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "postgresql": server,
        "synchronous_commit": sync,
        "fsync": fsync,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def teardown(layout: Layout | None, keep: bool) -> None:
    """Standalone: stop what this script started, the cluster included, and flush its Redis database."""
    if layout is None:
        return
    for proc in [*layout.apis, *layout.workers]:
        proc.stop()
    if layout.postgres is not None:
        layout.postgres.stop()
    if layout.redis_url:
        import redis

        redis.Redis.from_url(layout.redis_url).flushdb()
    if layout.folder is not None and not keep:
        shutil.rmtree(layout.folder, ignore_errors=True)
    elif layout.folder is not None:
        log(f"kept {layout.folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="through a running layout: the proxy's address (needs --layout)")
    parser.add_argument("--layout", type=Path, help="the layout's JSON (written by deploy/up.sh)")
    parser.add_argument("--api", type=int, default=1, help="standalone: serve processes")
    parser.add_argument("--workers", type=int, default=2, help="standalone: worker processes")
    parser.add_argument(
        "--redis-url", default="redis://127.0.0.1:6379/11", help="standalone: flushed before and after"
    )
    parser.add_argument(
        "--lease-seconds",
        type=float,
        default=30.0,
        help="standalone: the workers' outbox lease (0: the product's 5 min)",
    )
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--rate", type=float, default=2.0, help="orders per second, all clients together")
    parser.add_argument(
        "--settle", type=float, default=12.0, help="seconds of load before, between and after the faults"
    )
    parser.add_argument(
        "--people", type=int, default=700, help="customers with an appliance (one order each at most)"
    )
    parser.add_argument(
        "--drop-every",
        type=int,
        default=10,
        help="the client loses the answer of every N-th write and retries it (0: never)",
    )
    parser.add_argument("--keep", action="store_true", help="standalone: keep the working folder (logs)")
    args = parser.parse_args()
    if args.base_url and not args.layout:
        parser.error("--base-url needs --layout: the database and the processes to inject faults into")
    run = secrets.token_hex(3)
    made: list[Layout] = []
    receiver = None
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    try:
        layout = from_file(args.layout, args.base_url) if args.layout else standalone(args, made)
        url = args.base_url.rstrip("/") if args.base_url else layout.base_urls[0]
        world = prepare(layout.database_url, args.people, run)
        log(f"tenant {world.slug}: {len(world.people)} customers with an appliance")
        before = machine(layout.database_url)
        admin = token_for(url, f"admin@{world.slug}")
        secret = secrets.token_hex(24)
        receiver = Receiver(secret)
        hook = httpx.post(
            f"{url}/api/v1/notifications/webhooks",
            json={
                "url": receiver.url,
                "events": ["*"],
                "secret": secret,
                "description": "durability receiver",
            },
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        )
        hook.raise_for_status()
        endpoint_id = hook.json()["id"]
        agent = token_for(url, f"agent@{world.slug}")

        stop = threading.Event()
        tally = Tally()
        chaos = Chaos(layout, receiver, world.tenant_id, stop, args.settle, tally)
        faults = threading.Thread(target=chaos.run, daemon=True)
        log(f"load: {args.clients} clients, {args.rate} orders/s, through {', '.join(layout.base_urls)}")
        load_start = time.monotonic()
        faults.start()
        asyncio.run(drive(layout, world, agent, args, run, stop, tally))
        faults.join()
        load_s = time.monotonic() - load_start
        log("load over; waiting for the outbox to drain")
        drained_s, _ = drain(layout, world.tenant_id)
        result = check(layout, world, tally, receiver, chaos, endpoint_id)
        verdict = result["guarantees"]
        ok = all(verdict.values()) and result["orders"]["acknowledged"] > 0
        report = {
            "benchmark": "durability",
            "mode": layout.mode,
            "started_utc": started,
            "through": layout.base_urls,
            "processes": {"api": [p.name for p in layout.apis], "workers": [w.name for w in layout.workers]},
            "outbox_lease_s": layout.lease_seconds,
            "machine": {**before, "load_average_end": [round(x, 2) for x in os.getloadavg()]},
            "load": {
                "clients": args.clients,
                "rate_orders_per_s": args.rate,
                "seconds": round(load_s, 1),
                "drain_seconds": round(drained_s, 1),
            },
            "faults": {"injected": len(chaos.faults), "list": chaos.faults, "errors": chaos.errors},
            "requests": {
                "sent": tally.requests,
                "retries": tally.retries,
                "failed_attempts": dict(tally.failures),
            },
            **result,
            "ok": ok,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if ok else 1
    finally:
        if receiver is not None:
            receiver.close()
        teardown(made[0] if made else None, args.keep)


if __name__ == "__main__":
    sys.exit(main())
