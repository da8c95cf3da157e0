"""The audit log (``audit/``): staff changes are appended with who, when, what and a summary that holds no
personal data; admins read it, filtered and paged, through the API and the console; nothing changes or
removes an entry, neither a route nor a statement sent to the database."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from anxin import clock
from anxin.audit.models import AuditEvent
from anxin.auth.permissions import PERMISSIONS, Action
from anxin.feedback.complaints.desk import DECISIONS
from anxin.notify.models import OutboxMessage
from anxin.technician.models import Technician
from anxin.web.privacy_pages import AUDIT_WORDS
from tests.conftest import CSRF_TOKEN
from tests.test_access_matrix import SLA_POLICY

AUDIT = "/api/v1/audit"
SOURCE = Path(__file__).resolve().parents[2] / "src" / "anxin"


def entries(client, world, **params) -> list[dict]:
    answer = client.get(AUDIT, params={"page_size": 200, **params}, headers=world.headers("admin"))
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def staff_changes(client, world, sessionmaker_) -> dict[str, int]:
    """One of each change staff make through the API; the ids of the objects changed, by action."""
    admin, quality, agent = (world.headers(role) for role in ("admin", "quality", "agent"))
    made: dict[str, int] = {}

    def ok(answer, status=200):
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    ok(client.put("/api/v1/sla-policy", json={**SLA_POLICY, "respond_minutes": 20}, headers=admin))
    ok(client.put("/api/v1/dispatch/policies", json=[{"mode": "suggest"}], headers=admin))
    hook = ok(
        client.post(
            "/api/v1/notifications/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "events": ["sla.breached"], "secret": "s" * 32},
            headers=admin,
        ),
        201,
    )
    made["webhook.create"] = made["webhook.deactivate"] = hook["id"]
    ok(client.delete(f"/api/v1/notifications/webhooks/{hook['id']}", headers=admin), 204)
    brand = ok(
        client.post(
            "/api/v1/catalog/brands",
            json={"code": "audit", "name_zh": "审计", "name_en": "Audit"},
            headers=admin,
        ),
        201,
    )
    made["catalog.brand.create"] = brand["id"]
    model = {
        "brand_id": brand["id"],
        "category_code": "washing_machine",
        "model_code": "A-1",
        "name": "滚筒",
        "warranty_months": 24,
    }
    made["catalog.model.create"] = ok(client.post("/api/v1/catalog/models", json=model, headers=admin), 201)[
        "id"
    ]
    customer = ok(
        client.post("/api/v1/customers", json={"name": "王五", "phone": "13700000007"}, headers=agent), 201
    )
    made["customer.create"] = made["customer.address.add"] = customer["id"]
    address = {"district": "上城区", "detail": "解放路 8 号", "lat": 30.25, "lng": 120.17}
    ok(client.post(f"/api/v1/customers/{customer['id']}/addresses", json=address, headers=agent), 201)
    appliance = {
        "product_model_id": made["catalog.model.create"],
        "serial_number": "SNAUDIT1",
        "purchase_date": "2025-01-01",
        "purchase_channel": "jd",
    }
    made["appliance.create"] = ok(
        client.post(f"/api/v1/customers/{customer['id']}/appliances", json=appliance, headers=agent), 201
    )["id"]
    complaint = ok(
        client.post(
            "/api/v1/complaints",
            json={"customer_id": customer["id"], "category": "other", "description": "请回电 13700000007"},
            headers=agent,
        ),
        201,
    )
    made["complaint.assign"] = complaint["id"]
    ok(
        client.post(
            f"/api/v1/complaints/{complaint['id']}/assign",
            json={"owner_id": world.users["quality"].id},
            headers=quality,
        )
    )
    with sessionmaker_() as db:
        technician = db.get(Technician, world.technician_id)
        technician.suspended_at, technician.auto_dispatch = clock.now(), False
        technician.suspension_reason = "penalty_points"
        dead = OutboxMessage(
            tenant_id=world.tenant.id,
            event="sla.breached",
            channel="sms",
            recipient="13700000007",
            locale="zh",
            context={},
            dedupe_key="audit-dead",
            status="dead",
            attempts=5,
            next_attempt_at=clock.now(),
        )
        db.add(dead)
        db.commit()
        made["outbox.redeliver"] = dead.id
    made["technician.reinstate"] = world.technician_id
    ok(
        client.post(
            f"/api/v1/technicians/{world.technician_id}/reinstate", json={"note": "已培训"}, headers=quality
        )
    )
    ok(client.post(f"/api/v1/notifications/outbox/{dead.id}/redeliver", headers=admin))
    return made


def test_every_staff_change_is_appended_with_who_what_and_when(client, world, sessionmaker_):
    demo = world.demo
    started = clock.now()
    made = staff_changes(client, demo, sessionmaker_)
    rows = entries(client, demo)
    recorded = {row["action"]: row for row in rows if datetime.fromisoformat(row["occurred_at"]) >= started}
    for action in ("sla_policy.set", "dispatch_policies.replace", *made):
        assert action in recorded, action
    for action, object_id in made.items():
        assert recorded[action]["object_id"] == object_id, action
    actors = {action: (row["actor_role"], row["actor_name"]) for action, row in recorded.items()}
    assert actors["sla_policy.set"] == ("admin", "admin")
    assert actors["customer.create"] == ("agent", "agent")
    assert actors["technician.reinstate"] == ("quality", "quality")
    assert recorded["sla_policy.set"]["changes"]["respond_minutes"] == {"before": 30, "after": 20}
    assert recorded["technician.reinstate"]["note"] == "已培训"
    assert recorded["webhook.deactivate"]["changes"] == {"active": {"before": True, "after": False}}
    # newest first, and each with the request it came with (the X-Request-ID of the answer and the log)
    assert [row["id"] for row in rows] == sorted((row["id"] for row in rows), reverse=True)
    assert all(row["request_id"] for row in recorded.values())
    # personal values are masked or hidden, credentials never written
    logged = json.dumps(rows, ensure_ascii=False)
    for secret in ("13700000007", "王五", "解放路", "s" * 32, "30.25"):
        assert secret not in logged, secret
    created = recorded["customer.create"]["changes"]
    assert created["phone"]["after"] == "137****0007" and created["name"]["after"] == "王*"
    assert recorded["customer.address.add"]["changes"]["detail"]["after"] == "***"


def test_the_accounts_made_and_their_passwords_are_logged_without_secrets(world, sessionmaker_):
    from anxin.auth import accounts
    from anxin.auth.models import User

    with sessionmaker_() as db:
        user = db.get(User, world.demo.users["agent"].id)
        admin = db.get(User, world.demo.users["admin"].id)
        accounts.set_password(db, user=user, password="a-new-password-1", now=clock.now(), actor=admin)
        accounts.deactivate(db, user=user, now=clock.now(), actor=admin)
        db.commit()
        rows = db.scalars(select(AuditEvent).where(AuditEvent.object_type == "user")).all()
    by_action = {}
    for row in rows:
        by_action.setdefault(row.action, []).append(row)
    # the world's accounts were made by the platform; a customer's account name (their phone) is hidden
    assert {row.actor_role for row in by_action["user.create"]} == {"system"}
    customer_accounts = [
        row for row in by_action["user.create"] if row.changes["role"]["after"] == "customer"
    ]
    assert customer_accounts and all(row.changes["username"]["after"] == "***" for row in customer_accounts)
    (password,) = by_action["user.password"]
    assert (
        password.changes == {"password": {"before": "***", "after": "***"}} and password.actor_name == "admin"
    )
    assert by_action["user.deactivate"][0].changes == {"is_active": {"before": True, "after": False}}
    assert "a-new-password-1" not in json.dumps([row.changes for row in rows])


def test_filters_and_pages(client, world, sessionmaker_):
    demo = world.demo
    made = staff_changes(client, demo, sessionmaker_)
    assert [row["action"] for row in entries(client, demo, action="sla_policy.set")] == ["sla_policy.set"]
    assert {row["action"] for row in entries(client, demo, action="catalog.")} == {
        "catalog.brand.create",
        "catalog.model.create",
    }
    assert {row["action"] for row in entries(client, demo, object_type="webhook_endpoint")} == {
        "webhook.create",
        "webhook.deactivate",
    }
    by_object = entries(client, demo, object_type="customer", object_id=made["customer.create"])
    assert {row["action"] for row in by_object} == {"customer.create", "customer.address.add"}
    by_quality = entries(client, demo, actor_id=demo.users["quality"].id)
    assert {row["action"] for row in by_quality} == {"complaint.assign", "technician.reinstate"}
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    assert entries(client, demo, since=tomorrow) == []
    assert len(entries(client, demo, until=tomorrow)) == len(entries(client, demo))
    everything = entries(client, demo)
    first = client.get(AUDIT, params={"page_size": 3}, headers=demo.headers("admin")).json()
    second = client.get(AUDIT, params={"page_size": 3, "page": 2}, headers=demo.headers("admin")).json()
    assert first["total"] == second["total"] == len(everything) > 6
    assert [row["id"] for row in first["items"] + second["items"]] == [row["id"] for row in everything[:6]]
    # another tenant's log is its own
    assert all(row["id"] not in {r["id"] for r in everything} for row in entries(client, world.acme))


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 201},
        {"page": 0},
        {"action": "DROP TABLE audit_event"},
        {"action": "x" * 61},
        {"object_type": "Customer"},
        {"object_id": 0},
        {"object_id": 2**63},
        {"actor_id": "abc"},
        {"since": "2026-12-05T08:00:00"},  # no offset
        {"since": "0"},
        {"until": "tomorrow"},
    ],
)
def test_bad_parameters_are_refused_by_name(client, world, params):
    answer = client.get(AUDIT, params=params, headers=world.demo.headers("admin"))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and error["field"].endswith(next(iter(params)))


@pytest.mark.parametrize(
    "role", ["customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin"]
)
def test_only_the_roles_of_the_permission_table_read_it(client, world, role):
    answer = client.get(AUDIT, headers=world.demo.headers(role))
    assert answer.status_code == (200 if role in PERMISSIONS[Action.AUDIT_READ] else 403)
    assert client.get(AUDIT).status_code == 401


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_route_changes_or_removes_an_entry(client, world, sessionmaker_, method):
    staff_changes(client, world.demo, sessionmaker_)
    entry = entries(client, world.demo)[0]
    for path in (AUDIT, f"{AUDIT}/{entry['id']}"):
        answer = client.request(method, path, json={"note": "x"}, headers=world.demo.headers("admin"))
        assert answer.status_code in (404, 405), (method, path, answer.status_code)
    assert entries(client, world.demo)[0] == entry


def test_the_database_refuses_to_update_or_delete_an_entry(client, world, sessionmaker_, engine):
    """Migration 0012's triggers: on PostgreSQL a trigger function, on SQLite two triggers."""
    staff_changes(client, world.demo, sessionmaker_)
    with sessionmaker_() as db:
        count = len(db.scalars(select(AuditEvent)).all())
    for statement in (
        update(AuditEvent).values(note="edited"),
        text("UPDATE audit_event SET actor_name = 'nobody'"),
        text("DELETE FROM audit_event"),
    ):
        with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(statement)
            connection.commit()
        assert "audit_event is append-only" in str(refused.value)
    # nor through the ORM: changing a loaded row fails at the flush
    with sessionmaker_() as db:
        row = db.scalars(select(AuditEvent)).first()
        row.changes = {}
        with pytest.raises(DBAPIError):
            db.commit()
    with sessionmaker_() as db:
        rows = db.scalars(select(AuditEvent)).all()
        assert len(rows) == count and all(row.note != "edited" for row in rows)
        assert "nobody" not in {row.actor_name for row in rows}


def test_every_action_the_code_writes_has_words_on_the_page():
    """The actions and object types named in the modules that write the log (an audit action has a dot)."""
    written = set()
    for path in SOURCE.rglob("*.py"):
        source = path.read_text()
        if "trail.record(" not in source or path.parent.name == "audit":
            continue
        written |= set(re.findall(r'action="([a-z_]+\.[a-z_.\-]+)"', source))
        written |= set(re.findall(r'object_type="([a-z_]+)"', source))
    written |= {f"complaint.{decision}" for decision in DECISIONS}
    known = set(AUDIT_WORDS["action"]) | set(AUDIT_WORDS["object"])
    assert len(written) > 25 and written <= known, sorted(written - known)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_console_page_shows_the_log_in_words(client, world, sessionmaker_, sign_in, lang):
    demo = world.demo
    staff_changes(client, demo, sessionmaker_)
    sign_in(client, "admin@demo")
    page = client.get("/console/audit", params={"lang": lang})
    assert page.status_code == 200
    words = {
        "zh": ("修改时效规则", "管理员", "响应时限（分钟）", "系统"),
        "en": ("SLA policy changed", "Admin", "Response (minutes)", "System"),
    }
    for word in words[lang]:
        assert word in page.text, word
    body = visible(page.text)
    assert not re.search(r"\b[a-z]+(?:_[a-z]+)+\b|\b[a-z]+\.[a-z_]+\b", body), re.findall(
        r"\b[a-z]+[._][a-z_.]+\b", body
    )[:10]
    # filtered by what the select offers
    filtered = client.get("/console/audit", params={"action": "webhook.create", "lang": lang})
    assert filtered.text.count('<li id="audit-') == 1
    # a filter that cannot be read: a page in the page's language, no code
    bad = client.get("/console/audit", params={"object_id": "abc", "lang": lang})
    assert bad.status_code == 422 and "invalid_filter" not in bad.text
    assert ("编号应为正整数" if lang == "zh" else "positive whole number") in bad.text
    # the page has no form that changes an entry
    assert 'method="post"' not in page.text.split("<main", 1)[-1].lower().replace("/logout", "")


def visible(html: str) -> str:
    """The words a person reads: no tags, attributes, scripts or styles, nor the values of the changes
    (shown as stored where the pages have no word for them: a URL, a webhook's events, a policy's JSON)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<span class="value">.*?</span>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_audit_page_is_the_admins_only(client, world, sign_in):
    for login in ("dispatcher@demo", "quality@demo", "agent@demo"):
        client.cookies.clear()
        sign_in(client, login)
        assert client.get("/console/audit").status_code == 403, login
    client.cookies.clear()
    assert client.get("/console/audit", follow_redirects=False).headers["location"].startswith("/login")
    _ = CSRF_TOKEN  # the page has no form that posts but sign-out


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/console/audit", {"page": "0"}),
        ("/console/audit", {"page": "x"}),
        ("/console/audit", {"object_id": "9" * 5000}),
        ("/console/audit", {"since": "05/12/2026"}),
        ("/console/privacy", {"customer": "-1"}),
        ("/portal/my-data", {"sent": "abc"}),
    ],
)
def test_odd_addresses_get_a_page_in_words(client, world, sign_in, path, params):
    sign_in(client, "customer01@demo" if path.startswith("/portal") else "admin@demo")
    answer = client.get(path, params=params)
    assert answer.headers["content-type"].startswith("text/html"), answer.text[:200]
    assert answer.status_code in (200, 422)
    assert "validation_error" not in answer.text and "invalid_filter" not in answer.text
