"""Stock reservations under contention: 16 clients racing for one hot part through the HTTP API on
PostgreSQL, reservations per second, and the proof that not one unit is oversold.

    .venv/bin/python benchmarks/stock.py [--clients 16] [--units 2000] [--rounds 20] [--last 3]
        [--workers 1,2]

1. Creates a scratch PostgreSQL database ``anxin_bench_stock_<timestamp>`` (dropped at the end), migrates
   it and prepares through the services: a tenant, a technician with a van (``warehouse`` of level van)
   and one order per client, walked through the real actions to ``on_site`` and assigned to that
   technician (an order's parts may be reserved from then on).
2. For each ``--workers`` value, starts the real server (``anxin serve --workers N``) on a loopback port.
   - **Throughput.** A new part with ``--units`` units on the van and nowhere else. The clients, each
     on its own keep-alive connection and its own order, reserve one unit per request
     (``POST /api/v1/work-orders/{id}/parts``) as fast as they are answered, until the part is gone:
     every client ends on a 409 ``insufficient_stock``. Reservations per second are the successes over
     the time from the first request to the last success; p50/p99 of the successful requests.
   - **The last units.** ``--rounds`` times, a new part with ``--last`` units; the clients are released
     together (a barrier) and each asks for one unit once: exactly ``--last`` must win.
3. The proof, from the database after each phase: the van's ``reserved`` equals the successes and never
   exceeds ``on_hand``, as many order lines and as much reserved in the ledger (``part_movement``) as
   successes, and every refusal a 409 ``insufficient_stock`` (no 5xx, no other code).

It prints one JSON object. Nothing here asserts on timings; ``proof.zero_oversell`` says whether every
check held. Traffic goes to 127.0.0.1 only; the load generator is the standard library's ``http.client``
(cheap per request: it shares the machine's cores with the server and PostgreSQL).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PG_ADMIN = os.environ.get("ANXIN_BENCH_PG", f"postgresql://postgres@{HOST}:5432/postgres")
PASSWORD = "bench-1234"
SLUG = "bench"


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class World:
    tenant_id: int
    model_id: int
    van_id: int
    orders: list[int]


def prepare(url: str, clients: int) -> World:
    """A tenant, a technician with a van and ``clients`` orders on site, through the services and actions."""
    from anxin import migrate, wiring
    from anxin.appliance import service as appliance_service
    from anxin.auth import service as auth_service
    from anxin.auth.models import Tenant
    from anxin.catalog import service as catalog_service
    from anxin.customer import service as customer_service
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.dispatch.matching import assignment
    from anxin.parts import warehouses
    from anxin.technician import service as technician_service
    from anxin.technician.models import Outlet, Technician
    from anxin.work_order import actions

    migrate.upgrade(sqlalchemy_url(url))
    wiring.wire()
    engine = make_engine(sqlalchemy_url(url))
    with transaction(make_sessionmaker(engine)) as db:
        tenant = Tenant(slug=SLUG, name="bench service", timezone="Asia/Shanghai")
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
            tenant_id=tenant.id, code="west", name="西湖网点", district="西湖区", lat=30.26, lng=120.13
        )
        db.add(outlet)
        db.flush()
        technician = Technician(
            tenant_id=tenant.id,
            outlet_id=outlet.id,
            name="王师傅",
            phone="13900000001",
            home_lat=30.26,
            home_lng=120.13,
            work_days=[1, 2, 3, 4, 5, 6, 7],
            shift_start="00:00",
            shift_end="23:59",
            break_start=None,
            break_end=None,
            daily_capacity=10_000,
        )
        technician_service.grant(technician, ["refrigerator"], level="senior")
        technician_service.certify(technician, "refrigerant", expires_on=date(2099, 12, 31))
        db.add(technician)
        db.flush()
        people = {}
        for role in ("agent", "dispatcher"):
            people[role] = auth_service.create_user(
                db, tenant_id=tenant.id, username=role, password=PASSWORD, role=role
            )
        people["technician"] = auth_service.create_user(
            db,
            tenant_id=tenant.id,
            username="tech01",
            password=PASSWORD,
            role="technician",
            technician_id=technician.id,
        )
        van = warehouses.create(
            db,
            tenant_id=tenant.id,
            code="VAN-1",
            name="王师傅车载库",
            level="van",
            technician_id=technician.id,
        )
        address = {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}
        orders = []
        for index in range(clients):
            customer, _ = customer_service.create_or_get(
                db,
                tenant_id=tenant.id,
                name="张三",
                phone=f"138{index:08d}",
                address=address | {"lat": 30.27, "lng": 120.12, "area_type": "urban"},
            )
            appliance = appliance_service.create(
                db,
                tenant_id=tenant.id,
                customer_id=customer.id,
                product_model_id=model.id,
                serial_number=f"SNBENCH{index:05d}",
                purchase_date=date(2025, 6, 1),
                purchase_channel="jd",
                install_date=None,
                address_id=customer.addresses[0].id,
            )
            intake = actions.Intake(
                customer_id=customer.id,
                appliance_id=appliance.id,
                service_type="repair",
                channel="hotline",
                fault_description="冰箱不制冷，冷藏室温度高",
            )
            order = actions.create_order(db, actor=people["agent"], intake=intake).order
            ctx = actions.Context()
            actions.perform(db, order=order, action="accept", actor=people["agent"], ctx=ctx)
            assignment.assign(
                db, order=order, technician=technician, actor=people["dispatcher"], ctx=ctx, override=True
            )
            for move in ("acknowledge", "depart", "arrive"):
                actions.perform(db, order=order, action=move, actor=people["technician"], ctx=ctx)
            orders.append(order.id)
        world = World(tenant.id, model.id, van.id, orders)
    engine.dispose()
    return world


def hot_part(url: str, world: World, code: str, units: int) -> int:
    """A new part that fits the model, with ``units`` on the van and nowhere else."""
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.parts import catalog, stock

    engine = make_engine(sqlalchemy_url(url))
    with transaction(make_sessionmaker(engine)) as db:
        part = catalog.create(
            db,
            tenant_id=world.tenant_id,
            code=code,
            name="热门温控器",
            list_price_fen=12000,
            product_model_ids=[world.model_id],
        )
        stock.put(db, tenant_id=world.tenant_id, warehouse_id=world.van_id, part_id=part.id, quantity=units)
        part_id = part.id
    engine.dispose()
    return part_id


# --------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """``anxin serve`` as a subprocess in its own process group, on a loopback port."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.port, self.log = free_port(), log
        env = dict(
            os.environ,
            ANXIN_DATABASE_URL=sqlalchemy_url(url),
            ANXIN_LOG_LEVEL="WARNING",
            ANXIN_SECRET_KEY=os.environ.get("ANXIN_SECRET_KEY") or secrets.token_urlsafe(48),
        )
        command = [
            str(BIN / "anxin"),
            "serve",
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text()[-3000:]}")
            try:
                status, _ = request("GET", "/healthz", port=self.port)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def request(method: str, path: str, *, port: int, body: bytes | None = None, headers: dict | None = None):
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def token(port: int) -> str:
    form = urllib.parse.urlencode({"username": f"tech01@{SLUG}", "password": PASSWORD}).encode()
    status, body = request(
        "POST",
        "/api/v1/auth/token",
        port=port,
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise RuntimeError(f"sign-in refused: {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


@dataclass
class Tally:
    successes: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    codes: Counter = field(default_factory=Counter)  # refusals: "409 insufficient_stock", "500", ...
    first: float = float("inf")
    last_success: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def reserve_once(
    connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict
) -> tuple[int, str]:
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status == 201:
        return 201, ""
    try:
        code = json.loads(payload)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        code = "?"
    return response.status, code


def race(port: int, auth: str, orders: list[int], part_id: int, *, until_gone: bool) -> Tally:
    """Each client on its own order and connection: one request (``until_gone`` False), or requests until
    the part is refused as gone."""
    tally = Tally()
    barrier = threading.Barrier(len(orders))
    body = json.dumps({"part_id": part_id, "quantity": 1}).encode()
    headers = {"Authorization": f"Bearer {auth}", "Content-Type": "application/json"}

    def client(order_id: int) -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=60)
        path = f"/api/v1/work-orders/{order_id}/parts"
        barrier.wait()
        try:
            while True:
                started = time.perf_counter()
                status, code = reserve_once(connection, path, body, headers)
                ended = time.perf_counter()
                with tally.lock:
                    tally.first = min(tally.first, started)
                    if status == 201:
                        tally.successes += 1
                        tally.latencies_ms.append((ended - started) * 1000)
                        tally.last_success = max(tally.last_success, ended)
                    else:
                        tally.codes[f"{status} {code}"] += 1
                if status != 201 or not until_gone:
                    return
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(order_id,)) for order_id in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def percentile(samples: list[float], share: float) -> float | None:
    if not samples:
        return None
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)


def ledger(url: str, van_id: int, part_id: int) -> dict:
    """What the database says of the part: the van's stock row, the order lines and the ledger."""
    with psycopg.connect(url) as conn:
        on_hand, reserved = conn.execute(
            "SELECT on_hand, reserved FROM part_stock WHERE warehouse_id = %s AND part_id = %s AND condition = 'good'",
            (van_id, part_id),
        ).fetchone()
        lines = conn.execute(
            "SELECT count(*) FROM work_order_part WHERE part_id = %s", (part_id,)
        ).fetchone()[0]
        moved = conn.execute(
            "SELECT coalesce(sum(reserved_delta), 0) FROM part_movement WHERE part_id = %s", (part_id,)
        ).fetchone()[0]
    return {"on_hand": on_hand, "reserved": reserved, "lines": lines, "ledger_reserved": int(moved)}


def check(tally: Tally, db: dict, units: int, *, expected: int) -> dict:
    refusals = dict(tally.codes)
    holds = {
        "successes_as_expected": tally.successes == expected,
        "reserved_equals_successes": db["reserved"] == tally.successes,
        "reserved_within_on_hand": db["reserved"] <= db["on_hand"] == units,
        "lines_and_ledger_agree": db["lines"] == db["ledger_reserved"] == tally.successes,
        "only_insufficient_stock_refusals": set(refusals) <= {"409 insufficient_stock"},
    }
    return {"holds": all(holds.values()), "checks": holds, "refusals": refusals, "database": db}


def machine(url: str) -> dict:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        isolation = conn.execute("SHOW default_transaction_isolation").fetchone()[0]
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    uname = platform.uname()
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "kernel": f"{uname.system} {uname.release} {uname.machine}",
        "python": platform.python_version(),
        "postgresql": version,
        "isolation": isolation,
        "loadavg_at_start": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--units", type=int, default=2000, help="units of the hot part in the throughput phase"
    )
    parser.add_argument("--rounds", type=int, default=20, help="races for the last units")
    parser.add_argument("--last", type=int, default=3, help="units left in each race for the last units")
    parser.add_argument("--workers", default="1,2", help="server worker processes; a comma list runs each")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    workers_list = [int(w) for w in args.workers.split(",") if w.strip()]

    stamp = datetime.now(UTC).strftime("%Y%m%d_%H%M%S")
    name = f"anxin_bench_stock_{stamp}"
    url = create_database(name)
    logdir = Path(tempfile.mkdtemp(prefix="anxin-bench-stock-"))
    out: dict = {"benchmark": "stock", "date": datetime.now(UTC).isoformat(timespec="seconds")}
    try:
        out["machine"] = machine(url)
        out["parameters"] = vars(args) | {"workers": workers_list}
        started = time.perf_counter()
        world = prepare(url, args.clients)
        out["setup_s"] = round(time.perf_counter() - started, 1)
        runs, proofs = {}, []
        for workers in workers_list:
            server = Server(url, workers, logdir / f"server-w{workers}.log")
            try:
                server.wait_ready()
                auth = token(server.port)
                part = hot_part(url, world, f"HOT-W{workers}", args.units)
                tally = race(server.port, auth, world.orders, part, until_gone=True)
                proof = check(tally, ledger(url, world.van_id, part), args.units, expected=args.units)
                wall = tally.last_success - tally.first
                throughput = {
                    "reservations": tally.successes,
                    "wall_s": round(wall, 3),
                    "reservations_per_s": round(tally.successes / wall, 1) if wall > 0 else None,
                    "p50_ms": percentile(tally.latencies_ms, 0.50),
                    "p99_ms": percentile(tally.latencies_ms, 0.99),
                    "proof": proof,
                }
                proofs.append(proof["holds"])
                last_units = {
                    "rounds": args.rounds,
                    "units": args.last,
                    "winners": Counter(),
                    "failed_rounds": [],
                }
                for round_index in range(args.rounds):
                    part = hot_part(url, world, f"LAST-W{workers}-{round_index}", args.last)
                    tally = race(server.port, auth, world.orders, part, until_gone=False)
                    proof = check(tally, ledger(url, world.van_id, part), args.last, expected=args.last)
                    last_units["winners"][tally.successes] += 1
                    proofs.append(proof["holds"])
                    if not proof["holds"]:
                        last_units["failed_rounds"].append(proof)
                last_units["winners"] = {str(k): v for k, v in sorted(last_units["winners"].items())}
                runs[str(workers)] = {"throughput": throughput, "last_units": last_units}
            finally:
                server.stop()
        out["runs"] = runs
        out["proof"] = {"zero_oversell": all(proofs), "checks": len(proofs)}
    finally:
        if not args.keep_db:
            drop_database(name)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
