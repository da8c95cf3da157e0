"""Labels triage learns from on the platform: the agent's intake desk shows the suggestion live and keeps
a correction as a label (which also holds matching to the chosen fault's skill); a completed order's
recorded cause becomes a label; ``anxin triage train`` says how many of each it used."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from anxin.cli import app as cli
from anxin.exceptions import InvalidInput
from anxin.knowledge import labels, training
from anxin.knowledge.label_models import TriageLabel
from anxin.knowledge.models import OrderTriage
from anxin.work_order.models import WorkOrder
from tests.helpers import act, report, walk
from tests.work_order.test_report import upload

PHONE = "13800000001"  # customer01 of the demo tenant


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def desk(client, world, sign_in) -> str:
    sign_in(client, "agent@demo")
    page = client.get("/console/intake", params={"phone": PHONE})
    assert page.status_code == 200, page.text
    return page.text


def test_the_desk_finds_the_customer_and_suggests_while_the_agent_types(client, world, kb, sign_in):
    page = desk(client, world, sign_in)
    assert 'hx-get="/console/intake/triage"' in page and "138****0001" in page
    assert f'value="{world.demo.appliance_id}"' in page

    live = client.get(
        "/console/intake/triage",
        params={"description": "冰箱冷藏室一点都不凉", "appliance_id": str(world.demo.appliance_id)},
    )

    assert live.status_code == 200
    assert "冰箱 · 不制冷" in live.text and 'value="refrigerator|not_cooling" selected' in live.text
    assert 'name="touched"' not in live.text  # the choice follows triage until the agent changes it
    kept = client.get(
        "/console/intake/triage",
        params={"description": "冰箱冷藏室一点都不凉", "pair": "refrigerator|frost_ice", "touched": "1"},
    )
    assert 'value="refrigerator|frost_ice" selected' in kept.text and 'name="touched" value="1"' in kept.text
    short = client.get("/console/intake/triage", params={"description": "冰"})
    assert " selected>" not in short.text and "输入至少两个字" in short.text


def test_an_unknown_phone_says_so_and_a_customer_cannot_open_the_desk(client, world, kb, sign_in):
    sign_in(client, "agent@demo")
    assert "未找到该手机号的客户" in client.get("/console/intake", params={"phone": "13999999999"}).text
    client.cookies.clear()
    sign_in(client, "customer01@demo")
    assert client.get("/console/intake", follow_redirects=False).status_code in (303, 403)


def _submit(client, world, page: str, **fields) -> int:
    form = {
        "csrf_token": csrf(page),
        "customer_id": str(world.demo.customer_id),
        "appliance_id": str(world.demo.appliance_id),
        "service_type": "repair",
        "description": "冰箱冷藏室一点都不凉，东西都放坏了",
        **fields,
    }
    answer = client.post("/console/intake", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return int(answer.headers["location"].split("order=")[1])


def test_the_agents_correction_is_kept_as_a_label_and_corrects_the_orders_triage(
    client, world, kb, sign_in, db
):
    page = desk(client, world, sign_in)

    order_id = _submit(client, world, page, pair="refrigerator|frost_ice", touched="1")

    order = db.get(WorkOrder, order_id)
    assert order.channel == "hotline" and order.tenant_id == world.demo.tenant.id
    triaged = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id))
    assert (triaged.category, triaged.fault, triaged.confidence, triaged.source) == (
        "refrigerator",
        "frost_ice",
        1.0,
        "agent_correction",
    )
    assert "RF-04" in [p["code"] for p in triaged.parts]  # the chosen fault's parts
    label = db.scalar(select(TriageLabel).where(TriageLabel.work_order_id == order_id))
    assert (label.source, label.category, label.fault) == ("agent_correction", "refrigerator", "frost_ice")
    assert (label.suggested_category, label.suggested_fault) == ("refrigerator", "not_cooling")
    assert label.text == "冰箱冷藏室一点都不凉，东西都放坏了"
    assert label.created_by_id == world.demo.users["agent"].id and label.tenant_id == world.demo.tenant.id
    # the console's triage card says an agent chose it
    card = client.get(f"/pages/orders/{order_id}/triage").text
    assert "客服已更正" in card and "冰箱 · 结霜" in card


def test_keeping_the_suggestion_keeps_no_label(client, world, kb, sign_in, db):
    page = desk(client, world, sign_in)
    untouched = _submit(client, world, page, pair="refrigerator|frost_ice")  # the select only followed
    same = _submit(
        client, world, page, pair="refrigerator|not_cooling", touched="1", service_type="maintenance"
    )
    assert db.scalars(select(TriageLabel).where(TriageLabel.work_order_id.in_([untouched, same]))).all() == []
    kept = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == untouched))
    assert (kept.fault, kept.source) == ("not_cooling", "model")


def test_a_pair_the_knowledge_base_lacks_is_refused_and_a_correction_back_drops_the_label(
    client, world, kb, db
):
    order_id = report(client, world.demo).json()["id"]
    order = db.get(WorkOrder, order_id)
    agent = world.demo.users["agent"]
    with pytest.raises(InvalidInput):
        labels.correct(db, order=order, actor=agent, category="refrigerator", fault="ignition_failure")
    assert labels.correct(db, order=order, actor=agent, category="refrigerator", fault="water_leak")
    assert labels.correct(db, order=order, actor=agent, category="refrigerator", fault="not_cooling") is None
    db.flush()
    assert db.scalars(select(TriageLabel).where(TriageLabel.work_order_id == order_id)).all() == []
    assert db.scalar(select(OrderTriage.source).where(OrderTriage.work_order_id == order_id)) == "model"
    db.rollback()


def test_a_corrected_fault_shows_as_the_agents_in_the_candidates(client, world, kb, db):
    order_id = report(client, world.demo).json()["id"]
    assert act(client, world.demo, order_id, "agent", "accept").status_code == 200
    labels.correct(
        db, order=db.get(WorkOrder, order_id), actor=world.demo.users["agent"], category="refrigerator",
        fault="water_leak",
    )  # fmt: skip
    db.commit()
    body = client.get(
        f"/api/v1/work-orders/{order_id}/candidates", headers=world.demo.headers("dispatcher")
    ).json()
    assert body["job"]["suggested_skill"]["source"] == "agent_correction"


def _complete(client, world, cause: str, description: str) -> int:
    order_id = report(client, world.demo, fault_description=description).json()["id"]
    walk(client, world.demo, order_id, until="start")
    body = {
        "cause": cause,
        "work_done": "更换温控器，试机正常",
        "parts_used": [{"name": "温控器", "quantity": 1, "amount_fen": 12000}],
        "signature_photo_id": upload(client, world.demo, order_id),
    }
    answer = act(client, world.demo, order_id, "technician", "complete", body)
    assert answer.status_code == 200, answer.text
    return order_id


def test_the_technicians_recorded_cause_becomes_a_label_and_train_counts_each_source(
    client, world, kb, db, tmp_path, monkeypatch, settings
):
    caused = _complete(client, world, "温控器故障，导致不制冷", "冰箱里面东西都放坏了")
    vague = _complete(client, world, "客户使用不当", "冰箱有点问题")  # names no fault: no label
    corrected = report(client, world.demo, fault_description="冰箱门关不严，底下有水").json()["id"]
    labels.correct(
        db, order=db.get(WorkOrder, corrected), actor=world.demo.users["agent"], category="refrigerator",
        fault="display_fault",
    )  # fmt: skip
    db.commit()

    label = db.scalar(select(TriageLabel).where(TriageLabel.work_order_id == caused))
    assert (label.source, label.category, label.fault) == ("technician_cause", "refrigerator", "not_cooling")
    assert label.created_by_id == world.demo.users["technician"].id
    assert db.scalar(select(TriageLabel).where(TriageLabel.work_order_id == vague)) is None
    stored = labels.examples(db, tenant_id=world.demo.tenant.id)
    assert stored["technician_cause"] == [("冰箱里面东西都放坏了", "refrigerator", "not_cooling")]
    assert stored["agent_correction"] == [("冰箱门关不严，底下有水", "refrigerator", "display_fault")]
    assert training.order_examples(db) == []  # the labelled order is not counted twice

    monkeypatch.setenv("ANXIN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANXIN_TRIAGE_MODEL", str(tmp_path / "model.joblib"))
    from anxin.config import get_settings

    get_settings.cache_clear()
    try:
        as_json = CliRunner().invoke(cli, ["triage", "train", "--json"])
        words = CliRunner().invoke(cli, ["triage", "train"])
    finally:
        get_settings.cache_clear()
    assert as_json.exit_code == 0, as_json.output
    summary = json.loads(as_json.output)
    assert (summary["correction_examples"], summary["cause_examples"], summary["order_examples"]) == (1, 1, 0)
    assert summary["labelled_examples"] >= 300 and summary["knowledge_examples"] > 0
    assert "客服纠正" in words.output and "师傅故障原因" in words.output


def test_the_shipped_labelled_set_lives_in_the_package():
    assert training.LABELLED.parent.name == "seed" and "tests" not in training.LABELLED.parts
    assert len(training.labelled()) >= 300


def test_another_tenants_customer_or_appliance_is_unknown_to_the_desk(client, world, kb, sign_in, db):
    page = desk(client, world, sign_in)
    before = db.scalar(select(func.count()).select_from(WorkOrder))
    for customer_id, appliance_id in (
        (world.acme.customer_id, world.acme.appliance_id),
        (world.demo.customer_id, world.acme.appliance_id),
    ):
        answer = client.post(
            "/console/intake",
            data={
                "csrf_token": csrf(page),
                "customer_id": str(customer_id),
                "appliance_id": str(appliance_id),
                "description": "冰箱不制冷",
                "pair": "refrigerator|frost_ice",
                "touched": "1",
            },
            follow_redirects=False,
        )
        assert answer.status_code == 404, answer.text
    assert db.scalar(select(func.count()).select_from(WorkOrder)) == before
    assert db.scalar(select(func.count()).select_from(TriageLabel)) == 0
