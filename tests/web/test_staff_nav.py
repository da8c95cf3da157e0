"""The one staff navigation (``web/staff_nav.py``, drawn by ``base.html``): each role sees only the links the
permission table lets it open, every link it sees opens for it (no 403, no 404), each link's action is the
one its page really checks, every staff page is in it (or said not to be), and each role lands on its own
page after signing in (an admin on the dashboard)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from anxin.auth.permissions import PERMISSIONS
from anxin.auth.roles import STAFF, Role
from anxin.web import staff_nav
from anxin.web.staff_nav import LANDING, LINKS
from tests.conftest import PASSWORD, World, page_csrf
from tests.test_access_matrix import app_routes

STAFF_ROLES = sorted(r.value for r in STAFF)
NAV = re.compile(r'<ul class="staff-nav" id="staff-nav">(.*?)class="lang"', re.S)  # up to the language link
HREF = re.compile(r'<a href="(/[^"]*)"')

# Staff GET routes without a path parameter that are not pages of their own, so not in the navigation.
NOT_IN_NAV = {
    "/console/queue": "the queue's table for HTMX polling",
    "/console/intake/triage": "the intake form's live triage fragment",
    "/console/map/data": "the map's JSON",
    "/console/board/data": "the board's JSON",
    "/console/board/check": "the board's drop check (JSON)",
    "/dashboard/export.xlsx": "the dashboard's Excel download (a button on the dashboard)",
}


def nav_links(html: str) -> list[str]:
    found = NAV.search(html)
    assert found, "no staff navigation on the page"
    return HREF.findall(found.group(1))


def allowed(role: str) -> list[str]:
    return [link.path for link in LINKS if Role(role) in PERMISSIONS[link.action]]


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_each_role_sees_only_its_links_and_every_one_opens(
    client: TestClient, world: World, sign_in, role: str
) -> None:
    sign_in(client, f"{role}@demo")
    landing = client.get(LANDING[Role(role)])
    assert landing.status_code == 200, landing.text[:500]

    shown = nav_links(landing.text)

    assert shown == allowed(role)  # exactly the permitted pages, in the table's order
    assert len(shown) == len(set(shown))
    for path in shown:  # walk the navigation: every link opens for this role, with the same navigation
        page = client.get(path, follow_redirects=False)
        assert page.status_code == 200, f"{role} {path}: {page.status_code}"
        assert nav_links(page.text) == shown, path
        assert f'<a href="{path}" aria-current="page">' in page.text  # the page is marked as the current one


def test_links_a_role_may_not_open_are_refused_and_not_shown(
    client: TestClient, world: World, sign_in
) -> None:
    sign_in(client, "quality@demo")
    page = client.get("/console/complaints").text
    assert 'href="/console"' not in page and 'href="/console/audit"' not in page
    assert client.get("/console").status_code == 403  # the table says so, and so does the page
    assert client.get("/console/audit").status_code == 403


def test_each_link_names_the_action_its_page_checks(app) -> None:
    routes, _ = app_routes(app)
    guard = {r.path: r.guard for r in routes if r.method == "GET" and not r.api}
    for link in LINKS:
        assert link.path in guard, f"{link.path} is no page of the app"
        assert guard[link.path] == link.action, f"{link.path}: the page checks {guard[link.path]}"


def test_every_staff_page_is_in_the_navigation(app) -> None:
    """A new staff page without a path parameter gets a row in ``LINKS`` (or a reason here)."""
    routes, _ = app_routes(app)
    linked = {link.path for link in LINKS}
    for route in routes:
        if route.method != "GET" or route.api or "{" in route.path or route.guard in (None, "signed in"):
            continue
        if not PERMISSIONS[route.guard] & STAFF or not route.path.startswith(("/console", "/dashboard")):
            continue
        assert route.path in linked or route.path in NOT_IN_NAV, f"{route.path} is in no navigation"


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_lands_on_its_own_page_after_signing_in(
    client: TestClient, world: World, role: str
) -> None:
    login = {"customer": "customer01", "technician": "tech01"}.get(role, role)
    answer = client.post(
        "/login",
        data={"login": f"{login}@demo", "password": PASSWORD, "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303  # (a customer with a password too: the demo's land on the portal)
    assert answer.headers["location"] == LANDING[Role(role)]
    assert client.get("/", follow_redirects=False).headers["location"] == LANDING[Role(role)]
    assert client.get(LANDING[Role(role)]).status_code == 200


def test_the_admin_lands_on_the_dashboard_with_the_navigation(client: TestClient, world: World) -> None:
    answer = client.post(
        "/login",
        data={"login": "admin@demo", "password": PASSWORD, "csrf_token": page_csrf(client)},
        follow_redirects=True,
    )
    assert answer.url.path == "/dashboard"
    assert "经营看板" in answer.text and 'id="staff-nav"' in answer.text
    assert '<a class="brand" href="/dashboard">' in answer.text  # the brand leads back to the landing page


def test_technicians_and_customers_keep_their_own_navigation(
    client: TestClient, world: World, sign_in
) -> None:
    sign_in(client, "tech01@demo")
    page = client.get("/tech").text
    assert 'id="staff-nav"' not in page and 'href="/dashboard"' not in page
    sign_in(client, "dispatcher@demo")
    assert 'id="staff-nav"' in client.get("/console").text


def test_the_navigation_speaks_english_with_the_page(client: TestClient, world: World, sign_in) -> None:
    sign_in(client, "admin@demo")
    page = client.get("/dashboard?lang=en").text
    shown = nav_links(page)
    assert shown == allowed("admin")
    assert ">Dashboard</a>" in page and ">Schedule board</a>" in page and "☰ Menu</label>" in page


def test_the_current_link_is_the_longest_path_above_the_page() -> None:
    assert staff_nav.current_path("/console") == "/console"
    assert staff_nav.current_path("/console/settlements/7") == "/console/settlements"
    assert staff_nav.current_path("/console/settlement-rules") == "/console/settlement-rules"
    assert staff_nav.current_path("/console/orders/7/payments") == "/console"
    assert staff_nav.current_path("/portal") is None
