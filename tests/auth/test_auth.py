"""Sign-in, the caller's identity, and the operational endpoints."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.conftest import PASSWORD


def sign_in(client, username, password=PASSWORD):
    return client.post(
        "/api/v1/auth/token", data={"username": username, "password": password, "grant_type": "password"}
    )


def test_a_user_signs_in_as_name_at_tenant_and_reads_who_they_are(client, world):
    token = sign_in(client, "customer01@demo")
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert (me["role"], me["tenant"], me["customer_id"], me["technician_id"]) == (
        "customer",
        "demo",
        world.demo.customer_id,
        None,
    )
    tech = sign_in(client, "tech01@acme").json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tech}"}).json()
    assert me["technician_id"] == world.acme.technician_id and me["tenant"] == "acme"


def test_wrong_passwords_unknown_tenants_and_bare_names_are_refused_alike(client, world):
    for username, password in (
        ("admin@demo", "wrong"),
        ("admin@nowhere", PASSWORD),
        ("admin", PASSWORD),
        ("@demo", PASSWORD),
    ):
        refused = sign_in(client, username, password)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "bad_credentials"


def test_a_token_expires(client, world, settings):
    token = sign_in(client, "admin@demo").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    with time_machine.travel(timedelta(minutes=settings.token_minutes + 1)):
        assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_token_of_one_tenant_names_its_user_and_tenant_together(client, world, settings):
    from anxin.auth.security import issue_token

    forged = issue_token(
        secret=settings.secret_key,
        user_id=world.demo.users["admin"].id,
        tenant_id=world.acme.tenant.id,
        role="admin",
        minutes=5,
    )
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_health_metrics_docs_and_request_ids(client, world):
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.headers["x-request-id"]
    assert client.get("/healthz", headers={"X-Request-ID": "call-42"}).headers["x-request-id"] == "call-42"
    client.get("/api/v1/work-orders", headers=world.demo.headers("agent"))
    metrics = client.get("/metrics").text
    assert 'anxin_http_requests_total{method="GET",route="/api/v1/work-orders",status="200"}' in metrics
    spec = client.get("/openapi.json").json()
    assert "/api/v1/work-orders/{order_id}/approve-quote" in spec["paths"]
    assert client.get("/docs").status_code == 200
