"""The follow-up and complaint pages over TestClient: the customer's survey behind the link, the portal's
complaint form, and the desk's task and complaint pages, each posting with the CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin import clock
from anxin.feedback.followup import surveys as followup
from anxin.feedback.models import Complaint, ServiceTask
from anxin.work_order.models import WorkOrder
from tests.conftest import CSRF_TOKEN, World, page_session
from tests.feedback.helpers import completed_order, fresh, survey_of, token_of

STARS = {"attitude": "5", "skill": "5", "punctuality": "4", "promises": "5", "overall": "5", "nps": "10"}


def portal_as(client: TestClient, world: World, role: str = "customer") -> None:
    """A signed portal session for a demo customer (the one-time-code sign-in has its own tests)."""
    page_session(client, world.demo.users[role])


def form_token(page) -> str:
    return CSRF_TOKEN.search(page.text).group(1)


def test_the_customer_answers_the_survey_page_and_gets_a_thank_you(client, world, db):
    order_id = completed_order(client, world.demo)
    path = f"/s/{token_of(db, order_id)}"

    page = client.get(path)
    assert page.status_code == 200
    assert db.get(WorkOrder, order_id).number in page.text and "王师傅" in page.text
    assert page.text.count('type="radio" name="nps"') == 11
    assert client.post(path, data=STARS).status_code == 403  # no CSRF token

    done = client.post(path, data={**STARS, "comment": "很满意", "csrf_token": form_token(page)})

    assert done.status_code == 200 and "感谢您的评价" in done.text
    survey = survey_of(db, order_id)
    assert (survey.status, survey.comment, survey.nps) == ("answered", "很满意", 10)
    assert db.get(WorkOrder, order_id).status == "followed_up"
    again = client.get(path)
    assert again.status_code == 409 and "已提交" in again.text


def test_a_low_score_on_the_page_promises_a_call(client, world, db):
    order_id = completed_order(client, world.demo)
    path = f"/s/{token_of(db, order_id)}"
    page = client.get(path)

    done = client.post(path, data={**STARS, "attitude": "1", "csrf_token": form_token(page)})

    assert done.status_code == 200 and "24 小时内" in done.text
    fresh(db)
    assert db.scalar(select(Complaint)).status == "draft"


def test_expired_and_tampered_links_show_their_pages(client, world, db):
    order_id = completed_order(client, world.demo)
    token = token_of(db, order_id)

    with time_machine.travel(clock.now() + timedelta(days=8), tick=False):
        expired = client.get(f"/s/{token}")
    tampered = client.get(f"/s/x{token}")

    assert expired.status_code == 410 and "已过期" in expired.text
    assert tampered.status_code == 403 and "无效" in tampered.text


def test_the_portal_order_page_links_to_the_survey_and_the_complaint_form(client, world, db):
    order_id = completed_order(client, world.demo)
    portal_as(client, world)

    page = client.get(f"/portal/orders/{order_id}")
    assert 'id="rate-visit"' in page.text and f"/portal/orders/{order_id}/complaint" in page.text
    rate = client.get(f"/portal/orders/{order_id}/rate", follow_redirects=False)
    assert rate.status_code == 303 and rate.headers["location"] == followup.link(survey_of(db, order_id))

    form = client.get(f"/portal/orders/{order_id}/complaint")
    assert form.status_code == 200 and 'name="description"' in form.text
    sent = client.post(
        f"/portal/orders/{order_id}/complaint",
        data={"category": "price", "description": "多收了上门费", "csrf_token": form_token(form)},
    )

    assert sent.status_code == 200 and re.search(r"CP\d{6}-0001", sent.text)
    fresh(db)
    complaint = db.scalar(select(Complaint))
    assert (complaint.channel, complaint.category, complaint.customer_id) == (
        "web",
        "price",
        world.demo.customer_id,
    )


def test_another_customer_cannot_open_the_complaint_form_of_an_order_not_theirs(client, world, db):
    order_id = completed_order(client, world.demo)
    portal_as(client, world, "other_customer")

    assert client.get(f"/portal/orders/{order_id}/complaint").status_code == 404


def test_the_desk_moves_a_complaint_from_its_page(client, world, db, sign_in):
    order_id = completed_order(client, world.demo)
    complaint_id = client.post(
        "/api/v1/complaints",
        json={
            "category": "attitude",
            "severity": "major",
            "description": "态度差",
            "work_order_id": order_id,
        },
        headers=world.demo.headers("agent"),
    ).json()["id"]
    sign_in(client, "quality@demo")

    listed = client.get("/console/complaints")
    assert listed.status_code == 200 and f"/console/complaints/{complaint_id}" in listed.text
    detail = client.get(f"/console/complaints/{complaint_id}")
    assert "指定负责人" in detail.text
    moved = client.post(
        f"/console/complaints/{complaint_id}/assign",
        data={"owner_id": str(world.demo.users["quality"].id), "csrf_token": form_token(detail)},
    )

    assert moved.status_code == 200 and "开始调查" in moved.text
    fresh(db)
    assert db.get(Complaint, complaint_id).owner_id == world.demo.users["quality"].id
    illegal = client.post(
        f"/console/complaints/{complaint_id}/close", data={"csrf_token": form_token(detail)}
    )
    assert illegal.status_code == 409


def test_an_agent_records_the_follow_up_call_from_the_task_page(client, world, db, sign_in):
    order_id = completed_order(client, world.demo)
    followup.sweep(db, now=clock.now() + timedelta(hours=49))
    db.commit()
    task_id = db.scalar(select(ServiceTask.id))
    sign_in(client, "agent@demo")

    tasks = client.get("/console/tasks")
    assert tasks.status_code == 200 and f"/console/tasks/{task_id}/survey" in tasks.text
    form = client.get(f"/console/tasks/{task_id}/survey")
    recorded = client.post(f"/console/tasks/{task_id}/survey", data={**STARS, "csrf_token": form_token(form)})

    assert recorded.status_code == 200 and "没有待办任务" in recorded.text
    survey = survey_of(db, order_id)
    assert (survey.answered_via, survey.answered_by_id) == ("phone", world.demo.users["agent"].id)
    assert db.get(ServiceTask, task_id).status == "done"


def test_the_complaint_desk_shows_the_months_figures(client, world, sign_in):
    # Given two complaints registered in December 2026, one of them closed with the technician responsible
    demo = world.demo
    with time_machine.travel("2026-12-03 02:00:00+00:00", tick=False):
        order_id = completed_order(client, world.demo)
        made = [
            client.post(
                "/api/v1/complaints",
                json={"work_order_id": order_id, "category": category, "description": "测试"},
                headers=demo.headers("agent"),
            ).json()["id"]
            for category in ("attitude", "price")
        ]
        quality = demo.headers("quality")
        steps = [
            ("assign", {"owner_id": demo.users["quality"].id}),
            ("investigate", None),
            ("resolve", {"resolution": "已致歉"}),
        ]
        for action, body in steps:
            assert (
                client.post(f"/api/v1/complaints/{made[0]}/{action}", json=body, headers=quality).status_code
                == 200
            )
        assert (
            client.post(f"/api/v1/complaints/{made[0]}/confirm", headers=demo.headers("agent")).status_code
            == 200
        )
        closed = client.post(
            f"/api/v1/complaints/{made[0]}/close", json={"responsibility": "technician"}, headers=quality
        )
        assert closed.status_code == 200, closed.text
        # When quality opens the desk
        sign_in(client, "quality@demo")
        page = client.get("/console/complaints").text
        other_month = client.get("/console/complaints?month=2026-11").text  # signed in on the same clock
    # Then the month's card counts them by category and responsibility
    card = page[
        page.index('id="complaint-stats"') : page.index("</section>", page.index('id="complaint-stats"'))
    ]
    assert "2026-12" in card
    assert re.search(r"登记</dt><dd>2</dd>", card) and re.search(r"已关闭</dt><dd>1</dd>", card)
    assert "服务态度 1" in card and "收费 1" in card and "工程师 1" in card
    # and another month shows none of them
    assert "登记</dt><dd>0</dd>" in other_month
