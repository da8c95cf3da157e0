"""Every page router and the static files, attached to the app in one call from ``main.py``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from anxin.routing import add_routes
from anxin.web import (
    appeal_pages,
    assistant_pages,
    auth_pages,
    board_api,
    board_pages,
    complaint_pages,
    console_map,
    console_pages,
    contract_pages,
    dashboard_pages,
    health_pages,
    inbox_pages,
    intake_pages,
    knowledge_pages,
    parts_pages,
    payment_pages,
    portal_appliances,
    portal_pages,
    portal_signup,
    portal_slots,
    portal_tabs,
    portal_track,
    pricing_pages,
    privacy_pages,
    proactive_pages,
    quote_pages,
    scorecard_pages,
    settlement_pages,
    survey_pages,
    tech_appointment,
    tech_day,
    tech_offline,
    tech_pages,
    tech_photo,
    telemetry_pages,
    tradein_pages,
    visit_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """Mount ``/static`` and include the staff sign-in, console, technician and portal pages."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (
        auth_pages,
        console_map,
        console_pages,
        board_pages,
        board_api,
        tech_day,
        tech_offline,
        tech_pages,
        tech_appointment,
        tech_photo,
        quote_pages,
        portal_appliances,
        portal_pages,
        portal_slots,
        portal_signup,
        portal_tabs,
        portal_track,
        survey_pages,
        complaint_pages,
        scorecard_pages,
        appeal_pages,
        dashboard_pages,
        inbox_pages,
        intake_pages,
        visit_pages,
        privacy_pages,
        proactive_pages,
        pricing_pages,
        parts_pages,
        knowledge_pages,
        assistant_pages,
        contract_pages,
        payment_pages,
        tradein_pages,
        settlement_pages,
        telemetry_pages,
        health_pages,  # after portal_appliances: /portal/appliances/new is not an appliance id
    ):
        add_routes(app, module.router)
