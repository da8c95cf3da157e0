"""An outlet's monthly statement: every approved order of the month with its fees, the month's deductions,
each technician's pay; generated idempotently, frozen once confirmed, disputed and resolved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from anxin import clock, jobs
from anxin.feedback.models import Complaint
from anxin.pricing.models import ReworkChargeback
from anxin.settlement.models import StatementEvent
from anxin.technician.models import Technician
from anxin.work_order.models import Quote
from tests.settlement.support import (
    approve_all,
    finished_order,
    in_last_month,
    last_month,
    second_outlet,
    set_rules,
)

FEES = 9000 + (9000 + 1500 + 2000) + 5000
DEDUCTIONS = -(1000 + 3000 // 2) - 20000 - 3 * 500


@pytest.fixture
def month(client, world, sessionmaker_):
    """Last month at the world's outlet: three approved orders (one suburban and urgent, one installation
    by the senior technician), one pending, one approved of this month and one of the month before; a
    rework charged back and a complaint upheld against the first technician (3 penalty points)."""
    demo = world.demo
    set_rules(client, demo)
    with sessionmaker_() as db:
        db.get(Technician, demo.other_technician_id).level = "senior"
        db.commit()
    approved = [
        finished_order(client, sessionmaker_, demo),
        finished_order(client, sessionmaker_, demo, status="closed", area_type="suburban", priority="urgent"),
        finished_order(
            client, sessionmaker_, demo, service_type="installation", technician_id=demo.other_technician_id
        ),
    ]
    pending = finished_order(client, sessionmaker_, demo)
    this_month = finished_order(client, sessionmaker_, demo, completed_at=clock.now())
    earlier = finished_order(client, sessionmaker_, demo, completed_at=in_last_month() - timedelta(days=31))
    approve_all(client, demo, [*approved, this_month, earlier])
    client.post(
        f"/api/v1/work-orders/{pending}/closure-review", json={}, headers=demo.headers("outlet_manager")
    )
    rework = finished_order(client, sessionmaker_, demo)
    with sessionmaker_() as db:
        quote = Quote(
            tenant_id=demo.tenant.id,
            work_order_id=rework,
            status="approved",
            total_fen=3000,
            payable_fen=0,
            created_by_id=demo.users["technician"].id,
        )
        db.add(quote)
        db.flush()
        db.add(
            ReworkChargeback(
                tenant_id=demo.tenant.id,
                quote_id=quote.id,
                work_order_id=rework,
                original_order_id=approved[0],
                technician_id=demo.technician_id,
                outlet_id=demo.outlet_id,
                amount_fen=3000,
                created_at=in_last_month(20),
            )
        )
        db.add(
            Complaint(
                tenant_id=demo.tenant.id,
                number="CP-TEST-1",
                version=1,
                status="closed",
                channel="hotline",
                category="attitude",
                description="态度差",
                work_order_id=approved[0],
                technician_id=demo.technician_id,
                outlet_id=demo.outlet_id,
                responsibility="technician",
                closed_at=in_last_month(21),
            )
        )
        db.commit()
    return approved


def generate(client, world, month_=None, role="admin"):
    return client.post(
        "/api/v1/settlements", json={"month": month_ or last_month()}, headers=world.headers(role)
    )


def detail(client, world, statement_id, role="admin"):
    answer = client.get(f"/api/v1/settlements/{statement_id}", headers=world.headers(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_statement_adds_up(client, world, month):
    # when the admin generates last month's statements
    answer = generate(client, world.demo)
    # then the outlet's lists its three approved orders with their fees and the month's deductions
    assert answer.status_code == 200, answer.text
    [statement] = answer.json()
    assert (
        statement["orders"] == 3
        and statement["status"] == "draft"
        and statement["status_label"] == "待网点确认"
    )
    assert statement["fees_fen"] == FEES and statement["deductions_fen"] == DEDUCTIONS
    assert statement["total_fen"] == FEES + DEDUCTIONS
    found = detail(client, world.demo, statement["id"])
    by_code: dict[str, list[int]] = {}
    for line in found["lines"]:
        by_code.setdefault(line["code"], []).append(line["amount_fen"])
    assert by_code == {
        "base": [9000, 9000, 5000],
        "area": [1500],
        "urgent": [2000],
        "rework": [-2500],
        "complaint": [-20000],
        "penalty_point": [-1500],
    }
    assert {line["work_order_id"] for line in found["lines"] if line["code"] == "base"} == set(month)
    # and each technician's pay: commission by level, their deductions, the deposit
    pay = {p["technician_id"]: p for p in found["technicians"]}
    junior, senior = pay[world.demo.technician_id], pay[world.demo.other_technician_id]
    assert (junior["orders"], junior["fees_fen"], junior["commission_fen"]) == (2, 21500, 8600)
    assert (junior["rework_fen"], junior["penalty_points"], junior["penalty_fen"]) == (-2500, 3, -1500)
    assert junior["deposit_fen"] == 2000 and junior["net_fen"] == 8600 - 2500 - 1500 - 2000
    assert (senior["fees_fen"], senior["rate_bp"], senior["commission_fen"], senior["net_fen"]) == (
        5000,
        5000,
        2500,
        500,
    )
    assert senior["level_label"] == "中级"


def test_generating_again_replaces_a_draft_and_never_a_confirmed_one(client, world, month, sessionmaker_):
    demo = world.demo
    first = generate(client, demo).json()[0]
    # when generated again unchanged: the same statement, the same lines
    again = generate(client, demo).json()[0]
    assert again["id"] == first["id"] and again["total_fen"] == first["total_fen"]
    assert len(detail(client, demo, first["id"])["lines"]) == 8
    # when a rule changes, a draft follows it
    rules = client.get("/api/v1/settlement-fee-rules", headers=demo.headers("admin")).json()
    complaint = next(r for r in rules if r["kind"] == "complaint")
    changed = client.put(
        f"/api/v1/settlement-fee-rules/{complaint['id']}",
        json={"kind": "complaint", "amount_fen": 10000},
        headers=demo.headers("admin"),
    )
    assert changed.status_code == 200, changed.text
    assert generate(client, demo).json()[0]["total_fen"] == first["total_fen"] + 10000
    # when the outlet manager confirms it, it is frozen: a rule's change no longer reaches it
    confirmed = client.post(
        f"/api/v1/settlements/{first['id']}/confirm", headers=demo.headers("outlet_manager")
    )
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    client.put(
        f"/api/v1/settlement-fee-rules/{complaint['id']}",
        json={"kind": "complaint", "amount_fen": 1},
        headers=demo.headers("admin"),
    )
    frozen = generate(client, demo).json()[0]
    assert frozen["status"] == "confirmed" and frozen["total_fen"] == first["total_fen"] + 10000
    # and it is neither confirmed twice nor disputed
    twice = client.post(f"/api/v1/settlements/{first['id']}/confirm", headers=demo.headers("outlet_manager"))
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "statement_state"
    late = client.post(
        f"/api/v1/settlements/{first['id']}/dispute",
        json={"reason": "晚了"},
        headers=demo.headers("outlet_manager"),
    )
    assert late.status_code == 409
    with sessionmaker_() as db:
        actions = list(db.scalars(select(StatementEvent.action).order_by(StatementEvent.id)))
    assert actions == ["generate", "regenerate", "regenerate", "confirm"]


def test_dispute_and_resolution(client, world, month):
    demo = world.demo
    statement = generate(client, demo).json()[0]
    url = f"/api/v1/settlements/{statement['id']}"
    # a dispute needs a reason
    assert (
        client.post(
            f"{url}/dispute", json={"reason": " "}, headers=demo.headers("outlet_manager")
        ).status_code
        == 422
    )
    disputed = client.post(
        f"{url}/dispute", json={"reason": "投诉不是我们的责任"}, headers=demo.headers("outlet_manager")
    )
    assert disputed.status_code == 200 and disputed.json()["status_label"] == "有异议"
    # the admin only resolves; the outlet manager cannot confirm a disputed statement
    assert client.post(f"{url}/confirm", headers=demo.headers("outlet_manager")).status_code == 409
    assert (
        client.post(
            f"{url}/resolve", json={"resolution": "改判"}, headers=demo.headers("outlet_manager")
        ).status_code
        == 403
    )
    # generating leaves a disputed statement alone
    assert generate(client, demo).json()[0]["status"] == "disputed"
    resolved = client.post(
        f"{url}/resolve", json={"resolution": "已核实，按规则重算"}, headers=demo.headers("admin")
    )
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert body["status"] == "draft" and body["resolution"] == "已核实，按规则重算"
    assert [e["action"] for e in body["history"]] == ["generate", "dispute", "resolve", "regenerate"]


def test_who_sees_which_statement(client, world, month, sessionmaker_, password_hash):
    demo = world.demo
    statement = generate(client, demo).json()[0]
    second_outlet(sessionmaker_, demo, password_hash)
    mine = client.get(
        "/api/v1/settlements", params={"month": last_month()}, headers=demo.headers("outlet_manager")
    )
    assert [s["id"] for s in mine.json()["items"]] == [statement["id"]]
    theirs = client.get("/api/v1/settlements", headers=demo.headers("outlet_west"))
    assert theirs.json()["items"] == []
    for path in ("", ".xlsx"):
        assert (
            client.get(
                f"/api/v1/settlements/{statement['id']}{path}", headers=demo.headers("outlet_west")
            ).status_code
            == 404
        )
        assert (
            client.get(
                f"/api/v1/settlements/{statement['id']}{path}", headers=world.acme.headers("admin")
            ).status_code
            == 404
        )
    assert client.get("/api/v1/settlements", headers=demo.headers("technician")).status_code == 403
    # an outlet manager may not generate; nor confirm another outlet's
    assert generate(client, demo, role="outlet_manager").status_code == 403
    assert (
        client.post(
            f"/api/v1/settlements/{statement['id']}/confirm", headers=demo.headers("outlet_west")
        ).status_code
        == 404
    )


def test_the_month_must_be_over_and_well_formed(client, world):
    this_month = clock.now().strftime("%Y-%m")
    answer = generate(client, world.demo, this_month)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "month_not_over"
    assert generate(client, world.demo, "2026-13").status_code == 422
    bad = client.get("/api/v1/settlements", params={"month": "26-1"}, headers=world.demo.headers("admin"))
    assert bad.status_code == 422


def test_fee_rules_are_checked(client, world):
    admin = world.demo.headers("admin")
    for body in (
        {"kind": "area", "amount_fen": 100},  # which area?
        {"kind": "commission", "rate_bp": 100},  # which level?
        {"kind": "urgent", "amount_fen": -1},
        {"kind": "complaint", "rate_bp": 100},
        {"kind": "urgent", "service_type": "repair", "amount_fen": 100},
        {"kind": "base", "amount_fen": 1.5},
    ):
        assert client.post("/api/v1/settlement-fee-rules", json=body, headers=admin).status_code == 422, body
    made = client.post(
        "/api/v1/settlement-fee-rules", json={"kind": "urgent", "amount_fen": 100}, headers=admin
    )
    assert (
        made.status_code == 201
        and made.json()["kind_label"] == "加急费"
        and made.json()["priority"] == "urgent"
    )
    other = world.acme.headers("admin")
    assert (
        client.delete(f"/api/v1/settlement-fee-rules/{made.json()['id']}", headers=other).status_code == 404
    )
    assert client.get("/api/v1/settlement-fee-rules", headers=other).json() == []
    assert (
        client.delete(f"/api/v1/settlement-fee-rules/{made.json()['id']}", headers=admin).status_code == 204
    )


def test_another_tenants_outlet_is_unknown(client, world):
    answer = client.post(
        "/api/v1/settlements",
        json={"month": last_month(), "outlet_id": world.demo.outlet_id},
        headers=world.acme.headers("admin"),
    )
    assert answer.status_code == 404


def test_the_monthly_job_generates_last_month_once(client, world, month, sessionmaker_):
    jobs.use(sessionmaker_)
    try:
        # the job, as the worker runs it on the 2nd: last month's statement of each tenant's outlets with work
        assert jobs.settlement_pass() == {"statements": 1}
        # and again: the same statement, generated again, not a second one
        assert jobs.settlement_pass(last_month()) == {"statements": 1}
    finally:
        jobs.use(None)
    with sessionmaker_() as db:
        actions = list(db.scalars(select(StatementEvent.action).order_by(StatementEvent.id)))
    assert actions == ["generate", "regenerate"]
    listed = client.get("/api/v1/settlements", headers=world.demo.headers("admin")).json()
    assert listed["total"] == 1 and listed["items"][0]["total_fen"] == FEES + DEDUCTIONS
