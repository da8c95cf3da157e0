"""Ingest keys: an admin makes one, sees it once, lists it without the secret, revokes it for good."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.telemetry.models import TelemetryKey
from tests.telemetry.support import make_key, reading, send


def test_a_key_is_shown_once_and_kept_as_its_hash(client, world, db):
    # given an admin of the demo tenant
    # when they make an ingest key
    response = client.post(
        "/api/v1/telemetry/keys", json={"name": "品牌云"}, headers=world.demo.headers("admin")
    )
    # then the answer shows the key once; the database holds only its SHA-256
    assert response.status_code == 201
    created = response.json()
    key = created["key"]
    assert key.startswith("axt_") and len(key) > 40
    row = db.scalar(select(TelemetryKey).where(TelemetryKey.id == created["id"]))
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (row.prefix, row.key_hash, row.name)
    # and the list shows the key's name and prefix, never the key
    listed = client.get("/api/v1/telemetry/keys", headers=world.demo.headers("admin")).json()
    assert [k["name"] for k in listed] == ["品牌云"]
    assert "key" not in listed[0] and listed[0]["prefix"] == key[:12]
    # and the creation is in the audit log
    assert (
        db.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "telemetry_key"))
        == "telemetry.key.create"
    )


def test_only_an_admin_makes_keys(client, world):
    for role in ("agent", "dispatcher", "technician", "customer"):
        response = client.post("/api/v1/telemetry/keys", json={"name": "x"}, headers=world.demo.headers(role))
        assert response.status_code == 403, role


def test_a_revoked_key_is_refused(client, world):
    # given a key that stored a reading
    key = make_key(client, world.demo)
    assert send(client, key, [reading(world.demo)]).json()["accepted"] == 1
    key_id = client.get("/api/v1/telemetry/keys", headers=world.demo.headers("admin")).json()[0]["id"]
    # when the admin revokes it
    revoked = client.delete(f"/api/v1/telemetry/keys/{key_id}", headers=world.demo.headers("admin"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    # then a batch sent with it is refused, with the code and a message
    response = send(client, key, [reading(world.demo, minutes_ago=1)])
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_ingest_key"


def test_no_key_or_a_made_up_key_is_refused(client, world):
    assert client.post("/api/v1/telemetry", json={"readings": []}).status_code == 401
    response = send(client, "axt_" + "x" * 43, [reading(world.demo)], **{"Accept-Language": "en"})
    assert response.status_code == 401
    assert "ingest key" in response.json()["error"]["message"]


def test_another_tenants_key_cannot_be_revoked(client, world):
    make_key(client, world.acme)
    acme_key = client.get("/api/v1/telemetry/keys", headers=world.acme.headers("admin")).json()[0]
    response = client.delete(f"/api/v1/telemetry/keys/{acme_key['id']}", headers=world.demo.headers("admin"))
    assert response.status_code == 404
    assert client.get("/api/v1/telemetry/keys", headers=world.demo.headers("admin")).json() == []
