"""The OpenAPI document as an integrator's tools read it: an ASCII title (a generated client's package
name), one clean and unique operation id per operation (its function names), the one error shape on
every operation, a short unique name per schema, and a 405 that names the methods the path does allow."""

from __future__ import annotations

import re

from anxin.routing import READS, WRITES

METHODS = {"get", "post", "put", "patch", "delete"}


def operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_title_is_ascii_and_names_the_api(app):
    document = app.openapi()
    assert document["info"]["title"].isascii() and "Anxin" in document["info"]["title"]


def test_every_operation_has_a_clean_unique_id(app):
    ids = [operation["operationId"] for _, _, operation in operations(app.openapi())]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    unclean = [i for i in ids if not re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", i) or "api_v1" in i]
    assert not unclean, unclean
    assert {"work_orders_create", "work_orders_get", "customers_search", "dispatch_accept"} <= set(ids)


def test_every_schema_has_its_own_short_name(app):
    # two models of one name in different modules come out as "anxin__dispatch__schemas__PlanRead", which
    # generated clients cannot resolve: each schema's class name must be unique across the API
    qualified = [name for name in app.openapi()["components"]["schemas"] if "__" in name]
    assert not qualified, qualified


def test_every_operation_documents_its_refusals_in_the_one_error_shape(app):
    document = app.openapi()
    assert "ErrorRead" in document["components"]["schemas"]
    missing = []
    for path, method, operation in operations(document):
        if not path.startswith("/api/"):
            continue  # /healthz and /metrics are the operator's, open and without parameters
        expected = READS if method == "get" else WRITES
        for status in expected:
            answer = operation["responses"].get(str(status))
            schema = (answer or {}).get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != "#/components/schemas/ErrorRead":
                missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing


def test_a_method_the_path_does_not_take_is_405_naming_those_it_does(client, world):
    answer = client.delete("/api/v1/catalog/brands", headers=world.demo.headers("admin"))
    assert answer.status_code == 405
    assert answer.json()["error"]["code"]
    allowed = {method.strip() for method in answer.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed and "DELETE" not in allowed
