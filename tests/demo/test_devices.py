"""The demo's connected appliances: the city's telemetry past trains a failure model that scores the
connected appliances (the two with a fault developing are caught), and the simulated devices of
``anxin demo`` report through the one ingest path, over HTTP (the guarded client) and over MQTT against
the real broker when ``ANXIN_TEST_MQTT_URL`` names one, their developing faults firing the default rules."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin import clock, outbound
from anxin.database import make_sessionmaker
from anxin.demo import devices
from anxin.demo.telemetry_history import SIGNATURE
from anxin.telemetry.models import TelemetryAlert, TelemetryKey, TelemetryReading
from anxin.telemetry.pdm_models import PdmScore
from tests.conftest import _empty
from tests.demo_city import ANCHOR

MQTT = os.environ.get("ANXIN_TEST_MQTT_URL")


@pytest.fixture(scope="module")
def city(engine, demo_city):
    """One small city for the module; the test that uses the app's client comes last, since the client's
    teardown empties the database."""
    demo_city.restore(engine)
    yield make_sessionmaker(engine), demo_city.summary
    _empty(engine)


def _alerts(db, tenant_id: int) -> set[str]:
    return set(db.scalars(select(TelemetryAlert.cause).where(TelemetryAlert.tenant_id == tenant_id)))


def _fleet(sessionmaker_):
    with sessionmaker_() as db, db.begin():
        return devices.prepare(db)


def test_the_city_trains_a_model_that_scores_every_connected_appliance(city):
    sessionmaker_, summary = city
    with sessionmaker_() as db:
        from anxin.auth.models import Tenant

        tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        connected = db.scalar(
            select(func.count(func.distinct(TelemetryReading.appliance_id))).where(
                TelemetryReading.tenant_id == tenant_id
            )
        )
        scores = db.scalar(select(func.count()).select_from(PdmScore).where(PdmScore.tenant_id == tenant_id))
        assert connected > 0 and scores == connected


def test_a_second_start_revokes_the_first_key(city):
    sessionmaker_, _ = city
    first = _fleet(sessionmaker_)
    second = _fleet(sessionmaker_)
    assert first.key != second.key
    with sessionmaker_() as db:
        live = db.scalars(
            select(TelemetryKey).where(
                TelemetryKey.name == devices.KEY_NAME, TelemetryKey.revoked_at.is_(None)
            )
        ).all()
    assert len(live) == 1


def test_the_developing_faults_are_on_signature_metrics():
    # the faults the simulator plays are metrics of their categories (a typo would be rejected, not stored)
    from anxin.telemetry.metrics import metrics_of

    for fault in devices.FAULTS:
        assert fault.metric in {m.name for m in metrics_of(fault.category)}
    for category, (metric, _) in SIGNATURE.items():
        assert metric in {m.name for m in metrics_of(category)}


@pytest.mark.skipif(not MQTT, reason="ANXIN_TEST_MQTT_URL names no broker (CI sets it)")
def test_over_mqtt_the_subscriber_stores_what_the_devices_publish(city):
    from anxin.telemetry.mqtt import Subscriber, parse_broker

    sessionmaker_, _ = city
    fleet = _fleet(sessionmaker_)
    subscriber = Subscriber(parse_broker(MQTT), sessionmaker_, client_id=f"test-demo-{os.getpid()}")
    subscriber.start()
    simulator = None
    try:
        assert subscriber.subscribed.wait(20)
        simulator = devices.Simulator(fleet, sessionmaker_, broker=MQTT, base_url="http://127.0.0.1:8000")
        assert simulator.transport == "MQTT"
        before = _readings(sessionmaker_)
        simulator.tick()
        # other test workers share the broker: wait on what was stored here, not on messages handled
        deadline = time.monotonic() + 20
        while _readings(sessionmaker_) - before < len(fleet.devices) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _readings(sessionmaker_) - before == len(fleet.devices)
    finally:
        if simulator is not None and simulator.client is not None:
            simulator.client.loop_stop()
            simulator.client.disconnect()
        subscriber.stop()


def _readings(sessionmaker_) -> int:
    with sessionmaker_() as db:
        return db.scalar(select(func.count()).select_from(TelemetryReading))


def test_the_simulated_devices_report_over_http_and_their_faults_fire_the_rules(city, client, monkeypatch):
    sessionmaker_, _ = city
    fleet = _fleet(sessionmaker_)
    assert fleet is not None
    faulty = {d.fault.category for d in fleet.devices if d.fault is not None}
    assert faulty == {f.category for f in devices.FAULTS}
    sent: list[str] = []

    def post(url, *, content, headers, timeout, allowed_networks=None, **_):
        # the guarded client's own check admits the loopback only because the call names it
        outbound.check_url(url, allowed_networks=allowed_networks)
        sent.append(url)
        answer = client.post("/api/v1/telemetry", content=content, headers=dict(headers))
        assert answer.status_code == 200, answer.text
        assert answer.json()["rejected"] == []
        return answer

    monkeypatch.setattr(outbound, "post", post)
    with clock.travel(ANCHOR + timedelta(minutes=1)):
        simulator = devices.Simulator(fleet, sessionmaker_, broker=None, base_url="http://127.0.0.1:8000")
        simulator.backlog()
    assert sent and sent[0] == "http://127.0.0.1:8000/api/v1/telemetry"
    assert simulator.sent == devices.BACKLOG_MINUTES * len(fleet.devices)
    with sessionmaker_() as db:
        before = _alerts(db, fleet.tenant_id)
    # six minutes on: the pressure has been past 4.2 MPa for 30 minutes, the drain and the leakage past theirs
    with clock.travel(ANCHOR + timedelta(minutes=7)):
        simulator.tick()
    with sessionmaker_() as db:
        opened = _alerts(db, fleet.tenant_id) - before
    assert {"high_pressure", "slow_drain", "leakage"} <= opened
