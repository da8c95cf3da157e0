"""Nothing internal reaches a customer, continued (``test_customer_words.py`` holds the check itself, the
order texts and pages): every other code a customer's page looks up by a key (complaints, payments and
their adjustments and invoice, contracts, trade-in, triage, the assistant, units), the complaint page in
every status, the contact and assistant pages, the appliance's telemetry as the customer reads it (alert
statuses and causes, rule names, the health answer of the API, a proactive order's page, the proactive
tip for every default rule), and the service report PDF's own text, in Chinese and English."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select, update

from anxin.catalog.codes import CategoryCode
from anxin.contract.models import KINDS as CONTRACT_KINDS
from anxin.feedback.complaints.states import CATEGORIES as COMPLAINT_CATEGORIES
from anxin.feedback.complaints.states import Status as ComplaintStatus
from anxin.feedback.models import Complaint
from anxin.knowledge.codes import FaultCode
from anxin.notify.templates import render
from anxin.pricing.codes import UNIT_NAMES
from anxin.pricing.payment_models import APPROVED, DISCOUNT, ISSUED, REFUND, REJECTED, REQUESTED
from anxin.telemetry import health, health_words, rules
from anxin.telemetry.models import TelemetryAlert, TelemetryRule
from anxin.tradein.codes import AgeBand, Condition
from anxin.work_order import report
from anxin.work_order.models import WorkOrder
from tests.conftest import World
from tests.feedback.helpers import completed_order
from tests.pricing.test_payments_api import pay, payable_order
from tests.telemetry.health_scene import at, connect
from tests.telemetry.support import send, strings, warm_rule
from tests.web.test_customer_words import assert_plain, read_as, visible

LANGUAGES = ("zh", "en")


def more_codes() -> dict[str, list[str]]:
    """The keys the customer's pages look up by a code (``t(prefix ~ code)``) beyond the first test's."""
    return {
        "complaint status": [f"fb_{s}" for s in ComplaintStatus],
        "complaint category": [f"fb_{c}" for c in COMPLAINT_CATEGORIES],
        "complaint action": ["fb_confirm", "fb_reopen"],
        "amount due": [f"pay_st_{s}" for s in ("none", "unpaid", "pending")],
        "adjustment": [f"pay_a_{s}" for s in (REQUESTED, APPROVED, REJECTED)],
        "adjustment kind": [f"pay_k_{k}" for k in (DISCOUNT, REFUND)],
        "invoice": [f"pay_inv_{s}" for s in (REQUESTED, ISSUED)],
        "contract kind": [f"ct_kind_{k}" for k in CONTRACT_KINDS],
        "contract category": [f"ct_cat_{c}" for c in CategoryCode],
        "care visit": ["ct_svc_cleaning", "ct_svc_maintenance"],
        "trade-in category": [f"ti_cat_{c}" for c in CategoryCode],
        "trade-in age": [f"tib_{b}" for b in AgeBand],
        "trade-in condition": [f"tic_{c}" for c in Condition] + [f"tih_{c}" for c in Condition],
        "triage fault": [f"fault_{f}" for f in FaultCode],
        "triage category": [f"kcat_{c}" for c in CategoryCode],
        "assistant": [
            f"as_st_{s}" for s in ("open", "resolved_remote", "booked", "handed_off", "with_agent")
        ],
        "price unit": [f"unit_{u}" for u in UNIT_NAMES],
        "my data": [
            f"pd_{k}" for k in ("orders", "appliances", "addresses", "surveys", "complaints", "messages")
        ],
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_other_code_a_customer_page_looks_up_has_plain_words(app, language: str) -> None:
    # given the pages' words (every page module has added its own once the app is built)
    from anxin.web import i18n

    # then each code has its words, themselves free of codes
    for kind, keys in more_codes().items():
        for key in keys:
            word = i18n.translate(language, key)
            assert word != key, f"{kind}: no words for {key!r}"
            assert_plain(word, language, f"{kind} {key}")


def test_the_complaint_page_in_every_status(client: TestClient, world: World, sessionmaker_) -> None:
    # given the customer's complaint about a completed order, in each status a complaint can be in
    demo = world.demo
    order_id = completed_order(client, demo)
    answer = client.post(
        "/api/v1/complaints",
        json={"category": "attitude", "description": "师傅迟到了", "work_order_id": order_id},
        headers=demo.headers("customer"),
    )
    assert answer.status_code == 201, answer.text
    complaint_id = answer.json()["id"]
    for status in ComplaintStatus:
        with sessionmaker_() as db:
            db.execute(update(Complaint).where(Complaint.id == complaint_id).values(status=str(status)))
            db.commit()
        # then the customer's page reads in plain words
        read_as(client, demo.users["customer"], [f"/portal/complaints/{complaint_id}"])
    # and the contact and assistant pages too
    read_as(client, demo.users["customer"], ["/portal/contact", "/portal/assistant"])


# --- telemetry ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_alert_words_and_every_default_rules_name(language: str) -> None:
    index = 1 if language == "en" else 0
    for status, names in rules.STATUS_NAMES.items():
        assert_plain(names[index], language, f"alert status {status}")
    for name in (*health.COMPONENTS.values(), *health_words.STATES.values(), rules.code_name("E1")):
        assert_plain(name[index], language, f"health words {name}")
    for rule in rules.DEFAULTS:
        name = rule["name_en"] if language == "en" else rule["name_zh"]
        assert_plain(name, language, f"rule {rule['cause']}")
        # and the tip a customer is sent about it, for its appliance
        context = {
            "appliance": rule["category"],
            "issue": rule["name_zh"],
            "issue_en": rule["name_en"],
            "tip": "先断电5分钟后再开机",
        }
        rendered = render("proactive.alert_tip", context, language)
        assert_plain(f"{rendered.title}\n{rendered.body}", language, f"tip for {rule['cause']}")
        # and the reading of a threshold or counter rule, as a proactive order states it
        reading = health_words.reading_text(
            TelemetryRule(**{"above": True, "hold_minutes": 0, **rule}), 10.2749
        )
        if reading is not None:
            assert_plain(reading, language, f"reading of {rule['cause']}")
            assert "10.2749" not in reading and "10.27" not in reading


def test_the_customers_health_answer_and_proactive_order_in_plain_words(
    client: TestClient, world: World, db
) -> None:
    # given the customer's refrigerator running warm (12.2749 °C past a 10 °C rule) and showing E1
    demo = world.demo
    key = connect(client, demo, db, fridge=12.0)
    warm_rule(db, demo)
    send(client, key, [at(demo, 1, metrics={"fridge_temp_c": 12.2749})])

    # then the customer's answer of the API is words in both languages
    url = f"/api/v1/appliances/{demo.appliance_id}/health"
    for language in LANGUAGES:
        answer = client.get(url, headers={**demo.headers("customer"), "Accept-Language": language})
        assert answer.status_code == 200, answer.text
        texts = [t for t in strings(answer.json()) if not t[:4].isdigit()]  # the times are ISO 8601
        assert_plain("\n".join(texts), language, f"health API ({language})")
        assert "E1" not in "\n".join(texts) and "12.27" not in "\n".join(texts)

    # and when the warm alert becomes a proactive order, the customer's order page states the reading
    alert = db.scalar(select(TelemetryAlert).where(TelemetryAlert.cause == "warm"))
    converted = client.post(f"/api/v1/alerts/{alert.id}/convert", headers=demo.headers("dispatcher"))
    assert converted.status_code == 200, converted.text
    order_id = converted.json()["work_order_id"]
    read_as(client, demo.users["customer"], [f"/portal/orders/{order_id}"])
    page = visible(client.get(f"/portal/orders/{order_id}").text)
    assert "冷藏室温度 12.3 °C，超过安全值 10 °C" in page and "12.27" not in page


# --- the service report ---------------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("method", ["cash", "card"])
def test_the_service_report_pdf_reads_in_plain_words(
    client: TestClient, world: World, db, settings, method
) -> None:
    # given a paid order (nothing covered) and an order in warranty with nothing to pay
    demo = world.demo
    paid = payable_order(client, demo, until="complete")
    assert pay(client, demo, paid, method, who="technician").status_code == 201
    free = completed_order(client, demo)
    db.commit()
    for order_id in (paid, free):
        order = db.get(WorkOrder, order_id)
        for language in LANGUAGES:
            # when the report is printed, then the words read back from the PDF hold no code
            text = pdf_text(report.pdf_for(db, order=order, upload_dir=settings.upload_dir, lang=language))
            assert_plain(text, language, f"service report {order.number} ({language})")
            if language == "zh":  # English words may name the appliance ("the refrigerator")
                assert order.category_code not in text and str(order.service_type) not in text
            assert ("维修保修" if language == "zh" else "Repair warranty") in text
    paid_text = pdf_text(report.pdf_for(db, order=db.get(WorkOrder, paid), upload_dir=settings.upload_dir))
    assert ("现金" if method == "cash" else "银行卡") in paid_text and method not in paid_text
