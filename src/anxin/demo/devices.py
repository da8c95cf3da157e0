"""Simulated devices for ``anxin demo``: a share of the demo city's connected appliances report live, a
few of them with a fault developing, so that a newcomer watches the rules fire, alerts open and the
tenant's policy turn one into a proactive order.

How it reports: when an MQTT broker answers (``ANXIN_DEMO_MQTT_URL``, ``mqtt://127.0.0.1:1883`` by
default), the demo runs the platform's subscriber (``telemetry.mqtt.Subscriber``, what
``anxin telemetry mqtt`` runs) in its own process, and each device publishes its readings on
``anxin/{tenant}/{serial}/telemetry``; otherwise the devices post them to the app's own
``POST /api/v1/telemetry`` through the guarded client (``anxin.outbound``, with the loopback network
allowed for this call only). Either way the readings go through the one ingest path, checked and rules
evaluated as any device's. The devices hold an ingest key of their own, made at start by the tenant's
admin (``演示设备模拟器``; the previous one of that name is revoked).

What they report: each device starts from its last stored reading and wanders a little around it; the
counters grow. At start each sends the last ``BACKLOG_MINUTES`` of its buffer (a gateway uploading what it
kept while offline: late readings are accepted), then one reading every ``TICK_SECONDS``. ``FAULTS``
lists the developing faults: an air conditioner's high-side pressure past the default rule's 4.2 MPa for
its 30 minutes a few minutes after start, a washing machine draining slower and slower, a water heater's
leakage current rising. Every ``SCORE_MINUTES`` the readings are rolled up by the hour and, when
``anxin seed --demo`` saved the tenant's failure model, every connected appliance is scored again."""

from __future__ import annotations

import json
import os
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from anxin import clock, outbound
from anxin.appliance.models import Appliance
from anxin.auth.models import Tenant, User
from anxin.auth.roles import Role
from anxin.database import transaction
from anxin.telemetry import keys, pdm, storage
from anxin.telemetry.ingest import devices as known_devices
from anxin.telemetry.metrics import metrics_of
from anxin.telemetry.models import TelemetryKey, TelemetryReading

log = structlog.get_logger("anxin.demo.devices")

KEY_NAME = "演示设备模拟器"
SIMULATED = 24
TICK_SECONDS = 10.0
BACKLOG_MINUTES = 60
SCORE_MINUTES = 5
DEFAULT_BROKER = "mqtt://127.0.0.1:1883"


@dataclass(frozen=True)
class Fault:
    """A value that moves from ``start`` by ``per_minute`` from ``onset`` minutes after the simulator
    starts (negative: before it, inside the backlog) up to ``ceiling``."""

    category: str
    metric: str
    onset: float
    start: float
    per_minute: float
    ceiling: float

    def value(self, minutes: float) -> float | None:
        """The value ``minutes`` after the start; None before the onset (the device's own value)."""
        if minutes < self.onset:
            return None
        return round(min(self.start + (minutes - self.onset) * self.per_minute, self.ceiling), 2)


FAULTS = (
    # past 4.2 MPa at about 27 minutes before the start: held 30 minutes, the rule fires about 3 minutes in
    Fault("air_conditioner", "high_pressure_mpa", onset=-50, start=1.9, per_minute=0.1, ceiling=4.8),
    # past 300 s about 1 minute in: the slow-drain rule fires at once
    Fault("washing_machine", "drain_seconds", onset=-4, start=110, per_minute=40, ceiling=900),
    # past 10 mA about 5 minutes in: the leakage rule fires at once
    Fault("water_heater", "leakage_current_ma", onset=0, start=0.6, per_minute=2, ceiling=18),
)


@dataclass
class Device:
    serial: str
    appliance_id: int
    category: str
    last: dict[str, float]
    fault: Fault | None = None

    def reading(self, at: datetime, minutes: float, rng: random.Random) -> dict:
        metrics = {}
        for metric in metrics_of(self.category):
            base = self.last.get(metric.name)
            if base is None:
                continue
            if metric.counter:
                value = base + max(minutes, 0) / 60 if metric.name.endswith("hours") else base
            else:
                value = base * (1 + rng.uniform(-0.02, 0.02))
            if self.fault is not None and self.fault.metric == metric.name:
                value = self.fault.value(minutes) or value
            metrics[metric.name] = round(min(max(value, metric.low), metric.high), 2)
        return {"serial": self.serial, "ts": at.isoformat(), "metrics": metrics}


@dataclass
class Fleet:
    tenant_slug: str
    tenant_id: int
    key: str
    devices: list[Device] = field(default_factory=list)


def _last_readings(db: Session, *, tenant_id: int) -> dict[int, dict[str, float]]:
    latest = (
        select(TelemetryReading.appliance_id, func.max(TelemetryReading.ts).label("ts"))
        .where(TelemetryReading.tenant_id == tenant_id)
        .group_by(TelemetryReading.appliance_id)
        .subquery()
    )
    rows = db.execute(
        select(TelemetryReading.appliance_id, TelemetryReading.metrics).join(
            latest,
            (latest.c.appliance_id == TelemetryReading.appliance_id) & (latest.c.ts == TelemetryReading.ts),
        )
    )
    return {appliance_id: dict(metrics or {}) for appliance_id, metrics in rows}


def prepare(db: Session, *, tenant_slug: str = "demo", size: int = SIMULATED) -> Fleet | None:
    """The fleet: ``size`` of the tenant's connected appliances (one per fault first) and a fresh key."""
    tenant = db.scalar(select(Tenant).where(Tenant.slug == tenant_slug))
    if tenant is None:
        return None
    admin = db.scalar(
        select(User).where(User.tenant_id == tenant.id, User.role == Role.ADMIN).order_by(User.id).limit(1)
    )
    if admin is None:
        return None
    last = _last_readings(db, tenant_id=tenant.id)
    if not last:
        return None
    serials = dict(
        db.execute(select(Appliance.id, Appliance.serial_number).where(Appliance.id.in_(list(last)))).all()
    )
    found = known_devices(db, tenant_id=tenant.id, serials=set(serials.values()))
    pool = sorted(found.values(), key=lambda d: d.appliance_id)
    by_id = {device.appliance_id: serial for serial, device in found.items()}
    chosen: list[Device] = []
    for fault in FAULTS:
        match = next((d for d in pool if d.category == fault.category), None)
        if match is not None:
            pool.remove(match)
            chosen.append(
                Device(
                    by_id[match.appliance_id],
                    match.appliance_id,
                    match.category,
                    last[match.appliance_id],
                    fault,
                )
            )
    for device in pool[: max(size - len(chosen), 0)]:
        chosen.append(
            Device(
                by_id[device.appliance_id], device.appliance_id, device.category, last[device.appliance_id]
            )
        )
    for row in db.scalars(
        select(TelemetryKey).where(
            TelemetryKey.tenant_id == tenant.id,
            TelemetryKey.name == KEY_NAME,
            TelemetryKey.revoked_at.is_(None),
        )
    ):
        keys.revoke_key(db, actor=admin, key_id=row.id)
    _, key = keys.create_key(db, actor=admin, name=KEY_NAME)
    return Fleet(tenant_slug=tenant_slug, tenant_id=tenant.id, key=key, devices=chosen)


def broker_url() -> str:
    return os.environ.get("ANXIN_DEMO_MQTT_URL", DEFAULT_BROKER)


def reachable(url: str, timeout: float = 1.0) -> bool:
    from anxin.telemetry.mqtt import parse_broker

    broker = parse_broker(url)
    try:
        with socket.create_connection((broker.host, broker.port), timeout=timeout):
            return True
    except OSError:
        return False


class Simulator:
    """Publishes the fleet's readings until ``stop`` is set; MQTT when ``broker`` is given, else HTTP."""

    def __init__(
        self,
        fleet: Fleet,
        sessions: sessionmaker[Session],
        *,
        broker: str | None,
        base_url: str,
        tick_seconds: float = TICK_SECONDS,
        seed: int = 7,
    ) -> None:
        self.fleet = fleet
        self.sessions = sessions
        self.base_url = base_url
        self.tick_seconds = tick_seconds
        self.rng = random.Random(seed)
        self.started = clock.now()
        self.stop = threading.Event()
        self.sent = 0
        self.client = None
        if broker is not None:
            import paho.mqtt.client as mqtt

            from anxin.telemetry.mqtt import parse_broker

            parsed = parse_broker(broker)
            self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="anxin-demo-devices")
            if parsed.username:
                self.client.username_pw_set(parsed.username, parsed.password)
            self.client.connect(parsed.host, parsed.port, keepalive=30)
            self.client.loop_start()

    @property
    def transport(self) -> str:
        return "MQTT" if self.client is not None else "HTTP"

    def _send(self, device: Device, readings: list[dict]) -> None:
        if self.client is not None:
            topic = f"anxin/{self.fleet.tenant_slug}/{device.serial}/telemetry"
            self.client.publish(topic, json.dumps({"key": self.fleet.key, "readings": readings}), qos=1)
        else:
            outbound.post(
                f"{self.base_url}/api/v1/telemetry",
                content=json.dumps({"readings": readings}).encode(),
                headers={"X-Api-Key": self.fleet.key, "Content-Type": "application/json"},
                timeout=10,
                allowed_networks=("127.0.0.0/8", "::1/128"),
            )
        self.sent += len(readings)

    def backlog(self) -> None:
        """The last ``BACKLOG_MINUTES`` of each device's buffer, a reading a minute."""
        for device in self.fleet.devices:
            readings = [
                device.reading(self.started - timedelta(minutes=m), -m, self.rng)
                for m in range(BACKLOG_MINUTES, 0, -1)
            ]
            self._send(device, readings)

    def tick(self) -> None:
        at = clock.now()
        minutes = (at - self.started).total_seconds() / 60
        for device in self.fleet.devices:
            self._send(device, [device.reading(at, minutes, self.rng)])

    def rescore(self) -> None:
        """Roll the recent hours up and score the tenant again when its model was saved."""
        at = clock.now()
        with transaction(self.sessions) as db:
            storage.rollup(db, since=at - timedelta(hours=2), until=at)
        path = pdm.model_path(self.fleet.tenant_slug)
        if not path.exists():
            return
        with transaction(self.sessions) as db:
            scored = pdm.score(db, tenant_id=self.fleet.tenant_id, bundle=pdm.load(path))
        log.info("demo.devices.scored", scored=scored.scored, alerts=scored.alerts_opened)

    def run(self) -> None:
        try:
            self.backlog()
        except outbound.OutboundError as exc:
            log.warning("demo.devices.unsent", reason=str(exc))
        last_score = time.monotonic()
        while not self.stop.wait(self.tick_seconds):
            try:
                self.tick()
                if time.monotonic() - last_score >= SCORE_MINUTES * 60:
                    last_score = time.monotonic()
                    self.rescore()
            except Exception:  # the demo's devices never stop the demo
                log.exception("demo.devices.failed")
        if self.client is not None:
            self.client.loop_stop()
            self.client.disconnect()


def start(database_url: str, *, base_url: str) -> str:
    """Start the demo's devices (and the MQTT subscriber when a broker answers) in daemon threads; a line
    saying what runs."""
    from anxin.database import make_engine, make_sessionmaker
    from anxin.telemetry.mqtt import Subscriber, parse_broker

    sessions = make_sessionmaker(make_engine(database_url))
    with transaction(sessions) as db:
        fleet = prepare(db)
    if fleet is None:
        return "simulated devices: none (the demo tenant has no telemetry)"
    url = broker_url()
    broker = url if reachable(url) else None
    if broker is not None:
        subscriber = Subscriber(parse_broker(broker), sessions, client_id="anxin-demo-subscriber")
        subscriber.start()
        subscriber.subscribed.wait(5)
    simulator = Simulator(fleet, sessions, broker=broker, base_url=base_url)
    if broker is None:  # the app must answer before the devices post to it
        threading.Thread(
            target=_when_up, args=(base_url, simulator), daemon=True, name="demo-devices"
        ).start()
    else:
        threading.Thread(target=simulator.run, daemon=True, name="demo-devices").start()
    faults = ", ".join(f"{f.category}:{f.metric}" for f in FAULTS)
    where = f"over MQTT via {broker}" if broker else f"over HTTP to {base_url} (no MQTT broker at {url})"
    return f"simulated devices: {len(fleet.devices)} report every {TICK_SECONDS:.0f} s {where}; faults developing: {faults}"


def _when_up(base_url: str, simulator: Simulator) -> None:
    for _ in range(120):
        try:
            outbound.get(f"{base_url}/healthz", timeout=2, allowed_networks=("127.0.0.0/8", "::1/128"))
            break
        except outbound.OutboundError:
            time.sleep(1)
    simulator.run()
