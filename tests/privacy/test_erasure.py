"""Erasure on request (``privacy/erasure.py``): the customer asks in the portal, an admin erases; the
person is gone for good, the orders' facts stay (the KPIs read the same), the customer can no longer sign
in, a second erasure changes nothing, and an open order or complaint holds it back with a clear 409."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from anxin import clock
from anxin.audit.models import AuditEvent
from anxin.auth.models import LoginCode, User
from anxin.customer.models import Address, Customer
from anxin.feedback.models import Complaint, ServiceTask, Survey
from anxin.notify.models import InboxItem, OutboxMessage
from anxin.privacy.erasure import ERASED_NAME, REDACTED
from anxin.work_order.models import WorkOrder, WorkOrderEvent, WorkOrderPhoto
from tests.conftest import CSRF_TOKEN
from tests.dates import local_today
from tests.helpers import report
from tests.privacy.helpers import COMMENT, COMPLAINT, FAULT, NAME, PHONE, STREET, WRITTEN, serve

PERIOD = {"from": str(local_today() - timedelta(days=30)), "to": str(local_today())}


def erase(client, world, reason="客户 12 月 5 日来电申请删除"):
    return client.post(
        f"/api/v1/customers/{world.customer_id}/erase",
        json={"reason": reason},
        headers=world.headers("admin"),
    )


def kpis(client, world) -> dict:
    """The tenant's KPIs for the last month, overall and by each grouping."""
    figures = {}
    for group in (None, "area", "outlet", "category", "brand"):
        params = PERIOD | ({"group_by": group} if group else {})
        answer = client.get("/api/v1/analytics/kpis", params=params, headers=world.headers("admin"))
        assert answer.status_code == 200, answer.text
        figures[group] = answer.json()
    trend = client.get("/api/v1/analytics/trend", params=PERIOD, headers=world.headers("admin"))
    figures["trend"] = trend.json()
    return figures


def test_erasure_removes_the_person_and_keeps_the_orders_facts(client, world, sessionmaker_, settings):
    # Given customer01, served once from report to close, with a photo, a survey comment and a complaint
    demo = world.demo
    served = serve(client, demo, sessionmaker_, settings)
    with sessionmaker_() as db:
        order_before = db.get(WorkOrder, served.order_id)
        facts = {
            key: getattr(order_before, key)
            for key in (
                "number",
                "status",
                "service_type",
                "category_code",
                "channel",
                "district",
                "created_at",
            )
            + ("completed_at", "closed_at", "warranty_status", "billing_category", "technician_id")
        }
        version = order_before.version
        events_before = [
            (e.action, e.occurred_at) for e in db.scalars(select(WorkOrderEvent).order_by(WorkOrderEvent.id))
        ]
        storage = db.get(WorkOrderPhoto, served.photo_id).storage_key
        survey_scores = db.scalar(select(Survey.overall).where(Survey.work_order_id == served.order_id))
    assert (settings.upload_dir / storage).is_file()
    before = kpis(client, demo)

    # When an admin erases them
    erased = erase(client, demo)

    # Then the answer says what was done
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["customer_id"] == demo.customer_id and body["already"] is False
    assert body["orders_kept"] == 1 and body["photos_deleted"] == 1 and body["accounts_closed"] == 1
    with sessionmaker_() as db:
        customer = db.get(Customer, demo.customer_id)
        # the person: name, phone, household, street and exact place
        assert customer.name == ERASED_NAME and customer.erased_at is not None
        assert customer.phone != PHONE and not customer.phone.isdigit() and len(customer.phone) == 11
        assert not customer.elderly_household and not customer.infant_household
        address = db.scalar(select(Address).where(Address.customer_id == demo.customer_id))
        assert address.detail == REDACTED and address.district == "西湖区"
        assert (address.lat, address.lng) == (30.27, 120.12)  # two decimals kept (about a kilometre)
        # their own words, and numbers written in what others wrote
        order = db.get(WorkOrder, served.order_id)
        assert order.fault_description == REDACTED
        assert db.scalar(select(Survey.comment).where(Survey.work_order_id == served.order_id)) == REDACTED
        assert db.get(Complaint, served.complaint_id).description == REDACTED
        # the photo of their home: the file is gone, the row stays marked
        photo = db.get(WorkOrderPhoto, served.photo_id)
        assert photo.erased_at is not None and photo.lat is None
        # the order's facts are as they were, its events too, and the survey's scores
        assert {key: getattr(order, key) for key in facts} == facts
        assert order.version == version + 1  # one UPDATE of the order
        assert [
            (e.action, e.occurred_at) for e in db.scalars(select(WorkOrderEvent).order_by(WorkOrderEvent.id))
        ] == (events_before)
        assert (
            db.scalar(select(Survey.overall).where(Survey.work_order_id == served.order_id)) == survey_scores
        )
        # nothing left anywhere with their number, name, street or the number they wrote
        left = everything_about(db, demo)
        for secret in (PHONE, NAME, STREET, WRITTEN, FAULT, COMMENT, COMPLAINT):
            where = left.find(secret)
            assert where < 0, f"{secret}: …{left[max(0, where - 300) : where + 60]}"

        assert (
            db.scalars(select(InboxItem).where(InboxItem.recipient == f"customer:{demo.customer_id}")).all()
            == []
        )
        texts = db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
        assert texts and all(message.recipient != PHONE for message in texts)
    assert not (settings.upload_dir / storage).exists()
    # and the KPIs read exactly as before
    assert kpis(client, demo) == before


def everything_about(db, world) -> str:
    """Every row of the tables that hold a customer's data, as one text."""
    rows = []
    for model in (Customer, Address, WorkOrder, WorkOrderEvent, Survey, Complaint, InboxItem, OutboxMessage):
        query = select(model).where(model.tenant_id == world.tenant.id)
        if model is Customer:
            query = query.where(Customer.id == world.customer_id)
        elif hasattr(model, "customer_id"):  # customer02 lives at the same street
            query = query.where(model.customer_id == world.customer_id)
        for row in db.scalars(query):
            rows.append({column.key: getattr(row, column.key) for column in model.__table__.columns})
    for row in db.scalars(select(ServiceTask)):
        rows.append({"title": row.title, "detail": row.detail, "outcome": row.outcome})
    for row in db.scalars(select(User).where(User.tenant_id == world.tenant.id)):
        rows.append({"username": row.username, "display_name": row.display_name})
    for row in db.scalars(select(AuditEvent)):
        rows.append({"actor": row.actor_name, "changes": row.changes, "note": row.note})
    return json.dumps(rows, ensure_ascii=False, default=str)


def test_the_customer_can_no_longer_sign_in(client, world, sessionmaker_, settings, sign_in):
    # Given customer01 signed in to the API and to the portal
    demo = world.demo
    serve(client, demo, sessionmaker_, settings)
    assert client.get("/api/v1/me", headers=demo.headers("customer")).status_code == 200
    sign_in(client, "customer01@demo")
    assert client.get("/portal", follow_redirects=False).status_code == 200
    with sessionmaker_() as db:  # a code they asked for and have not used yet
        db.add(
            LoginCode(
                tenant_id=demo.tenant.id,
                phone=PHONE,
                code_hash="x",
                expires_at=clock.now() + timedelta(minutes=5),
            )
        )
        db.commit()
    # When they are erased
    assert erase(client, demo).status_code == 200
    # Then their token and their page session end, and their number no longer names anyone
    assert client.get("/api/v1/me", headers=demo.headers("customer")).status_code == 401
    assert client.get("/portal", follow_redirects=False).headers["location"].startswith("/portal/login")
    with sessionmaker_() as db:
        assert db.scalars(select(LoginCode).where(LoginCode.phone == PHONE)).all() == []
        account = db.get(User, demo.users["customer"].id)
        assert not account.is_active and PHONE not in account.username and account.display_name == ERASED_NAME
    found = client.get("/api/v1/customers", params={"q": PHONE}, headers=demo.headers("agent"))
    assert found.json()["items"] == []
    # and the same person calling again is a new customer, with nothing of the old one
    again = client.post(
        "/api/v1/customers", json={"name": "张三", "phone": PHONE}, headers=demo.headers("agent")
    )
    assert again.status_code == 201 and again.json()["id"] != demo.customer_id


def test_a_second_erasure_changes_nothing_and_says_so(client, world, sessionmaker_, settings):
    demo = world.demo
    serve(client, demo, sessionmaker_, settings)
    first = erase(client, demo)
    assert first.status_code == 200, first.text
    with sessionmaker_() as db:
        audit_rows = len(db.scalars(select(AuditEvent)).all())
    second = erase(client, demo, reason="重复提交")
    assert second.status_code == 200, second.text
    assert second.json() == {**first.json(), "photos_deleted": 0, "accounts_closed": 0, "already": True}
    with sessionmaker_() as db:
        assert len(db.scalars(select(AuditEvent)).all()) == audit_rows
        assert len(db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.erase")).all()) == 1


def test_an_open_order_or_complaint_holds_the_erasure_back(client, world, sessionmaker_):
    # Given an order of customer01 still open, and a complaint of theirs still on the desk
    demo = world.demo
    order = report(client, demo).json()
    complaint = client.post(
        "/api/v1/complaints",
        json={
            "work_order_id": order["id"],
            "channel": "hotline",
            "category": "attitude",
            "description": "态度差",
        },
        headers=demo.headers("agent"),
    ).json()
    # When an admin tries to erase them
    refused = erase(client, demo)
    # Then it is refused, naming what is open, in Chinese and in English, and nothing changed
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "still_in_service"
    assert order["number"] in error["message"] and complaint["number"] in error["message"]
    assert set(error["open"]) == {order["number"], complaint["number"]}
    english = client.post(
        f"/api/v1/customers/{demo.customer_id}/erase",
        json={"reason": "x"},
        headers=demo.headers("admin") | {"Accept-Language": "en"},
    )
    assert english.json()["error"]["message"].startswith("The customer still has open orders")
    with sessionmaker_() as db:
        customer = db.get(Customer, demo.customer_id)
        assert customer.name == NAME and customer.phone == PHONE and customer.erased_at is None
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.erase")).all() == []


def test_only_an_admin_erases_and_a_reason_is_needed(client, world):
    demo = world.demo
    for role in ("agent", "dispatcher", "quality", "outlet_manager", "technician", "customer"):
        refused = client.post(
            f"/api/v1/customers/{demo.customer_id}/erase", json={"reason": "x"}, headers=demo.headers(role)
        )
        assert refused.status_code == 403, role
    for body in ({}, {"reason": ""}, {"reason": "x" * 301}):
        bad = client.post(
            f"/api/v1/customers/{demo.customer_id}/erase", json=body, headers=demo.headers("admin")
        )
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error", body


def test_the_customer_asks_in_the_portal_and_the_admin_erases_from_the_request(
    client, world, sessionmaker_, settings, sign_in
):
    # Given customer01, served once, on their "my data" page
    demo = world.demo
    serve(client, demo, sessionmaker_, settings)
    sign_in(client, "customer01@demo")
    page = client.get("/portal/my-data")
    assert page.status_code == 200 and "申请删除个人信息" in page.text
    token = CSRF_TOKEN.search(page.text).group(1)
    # When they ask to be erased (twice: the second keeps the first request)
    for _ in range(2):
        asked = client.post(
            "/portal/my-data/erasure-request",
            data={"reason": f"不再使用，电话 {WRITTEN}", "csrf_token": token},
            follow_redirects=False,
        )
        assert asked.status_code == 303, asked.text
    # Then one request waits in the admins' queue, due within 15 days, and the page says it was received
    assert "已收到您的删除申请" in client.get("/portal/my-data").text
    with sessionmaker_() as db:
        (task,) = db.scalars(select(ServiceTask).where(ServiceTask.kind == "erasure_request")).all()
        assert task.role == "admin" and task.status == "open"
        assert timedelta(days=14) < task.due_at - task.created_at <= timedelta(days=15)
        audit = db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.erasure_request")).all()
        assert [(row.object_id, row.actor_name) for row in audit] == [
            (demo.customer_id, f"customer:{demo.customer_id}")
        ]
    client.cookies.clear()
    sign_in(client, "admin@demo")
    queue = client.get("/console/privacy")
    assert queue.status_code == 200 and f"/console/privacy/customers/{demo.customer_id}" in queue.text
    summary = client.get(f"/console/privacy/customers/{demo.customer_id}")
    assert summary.status_code == 200 and "138****0001" in summary.text and PHONE not in summary.text
    token = CSRF_TOKEN.search(summary.text).group(1)
    # When the admin erases from the customer's page
    done = client.post(
        f"/console/privacy/customers/{demo.customer_id}/erase",
        data={"reason": "客户在线申请", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    # Then the request is done, its reason gone with the rest, and the queue is empty
    after = client.get(done.headers["location"])
    assert "已删除该客户的个人信息" in after.text and 'id="erase"' not in after.text
    with sessionmaker_() as db:
        task = db.get(ServiceTask, task.id)
        assert task.status == "done" and WRITTEN not in json.dumps(task.detail, ensure_ascii=False)
    assert "暂无待处理的申请" in client.get("/console/privacy").text


def test_the_erase_page_refuses_without_a_reason_on_a_page_of_its_own(client, world, sign_in):
    demo = world.demo
    sign_in(client, "admin@demo")
    token = CSRF_TOKEN.search(client.get(f"/console/privacy/customers/{demo.customer_id}").text).group(1)
    refused = client.post(
        f"/console/privacy/customers/{demo.customer_id}/erase", data={"reason": " ", "csrf_token": token}
    )
    assert (
        refused.status_code == 422 and "请写明依据" in refused.text and "reason_required" not in refused.text
    )
    with_open = report(client, demo).json()
    blocked = client.post(
        f"/console/privacy/customers/{demo.customer_id}/erase", data={"reason": "申请", "csrf_token": token}
    )
    assert blocked.status_code == 409 and with_open["number"] in blocked.text


def test_another_tenants_admin_cannot_erase_or_see_the_customer(client, world, sign_in):
    demo, acme = world.demo, world.acme
    assert erase(client, demo).status_code == 200  # no order at all: erasable, for demo's own admin only
    refused = client.post(
        f"/api/v1/customers/{acme.customer_id}/erase", json={"reason": "x"}, headers=demo.headers("admin")
    )
    assert refused.status_code == 404
    sign_in(client, "admin@acme")
    for path in (
        f"/console/privacy/customers/{demo.customer_id}",
        f"/console/privacy/customers/{demo.customer_id}/personal-data.json?reason=x",
    ):
        assert client.get(path).status_code == 404, path
