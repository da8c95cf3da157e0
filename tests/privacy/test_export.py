"""The personal-data export (``privacy/export.py``): everything held about a customer as one JSON
document, for the customer themselves (API and portal) and for an admin on the customer's request; every
export is written to the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.auth.permissions import PERMISSIONS, Action
from tests.privacy.helpers import COMMENT, COMPLAINT, FAULT, PHONE, STREET, serve

ROLES = ("customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin")


def path(world) -> str:
    return f"/api/v1/customers/{world.customer_id}/personal-data"


def test_the_customer_gets_everything_held_about_them(client, world, sessionmaker_, settings):
    # Given customer01, served once from report to close
    demo = world.demo
    served = serve(client, demo, sessionmaker_, settings)
    # When they ask for their data
    answer = client.get(path(demo), headers=demo.headers("customer"))
    # Then one document holds their record, address, appliance, order with its events, survey, complaint,
    # the messages sent to them and their portal account
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["format"] == "anxin.personal-data/1"
    assert data["customer"]["phone"] == PHONE and data["customer"]["name"] == "张三"
    assert [address["detail"] for address in data["addresses"]] == [STREET]
    assert [appliance["id"] for appliance in data["appliances"]] == [demo.appliance_id]
    assert data["appliances"][0]["brand"] == "海尔" and data["appliances"][0]["category"] == "refrigerator"
    (order,) = data["orders"]
    assert (order["number"], order["status"], order["fault_description"]) == (
        served.order_number,
        "closed",
        FAULT,
    )
    assert [photo["id"] for photo in order["photos"]] == [served.photo_id]
    assert order["quotes"] and order["quotes"][0]["total_fen"] == 25000
    assert "service_report" in order  # none: completed over the API without the report form
    # the order's events exactly as the customer reads them on the order
    events = client.get(
        f"/api/v1/work-orders/{served.order_id}/events", headers=demo.headers("customer")
    ).json()
    assert order["events"] == events
    assert [survey["comment"] for survey in data["surveys"]] == [COMMENT]
    assert [complaint["description"] for complaint in data["complaints"]] == [COMPLAINT]
    assert {message["channel"] for message in data["messages"]} >= {"inbox", "sms"}
    assert all(message["title"] or message["body"] for message in data["messages"])
    assert [account["username"] for account in data["portal_accounts"]] == ["customer01"]
    assert data["consents"] == []
    # and what staff wrote each other stays out: no staff note of the complaint's events
    notes = [event["note"] for complaint in data["complaints"] for event in complaint["events"]]
    assert all(note is None for note in notes)


def test_the_export_is_audited_with_who_asked_and_on_what_grounds(client, world):
    demo = world.demo
    own = client.get(path(demo), headers=demo.headers("customer"))
    on_request = client.get(
        path(demo), params={"reason": "客户 12 月 5 日来电索取"}, headers=demo.headers("admin")
    )
    assert own.status_code == on_request.status_code == 200
    listed = client.get("/api/v1/audit", params={"action": "customer.export"}, headers=demo.headers("admin"))
    rows = listed.json()["items"]
    assert [(row["actor_role"], row["actor_name"], row["note"]) for row in rows] == [
        ("admin", "admin", "客户 12 月 5 日来电索取"),
        ("customer", f"customer:{demo.customer_id}", None),
    ]
    assert {row["object_id"] for row in rows} == {demo.customer_id}
    assert PHONE not in json.dumps(rows)  # the customer's account name holds the phone: never logged


@pytest.mark.parametrize("role", ROLES)
def test_who_may_export(client, world, role):
    # The permission table says who (the customer and the admin); the customer only their own record
    demo = world.demo
    answer = client.get(path(demo), headers=demo.headers(role))
    expected = 200 if role in PERMISSIONS[Action.PERSONAL_DATA_EXPORT] else 403
    assert answer.status_code == expected, answer.text
    other = client.get(
        f"/api/v1/customers/{demo.other_customer_id}/personal-data", headers=demo.headers(role)
    )
    assert other.status_code == {"customer": 404, "admin": 200}.get(role, 403)


def test_a_refused_export_leaves_no_trace_and_another_tenant_is_not_found(client, world, sessionmaker_):
    demo, acme = world.demo, world.acme
    assert client.get(path(demo), headers=acme.headers("admin")).status_code == 404
    assert client.get(path(demo), headers=demo.headers("other_customer")).status_code == 404
    assert client.get(path(demo), headers=demo.headers("quality")).status_code == 403
    with sessionmaker_() as db:
        assert db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.export")).all() == []


def test_the_portal_shows_what_is_held_and_downloads_the_same_document(
    client, world, sessionmaker_, settings, sign_in
):
    demo = world.demo
    serve(client, demo, sessionmaker_, settings)
    sign_in(client, "customer01@demo")
    page = client.get("/portal/my-data")
    assert page.status_code == 200
    assert "我的数据" in page.text and 'href="/portal/my-data.json"' in page.text
    assert "<dt>工单</dt><dd>1</dd>" in page.text.replace("\n", "").replace("    ", "")
    download = client.get("/portal/my-data.json")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/json")
    assert download.headers["content-disposition"].startswith('attachment; filename="anxin-my-data-')
    document = download.json()
    from_api = client.get(path(demo), headers=demo.headers("customer")).json()
    assert {key: value for key, value in document.items() if key != "generated_at"} == {
        key: value for key, value in from_api.items() if key != "generated_at"
    }
    with sessionmaker_() as db:
        exports = db.scalars(select(AuditEvent).where(AuditEvent.action == "customer.export")).all()
        assert len(exports) == 2  # the download and the API call


def test_the_admin_downloads_on_request_only_with_grounds(client, world, sign_in):
    demo = world.demo
    sign_in(client, "admin@demo")
    url = f"/console/privacy/customers/{demo.customer_id}/personal-data.json"
    refused = client.get(url)
    assert refused.status_code == 422 and "请写明依据" in refused.text
    done = client.get(url, params={"reason": "客户来电"})
    assert done.status_code == 200 and done.json()["customer"]["id"] == demo.customer_id
    # a customer reaching the console's download gets their own record only
    client.cookies.clear()
    sign_in(client, "customer02@demo")
    assert client.get(url, params={"reason": "x"}).status_code == 404
