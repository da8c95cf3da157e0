"""Every response carries the security headers; the pages' Content-Security-Policy runs no inline script,
and the pages carry none for it to block; the API's documentation pages get a policy they work under."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from anxin.web import router as pages

TEMPLATES = Path(pages.__file__).parent / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: its sources}."""
    header = response.headers["content-security-policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


@pytest.mark.parametrize(
    "path",
    ["/login", "/portal/login", "/healthz", "/api/v1/work-orders", "/static/app.js", "/no-such-page"],
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    # given a page, the API (signed out: refused), a static file and a page that does not exist
    # when each is read
    response = client.get(path)

    # then each carries the headers, whatever its status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = policy(response)
    assert csp["frame-ancestors"] == "'none'"
    assert csp["script-src"] == "'self'"  # no inline script, no eval
    assert csp["object-src"] == "'none'" and csp["default-src"] == "'self'"


def test_a_refusal_carries_them_too(client: TestClient, world) -> None:
    # given a technician reaching for another technician's order
    response = client.get("/api/v1/work-orders/987654321", headers=world.demo.headers("technician"))

    # then the error answer has the headers as well
    assert response.status_code == 404
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_the_templates_carry_no_inline_script_and_no_inline_handler() -> None:
    # given every template of the pages
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        # when their script tags and attributes are read
        for attributes in SCRIPT_TAG.findall(text):
            if "src=" not in attributes and 'type="application/json"' not in attributes:
                found.append(f"{template.name}: inline <script{attributes}>")
        for handler in HANDLER.findall(text):
            found.append(f"{template.name}: inline handler {handler.strip()}")
        if "javascript:" in text:
            found.append(f"{template.name}: a javascript: URL")
        if re.search(r"hx-trigger=\"[^\"]*\[", text):
            found.append(f"{template.name}: an hx-trigger filter (htmx evaluates it: needs eval)")
    # then there is none: the policy would block it
    assert not found, "\n".join(found)


def test_the_docs_page_may_run_its_own_inline_script_and_nothing_else(client: TestClient) -> None:
    # given FastAPI's Swagger UI, which starts with an inline script and loads from jsDelivr
    response = client.get("/docs")

    # then its policy allows jsDelivr and exactly the inline scripts the page carries, by their hash
    assert response.status_code == 200
    csp = policy(response)
    scripts = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert scripts
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "https://cdn.jsdelivr.net" in csp["script-src"] and "unsafe-inline" not in csp["script-src"]
    assert csp["frame-ancestors"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    # and Redoc's page gets the fonts and the worker it needs
    redoc = policy(client.get("/redoc"))
    assert "https://fonts.gstatic.com" in redoc["font-src"] and "blob:" in redoc["worker-src"]
