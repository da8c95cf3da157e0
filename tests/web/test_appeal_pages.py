"""The penalty pages: the technician sees each penalty with its reason and the suspension in words, appeals
from the phone (a refusal comes back beside the penalty with the reason kept), quality decides on the desk
and the technician sees the outcome and the suspension lifted; nothing of another tenant is reachable."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import select

from anxin.feedback.appeal_models import PenaltyAppeal
from anxin.feedback.models import QualityPolicy
from tests.conftest import page_csrf
from tests.feedback.test_penalty_appeals import FAR, arrived, mine

NOON = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
REASON = "到达位置距客户地址约 4.5 公里（定位精度 ±50 米）"


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def suspended_by_a_far_arrival(client, db, world) -> str:
    db.add(
        QualityPolicy(tenant_id=world.tenant.id, points_far_evidence=2, warning_points=2, suspension_points=2)
    )
    db.commit()
    arrived(client, world, FAR | {"accuracy_m": 50})
    return mine(client, world)["penalties"][0]["id"]


def visible_text(html: str) -> str:
    body = html.split("<main", 1)[-1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_technician_appeals_from_the_phone_and_quality_decides_on_the_desk(client, world, db, sign_in):
    demo = world.demo
    key = suspended_by_a_far_arrival(client, db, demo)

    sign_in(client, "tech01@demo")
    today = client.get("/tech")
    assert 'id="suspension-banner"' in today.text and "扣分达到停派线" in today.text
    page = client.get("/tech/penalties")
    assert page.status_code == 200
    assert REASON in page.text and "已暂停自动派单" in page.text and "扣分达到停派线" in page.text
    assert f'action="/tech/penalties/{key}/appeal"' in page.text
    text = visible_text(page.text)
    assert "penalty_points" not in text and "far_from_address" not in text and key not in text

    token = page_csrf(client, "/tech/penalties")
    empty = client.post(f"/tech/penalties/{key}/appeal", data={"csrf_token": token, "reason": "  "})
    assert empty.status_code == 422 and "请写明申诉理由" in empty.text and 'aria-invalid="true"' in empty.text
    assert REASON in empty.text  # the page, not an error page
    sent = client.post(
        f"/tech/penalties/{key}/appeal",
        data={"csrf_token": token, "reason": "定位漂移，我在客户家门口"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    after = client.get(sent.headers["location"])
    assert (
        "申诉已提交" in after.text and "申诉处理中" in after.text and "定位漂移，我在客户家门口" in after.text
    )
    again = client.post(f"/tech/penalties/{key}/appeal", data={"csrf_token": token, "reason": "再一次"})
    assert again.status_code == 409 and "已经申诉过" in again.text

    client.cookies.clear()
    sign_in(client, "quality@demo")
    desk = client.get("/console/appeals")
    assert desk.status_code == 200
    assert "定位漂移，我在客户家门口" in desk.text and REASON in desk.text and "当前停派" in desk.text
    appeal_id = db.scalar(select(PenaltyAppeal.id))
    token = page_csrf(client, "/console/appeals")
    decided = client.post(
        f"/console/appeals/{appeal_id}/decide",
        data={"csrf_token": token, "decision": "overturned", "note": "客户确认师傅已到场"},
        follow_redirects=False,
    )
    assert decided.status_code == 303
    done = client.get(decided.headers["location"])
    assert "已处理，已通知工程师" in done.text and "已撤销扣分" in done.text and "已因此恢复派单" in done.text
    assert "没有待处理的申诉" in done.text

    client.cookies.clear()
    sign_in(client, "tech01@demo")
    page = client.get("/tech/penalties")
    assert "已撤销扣分" in page.text and "客户确认师傅已到场" in page.text and "正常接单中" in page.text
    assert "已恢复自动派单" in page.text and 'id="suspension-banner"' not in client.get("/tech").text
    assert re.search(r'id="points">0<', page.text)
    english = client.get("/tech/penalties?lang=en")
    assert "Arrival recorded about 4.5 km from the customer&#39;s address (accuracy ±50 m)" in english.text
    assert "Penalty withdrawn" in english.text


def test_a_decision_needs_a_note_and_the_pages_keep_to_their_roles(client, world, db, sign_in):
    demo = world.demo
    key = suspended_by_a_far_arrival(client, db, demo)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, "/tech/penalties")
    client.post(f"/tech/penalties/{key}/appeal", data={"csrf_token": token, "reason": "定位漂移"})
    appeal_id = db.scalar(select(PenaltyAppeal.id))
    assert client.get("/console/appeals").status_code == 403

    client.cookies.clear()
    sign_in(client, "quality@demo")
    assert client.get("/tech/penalties").status_code == 403
    token = page_csrf(client, "/console/appeals")
    blank = client.post(
        f"/console/appeals/{appeal_id}/decide", data={"csrf_token": token, "decision": "upheld", "note": ""}
    )
    assert blank.status_code == 422 and "请填写处理意见" in blank.text
    odd = client.post(
        f"/console/appeals/{appeal_id}/decide", data={"csrf_token": token, "decision": "maybe", "note": "x"}
    )
    assert odd.status_code == 422
    db.commit()
    assert db.get(PenaltyAppeal, appeal_id).status == "open"


def test_another_tenants_penalties_and_appeals_are_not_reachable_from_the_pages(client, world, db, sign_in):
    demo = world.demo
    key = suspended_by_a_far_arrival(client, db, demo)
    sign_in(client, "tech01@demo")
    token = page_csrf(client, "/tech/penalties")
    client.post(f"/tech/penalties/{key}/appeal", data={"csrf_token": token, "reason": "定位漂移"})
    appeal_id = db.scalar(select(PenaltyAppeal.id))

    client.cookies.clear()
    sign_in(client, "tech01@acme")
    token = page_csrf(client, "/tech/penalties")
    assert REASON not in client.get("/tech/penalties").text
    assert (
        client.post(f"/tech/penalties/{key}/appeal", data={"csrf_token": token, "reason": "x"}).status_code
        == 404
    )
    client.cookies.clear()
    sign_in(client, "quality@acme")
    token = page_csrf(client, "/console/appeals")
    assert "定位漂移" not in client.get("/console/appeals").text
    foreign = client.post(
        f"/console/appeals/{appeal_id}/decide",
        data={"csrf_token": token, "decision": "overturned", "note": "x"},
    )
    assert foreign.status_code == 404
    db.commit()
    assert db.get(PenaltyAppeal, appeal_id).status == "open"


def test_an_imprecise_fix_shows_on_the_order_pages_in_words_and_costs_nothing(client, world, db, sign_in):
    demo = world.demo
    order_id = arrived(client, demo, FAR | {"accuracy_m": 1500})
    sign_in(client, "tech01@demo")
    page = client.get(f"/tech/orders/{order_id}")
    assert "位置精度不足" in page.text and "定位精度 ±1500 米" in page.text and "未自动扣分" in page.text
    assert "距离地址过远" not in page.text
    assert re.search(r'id="points">0<', client.get("/tech/penalties").text)
    client.cookies.clear()
    sign_in(client, "dispatcher@demo")
    panel = client.get(f"/console?order={order_id}")
    assert "位置精度不足" in panel.text and "imprecise_position_m" not in visible_text(panel.text)
