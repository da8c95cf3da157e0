"""Customers: one per phone per tenant, found by phone or name, seen only by those who should."""

from __future__ import annotations

import pytest

from anxin.customer.phone import normalise_mobile
from anxin.masking import mask_phone as mask

ADDRESS = {
    "province": "浙江省",
    "city": "杭州市",
    "district": "滨江区",
    "detail": "江南大道 88 号",
    "lat": 30.21,
    "lng": 120.21,
    "area_type": "urban",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("0086-138-1234-5678", "13812345678"),
        ("86 19912345678", "19912345678"),
        ("12812345678", None),
        ("1381234567", None),
        ("138123456789", None),
        ("0571-88888888", None),
        ("abc", None),
    ],
)
def test_mainland_mobile_numbers_are_normalised_or_refused(raw, expected):
    assert normalise_mobile(raw) == expected


def test_a_masked_phone_shows_only_its_ends():
    assert mask("13812345678") == "138****5678"


def test_a_known_phone_from_another_channel_meets_the_same_customer(client, world):
    demo = world.demo
    body = {"name": "王五", "phone": "+86 137 0000 0001", "address": ADDRESS}
    first = client.post("/api/v1/customers", json=body, headers=demo.headers("agent"))
    assert first.status_code == 201 and first.json()["phone"] == "13700000001"
    again = client.post(
        "/api/v1/customers",
        json={**body, "phone": "137-0000-0001", "name": "王五（微信）"},
        headers=demo.headers("agent"),
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert again.json()["name"] == "王五" and len(again.json()["addresses"]) == 2
    elsewhere = client.post("/api/v1/customers", json=body, headers=world.acme.headers("agent"))
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]


def test_a_bad_phone_is_refused_naming_the_field(client, world):
    refused = client.post(
        "/api/v1/customers", json={"name": "王五", "phone": "12345"}, headers=world.demo.headers("agent")
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "phone"
    english = client.post(
        "/api/v1/customers",
        json={"name": "王五", "phone": "12345"},
        headers={**world.demo.headers("agent"), "Accept-Language": "en"},
    )
    assert english.json()["error"]["message"].startswith("Invalid request: phone")


@pytest.mark.parametrize(
    ("q", "names"),
    [("13800000001", ["张三"]), ("0002", ["李四"]), ("张", ["张三"]), (None, ["张三", "李四"])],
)
def test_an_agent_finds_customers_by_phone_or_name(client, world, q, names):
    params = {"q": q} if q else {}
    found = client.get("/api/v1/customers", params=params, headers=world.demo.headers("agent")).json()
    assert [c["name"] for c in found["items"]] == names and found["total"] == len(names)


def test_customers_see_only_themselves_and_technicians_see_no_customer_list(client, world):
    demo = world.demo
    assert (
        client.get(f"/api/v1/customers/{demo.customer_id}", headers=demo.headers("customer")).status_code
        == 200
    )
    other = client.get(f"/api/v1/customers/{demo.other_customer_id}", headers=demo.headers("customer"))
    assert other.status_code == 404
    assert client.get("/api/v1/customers", headers=demo.headers("customer")).status_code == 403
    assert client.get("/api/v1/customers", headers=demo.headers("technician")).status_code == 403


def test_a_customer_registers_an_appliance_and_lists_it(client, world):
    demo = world.demo
    model_id = client.get("/api/v1/catalog/models", headers=demo.headers("customer")).json()[0]["id"]
    body = {
        "product_model_id": model_id,
        "serial_number": "SN-NEW-0001",
        "purchase_date": "2026-10-01",
        "purchase_channel": "tmall",
        "install_date": "2026-10-03",
    }
    created = client.post(
        f"/api/v1/customers/{demo.customer_id}/appliances", json=body, headers=demo.headers("customer")
    )
    assert created.status_code == 201, created.text
    listed = client.get(f"/api/v1/customers/{demo.customer_id}/appliances", headers=demo.headers("customer"))
    assert created.json()["id"] in [a["id"] for a in listed.json()]
    backwards = client.post(
        f"/api/v1/customers/{demo.customer_id}/appliances",
        json={**body, "install_date": "2026-09-01"},
        headers=demo.headers("customer"),
    )
    assert backwards.status_code == 422
    bad_channel = client.post(
        f"/api/v1/customers/{demo.customer_id}/appliances",
        json={**body, "purchase_channel": "street"},
        headers=demo.headers("customer"),
    )
    assert bad_channel.status_code == 422 and bad_channel.json()["error"]["field"] == "purchase_channel"
    foreign_model = client.get("/api/v1/catalog/models", headers=world.acme.headers("admin")).json()[0]["id"]
    refused = client.post(
        f"/api/v1/customers/{demo.customer_id}/appliances",
        json={**body, "product_model_id": foreign_model},
        headers=demo.headers("customer"),
    )
    assert refused.status_code == 404


def test_a_search_gives_its_pages_and_the_total(client, world):
    headers = world.demo.headers("agent")
    second = client.get("/api/v1/customers", params={"page": 2, "page_size": 1}, headers=headers).json()
    assert [c["name"] for c in second["items"]] == ["李四"] and second["total"] == 2
    by_digits = client.get(
        "/api/v1/customers", params={"q": "0001", "page_size": 1, "page": 2}, headers=headers
    )
    assert by_digits.json()["items"] == [] and by_digits.json()["total"] == 1


@pytest.mark.parametrize("q", ["%", "_", "%三", "_三", "张%", "/", "\\", "%%%"])
def test_like_wildcards_in_a_search_match_only_themselves(client, world, q):
    # Given two customers, 张三 and 李四, neither with a wildcard in their name
    # When an agent searches with LIKE's wildcards (or the escape character)
    found = client.get("/api/v1/customers", params={"q": q}, headers=world.demo.headers("agent"))
    # Then they match nobody, rather than everybody
    assert found.status_code == 200, found.text
    assert found.json()["items"] == [] and found.json()["total"] == 0


def test_a_name_with_a_percent_sign_or_an_underscore_is_found_by_it(client, world):
    # Given customers whose names hold LIKE's special characters
    headers = world.demo.headers("agent")
    for name, phone in (
        ("100%满意", "13800000011"),
        ("1000满意", "13800000012"),
        ("王_五", "13800000013"),
        ("王小五", "13800000014"),
    ):
        assert (
            client.post("/api/v1/customers", json={"name": name, "phone": phone}, headers=headers).status_code
            == 201
        )
    # When an agent searches by the beginning of such a name
    percent = client.get("/api/v1/customers", params={"q": "100%"}, headers=headers).json()
    underscore = client.get("/api/v1/customers", params={"q": "王_"}, headers=headers).json()
    # Then exactly the names that begin with those characters are found
    assert [c["name"] for c in percent["items"]] == ["100%满意"]
    assert [c["name"] for c in underscore["items"]] == ["王_五"]
