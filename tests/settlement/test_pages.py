"""Settlement's pages: the outlet manager submits a finished order and answers a statement; the admin
reviews closures, generates statements, resolves a dispute, keeps the fee rules and the repair warranty."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from anxin.pricing.models import PricingPolicy
from anxin.settlement.models import ClosureReview, FeeRule, Statement
from tests.conftest import CSRF_TOKEN
from tests.settlement.matrix import matrix_scene
from tests.settlement.support import finished_order, last_month, second_outlet, set_rules


class Browser:
    """A signed-in person on the pages: ``post`` carries the session's CSRF token and follows nothing."""

    def __init__(self, client, sign_in):
        self.client, self._sign_in, self.token = client, sign_in, ""

    def as_(self, login: str) -> Browser:
        self._sign_in(self.client, login)
        self.token = CSRF_TOKEN.search(self.client.get("/console/settlements?lang=zh").text or "").group(1)
        return self

    def get(self, url: str):
        return self.client.get(url)

    def post(self, url: str, data: dict | None = None):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, follow_redirects=False)


def test_closure_on_the_pages(client, world, sessionmaker_, sign_in):
    browser = Browser(client, sign_in)
    order_id = finished_order(client, sessionmaker_, world.demo)
    # the outlet manager sees the finished order and submits it
    browser.as_("outlet_manager@demo")
    page = browser.get("/console/closure")
    assert page.status_code == 200 and "待提交封单的完工工单" in page.text
    sent = browser.post("/console/closure/submit", data={"order_id": order_id, "note": "齐全"})
    assert sent.status_code == 303, sent.text[-600:]
    # the admin rejects it without a reason: refused; with one: sent back
    browser.as_("admin@demo")
    with sessionmaker_() as db:
        review_id = db.scalar(select(ClosureReview.id))
    queue = browser.get("/console/closure")
    assert f"review-{review_id}" in queue.text and "待审核" in queue.text
    blank = browser.post(f"/console/closure/{review_id}/reject", data={"reason": "  "})
    assert blank.status_code == 422
    assert browser.post(f"/console/closure/{review_id}/reject", data={"reason": "缺照片"}).status_code == 303
    # the outlet manager sees why, and submits it again; the admin approves it
    browser.as_("outlet_manager@demo")
    assert "缺照片" in browser.get("/console/closure").text
    browser.post("/console/closure/submit", data={"order_id": order_id})
    browser.as_("admin@demo")
    assert browser.post(f"/console/closure/{review_id}/approve").status_code == 303
    with sessionmaker_() as db:
        assert db.get(ClosureReview, review_id).status == "approved"


def test_statements_on_the_pages(client, world, sessionmaker_, sign_in):
    browser = Browser(client, sign_in)
    set_rules(client, world.demo)
    order_id = finished_order(client, sessionmaker_, world.demo)
    browser.as_("outlet_manager@demo")
    browser.post("/console/closure/submit", data={"order_id": order_id})
    browser.as_("admin@demo")
    with sessionmaker_() as db:
        review_id = db.scalar(select(ClosureReview.id))
    browser.post(f"/console/closure/{review_id}/approve")
    # the admin generates last month's statements
    made = browser.post("/console/settlements", data={"month": last_month()})
    assert made.status_code == 303
    with sessionmaker_() as db:
        statement_id = db.scalar(select(Statement.id))
    listing = browser.get(made.headers["location"])
    assert "已生成 1 份结算单" in listing.text and "¥90.00" in listing.text
    # the outlet manager reads it, downloads it, disputes it; the admin resolves; the manager confirms
    browser.as_("outlet_manager@demo")
    page = browser.get(f"/console/settlements/{statement_id}")
    assert page.status_code == 200 and "待网点确认" in page.text and "工程师薪酬" in page.text
    book = browser.get(f"/console/settlements/{statement_id}.xlsx")
    assert load_workbook(BytesIO(book.content)).sheetnames == ["结算明细", "工程师薪酬"]
    assert (
        browser.post(f"/console/settlements/{statement_id}/dispute", data={"reason": ""}).status_code == 422
    )
    browser.post(f"/console/settlements/{statement_id}/dispute", data={"reason": "单价不对"})
    browser.as_("admin@demo")
    assert "单价不对" in browser.get(f"/console/settlements/{statement_id}").text
    browser.post(f"/console/settlements/{statement_id}/resolve", data={"resolution": "已核对"})
    browser.as_("outlet_manager@demo")
    browser.post(f"/console/settlements/{statement_id}/confirm")
    english = browser.get(f"/console/settlements/{statement_id}?lang=en")
    assert "Confirmed" in english.text and "Service fee" in english.text


def test_rules_and_warranty_on_the_pages(client, world, sessionmaker_, sign_in):
    browser = Browser(client, sign_in)
    browser.as_("admin@demo")
    page = browser.get("/console/settlement-rules")
    assert page.status_code == 200 and "维修质保期" in page.text
    added = browser.post(
        "/console/settlement-rules",
        data={"kind": "commission", "level": "senior", "rate": "45.5"},
    )
    assert added.status_code == 303
    with sessionmaker_() as db:
        rule = db.scalar(select(FeeRule))
        assert (rule.kind, rule.level, rule.rate_bp) == ("commission", "senior", 4550)
    assert browser.post("/console/settlement-rules", data={"kind": "base", "amount": "-3"}).status_code == 422
    assert browser.post("/console/settlement-rules", data={"kind": "nope"}).status_code == 422
    assert "45.5%" in browser.get("/console/settlement-rules").text
    browser.post(f"/console/settlement-rules/{rule.id}/remove")
    assert browser.post("/console/settlement-rules/warranty", data={"days": "999"}).status_code == 422
    assert browser.post("/console/settlement-rules/warranty", data={"days": "120"}).status_code == 303
    with sessionmaker_() as db:
        assert db.scalar(select(FeeRule)) is None
        assert db.scalar(select(PricingPolicy.repair_warranty_days)) == 120
    # an outlet manager does not reach the rules
    browser.as_("outlet_manager@demo")
    assert browser.get("/console/settlement-rules").status_code == 403


def test_the_pages_hide_other_tenants_and_outlets(client, world, sessionmaker_, sign_in, password_hash):
    with sessionmaker_() as db:
        demo = matrix_scene(db, world.demo, order_id=finished_order(client, sessionmaker_, world.demo))
        db.commit()
    second_outlet(sessionmaker_, world.demo, password_hash)
    browser = Browser(client, sign_in).as_("admin@acme")
    assert browser.get(f"/console/settlements/{demo.statement_id}").status_code == 404
    assert browser.get(f"/console/settlements/{demo.statement_id}.xlsx").status_code == 404
    assert browser.post(f"/console/closure/{demo.review_id}/approve").status_code == 404
    assert browser.post(f"/console/settlement-rules/{demo.rules['page']}/remove").status_code == 404
    assert f"review-{demo.review_id}" not in browser.get("/console/closure").text
    browser.as_("outlet_west@demo")
    assert browser.get(f"/console/settlements/{demo.statement_id}").status_code == 404
    assert browser.post(f"/console/settlements/{demo.statement_id}/confirm").status_code == 404
    assert f"statement-{demo.statement_id}" not in browser.get("/console/settlements").text
