"""Input the platform cannot hold is a clear 4xx, never a 500: an id beyond a 64-bit key in any path,
filter or body is refused naming the field (``anxin.fields``), what still slips past reaches the database
and becomes 422 ``invalid_input`` (``main.py``), and a page form's version or coordinates that are no
number in range are an error page."""

from __future__ import annotations

import base64
import io
import json

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import DataError

from anxin.work_order.models import ServiceReport, WorkOrderPhoto
from tests.conftest import World, page_csrf
from tests.helpers import act, report, walk

BIG = 2**63  # one more than the largest key a signed 64-bit column holds


def refused_naming(answer, field: str) -> bool:
    body = answer.json()["error"]
    return (
        answer.status_code == 422
        and body["code"] == "validation_error"
        and field in [problem["field"] for problem in body["errors"]]
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/api/v1/work-orders/{BIG}", "path.order_id"),
        (f"/api/v1/work-orders/{BIG}/events", "path.order_id"),
        (f"/api/v1/work-orders?customer_id={BIG}", "query.customer_id"),
        (f"/api/v1/work-orders?technician_id={BIG}", "query.technician_id"),
        (f"/api/v1/catalog/models?category_id={BIG}", "query.category_id"),
        ("/api/v1/catalog/models?category_id=11563314478223673344", "query.category_id"),
        (f"/api/v1/catalog/models?brand_id={BIG}", "query.brand_id"),
        (f"/api/v1/catalog/models/{BIG}", "path.model_id"),
        (f"/api/v1/appliances/{BIG}", "path.appliance_id"),
        (f"/api/v1/appliances/{BIG}/warranty", "path.appliance_id"),
        (f"/api/v1/customers/{BIG}", "path.customer_id"),
        (f"/api/v1/customers/{BIG}/appliances", "path.customer_id"),
        (f"/api/v1/technicians/{BIG}", "path.technician_id"),
        (f"/api/v1/technicians?outlet_id={BIG}", "query.outlet_id"),
        (f"/api/v1/technicians/{BIG}/scorecard", "path.technician_id"),
        (f"/api/v1/dispatch/plans/{BIG}", "path.plan_id"),
        (f"/api/v1/dispatch/plans?outlet_id={BIG}", "query.outlet_id"),
        (f"/api/v1/complaints/{BIG}", "path.complaint_id"),
        (f"/api/v1/work-orders/{BIG}/survey", "path.order_id"),
        (f"/api/v1/work-orders/{BIG}/slots", "path.order_id"),
        (f"/api/v1/work-orders/{BIG}/candidates", "path.order_id"),
        ("/api/v1/work-orders/0", "path.order_id"),
        ("/api/v1/customers/-1", "path.customer_id"),
    ],
)
def test_an_id_beyond_a_key_in_a_path_or_filter_is_refused_naming_it(client, world: World, path, field):
    # Given staff signed in
    headers = world.demo.headers("admin")
    # When an id no key can hold is asked for
    answer = client.get(path, headers=headers)
    # Then it is a 422 naming the parameter, not a 500
    assert refused_naming(answer, field), answer.text


@pytest.mark.parametrize(
    ("method", "path", "role", "field"),
    [
        ("POST", f"/api/v1/work-orders/{BIG}/accept", "agent", "path.order_id"),
        ("POST", f"/api/v1/work-orders/{BIG}/claim", "technician", "path.order_id"),
        ("POST", f"/api/v1/inbox/{BIG}/read", "customer", "path.item_id"),
        ("POST", f"/api/v1/tasks/{BIG}/take", "admin", "path.task_id"),
        ("POST", f"/api/v1/notifications/outbox/{BIG}/redeliver", "admin", "path.message_id"),
        ("DELETE", f"/api/v1/notifications/webhooks/{BIG}", "admin", "path.endpoint_id"),
        ("POST", f"/api/v1/complaints/{BIG}/register", "admin", "path.complaint_id"),
        ("POST", f"/api/v1/technicians/{BIG}/reinstate", "quality", "path.technician_id"),
        ("POST", f"/api/v1/dispatch/plans/{BIG}/replan", "admin", "path.plan_id"),
    ],
)
def test_an_id_beyond_a_key_in_a_path_of_a_change_is_refused_naming_it(
    client, world: World, method, path, role, field
):
    answer = client.request(method, path, headers=world.demo.headers(role))
    assert refused_naming(answer, field), answer.text


def test_ids_beyond_a_key_in_a_report_are_refused_naming_the_field(client, world: World):
    demo = world.demo
    for overrides, field in (
        ({"customer_id": BIG}, "customer_id"),
        ({"appliance_id": BIG}, "appliance_id"),
        ({"extra_appliance_ids": [BIG]}, "extra_appliance_ids.0"),
        ({"address_id": BIG}, "address_id"),
    ):
        # When an agent reports with an id no key can hold
        answer = report(client, demo, **overrides)
        # Then the field is named and nothing was stored
        assert refused_naming(answer, field), answer.text
    assert client.get("/api/v1/work-orders", headers=demo.headers("agent")).json()["total"] == 0


def test_ids_and_versions_beyond_range_in_bodies_are_refused_naming_the_field(client, world: World):
    demo = world.demo
    order = report(client, demo).json()
    url = f"/api/v1/work-orders/{order['id']}"
    model = client.get("/api/v1/catalog/models", headers=demo.headers("admin")).json()[0]
    appliance = {
        "product_model_id": model["id"],
        "serial_number": "SN-BIG-0001",
        "purchase_date": "2020-01-01",
        "purchase_channel": "jd",
    }
    cases = [
        ("POST", f"{url}/accept", "agent", {"version": BIG}, "version"),
        ("POST", f"{url}/accept", "agent", {"version": 0}, "version"),
        ("POST", f"{url}/assign", "dispatcher", {"technician_id": BIG}, "technician_id"),
        ("POST", f"{url}/send-to-outlet", "dispatcher", {"outlet_id": BIG}, "outlet_id"),
        (
            "POST",
            f"{url}/book-slot",
            "agent",
            {"start": "2030-01-01T09:00:00+08:00", "version": BIG},
            "version",
        ),
        (
            "POST",
            f"/api/v1/customers/{demo.customer_id}/appliances",
            "agent",
            {**appliance, "product_model_id": BIG},
            "product_model_id",
        ),
        (
            "POST",
            f"/api/v1/customers/{demo.customer_id}/appliances",
            "agent",
            {**appliance, "address_id": BIG},
            "address_id",
        ),
        (
            "POST",
            "/api/v1/catalog/models",
            "admin",
            {
                "brand_id": BIG,
                "category_code": "refrigerator",
                "model_code": "X1",
                "name": "x",
                "warranty_months": 12,
            },
            "brand_id",
        ),
        (
            "POST",
            "/api/v1/catalog/models",
            "admin",
            {
                "brand_id": model["brand_id"],
                "category_code": "refrigerator",
                "model_code": "X2",
                "name": "x",
                "warranty_months": 12,
                "key_part_months": {"compressor": BIG},
            },
            "key_part_months.compressor",
        ),
        (
            "POST",
            "/api/v1/complaints",
            "admin",
            {"category": "attitude", "description": "态度差", "work_order_id": BIG},
            "work_order_id",
        ),
        (
            "POST",
            "/api/v1/complaints",
            "admin",
            {"category": "attitude", "description": "态度差", "customer_id": BIG},
            "customer_id",
        ),
        ("PUT", "/api/v1/dispatch/policies", "admin", [{"outlet_id": BIG}], "0.outlet_id"),
        ("POST", "/api/v1/complaints/1/resolve", "admin", {"compensation_fen": BIG}, "compensation_fen"),
        ("POST", "/api/v1/dispatch/plans", "admin", {"date": "2030-01-01", "outlet_id": BIG}, "outlet_id"),
    ]
    for method, path, role, body, field in cases:
        # When a body carries a number no column holds
        answer = client.request(method, path, json=body, headers=demo.headers(role))
        # Then it is refused naming the field
        assert refused_naming(answer, field), (path, answer.text)
    assert client.get(url, headers=demo.headers("agent")).json()["status"] == "created"


def test_a_photo_id_beyond_a_key_is_refused_naming_it(client, world: World):
    order = report(client, world.demo).json()
    answer = client.get(
        f"/api/v1/work-orders/{order['id']}/photos/{BIG}", headers=world.demo.headers("agent")
    )
    assert refused_naming(answer, "path.photo_id"), answer.text


def test_a_number_the_database_cannot_hold_is_a_clear_422_on_a_page(client, world: World, sign_in):
    # Given a customer signed in to the portal
    sign_in(client, "customer01@demo")
    # When a page is asked for an order id no key can hold
    answer = client.get(f"/portal/orders/{BIG}")
    # Then it is the caller's input: a 422, not a 500
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("invalid_input", "validation_error")


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("Python int too large to convert to SQLite INTEGER"),
        DataError("SELECT 1", {}, Exception("value out of range for type bigint")),
    ],
)
def test_an_overflow_in_the_database_is_a_422_invalid_input(app: FastAPI, client, error):
    # Given a route that meets the driver's overflow (SQLite) or PostgreSQL's numeric_value_out_of_range
    def overflowing() -> None:
        raise error

    app.add_api_route("/test-only/overflow", overflowing)
    # When it is called
    answer = client.get("/test-only/overflow", headers={"Accept-Language": "en"})
    # Then the caller hears of a value out of range, in the one error shape
    assert answer.status_code == 422
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "request: a value is out of range",
        "field": "request",
    }


def _en_route(client, world: World, sign_in) -> tuple[int, str, int]:
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="depart")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order['id']}")
    version = client.get(f"/api/v1/work-orders/{order['id']}", headers=world.demo.headers("agent")).json()
    return order["id"], token, version["version"]


@pytest.mark.parametrize(
    ("lat", "lng", "field"),
    [
        ("inf", "120.12", "lat"),
        ("-Infinity", "120.12", "lat"),
        ("nan", "120.12", "lat"),
        ("91", "120.12", "lat"),
        ("30.27", "inf", "lng"),
        ("30.27", "181", "lng"),
        ("30.27", "east", "lng"),
    ],
)
def test_the_tech_apps_arrival_refuses_a_location_that_is_no_place(
    client: TestClient, world: World, sign_in, lat, lng, field
):
    # Given an order the technician is on the way to, and the technician's app open on it
    order_id, token, version = _en_route(client, world, sign_in)
    # When the arrival carries a coordinate that is not a finite number in range
    answer = client.post(
        f"/tech/orders/{order_id}/act/arrive",
        data={"csrf_token": token, "version": str(version), "lat": lat, "lng": lng},
        follow_redirects=False,
    )
    # Then an error page names the coordinate and the order has not moved
    assert answer.status_code == 422, answer.text
    assert field in answer.text and "<html" in answer.text
    read = client.get(f"/api/v1/work-orders/{order_id}", headers=world.demo.headers("agent")).json()
    assert read["status"] == "en_route"


def test_the_tech_apps_arrival_with_a_real_place_or_none_goes_through(
    client: TestClient, world: World, sign_in
):
    order_id, token, version = _en_route(client, world, sign_in)
    answer = client.post(
        f"/tech/orders/{order_id}/act/arrive",
        data={"csrf_token": token, "version": str(version), "lat": "", "lng": ""},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    read = client.get(f"/api/v1/work-orders/{order_id}", headers=world.demo.headers("agent")).json()
    assert read["status"] == "on_site"


@pytest.mark.parametrize("version", ["²", "٣", "1e3", str(2**63)])
def test_a_page_forms_version_that_is_no_plain_number_is_an_error_page(
    client: TestClient, world: World, sign_in, version
):
    # Given an order the technician is on the way to
    order_id, token, _ = _en_route(client, world, sign_in)
    # When the arrival's form carries a version that is not a plain number
    answer = client.post(
        f"/tech/orders/{order_id}/act/arrive",
        data={"csrf_token": token, "version": version, "lat": "30.27", "lng": "120.12"},
        follow_redirects=False,
    )
    # Then it is an error page naming the version, not a 500, and the order has not moved
    assert answer.status_code == 422, answer.text
    assert "version" in answer.text
    read = client.get(f"/api/v1/work-orders/{order_id}", headers=world.demo.headers("agent")).json()
    assert read["status"] == "en_route"


def test_the_api_refuses_coordinates_that_are_not_finite(client, world: World):
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="acknowledge")
    for body, field in (
        ({"lat": float("inf"), "lng": 120.1}, "lat"),
        ({"lat": 30.2, "lng": float("nan")}, "lng"),
    ):
        answer = client.post(
            f"/api/v1/work-orders/{order['id']}/depart",
            content=json.dumps(body),  # NaN and Infinity, as Python's json writes them
            headers={**world.demo.headers("technician"), "Content-Type": "application/json"},
        )
        assert refused_naming(answer, field), answer.text
    assert (
        act(client, world.demo, order["id"], "technician", "depart", {"lat": 30.2, "lng": 120.1}).status_code
        == 200
    )


def test_the_technicians_location_refuses_an_accuracy_that_is_not_finite(client, world: World):
    # When the app reports a location whose accuracy is infinite
    answer = client.post(
        "/api/v1/technicians/me/location",
        content=json.dumps({"lat": 30.2, "lng": 120.1, "accuracy_m": float("inf")}),
        headers={**world.demo.headers("technician"), "Content-Type": "application/json"},
    )
    # Then it is refused naming the field
    assert refused_naming(answer, "accuracy_m"), answer.text


def test_the_completion_form_refuses_a_location_that_is_no_place_before_storing_anything(
    client: TestClient, world: World, sign_in, db
):
    # Given an order under way and the technician's completion form
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="start")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order['id']}")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(png, format="PNG")
    signature = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    # When it is sent with a latitude of infinity
    answer = client.post(
        f"/tech/orders/{order['id']}/complete",
        data={
            "csrf_token": token,
            "note": "更换温控器",
            "signature": signature,
            "lat": "inf",
            "lng": "120.12",
        },
        follow_redirects=False,
    )
    # Then an error page names the latitude, the order is not completed and no signature was kept
    assert answer.status_code == 422, answer.text
    assert "lat" in answer.text
    read = client.get(f"/api/v1/work-orders/{order['id']}", headers=world.demo.headers("agent")).json()
    assert read["status"] == "in_progress"
    assert db.scalar(select(func.count()).select_from(WorkOrderPhoto)) == 0


def test_a_quote_form_with_an_amount_or_quantity_out_of_bounds_is_an_error_page(
    client: TestClient, world: World, sign_in
):
    # Given the technician on site
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="arrive")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order['id']}")
    for fee in ("NaN", "inf", "1e400", "-1", "100000.01"):
        # When the price of a line typed by hand is not an amount, or out of range
        answer = client.post(
            f"/tech/orders/{order['id']}/quote",
            data={"csrf_token": token, "other_desc": "密封胶", "other_amount": fee},
        )
        # Then the page says so, naming the field
        assert answer.status_code == 422 and "other_amount" in answer.text, (fee, answer.text)
    for field, value in (("qty_1", "1.5"), ("qty_1", "1000"), ("qty_x", "1"), ("other_qty", "-1")):
        data = {"csrf_token": token, field: value, "other_desc": "密封胶", "other_amount": "1"}
        answer = client.post(f"/tech/orders/{order['id']}/quote", data=data)
        assert answer.status_code == 422 and field in answer.text, (field, value, answer.text)


def test_a_month_past_the_calendars_end_is_a_clear_422(client, world: World):
    # Given quality reading the complaint figures
    headers = world.demo.headers("quality")
    # When the month is the calendar's last, whose following month does not exist
    answer = client.get("/api/v1/complaints/stats", params={"month": "9999-12"}, headers=headers)
    # Then it is refused naming the month, not a 500
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"] == {
        "code": "invalid_input",
        "message": "month: 月份格式为 YYYY-MM",
        "field": "month",
    }


def test_a_parts_quantity_that_is_a_digit_only_to_python_counts_as_one(
    client: TestClient, world: World, sign_in, db
):
    # Given an order under way and the technician's completion form
    order = report(client, world.demo).json()
    walk(client, world.demo, order["id"], until="start")
    sign_in(client, "tech01@demo")
    token = page_csrf(client, f"/tech/orders/{order['id']}")
    png = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(png, format="PNG")
    signature = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    # When a part's quantity is "²" (str.isdigit says yes, int() says no)
    answer = client.post(
        f"/tech/orders/{order['id']}/complete",
        data={
            "csrf_token": token,
            "note": "更换温控器",
            "signature": signature,
            "used_name": "温控器",
            "used_qty": "²",
            "used_amount": "120",
        },
        follow_redirects=False,
    )
    # Then the order is completed with one of the part, as for any quantity that is not a plain number
    assert answer.status_code == 303, answer.text
    done = client.get(f"/api/v1/work-orders/{order['id']}", headers=world.demo.headers("agent")).json()
    assert done["status"] == "completed"
    kept = db.scalar(select(ServiceReport).where(ServiceReport.work_order_id == order["id"]))
    assert kept.parts_used == [{"name": "温控器", "quantity": 1, "amount_fen": 12000}]
