"""Sign-in, the caller's identity, and the operational endpoints."""

from __future__ import annotations

import time
from datetime import timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import event

from anxin.auth import token_cache
from anxin.auth.models import User
from anxin.main import create_app
from tests.conftest import PASSWORD


def request_token(client, username, password=PASSWORD):
    return client.post(
        "/api/v1/auth/token", data={"username": username, "password": password, "grant_type": "password"}
    )


def test_a_user_signs_in_as_name_at_tenant_and_reads_who_they_are(client, world):
    token = request_token(client, "customer01@demo")
    assert token.status_code == 200 and token.json()["token_type"] == "bearer"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}).json()
    assert (me["role"], me["tenant"], me["customer_id"], me["technician_id"]) == (
        "customer",
        "demo",
        world.demo.customer_id,
        None,
    )
    tech = request_token(client, "tech01@acme").json()["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tech}"}).json()
    assert me["technician_id"] == world.acme.technician_id and me["tenant"] == "acme"


def test_wrong_passwords_unknown_tenants_and_bare_names_are_refused_alike(client, world):
    for username, password in (
        ("admin@demo", "wrong"),
        ("admin@nowhere", PASSWORD),
        ("admin", PASSWORD),
        ("@demo", PASSWORD),
    ):
        refused = request_token(client, username, password)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "bad_credentials"


def test_a_token_expires(client, world, settings):
    token = request_token(client, "admin@demo").json()["access_token"]
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


def test_the_served_app_freezes_its_start_up_objects_before_the_first_request(settings, monkeypatch):
    import gc

    from anxin import main

    monkeypatch.setattr(main, "get_settings", lambda: settings)
    served = main.served_app()
    before = gc.get_freeze_count()
    try:
        with TestClient(served) as client:
            assert gc.get_freeze_count() > before  # start-up objects out of the collector's reach
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()  # a test process makes many apps: give the collector everything back
        served.state.engine.dispose()
    plain = main.create_app(settings)
    with TestClient(plain):
        assert gc.get_freeze_count() == 0  # only the server's own processes freeze
    plain.state.engine.dispose()


def test_an_app_runs_as_many_synchronous_routes_at_once_as_its_setting_allows(settings):
    import anyio.to_thread

    async def tokens() -> float:
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    for threads in (3, 11):
        application = create_app(settings.model_copy(update={"server_threads": threads}))
        try:
            with TestClient(application) as client:
                assert client.portal.call(tokens) == threads
                assert client.get("/healthz").status_code == 200
        finally:
            application.state.engine.dispose()


def count_user_reads(engine):
    reads = []

    def listener(conn, cursor, statement, *args):
        if statement.lstrip().startswith("SELECT") and "WHERE app_user.id =" in statement:  # not sign-in
            reads.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    return reads


def test_a_burst_of_requests_with_one_token_reads_its_user_once(client, world, app):
    token = request_token(client, "agent@demo").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    reads = count_user_reads(app.state.engine)
    for _ in range(3):
        assert client.get("/api/v1/me", headers=headers).json()["role"] == "agent"
    assert len(reads) == 1
    # Another token is verified on its own first request.
    other = request_token(client, "dispatcher@demo").json()["access_token"]
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).json()["role"] == "dispatcher"
    )
    assert len(reads) == 2


def test_a_deactivated_user_is_refused_once_the_verified_token_is_older_than_the_cache(
    client, world, app, db, monkeypatch
):
    token = request_token(client, "agent@demo").json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    db.get(User, world.demo.users["agent"].id).is_active = False
    db.commit()
    # Within the cache's ttl the token's earlier check stands; after it, the user is read again.
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    later = time.monotonic() + app.state.token_cache.ttl
    monkeypatch.setattr(token_cache.time, "monotonic", lambda: later)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_with_the_cache_off_every_request_reads_its_user(settings, world, sessionmaker_):
    settings.auth_cache_seconds = 0
    application = create_app(settings)
    try:
        with TestClient(application) as client:
            token = request_token(client, "agent@demo").json()["access_token"]
            reads = count_user_reads(application.state.engine)
            for _ in range(3):
                client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert len(reads) == 3
    finally:
        application.state.engine.dispose()
