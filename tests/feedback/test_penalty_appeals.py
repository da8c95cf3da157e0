"""Fair evidence and appeals (申诉): the position's accuracy decides whether an arrival far from the address
is a violation, the technician is told at once in words, appeals their own penalty once within the window,
and quality upholds or overturns it; an overturned penalty stops counting (kept, not deleted) and lifts the
suspension it caused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.models import QualityPolicy
from anxin.notify.models import OutboxMessage
from anxin.notify.templates import render
from anxin.technician.models import Technician, TechnicianQualityEvent
from anxin.work_order.models import WorkOrderEvent
from tests.helpers import act, report, walk

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)  # 12:00 in Hangzhou
FAR = {"lat": 30.3105, "lng": 120.12}  # about 4.5 km north of 文三路 1 号 (30.27, 120.12)
NEARISH = {"lat": 30.2772, "lng": 120.12}  # about 800 m away


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def arrived(client, world, where: dict) -> int:
    order_id = report(client, world).json()["id"]
    walk(client, world, order_id, until="depart")
    answer = act(client, world, order_id, "technician", "arrive", where)
    assert answer.status_code == 200, answer.text
    return order_id


def arrival(db, order_id: int) -> WorkOrderEvent:
    db.commit()  # a fresh read: the changes came through the API
    db.expire_all()
    return db.scalars(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order_id, WorkOrderEvent.action == "arrive"
        )
    ).one()


def messages(db, event: str) -> list[OutboxMessage]:
    db.commit()
    return list(
        db.scalars(select(OutboxMessage).where(OutboxMessage.event == event).order_by(OutboxMessage.id))
    )


def mine(client, world) -> dict:
    answer = client.get("/api/v1/technicians/me/penalties", headers=world.headers("technician"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def appeal(client, world, penalty_id: str, reason: str = "定位漂移，实际已在客户家门口，客户可证明"):
    return client.post(
        f"/api/v1/technicians/me/penalties/{penalty_id}/appeal",
        json={"reason": reason},
        headers=world.headers("technician"),
    )


def decide(client, world, appeal_id: int, decision: str, note: str = "核实客户确认师傅已到场"):
    return client.post(
        f"/api/v1/penalty-appeals/{appeal_id}/decide",
        json={"decision": decision, "note": note},
        headers=world.headers("quality"),
    )


def test_an_accurate_far_arrival_is_penalised_and_the_technician_told_at_once_in_words(client, world, db):
    demo = world.demo
    order_id = arrived(client, demo, FAR | {"accuracy_m": 50})

    event = arrival(db, order_id)
    assert 4450 <= event.payload["far_from_address_m"] < 4550 and event.payload["accuracy_m"] == 50
    (told,) = messages(db, "technician.penalty")
    assert told.recipient == f"technician:{demo.technician_id}" and told.work_order_id == order_id
    number = told.context["number"]
    assert render(told.event, told.context, "zh").body == (
        f"工单 {number}：到达位置距客户地址约 4.5 公里（定位精度 ±50 米），扣 2 分。"
        "如有异议，可在 7 天内在“扣分与申诉”页申诉。"
    )
    english = render(told.event, told.context, "en").body
    assert "about 4.5 km" in english and "accuracy ±50 m" in english and "2 penalty points" in english
    (alert,) = messages(db, "evidence.far_from_address")  # the dispatchers' alert names the accuracy too
    assert "（定位精度 ±50 米）" in render(alert.event, alert.context, "zh").body

    found = mine(client, demo)
    assert found["points"] == 2
    (penalty,) = found["penalties"]
    assert penalty["id"] == f"far-{event.id}" and penalty["appealable"] and penalty["counted"]
    assert penalty["reason"] == "到达位置距客户地址约 4.5 公里（定位精度 ±50 米）"


def test_an_imprecise_fix_is_recorded_and_never_penalised(client, world, db):
    demo = world.demo
    order_id = arrived(client, demo, FAR | {"accuracy_m": 1500})

    event = arrival(db, order_id)
    assert "far_from_address_m" not in event.payload
    assert 4450 <= event.payload["imprecise_position_m"] < 4550 and event.payload["accuracy_m"] == 1500
    assert messages(db, "technician.penalty") == [] and messages(db, "evidence.far_from_address") == []
    assert mine(client, demo) | {"suspension": None} == {
        "technician_id": demo.technician_id,
        "points": 0,
        "appeal_days": 7,
        "suspension": None,
        "penalties": [],
    }


def test_an_uncertainty_covering_the_address_is_no_violation(client, world, db):
    demo = world.demo
    covered = arrived(client, demo, NEARISH | {"accuracy_m": 400})  # 800 m less 400 m: within 500 m
    assert "far_from_address_m" not in arrival(db, covered).payload
    assert mine(client, demo)["penalties"] == []


def test_without_an_accuracy_the_distance_decides_as_before(client, world, db):
    demo = world.demo
    order_id = arrived(client, demo, FAR)
    assert arrival(db, order_id).payload["far_from_address_m"] > 4000
    (penalty,) = mine(client, demo)["penalties"]
    assert penalty["reason"] == "到达位置距客户地址约 4.5 公里"


def test_the_appeal_lifecycle_overturned_restores_the_points_and_keeps_the_record(client, world, db):
    demo = world.demo
    order_id = arrived(client, demo, FAR | {"accuracy_m": 50})
    key = mine(client, demo)["penalties"][0]["id"]

    assert appeal(client, demo, key, "   ").status_code == 422
    filed = appeal(client, demo, key)
    assert filed.status_code == 201, filed.text
    body = filed.json()
    assert (body["status"], body["penalty_id"], body["points"], body["work_order_id"]) == (
        "open",
        key,
        2,
        order_id,
    )
    again = appeal(client, demo, key, "再申诉一次")
    assert again.status_code == 409 and again.json()["error"]["code"] == "appeal_exists"
    assert [m.recipient for m in messages(db, "penalty.appeal_filed")] == [f"user:{demo.users['quality'].id}"]
    penalty = mine(client, demo)["penalties"][0]
    assert penalty["appeal"]["status"] == "open" and not penalty["appealable"]

    listed = client.get("/api/v1/penalty-appeals", headers=demo.headers("quality"))
    assert [a["id"] for a in listed.json()] == [body["id"]]
    assert client.get("/api/v1/penalty-appeals", headers=demo.headers("technician")).status_code == 403
    assert decide(client, demo, body["id"], "upheld", "  ").status_code == 422

    overturned = decide(client, demo, body["id"], "overturned")
    assert overturned.status_code == 200, overturned.text
    assert overturned.json()["status"] == "overturned" and overturned.json()["decision_note"]
    twice = decide(client, demo, body["id"], "upheld")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "appeal_decided"

    found = mine(client, demo)
    assert found["points"] == 0
    (kept,) = found["penalties"]  # recorded, not deleted
    assert kept["counted"] is False and kept["appeal"]["status"] == "overturned"
    db.commit()  # a fresh read: the changes came through the API
    db.expire_all()
    assert db.get(Technician, demo.technician_id).penalty_points == 0
    assert "far_from_address_m" in arrival(db, order_id).payload  # the evidence itself is untouched
    (told,) = messages(db, "penalty.appeal_decided")
    assert told.recipient == f"technician:{demo.technician_id}"
    text = render(told.event, told.context, "zh").body
    assert text.startswith("您对“到达位置距客户地址约 4.5 公里（定位精度 ±50 米）”的申诉已通过，2 分已撤销。")
    audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "penalty_appeal.decide")).one()
    assert audit.actor_id == demo.users["quality"].id and "撤销扣分" in audit.note


def test_only_the_technicians_own_penalty_within_the_window(client, world, db, at_noon):
    demo, acme = world.demo, world.acme
    arrived(client, demo, FAR | {"accuracy_m": 50})
    key = mine(client, demo)["penalties"][0]["id"]

    other = appeal(client, acme, key)  # another tenant's technician: not theirs
    assert other.status_code == 404
    for unknown in ("far-999999", "late-1", "complaint-1"):
        assert appeal(client, demo, unknown).status_code == 404
    assert appeal(client, demo, "nothing-1").status_code == 422  # not a penalty's key
    for role in ("dispatcher", "quality", "customer"):
        refused = client.post(
            f"/api/v1/technicians/me/penalties/{key}/appeal", json={"reason": "x"}, headers=demo.headers(role)
        )
        assert refused.status_code == 403

    at_noon.shift(timedelta(days=8))
    late = appeal(client, demo, key)
    assert late.status_code == 409 and late.json()["error"]["code"] == "appeal_window_closed"
    assert (
        "7 天"
        in client.post(
            f"/api/v1/technicians/me/penalties/{key}/appeal",
            json={"reason": "迟到的申诉"},
            headers=demo.headers("technician"),
        ).json()["error"]["message"]
    )
    assert mine(client, demo)["penalties"][0]["appealable"] is False
    assert db.scalar(select(PenaltyAppeal.id)) is None


def strict_policy(db, world) -> None:
    db.add(
        QualityPolicy(tenant_id=world.tenant.id, points_far_evidence=2, warning_points=2, suspension_points=2)
    )
    db.commit()


def test_overturning_the_penalty_that_suspended_lifts_the_suspension_and_the_app_shows_it(client, world, db):
    demo = world.demo
    strict_policy(db, demo)
    arrived(client, demo, FAR | {"accuracy_m": 50})
    db.commit()  # a fresh read: the changes came through the API
    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    assert technician.suspended_at is not None and technician.suspension_reason == "penalty_points"
    (notice,) = messages(db, "technician.suspended_notice")
    assert notice.recipient == f"technician:{demo.technician_id}"
    assert render(notice.event, notice.context, "zh").body.startswith(
        "因扣分达到停派线（2 分），您已被暂停自动派单"
    )
    found = mine(client, demo)
    assert found["suspension"]["suspended"] and found["suspension"]["reason"] == "扣分达到停派线"

    filed = appeal(client, demo, found["penalties"][0]["id"]).json()
    decided = decide(client, demo, filed["id"], "overturned")
    assert decided.status_code == 200 and decided.json()["lifted_suspension"] is True

    db.commit()  # a fresh read: the changes came through the API
    db.expire_all()
    technician = db.get(Technician, demo.technician_id)
    assert technician.suspended_at is None and technician.auto_dispatch is True
    assert technician.reinstated_by_id == demo.users["quality"].id
    history = [
        e.action for e in db.scalars(select(TechnicianQualityEvent).order_by(TechnicianQualityEvent.id))
    ]
    assert history[-1] == "reinstated" and "suspended" in history
    (back,) = messages(db, "technician.reinstated")
    assert "申诉改判" in render(back.event, back.context, "zh").body
    (told,) = messages(db, "penalty.appeal_decided")
    assert "已恢复自动派单。" in render(told.event, told.context, "zh").body
    state = mine(client, demo)["suspension"]
    assert state["suspended"] is False and state["reinstated_at"] is not None


def test_an_upheld_appeal_keeps_the_points_and_the_suspension_and_the_technician_is_told(client, world, db):
    demo = world.demo
    strict_policy(db, demo)
    arrived(client, demo, FAR | {"accuracy_m": 50})
    filed = appeal(client, demo, mine(client, demo)["penalties"][0]["id"]).json()

    upheld = decide(client, demo, filed["id"], "upheld", "轨迹显示未到客户家")
    assert upheld.status_code == 200 and upheld.json()["lifted_suspension"] is False

    db.commit()  # a fresh read: the changes came through the API
    db.expire_all()
    assert db.get(Technician, demo.technician_id).suspended_at is not None
    assert mine(client, demo)["points"] == 2
    (told,) = messages(db, "penalty.appeal_decided")
    assert render(told.event, told.context, "zh").body == (
        "您对“到达位置距客户地址约 4.5 公里（定位精度 ±50 米）”的申诉未通过，维持扣 2 分。质检意见：轨迹显示未到客户家"
    )
    assert messages(db, "technician.reinstated") == []
