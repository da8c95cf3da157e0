"""One permission table for the API and the pages: every guarded route names its action in the table, an
action's API route and its page read the same row, and what a role sees on a page is what the API gives it."""

from __future__ import annotations

from fastapi.routing import APIRoute

from anxin.auth.permissions import PERMISSIONS, Action
from anxin.technician.models import Outlet, Technician


def guards(app) -> dict[tuple[str, str], set[Action | None]]:
    """For every route, the actions its dependencies check (None: a page open to anyone signed in)."""
    found: dict[tuple[str, str], set[Action | None]] = {}

    def walk(dependant, into: set) -> None:
        for sub in dependant.dependencies:
            if hasattr(sub.call, "action"):
                into.add(sub.call.action)
            walk(sub, into)

    for route in app.routes:
        if isinstance(route, APIRoute):
            actions: set[Action | None] = set()
            walk(route.dependant, actions)
            for method in route.methods:
                found[method, route.path] = actions
    return found


def test_an_actions_api_route_and_its_page_read_the_same_row(app):
    found = guards(app)
    pairs = [
        (("GET", "/api/v1/tasks"), ("GET", "/console/tasks"), Action.TASKS_WORK),
        (("GET", "/api/v1/analytics/kpis"), ("GET", "/dashboard"), Action.KPIS_READ),
        (("GET", "/api/v1/scorecards"), ("GET", "/console/scorecards"), Action.SCORECARDS_READ),
        (
            ("POST", "/api/v1/technicians/{technician_id}/reinstate"),
            ("POST", "/console/scorecards/{technician_id}/reinstate"),
            Action.SCORECARDS_REINSTATE,
        ),
        (("GET", "/api/v1/work-orders/{order_id}/candidates"), ("GET", "/console"), Action.DISPATCH_CONSOLE),
    ]
    for api, page, action in pairs:
        assert found[api] == {action} and found[page] == {action}, (api, page)


def test_every_row_of_the_table_guards_some_route(app):
    used = set().union(*guards(app).values())
    assert set(PERMISSIONS) - used == set()
    assert set(PERMISSIONS) == set(Action)


def test_an_outlet_manager_reads_their_own_outlets_scorecards_on_the_page_as_in_the_api(
    client, world, db, sign_in
):
    # Given the second technician at another outlet
    demo = world.demo
    east = Outlet(
        tenant_id=demo.tenant.id,
        code="east",
        name="东区网点",
        kind="own",
        district="上城区",
        lat=30.25,
        lng=120.17,
    )
    db.add(east)
    db.flush()
    db.get(Technician, demo.other_technician_id).outlet_id = east.id
    db.commit()
    api = client.get("/api/v1/scorecards", headers=demo.headers("outlet_manager")).json()
    # When the outlet manager opens the scorecards page
    sign_in(client, "outlet_manager@demo")
    page = client.get("/console/scorecards")
    # Then both show their own technician and not the other outlet's
    assert [card["name"] for card in api["scorecards"]] == ["王师傅"]
    assert page.status_code == 200 and "王师傅" in page.text and "李师傅" not in page.text


def test_the_complaint_desks_monthly_figures_are_for_those_the_api_gives_them_to(client, world, sign_in):
    demo = world.demo
    month = {"month": "2026-11"}
    assert (
        client.get("/api/v1/complaints/stats", params=month, headers=demo.headers("agent")).status_code == 403
    )
    sign_in(client, "agent@demo")
    agent_page = client.get("/console/complaints")
    assert agent_page.status_code == 200 and 'id="complaint-stats"' not in agent_page.text
    client.cookies.clear()
    sign_in(client, "quality@demo")
    assert 'id="complaint-stats"' in client.get("/console/complaints").text
