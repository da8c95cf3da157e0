"""The MQTT path against a real broker (Mosquitto): a device publishes, the subscriber stores the reading
through the same checks as the HTTP batch. Runs when ``ANXIN_TEST_MQTT_URL`` names a broker (CI starts
Mosquitto and sets it); skipped otherwise, saying so."""

from __future__ import annotations

import json
import os
import queue
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from anxin import clock
from anxin.telemetry import keys
from anxin.telemetry.models import TelemetryReading
from anxin.telemetry.mqtt import Subscriber, handle, parse_broker
from tests.telemetry.support import serial

URL = os.environ.get("ANXIN_TEST_MQTT_URL")
WAIT = 20  # seconds at most for the broker's round trip (a bound, not a measured figure)


def _key(sessionmaker_, world) -> str:
    with sessionmaker_() as db, db.begin():
        from anxin.auth.models import User

        _, key = keys.create_key(db, actor=db.get(User, world.users["admin"].id), name="网关")
    return key


def _payload(world, key: str, minutes_ago: float = 1, **extra) -> dict:
    ts = (clock.now() - timedelta(minutes=minutes_ago)).isoformat()
    return {"key": key, "ts": ts, "metrics": {"fridge_temp_c": 3.5, "door_openings": 1200}, **extra}


def test_a_message_with_a_foreign_key_or_serial_is_not_stored(db, world, sessionmaker_):
    # (no broker needed: the handler the subscriber calls for each message)
    demo_key, acme_key = _key(sessionmaker_, world.demo), _key(sessionmaker_, world.acme)
    topic = f"anxin/demo/{serial(world.demo)}/telemetry"
    # acme's key on demo's topic: dropped
    assert handle(db, topic, json.dumps(_payload(world.demo, acme_key)).encode()) is None
    # no key, bad JSON, a wrong topic: dropped
    assert handle(db, topic, json.dumps(_payload(world.demo, "")).encode()) is None
    assert handle(db, topic, b"{not json") is None
    assert handle(db, "anxin/demo/telemetry", json.dumps(_payload(world.demo, demo_key)).encode()) is None
    # a reading naming a serial of another tenant (a gateway's batch names each reading's): unknown here
    outcome = handle(
        db, topic, json.dumps(_payload(world.demo, demo_key, serial=serial(world.acme))).encode()
    )
    assert outcome.accepted == 0 and outcome.rejected[0]["reason"] == "unknown_device"
    # a batch in one message, the topic's serial filled in
    batch = {"key": demo_key, "readings": [_payload(world.demo, demo_key, m) for m in (3, 2)]}
    outcome = handle(db, topic, json.dumps(batch).encode())
    assert outcome.accepted == 2
    assert db.scalar(select(TelemetryReading.tenant_id).limit(1)) == world.demo.tenant.id


@pytest.mark.skipif(not URL, reason="ANXIN_TEST_MQTT_URL is not set: no MQTT broker to publish to")
def test_a_reading_published_to_the_broker_is_stored(world, sessionmaker_):
    import paho.mqtt.client as mqtt

    broker = parse_broker(URL)
    key = _key(sessionmaker_, world.demo)
    topic = f"anxin/demo/{serial(world.demo)}/telemetry"
    # given the subscriber, connected and subscribed
    subscriber = Subscriber(broker, sessionmaker_, client_id=f"anxin-test-{uuid.uuid4().hex[:8]}")
    subscriber.start()
    acks: queue.Queue = queue.Queue()
    device = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"device-{uuid.uuid4().hex[:8]}")
    device.on_message = lambda client, userdata, message: acks.put(json.loads(message.payload))
    try:
        assert subscriber.subscribed.wait(WAIT), "the subscriber did not subscribe"
        device.connect(broker.host, broker.port)
        device.loop_start()
        device.subscribe(topic + "/ack", qos=1)
        # when a device publishes a reading, and one out of range
        device.publish(topic, json.dumps(_payload(world.demo, key)), qos=1).wait_for_publish(WAIT)
        bad = _payload(world.demo, key, 2) | {"metrics": {"fridge_temp_c": 99.0}}
        device.publish(topic, json.dumps(bad), qos=1).wait_for_publish(WAIT)
        # then the ack of each says what was stored and what refused
        first, second = acks.get(timeout=WAIT), acks.get(timeout=WAIT)
    finally:
        device.loop_stop()
        device.disconnect()
        subscriber.stop()
    assert (first["accepted"], second["accepted"]) == (1, 0)
    assert second["rejected"][0]["reason"] == "out_of_range"
    # and the reading is in the database, under the demo tenant's refrigerator
    with sessionmaker_() as db:
        stored = db.scalars(select(TelemetryReading)).all()
    assert [(r.appliance_id, r.metrics["door_openings"]) for r in stored] == [(world.demo.appliance_id, 1200)]
