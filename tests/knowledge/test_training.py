"""Learning from the platform: a completed order's description, labelled by the technician's recorded
cause, becomes a training example; ``anxin triage train`` writes the model the app then loads."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from anxin.cli import app as cli
from anxin.knowledge import training
from anxin.knowledge.models import KnowledgeEntry
from anxin.work_order.models import ServiceReport, WorkOrder
from tests.helpers import report, walk


def _completed_with_cause(client, world, db, description: str, cause: str) -> int:
    order_id = report(client, world.demo, fault_description=description).json()["id"]
    walk(client, world.demo, order_id, "complete")
    db.add(
        ServiceReport(
            tenant_id=world.demo.tenant.id,
            work_order_id=order_id,
            cause=cause,
            work_done="更换配件",
            created_by_id=world.demo.users["technician"].id,
        )
    )
    db.commit()
    return order_id


def test_the_recorded_cause_labels_the_description(client, world, kb, db):
    _completed_with_cause(client, world, db, "冰箱里面东西都放坏了", "温控器故障，导致不制冷")
    _completed_with_cause(client, world, db, "冰箱有点问题", "客户使用不当")  # names no fault: left out
    examples = training.order_examples(db)
    assert examples == [("冰箱里面东西都放坏了", "refrigerator", "not_cooling")]
    assert db.scalar(select(WorkOrder.completed_at).limit(1)) is not None


def test_a_cause_naming_several_faults_is_left_out(db, world, kb):
    entries = db.scalars(
        select(KnowledgeEntry).where(
            KnowledgeEntry.tenant_id == world.demo.tenant.id, KnowledgeEntry.category == "refrigerator"
        )
    ).all()
    assert training.fault_of_cause("冰箱漏水", entries) == "water_leak"
    assert training.fault_of_cause("漏水，而且不制冷", entries) is None


def test_train_writes_the_model_the_app_then_loads(client, world, kb, db, tmp_path, monkeypatch, settings):
    _completed_with_cause(client, world, db, "冰箱里面东西都放坏了", "温控器故障，导致不制冷")
    path = tmp_path / "model.joblib"
    monkeypatch.setenv("ANXIN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANXIN_TRIAGE_MODEL", str(path))
    from anxin.config import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["triage", "train", "--json"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert path.exists() and summary["order_examples"] == 1 and summary["labelled_examples"] >= 300
    loaded = training.learner()
    assert loaded.pairs and training.model_path() == path
    answer = CliRunner().invoke(cli, ["triage", "冰箱不制冷", "--json"])
    assert answer.exit_code == 0, answer.output
    assert json.loads(answer.output)["fault"] == "not_cooling"


def test_the_command_refuses_blank_text_with_its_code():
    result = CliRunner().invoke(cli, ["triage", "  ", "--json"])
    assert result.exit_code == 2
