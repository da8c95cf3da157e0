"""No page reaches another tenant's order, nor (within a tenant) another customer's or technician's: every
page route with an ``{order_id}`` is tried, by enumeration, so a new page cannot slip past."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import CSRF_TOKEN, World
from tests.dates import far_day
from tests.helpers import report

FAR_DAY = far_day()
PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
FORM = {
    "technician_id": "1",
    "reason": "x",
    "note": "x",
    "signature": PNG,
    "preferred": "tomorrow_am",
    "visit_fee": "50",
    "start": f"{FAR_DAY}T02:00:00+00:00",
    "category": "attitude",
    "description": "x",
}


def page_routes(app) -> list[tuple[str, str]]:
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        contexts = list(app.routes)
    else:
        contexts = list(iter_route_contexts(app.routes))
    found = []
    for context in contexts:
        route = getattr(context, "original_route", context)
        if isinstance(route, APIRoute) and not route.include_in_schema and "{order_id}" in context.path:
            found += [(m, context.path) for m in sorted(context.methods - {"HEAD", "OPTIONS"})]
    return found


def concrete(path: str, order_id: int) -> str:
    return re.sub(
        r"\{(\w+)\}",
        lambda m: {
            "order_id": str(order_id),
            "photo_id": "1",
            "adjustment_id": "1",
            "action": "depart",
            "decision": "approve",
        }[m.group(1)],
        path,
    )


def test_the_enumeration_finds_the_pages(app) -> None:
    routes = page_routes(app)
    assert ("POST", "/console/orders/{order_id}/assign") in routes
    assert ("GET", "/portal/orders/{order_id}") in routes
    assert len(routes) >= 15, routes


@pytest.mark.parametrize(
    "login",
    ["admin@acme", "dispatcher@acme", "tech01@acme", "customer01@acme", "customer02@demo", "tech02@demo"],
)
def test_no_page_reaches_an_order_it_may_not_see(
    app, client: TestClient, world: World, login: str, sign_in
) -> None:
    order = report(client, world.demo).json()
    # Assigned to demo's tech01, so tech02 is a stranger to it too.
    from anxin.work_order.models import WorkOrder

    session = app.state.sessionmaker()
    row = session.get(WorkOrder, order["id"])
    row.technician_id, row.status = world.demo.technician_id, "assigned"
    session.commit()
    session.close()
    sign_in(client, login)
    token = CSRF_TOKEN.search(client.get("/login").text).group(1)
    before = client.get(
        "/api/v1/work-orders/{}".format(order["id"]), headers=world.demo.headers("admin")
    ).json()
    for method, path in page_routes(app):
        url = concrete(path, order["id"])
        if method == "POST":
            files = {"file": ("a.png", base64.b64decode(PNG.split(",")[1]), "image/png")}
            answer = client.request(method, url, data={**FORM, "csrf_token": token}, files=files)
        else:
            answer = client.request(method, url)
        assert answer.status_code in (403, 404), f"{method} {url} as {login}: {answer.status_code}"
        assert "冰箱不制冷" not in answer.text, f"{method} {url} as {login} shows the order"
    after = client.get(
        "/api/v1/work-orders/{}".format(order["id"]), headers=world.demo.headers("admin")
    ).json()
    assert after["version"] == before["version"] and after["status"] == before["status"]
