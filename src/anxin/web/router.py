"""Every page router and the static files, attached to the app in one call from ``main.py``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from anxin.routing import add_routes
from anxin.web import (
    assistant_pages,
    auth_pages,
    complaint_pages,
    console_map,
    console_pages,
    contract_pages,
    dashboard_pages,
    inbox_pages,
    knowledge_pages,
    parts_pages,
    payment_pages,
    portal_appliances,
    portal_pages,
    portal_slots,
    pricing_pages,
    privacy_pages,
    quote_pages,
    scorecard_pages,
    settlement_pages,
    survey_pages,
    tech_day,
    tech_pages,
    telemetry_pages,
    tradein_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount ``/static`` and include the staff sign-in, console, technician and portal pages."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth_pages,
        console_map,
        console_pages,
        tech_day,
        tech_pages,
        quote_pages,
        portal_appliances,
        portal_pages,
        portal_slots,
        survey_pages,
        complaint_pages,
        scorecard_pages,
        dashboard_pages,
        inbox_pages,
        privacy_pages,
        pricing_pages,
        parts_pages,
        knowledge_pages,
        assistant_pages,
        contract_pages,
        payment_pages,
        tradein_pages,
        settlement_pages,
        telemetry_pages,
    ):
        add_routes(app, module.router)
