"""The knowledge base on the pages: staff search and try triage in the console, an admin edits an entry
there, a technician searches on site; each page in Chinese first and in English."""

from __future__ import annotations

from sqlalchemy import select

from anxin.knowledge.models import KnowledgeEntry
from tests.conftest import CSRF_TOKEN


def _entry(db, world, category, fault) -> KnowledgeEntry:
    return db.scalar(
        select(KnowledgeEntry).where(
            KnowledgeEntry.tenant_id == world.demo.tenant.id,
            KnowledgeEntry.category == category,
            KnowledgeEntry.fault == fault,
        )
    )


def test_an_agent_searches_and_tries_triage_in_the_console(client, world, kb, sign_in):
    sign_in(client, "agent@demo")
    page = client.get("/console/knowledge", params={"q": "E4", "category": "water_heater"})
    assert page.status_code == 200
    assert (
        "热水器显示故障代码" in page.text and "超温保护" not in page.text
    )  # codes shown on the entry's page
    assert 'id="new-entry"' not in page.text  # only an admin adds entries
    tried = client.get("/console/knowledge", params={"text": "柜机显示E1然后就停了"})
    assert "空调 · 显示故障代码" in tried.text and "室内外机通信故障" in tried.text
    assert (
        "air_conditioner" not in tried.text.split('id="triage-result"')[1].split("</div>")[0]
    )  # no codes shown
    english = client.get("/console/knowledge", params={"text": "fridge not cold", "lang": "en"})
    assert "Refrigerator · Not cooling" in english.text


def test_an_admin_edits_an_entry_and_the_change_is_kept(client, world, kb, sign_in, db):
    entry = _entry(db, world, "washing_machine", "drainage")
    sign_in(client, "admin@demo")
    page = client.get(f"/console/knowledge/{entry.id}")
    assert page.status_code == 200 and 'id="edit-entry"' in page.text
    csrf = CSRF_TOKEN.search(page.text).group(1)
    form = {
        "csrf_token": csrf,
        "title": "洗衣机不排水/排水慢",
        "symptoms": "洗完水排不出去\n排水很慢",
        "causes": "排水泵过滤器堵塞",
        "self_help": "清理排水过滤器",
        "keywords": "不排水\n排水慢",
        "error_codes": "E21|小天鹅|排水超时\nF9|排水泵故障",
        "parts": "WM-02|洗衣机排水泵",
        "visit_needed": "true",
        "duration_minutes": "45",
    }
    saved = client.post(f"/console/knowledge/{entry.id}", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    db.rollback()  # a new transaction: see what the page committed
    entry = _entry(db, world, "washing_machine", "drainage")
    assert entry.title == "洗衣机不排水/排水慢" and entry.version == 2 and entry.duration_minutes == 45
    assert [(c.code, c.brand) for c in entry.error_codes] == [("E21", "小天鹅"), ("F9", None)]
    bad = client.post(f"/console/knowledge/{entry.id}", data={**form, "error_codes": "没有竖线"})
    assert bad.status_code == 422 and "格式有误" in bad.text


def test_an_admin_adds_an_entry_from_the_console(client, world, kb, sign_in, db):
    sign_in(client, "admin@demo")
    csrf = CSRF_TOKEN.search(client.get("/console/knowledge").text).group(1)
    made = client.post(
        "/console/knowledge",
        data={"csrf_token": csrf, "category": "microwave", "fault": "odor", "title": "微波炉有焦味"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert _entry(db, world, "microwave", "odor").title == "微波炉有焦味"
    twice = client.post(
        "/console/knowledge",
        data={"csrf_token": csrf, "category": "microwave", "fault": "odor", "title": "x"},
    )
    assert twice.status_code == 409


def test_a_technician_searches_on_site(client, world, kb, sign_in):
    sign_in(client, "tech01@demo")
    page = client.get("/tech/knowledge", params={"q": "dL"})
    assert page.status_code == 200
    assert "洗衣机显示故障代码" in page.text and "门锁故障" in page.text and "洗衣机门锁" in page.text
    colloquial = client.get("/tech/knowledge", params={"q": "燃气灶松手就灭"})
    assert "燃气灶打不着火" in colloquial.text
    assert client.get("/console/knowledge").status_code == 403  # the console's is staff's
