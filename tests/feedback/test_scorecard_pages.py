"""The scorecard page (``/console/scorecards``): quality sees every technician's figures and flags, and
reinstates a suspended technician through a CSRF-checked form; a technician may not open it. The page
router is included here until the lead adds it to ``web/router.py``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from anxin.technician.models import Technician, TechnicianQualityEvent
from anxin.web import scorecard_pages
from tests.conftest import CSRF_TOKEN

NOW = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)


@pytest.fixture
def pages(app):
    if not any(getattr(r, "path", "") == "/console/scorecards" for r in app.routes):
        app.include_router(scorecard_pages.router)
    return app


def suspend(db, technician_id: int) -> None:
    technician = db.get(Technician, technician_id)
    technician.auto_dispatch, technician.suspended_at = False, NOW
    technician.suspension_reason, technician.grade = "low_rating_run", "silver"
    db.commit()


def test_quality_sees_the_cards_and_reinstates_a_suspended_technician(pages, client, world, db, sign_in):
    demo = world.demo
    suspend(db, demo.technician_id)
    sign_in(client, "quality@demo")

    page = client.get("/console/scorecards?month=2026-11")
    assert page.status_code == 200, page.text
    assert "王师傅" in page.text and "李师傅" in page.text
    assert "连续低分" in page.text and "银牌" in page.text
    assert f"/console/scorecards/{demo.technician_id}/reinstate" in page.text
    assert f"/console/scorecards/{demo.other_technician_id}/reinstate" not in page.text
    token = CSRF_TOKEN.search(page.text).group(1)

    forged = client.post(
        f"/console/scorecards/{demo.technician_id}/reinstate",
        data={"note": "复训合格", "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    done = client.post(
        f"/console/scorecards/{demo.technician_id}/reinstate",
        data={"note": "复训合格", "month": "2026-11", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    db.expire_all()
    assert db.get(Technician, demo.technician_id).auto_dispatch is True
    event = db.query(TechnicianQualityEvent).one()
    assert (event.action, event.note, event.actor_id) == ("reinstated", "复训合格", demo.users["quality"].id)


def test_a_technician_cannot_open_the_scorecards(pages, client, world, sign_in):
    sign_in(client, "tech01@demo")
    assert client.get("/console/scorecards").status_code == 403


def test_the_console_links_to_the_scorecards(pages, client, world, sign_in):
    sign_in(client, "dispatcher@demo")
    page = client.get("/console")
    assert page.status_code == 200
    assert 'href="/console/scorecards"' in page.text
