"""The catalog: the ten categories, brands and models with their warranty policy, kept per tenant."""

from __future__ import annotations


def test_every_tenant_has_the_ten_categories_and_the_service_types(client, world):
    codes = [
        c["code"]
        for c in client.get("/api/v1/catalog/categories", headers=world.demo.headers("agent")).json()
    ]
    assert len(codes) == 10 and {"air_conditioner", "water_purifier", "gas_stove"} <= set(codes)
    types = client.get("/api/v1/catalog/service-types", headers=world.demo.headers("customer")).json()
    assert [t["code"] for t in types] == [
        "installation",
        "repair",
        "maintenance",
        "cleaning",
        "relocation",
        "inspection",
        "recycling",
    ]


def test_an_admin_adds_a_brand_and_a_model_with_a_key_part_policy(client, world):
    admin = world.demo.headers("admin")
    brand = client.post(
        "/api/v1/catalog/brands", json={"code": "gree", "name_zh": "格力", "name_en": "Gree"}, headers=admin
    )
    assert brand.status_code == 201
    body = {
        "brand_id": brand.json()["id"],
        "category_code": "air_conditioner",
        "model_code": "KFR-35GW",
        "name": "云佳 1.5 匹",
        "warranty_months": 72,
        "key_part_months": {"compressor": 120},
    }
    model = client.post("/api/v1/catalog/models", json=body, headers=admin)
    assert model.status_code == 201 and model.json()["key_part_months"] == {"compressor": 120}
    shorter = client.post(
        "/api/v1/catalog/models",
        json={**body, "model_code": "X", "key_part_months": {"fan": 12}},
        headers=admin,
    )
    assert shorter.status_code == 422 and shorter.json()["error"]["field"] == "key_part_months"
    unknown = client.post(
        "/api/v1/catalog/models", json={**body, "model_code": "Y", "category_code": "robot"}, headers=admin
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "category_code"
    again = client.post(
        "/api/v1/catalog/brands", json={"code": "gree", "name_zh": "格力", "name_en": "Gree"}, headers=admin
    )
    assert again.status_code == 422
    assert (
        client.post(
            "/api/v1/catalog/brands",
            json={"code": "tcl", "name_zh": "TCL", "name_en": "TCL"},
            headers=world.demo.headers("agent"),
        ).status_code
        == 403
    )
    acme_brands = client.get("/api/v1/catalog/brands", headers=world.acme.headers("admin")).json()
    assert "gree" not in [b["code"] for b in acme_brands]
