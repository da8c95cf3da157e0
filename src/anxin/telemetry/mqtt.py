"""The MQTT transport: a subscriber feeding the one ingest path (``ingest.ingest``).

Topic ``anxin/{tenant}/{serial}/telemetry`` (``tenant`` is the tenant's slug). The payload is a JSON
object: one reading (``{"ts", "metrics", "error_code"?}``) or a batch (``{"readings": [...]}``), and the
tenant's ingest key in ``"key"``.

How a device is authenticated: by the tenant's ingest key in the payload, checked exactly as the HTTP
route checks ``X-Api-Key`` (hash lookup, revoked keys refused), and the key's tenant must be the topic's.
The broker's own authentication and ACLs (Mosquitto's ``password_file``/``acl_file``, EMQX's) should
still restrict who may publish under ``anxin/{tenant}/#``; the key in the payload makes the platform safe
even behind a broker left open, and needs no broker plugin. The topic's serial fills a reading's
``serial`` when the reading has none; a gateway or brand cloud publishing for many devices names each
reading's serial (the key already bounds it to the tenant's appliances).

Each message is one transaction. The outcome (accepted, duplicates, rejected) is published back, after
the commit, on ``anxin/{tenant}/{serial}/telemetry/ack`` at QoS 0, so a device can see what was refused
and why; a message with a bad key or an unknown tenant is logged and dropped (no ack: nothing tells a
prober which part was wrong)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anxin.auth.models import Tenant
from anxin.database import transaction
from anxin.exceptions import AnxinError
from anxin.telemetry import keys
from anxin.telemetry.ingest import Outcome, ingest

log = structlog.get_logger("anxin.telemetry.mqtt")

TOPIC = "anxin/+/+/telemetry"


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_broker(url: str) -> Broker:
    """``mqtt://[user:password@]host[:port]`` (``mqtts://`` for TLS, port 8883 by default)."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp") or not parts.hostname:
        raise ValueError(f"not an MQTT broker URL: {url!r} (mqtt://host:1883)")
    tls = parts.scheme == "mqtts"
    return Broker(parts.hostname, parts.port or (8883 if tls else 1883), parts.username, parts.password, tls)


def handle(db: Session, topic: str, payload: bytes) -> Outcome | None:
    """Check and store one message; None when it is dropped (bad topic, JSON, tenant or key)."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "anxin" or parts[3] != "telemetry" or not parts[2]:
        return None
    slug, serial = parts[1], parts[2]
    try:
        message = json.loads(payload)
    except ValueError:
        log.info("telemetry.mqtt.malformed", topic=topic)
        return None
    if not isinstance(message, dict):
        return None
    tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    key_tenant = keys.tenant_of(db, message.get("key") if isinstance(message.get("key"), str) else None)
    if tenant_id is None or key_tenant != tenant_id:
        log.info("telemetry.mqtt.refused", topic=topic, reason="bad_ingest_key")
        return None
    readings = message.get("readings") if "readings" in message else [message]
    if isinstance(readings, list):
        readings = [_with_serial(reading, serial) for reading in readings]
    try:
        return ingest(db, tenant_id=tenant_id, payload={"readings": readings})
    except AnxinError as exc:  # the batch as a whole: too large, malformed
        log.info("telemetry.mqtt.refused", topic=topic, reason=exc.code)
        return None


def _with_serial(reading: Any, serial: str) -> Any:
    if not isinstance(reading, dict):
        return reading
    return reading if "serial" in reading else {**reading, "serial": serial}


class Subscriber:
    """A paho-mqtt client subscribed to every tenant's telemetry topic, storing each message through
    ``handle`` in a transaction of its own."""

    def __init__(
        self,
        broker: Broker,
        sessions: sessionmaker[Session],
        *,
        client_id: str = "anxin-telemetry",
        on_ready: Callable[[], None] | None = None,
    ) -> None:
        import paho.mqtt.client as mqtt

        self.broker = broker
        self.sessions = sessions
        self.handled = 0
        self.subscribed = threading.Event()
        self.on_ready = on_ready
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.tls:
            self.client.tls_set()
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            log.warning("telemetry.mqtt.connect_failed", reason=str(reason_code))
            return
        client.subscribe(TOPIC, qos=1)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        self.subscribed.set()
        if self.on_ready is not None:
            self.on_ready()

    def _on_message(self, client, userdata, message) -> None:
        try:
            with transaction(self.sessions) as db:
                outcome = handle(db, message.topic, message.payload)
        except Exception:  # one bad message never stops the subscriber
            log.exception("telemetry.mqtt.failed", topic=message.topic)
            return
        self.handled += 1
        if outcome is not None:
            client.publish(message.topic + "/ack", json.dumps(outcome.as_dict(), ensure_ascii=False), qos=0)

    def start(self) -> None:
        """Connect and handle messages in paho's own thread (tests, the demo)."""
        self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()

    def run_forever(self) -> None:
        """Connect and handle messages until interrupted (``anxin telemetry mqtt``); reconnects by itself."""
        self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        self.client.loop_forever(retry_first_connection=True)
