"""Matching holds the technician to the skill triage suggested from the description: a refrigerator booked
for maintenance whose words are a fault ("不制冷") needs the repair skill too; the candidates API says
the skill came from triage (or from the agent who chose the fault)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import delete, select

from anxin.dispatch.core.scoring import Job, Shift, Tech, refusals
from anxin.geo import Point
from anxin.knowledge import service as knowledge_service
from anxin.knowledge.models import OrderTriage
from anxin.technician.models import Technician, TechnicianSkill
from tests.helpers import act, report

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def maintenance_only(db, technician_id: int) -> None:
    """The technician may service refrigerators (maintenance) but not repair them."""
    technician = db.get(Technician, technician_id)
    db.execute(delete(TechnicianSkill).where(TechnicianSkill.technician_id == technician_id))
    db.add(
        TechnicianSkill(
            tenant_id=technician.tenant_id,
            technician_id=technician_id,
            category="refrigerator",
            service_type="maintenance",
            level="senior",
        )
    )
    db.commit()


def candidates(client, world, order_id: int, lang: str = "zh") -> dict:
    response = client.get(
        f"/api/v1/work-orders/{order_id}/candidates",
        headers={**world.headers("dispatcher"), "Accept-Language": lang},
    )
    assert response.status_code == 200, response.text
    return response.json()


def booked_for_maintenance(client, world) -> int:
    order = report(client, world, service_type="maintenance").json()
    response = act(client, world, order["id"], "agent", "accept")
    assert response.status_code == 200, response.text
    return order["id"]


def test_a_fault_described_on_a_maintenance_order_needs_the_repair_skill(client, world, db):
    demo = world.demo
    with db.begin():
        knowledge_service.load_seed(db, tenant_id=demo.tenant.id)
    maintenance_only(db, demo.other_technician_id)
    order_id = booked_for_maintenance(client, demo)
    triaged = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id))
    assert (triaged.category, triaged.fault, triaged.skill["service_type"]) == (
        "refrigerator",
        "not_cooling",
        "repair",
    )
    assert triaged.confidence >= 0.6

    body = candidates(client, demo, order_id)

    # the technician without the repair skill is not even read: the prefilter asks for the suggested skill
    assert [c["technician_id"] for c in body["candidates"]] == [demo.technician_id]
    assert demo.other_technician_id not in {r["technician_id"] for r in body["refused"]}
    assert body["job"]["service_type"] == "maintenance"
    assert body["job"]["suggested_skill"] == {
        "category": "refrigerator",
        "service_type": "repair",
        "level": triaged.skill["level"],
        "source": "triage",
        "required": True,
    }


def test_without_a_sure_suggestion_the_booked_skill_alone_decides(client, world, db):
    demo = world.demo
    with db.begin():
        knowledge_service.load_seed(db, tenant_id=demo.tenant.id)
    maintenance_only(db, demo.other_technician_id)
    order_id = booked_for_maintenance(client, demo)
    db.execute(
        OrderTriage.__table__.update().where(OrderTriage.work_order_id == order_id).values(confidence=0.3)
    )
    db.commit()

    body = candidates(client, demo, order_id)

    assert {c["technician_id"] for c in body["candidates"]} == {demo.technician_id, demo.other_technician_id}
    assert body["job"]["suggested_skill"] is None


def test_the_same_skill_as_booked_is_shown_as_triages_and_refuses_nobody_new(client, world, db):
    demo = world.demo
    with db.begin():
        knowledge_service.load_seed(db, tenant_id=demo.tenant.id)
    order = report(client, demo).json()  # a repair: triage's skill is the booked one
    assert act(client, demo, order["id"], "agent", "accept").status_code == 200

    body = candidates(client, demo, order["id"])

    assert {c["technician_id"] for c in body["candidates"]} == {demo.technician_id, demo.other_technician_id}
    suggested = body["job"]["suggested_skill"]
    assert (suggested["service_type"], suggested["source"], suggested["required"]) == (
        "repair",
        "triage",
        True,
    )


def test_an_order_with_no_knowledge_base_has_no_suggested_skill(client, world, db):
    demo = world.demo
    order = report(client, demo).json()
    assert act(client, demo, order["id"], "agent", "accept").status_code == 200
    assert candidates(client, demo, order["id"])["job"]["suggested_skill"] is None


def test_the_rule_refuses_a_missing_or_too_junior_suggested_skill_in_both_languages():
    job = Job(
        order_id=1,
        category="air_conditioner",
        service_type="repair",
        point=Point(30.27, 120.12),
        triage_skill=("air_conditioner", "installation", "senior"),
    )
    shift = Shift(start=NOON - timedelta(hours=4), end=NOON + timedelta(hours=6))
    base = {"certificates": {}, "shift": shift}
    missing = Tech(id=1, skills={("air_conditioner", "repair"): "master"}, **base)
    junior = Tech(id=2, skills={("air_conditioner", "*"): "junior"}, **base)
    senior = Tech(id=3, skills={("air_conditioner", "*"): "senior"}, **base)

    def codes(tech):
        return [r.code for r in refusals(job, tech, on=NOON.date())]

    assert codes(missing) == ["triage_skill"] and codes(senior) == []
    # junior is enough for the booked repair, not for the installation triage read in the words
    assert codes(junior) == ["triage_skill"]
    assert "高级" not in refusals(job, junior, on=NOON.date())[0].text("zh")
    assert "中级" in refusals(job, junior, on=NOON.date())[0].text("zh")
    reason = refusals(job, missing, on=NOON.date())[0]
    assert reason.text("zh") == "无分诊建议的技能" and "suggested by triage" in reason.text("en")
