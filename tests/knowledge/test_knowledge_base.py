"""The knowledge base: the seed covers every category, everyone of the tenant searches it, only an admin
edits it (audited, versioned), and nothing crosses tenants."""

from __future__ import annotations

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.catalog.codes import CategoryCode
from anxin.knowledge import service
from anxin.knowledge.codes import FAULT_NAMES, FaultCode
from anxin.knowledge.models import KnowledgeEntry

ROLES = ("customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin")


def search(client, world, role="agent", tenant="demo", **params):
    return client.get("/api/v1/knowledge", params=params, headers=getattr(world, tenant).headers(role))


def test_the_seed_covers_every_category_and_names_every_fault(db, world, kb):
    entries = service.all_entries(db, tenant_id=world.demo.tenant.id)
    assert {e.category for e in entries} == {c.value for c in CategoryCode}
    assert {e.fault for e in entries} <= {f.value for f in FaultCode}
    assert {f.value for f in FaultCode} - {e.fault for e in entries} == set()  # every fault is used somewhere
    for entry in entries:
        assert entry.title and entry.symptoms and entry.causes, entry.title
        assert entry.service_type in {"repair", "installation", "relocation", "cleaning"}
    assert set(FAULT_NAMES) == set(FaultCode)


def test_loading_the_seed_again_keeps_an_admins_edits(db, world, kb):
    entry = db.scalar(
        select(KnowledgeEntry).where(
            KnowledgeEntry.tenant_id == world.demo.tenant.id, KnowledgeEntry.fault == "not_cooling"
        )
    )
    service.update(db, entry=entry, actor=world.demo.users["admin"], values={"title": "改过的标题"})
    assert service.load_seed(db, tenant_id=world.demo.tenant.id) == 0
    db.refresh(entry)
    assert entry.title == "改过的标题" and entry.version == 2


def test_everyone_of_the_tenant_searches_by_words_category_and_code(client, world, kb):
    for role in ROLES:
        found = search(client, world, role, q="漏水", category="refrigerator")
        assert found.status_code == 200, (role, found.text)
        assert [(e["category"], e["fault"]) for e in found.json()["items"]] == [
            ("refrigerator", "water_leak")
        ]
    codes = search(client, world, q="E4").json()["items"]
    assert {(e["category"], e["fault"]) for e in codes} >= {
        ("water_heater", "error_code"),
        ("washing_machine", "error_code"),
    }
    heater = next(e for e in codes if e["category"] == "water_heater")
    assert {"code": "E4", "brand": None, "series": None, "meaning": "超温保护（水温过高）"} in heater[
        "error_codes"
    ]
    every = search(client, world, page_size=200).json()
    assert every["total"] == kb["demo"]


def test_a_search_no_entry_spells_out_falls_back_to_triage(client, world, kb):
    found = search(client, world, "technician", q="冰相不冷了东西都坏了").json()["items"]
    assert found and (found[0]["category"], found[0]["fault"]) == ("refrigerator", "not_cooling")


def test_only_an_admin_adds_and_edits_entries(client, world, kb, db):
    demo = world.demo
    body = {"category": "microwave", "fault": "odor", "title": "微波炉有焦味", "symptoms": ["一开就有焦糊味"]}
    for role in ROLES[:-1]:
        assert client.post("/api/v1/knowledge", json=body, headers=demo.headers(role)).status_code == 403
    made = client.post("/api/v1/knowledge", json=body, headers=demo.headers("admin"))
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["service_type"] == "repair" and entry["version"] == 1
    again = client.post("/api/v1/knowledge", json=body, headers=demo.headers("admin"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "knowledge_entry_exists"

    change = {"self_help": ["清洁内腔油污"], "error_codes": [{"code": "E9", "meaning": "门开关故障"}]}
    for role in ROLES[:-1]:
        path = f"/api/v1/knowledge/{entry['id']}"
        assert client.patch(path, json=change, headers=demo.headers(role)).status_code == 403
    changed = client.patch(f"/api/v1/knowledge/{entry['id']}", json=change, headers=demo.headers("admin"))
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == 2 and changed.json()["self_help"] == ["清洁内腔油污"]
    assert search(client, world, q="E9", category="microwave").json()["items"][0]["id"] == entry["id"]
    # the new code is looked up at once by triage: no retraining for an exact code
    answer = client.post(
        "/api/v1/triage", json={"text": "微波炉显示E9"}, headers=demo.headers("agent")
    ).json()
    assert answer["error_code"] == {"code": "E9", "meaning": "门开关故障"}
    actions = db.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "knowledge_entry", AuditEvent.object_id == entry["id"]
        )
    ).all()
    assert sorted(actions) == ["knowledge.entry.create", "knowledge.entry.update"]


def test_bad_entries_are_422(client, world, kb):
    admin = world.demo.headers("admin")
    for bad in (
        {"category": "spaceship", "fault": "odor", "title": "x"},
        {"category": "microwave", "fault": "broken", "title": "x"},
        {"category": "microwave", "fault": "odor", "title": ""},
        {"category": "microwave", "fault": "odor", "title": "x", "duration_minutes": 0},
        {
            "category": "microwave",
            "fault": "odor",
            "title": "x",
            "error_codes": [{"code": "E 1", "meaning": "x"}],
        },
        {"category": "microwave", "fault": "odor", "title": "x\x00"},
    ):
        assert client.post("/api/v1/knowledge", json=bad, headers=admin).status_code == 422, bad


def test_nothing_crosses_tenants(client, world, kb, db):
    acme_entry = db.scalar(select(KnowledgeEntry.id).where(KnowledgeEntry.tenant_id == world.acme.tenant.id))
    assert (
        client.get(f"/api/v1/knowledge/{acme_entry}", headers=world.demo.headers("agent")).status_code == 404
    )
    patch = client.patch(
        f"/api/v1/knowledge/{acme_entry}", json={"title": "x"}, headers=world.demo.headers("admin")
    )
    assert patch.status_code == 404
    # a code only acme's admin added is not found by demo's triage nor search
    acme_admin = world.acme.headers("admin")
    fridge = search(client, world, "admin", tenant="acme", category="refrigerator", fault="error_code").json()
    fridge_id = fridge["items"][0]["id"]
    codes = [*fridge["items"][0]["error_codes"], {"code": "Q8", "meaning": "acme 自己的代码"}]
    assert (
        client.patch(
            f"/api/v1/knowledge/{fridge_id}", json={"error_codes": codes}, headers=acme_admin
        ).status_code
        == 200
    )
    seen = search(client, world, q="Q8").json()["items"]  # related entries by triage, none with acme's code
    assert all(c["code"] != "Q8" for e in seen for c in e["error_codes"])
    demo = client.post(
        "/api/v1/triage", json={"text": "冰箱显示Q8"}, headers=world.demo.headers("agent")
    ).json()
    assert demo["error_code"] == {"code": "Q8", "meaning": None}
    acme = client.post(
        "/api/v1/triage", json={"text": "冰箱显示Q8"}, headers=world.acme.headers("agent")
    ).json()
    assert acme["error_code"] == {"code": "Q8", "meaning": "acme 自己的代码"}
