"""Telemetry ingest: readings per second through the HTTP batch path into PostgreSQL, against a raw
``COPY`` into the same table, in one run; the MQTT path beside them.

    .venv/bin/python benchmarks/telemetry_ingest.py [--devices 5000] [--batches 60] [--batch 5000]
                                                    [--clients 2] [--mqtt mqtt://127.0.0.1:1883]

1. Creates a scratch PostgreSQL database ``anxin_telemetry_bench_<timestamp>`` (dropped at the end),
   migrated with ``anxin.migrate.upgrade`` (``telemetry_reading`` partitioned by month), with one tenant,
   ``--devices`` air conditioners and an ingest key.
2. Prepares ``--batches`` request bodies of ``--batch`` readings each (every device one reading per
   step, eight metrics each, all within range), encoded before the clock starts.
3. HTTP: starts the real server (``anxin serve``, one worker) on a loopback port and posts the bodies
   with ``X-Api-Key`` from ``--clients`` threads, each on its own keep-alive connection; the rate is
   readings accepted (checked: every reading of every batch) over the wall time.
4. COPY: the same number of readings (other instants, so nothing conflicts), sent with psycopg's
   ``COPY telemetry_reading … FROM STDIN`` in the same batch sizes, one transaction each.
5. MQTT (when ``--mqtt`` names a broker): ``anxin telemetry mqtt`` as a subprocess, messages of
   ``--mqtt-batch`` readings published at QoS 1, the rate taken until every reading is in the table.

Prints one JSON object. Nothing asserts on timings; the ``goals`` booleans only report. Traffic goes to
127.0.0.1 only; every loop is bounded by the counts given.
"""

from __future__ import annotations

import argparse
import hashlib
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PG_ADMIN = os.environ.get("ANXIN_BENCH_PG", f"postgresql://postgres@{HOST}:5432/postgres")
SLUG = "bench"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=20)


def sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def prepare(url: str, devices: int) -> tuple[int, str]:
    """Tenant, ``devices`` air conditioners (serials AC000000 …) and an ingest key; (tenant id, key)."""
    from sqlalchemy import insert

    from anxin import migrate
    from anxin.appliance.models import Appliance
    from anxin.auth.models import Tenant
    from anxin.catalog import service as catalog_service
    from anxin.customer import service as customer_service
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.telemetry import rules
    from anxin.telemetry.models import TelemetryKey

    migrate.upgrade(sqlalchemy_url(url))
    engine = make_engine(sqlalchemy_url(url))
    key = "axt_" + secrets.token_urlsafe(32)
    with transaction(make_sessionmaker(engine)) as db:
        tenant = Tenant(slug=SLUG, name="bench service", timezone="Asia/Shanghai")
        db.add(tenant)
        db.flush()
        catalog_service.ensure_categories(db, tenant_id=tenant.id)
        brand = catalog_service.create_brand(
            db, tenant_id=tenant.id, code="gree", name_zh="格力", name_en="Gree"
        )
        model = catalog_service.create_product_model(
            db,
            tenant_id=tenant.id,
            brand_id=brand.id,
            category_code="air_conditioner",
            model_code="KFR-35",
            name="挂机",
            warranty_months=36,
            key_part_months={},
        )
        customer, _ = customer_service.create_or_get(
            db,
            tenant_id=tenant.id,
            name="王五",
            phone="13900000000",
            address={
                "province": "浙江省",
                "city": "杭州市",
                "district": "西湖区",
                "detail": "1 号",
                "lat": 30.27,
                "lng": 120.12,
                "area_type": "urban",
            },
        )
        db.execute(
            insert(Appliance),
            [
                {
                    "tenant_id": tenant.id,
                    "customer_id": customer.id,
                    "product_model_id": model.id,
                    "serial_number": f"AC{i:06d}",
                    "purchase_date": START.date(),
                    "purchase_channel": "jd",
                }
                for i in range(devices)
            ],
        )
        db.add(
            TelemetryKey(
                tenant_id=tenant.id,
                name="bench",
                prefix=key[:12],
                key_hash=hashlib.sha256(key.encode()).hexdigest(),
            )
        )
        tenant_id = tenant.id
        rules.ensure_defaults(db, tenant_id=tenant_id)  # evaluated on the way in (the readings break none)
    engine.dispose()
    return tenant_id, key


def metrics(i: int, step: int) -> dict[str, float]:
    return {
        "indoor_temp_c": 24.0 + (i % 7) * 0.5,
        "outdoor_temp_c": 33.5 - (step % 5),
        "coil_temp_c": 8.5,
        "high_pressure_mpa": 2.6,
        "low_pressure_mpa": 0.82,
        "compressor_current_a": 6.5 + (i % 3) * 0.1,
        "run_hours": 1200 + step,
        "power_w": 980.0,
    }


def readings(devices: int, count: int, batch: int, offset_steps: int) -> list[list[dict]]:
    """``count`` readings in batches: device after device, one step (a minute) at a time."""
    batches, current = [], []
    for n in range(count):
        step, i = divmod(n, devices)
        ts = START + timedelta(minutes=offset_steps + step)
        current.append({"serial": f"AC{i:06d}", "ts": ts.isoformat(), "metrics": metrics(i, step)})
        if len(current) == batch:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        env = dict(
            os.environ,
            ANXIN_DATABASE_URL=sqlalchemy_url(url),
            ANXIN_LOG_LEVEL="WARNING",
            ANXIN_SECRET_KEY=secrets.token_urlsafe(48),
        )
        self.log = log
        self.process = subprocess.Popen(
            [
                str(BIN / "anxin"),
                "serve",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--sweep-every",
                "0",
            ],
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
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server not ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def http_phase(port: int, key: str, bodies: list[bytes], clients: int) -> dict:
    """Post ``bodies`` from ``clients`` threads; the readings accepted, rejected and the wall time."""
    lock = threading.Lock()
    queue = list(reversed(bodies))
    totals = {"accepted": 0, "duplicates": 0, "rejected": 0, "errors": 0}
    latencies: list[float] = []

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        headers = {"Content-Type": "application/json", "X-Api-Key": key}
        while True:
            with lock:
                if not queue:
                    break
                body = queue.pop()
            began = time.perf_counter()
            conn.request("POST", "/api/v1/telemetry", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                if response.status != 200:
                    totals["errors"] += 1
                    continue
                result = json.loads(answer)
                totals["accepted"] += result["accepted"]
                totals["duplicates"] += result["duplicates"]
                totals["rejected"] += len(result["rejected"])
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        **totals,
        "seconds": round(wall, 3),
        "readings_per_s": round(totals["accepted"] / wall),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000, 1),
        "batch_max_ms": round(latencies[-1] * 1000, 1),
    }


def copy_phase(url: str, tenant_id: int, batches: list[list[dict]]) -> dict:
    """The same readings (other instants) with COPY, one transaction per batch; the appliance ids are
    resolved once before the clock starts (COPY checks nothing)."""
    with psycopg.connect(url) as conn:
        ids = dict(
            conn.execute(
                "SELECT serial_number, id FROM appliance WHERE tenant_id = %s", (tenant_id,)
            ).fetchall()
        )
        rows = [
            [(ids[r["serial"]], datetime.fromisoformat(r["ts"]), json.dumps(r["metrics"])) for r in batch]
            for batch in batches
        ]
        received = datetime.now(UTC)
        count = 0
        began = time.perf_counter()
        for batch in rows:
            with (
                conn.transaction(),
                conn.cursor() as cur,
                cur.copy(
                    "COPY telemetry_reading (tenant_id, appliance_id, ts, metrics, received_at) FROM STDIN"
                ) as copy,
            ):
                for appliance_id, ts, metrics_json in batch:
                    copy.write_row((tenant_id, appliance_id, ts, metrics_json, received))
                    count += 1
        wall = time.perf_counter() - began
    return {"readings": count, "seconds": round(wall, 3), "readings_per_s": round(count / wall)}


def mqtt_phase(url: str, broker: str, key: str, batches: list[list[dict]], log: Path) -> dict:
    import paho.mqtt.client as mqtt

    from anxin.telemetry.mqtt import parse_broker

    where = parse_broker(broker)
    env = dict(os.environ, ANXIN_DATABASE_URL=sqlalchemy_url(url), ANXIN_LOG_LEVEL="WARNING")
    subscriber = subprocess.Popen(
        [str(BIN / "anxin"), "telemetry", "mqtt", "--broker", broker, "--client-id", f"bench-{os.getpid()}"],
        env=env,
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60  # until it has subscribed (it says so), else messages are lost
        while "subscribed\n" not in log.read_text() and time.monotonic() < deadline:
            if subscriber.poll() is not None:
                raise RuntimeError(f"subscriber exited:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        with psycopg.connect(url, autocommit=True) as conn:
            before = conn.execute("SELECT count(*) FROM telemetry_reading").fetchone()[0]
            device = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"bench-device-{os.getpid()}")
            device.max_inflight_messages_set(100)
            device.connect(where.host, where.port)
            device.loop_start()
            total = sum(len(b) for b in batches)
            payloads = [json.dumps({"key": key, "readings": batch}) for batch in batches]
            began = time.perf_counter()
            infos = [device.publish(f"anxin/{SLUG}/gateway/telemetry", p, qos=1) for p in payloads]
            for info in infos:
                info.wait_for_publish(60)
            stored = 0
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                stored = conn.execute("SELECT count(*) FROM telemetry_reading").fetchone()[0] - before
                if stored >= total:
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - began
            device.loop_stop()
            device.disconnect()
        return {
            "readings": total,
            "stored": stored,
            "messages": len(payloads),
            "seconds": round(wall, 3),
            "readings_per_s": round(stored / wall),
        }
    finally:
        subscriber.send_signal(signal.SIGINT)
        try:
            subscriber.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(subscriber.pid, signal.SIGKILL)
            subscriber.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=5000)
    parser.add_argument("--batches", type=int, default=75)
    parser.add_argument(
        "--batch", type=int, default=4000, help="readings per request (8 metrics: 4000 fit in 1 MiB)"
    )
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--mqtt", default="", help="a broker URL to measure the MQTT path too")
    parser.add_argument("--mqtt-readings", type=int, default=50_000)
    parser.add_argument("--mqtt-batch", type=int, default=100)
    args = parser.parse_args()

    name = f"anxin_telemetry_bench_{int(time.time())}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    logs = Path(tempfile.mkdtemp(prefix="telemetry-bench-"))
    result: dict = {
        "benchmark": "telemetry_ingest",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "devices": args.devices,
        "batch": args.batch,
        "clients": args.clients,
    }
    try:
        tenant_id, key = prepare(url, args.devices)
        count = args.batches * args.batch
        http_batches = readings(args.devices, count, args.batch, offset_steps=0)
        bodies = [json.dumps({"readings": b}, separators=(",", ":")).encode() for b in http_batches]
        result["body_kib"] = round(len(bodies[0]) / 1024, 1)
        server = Server(url, logs / "server.log")
        try:
            server.wait_ready()
            http_phase(server.port, key, bodies[:2], 1)  # warm-up: the two first bodies (stored once)
            result["http"] = http_phase(server.port, key, bodies[2:], args.clients)
            result["http_replay"] = http_phase(server.port, key, bodies[2:12], args.clients)  # all duplicates
        finally:
            server.stop()
        steps = count // args.devices + 10
        result["copy"] = copy_phase(
            url, tenant_id, readings(args.devices, count - 2 * args.batch, args.batch, steps)[:]
        )
        if args.mqtt:
            mqtt_batches = readings(args.devices, args.mqtt_readings, args.mqtt_batch, 2 * steps)
            result["mqtt"] = mqtt_phase(url, args.mqtt, key, mqtt_batches, logs / "mqtt.log")
        http_rate, copy_rate = result["http"]["readings_per_s"], result["copy"]["readings_per_s"]
        result["http_share_of_copy"] = round(http_rate / copy_rate, 3)
        result["goals"] = {
            "http_50k_per_s": http_rate >= 50_000,
            "http_third_of_copy": http_rate * 3 >= copy_rate,
        }
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
