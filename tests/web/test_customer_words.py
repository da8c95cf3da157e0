"""Nothing internal reaches a customer. Every text a customer receives (``notify.templates``'
``CUSTOMER_EVENTS``), in Chinese and English, filled by the code that fills it in production with every
value of each code its context can carry, and every customer page that shows an order's status or
timeline (the order page and its live part in each status, the inbox, payment, contracts, trade-in),
read as a person reads it (tags, scripts and links stripped) and searched for raw codes: snake_case
identifiers and enum values, dotted event names, ``None``, unfilled ``{placeholders}``, floats and
dispatch scores."""

from __future__ import annotations

import html
import re
import string
from datetime import timedelta
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from anxin.appliance.schemas import PurchaseChannel
from anxin.appliance.warranty import BillingCategory, WarrantyStatus
from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.notify import handlers
from anxin.notify.delivery import deliver_due
from anxin.notify.models import OutboxMessage
from anxin.notify.templates import CUSTOMER_EVENTS, TEMPLATES, render
from anxin.pricing import payments
from anxin.pricing.payment_models import METHOD_NAMES, PAYMENT_STATUSES
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from anxin.work_order.schemas import Channel
from anxin.work_order.states import Status
from tests.conftest import World, page_csrf, page_session
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS, plan, sold
from tests.dates import local_today
from tests.helpers import HAPPY_PATH, act, report, walk
from tests.pricing.test_payments_api import CUSTOMER as PAYING_CUSTOMER
from tests.pricing.test_payments_api import payable_order
from tests.telemetry import health_scene
from tests.telemetry.support import send, warm_rule
from tests.tradein.scene import order_of, valued

# Texts that go to staff or technicians only; every text is either this or a customer's.
STAFF_EVENTS = {
    "work_order.assigned_technician",
    "work_order.cancelled_technician",
    "work_order.escalated",
    "sla.at_risk",
    "sla.breached",
    "sla.breached_supervisor",
    "survey.call_task",
    "complaint.reminder",
    "complaint.escalated",
    "evidence.far_from_address",
    "technician.suspended",
    # a technician's penalties and appeals, and quality's desk (feedback/scorecards/penalties.py, appeals.py)
    "technician.penalty",
    "technician.suspended_notice",
    "technician.reinstated",
    "penalty.appeal_filed",
    "penalty.appeal_decided",
    "penalty.appeal_upheld",
    "penalty.appeal_overturned",
}

# Every code a customer's text or page could carry.
ENUMS = [Status, CategoryCode, ServiceType, Channel, PurchaseChannel, BillingCategory, WarrantyStatus]
CODES = {str(v) for enum in ENUMS for v in enum} | set(METHOD_NAMES) | set(PAYMENT_STATUSES)
WORDS = {code for code in CODES if "_" not in code}  # one-word codes: wrong in a Chinese text

# ASCII word edges: in Python's regexes a Chinese character is a word character, so ``\b`` would not
# see "的washing_machine报" as a word.
_A, _Z = r"(?<![A-Za-z0-9_])", r"(?![A-Za-z0-9_])"
RAW = [
    ("snake_case", re.compile(_A + r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+" + _Z)),
    ("event name", re.compile(_A + r"[a-z_]+\.[a-z_]{3,}" + _Z)),
    ("None", re.compile(_A + r"(None|null|True|False|nan|undefined)" + _Z)),
    ("placeholder", re.compile(r"\{[^{}\n]*\}")),
    ("float", re.compile(r"(?<![\d.])\d+\.\d{3,}(?!\d)")),
    ("score", re.compile(r"(得分|[Ss]core)\s*[:：]?\s*\d")),
    ("missing value", re.compile(r"(时间|：|: )\s*—")),
]


def visible(page: str) -> str:
    """The text a person reads of ``page``: no scripts, styles, tags, attributes or links."""
    text = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", page)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    text = html.unescape(text)
    return re.sub(r"https?://\S+", " ", text)


def raw_words(text: str, language: str) -> list[str]:
    found = [f"{name}: {m.group(0)!r}" for name, pattern in RAW for m in pattern.finditer(text)]
    if language == "zh":
        found += [f"code: {w!r}" for w in re.findall(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])", text) if w in WORDS]
    return found


def assert_plain(text: str, language: str, where: str) -> None:
    found = raw_words(text, language)
    assert not found, f"{where} shows {found} in: {text[:600]}"


def test_the_check_catches_what_the_issue_saw() -> None:
    # given the texts customers were shown before, then each one fails the check
    for seen in (
        "您的washing_machine报修已登记",
        "自动派单，得分 50.1",
        "工程师王已出发，预计到达时间 —。",
        "您有一条新通知（work_order.reassigned）。",
        "状态 None",
        "您的{appliance}报修已登记",
        "状态：created",
    ):
        assert raw_words(seen, "zh"), seen
    assert not raw_words("您的洗衣机报修已登记，单号 WO20261205-000020，合计 130.00 元，★ 4.8", "zh")


def test_every_text_is_the_customers_or_the_staffs() -> None:
    assert set(TEMPLATES) == CUSTOMER_EVENTS | STAFF_EVENTS
    told = {rule.event for rule in handlers.RULES.values() if rule.customer}
    assert told <= CUSTOMER_EVENTS


# --- the texts ---------------------------------------------------------------------------------------


def placeholders(event: str) -> set[str]:
    keys: set[str] = set()
    for title, body in TEMPLATES[event].values():
        for text in (title, body):
            keys |= {
                f for _, f, _, _ in string.Formatter().parse(text.replace("[[", "").replace("]]", "")) if f
            }
    return keys


SAMPLE = {
    "number": "WO20261205-000020",
    "complaint_number": "CP20261205-0001",
    "contract_number": "HT20261205000001",
    "technician": "周国峰",
    "eta": "14:35",
    "eta_en": "tomorrow 09:10",
    "window": "明天 14:00–16:00",
    "window_en": "tomorrow 14:00–16:00",
    "total": "130.00",
    "payable": "80.00",
    "amount": "80.00",
    "link": "http://127.0.0.1:8000/portal/orders/1",
    "reason": "客户临时外出",
    "due": "12-06 18:00",
    "plan": "整机延保 2 年",
    "plan_en": "2-year extended warranty",
    "end_date": "2026-12-24",
    "new_end_date": "2028-12-24",
    "price": "629.10",
    "discount": 10,
    "issue": "通讯故障",
    "issue_en": "Fault code E1",
    "tip": "先断电（拔插头或关空气开关）5分钟后再开机试试",
    "run_hours": "1260",
}


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize("event", sorted(CUSTOMER_EVENTS))
def test_each_customer_text_with_every_code_its_context_carries(event: str, language: str) -> None:
    keys = placeholders(event)
    coded = {
        "appliance": CategoryCode,
        "category": CategoryCode,
        "service_type": ServiceType,
        "status": Status,
    }
    unknown = keys - set(SAMPLE) - set(coded) - {"method", "method_en"}
    assert not unknown, f"{event}: give the test a value for {unknown}"
    contexts = [dict(SAMPLE)]
    for key in keys & set(coded):
        contexts += [{**SAMPLE, key: str(value)} for value in coded[key]]
    if {"method", "method_en"} & keys:
        contexts = [
            {**c, "method": zh, "method_en": en} for c in contexts for zh, en in METHOD_NAMES.values()
        ]
    for context in contexts:
        rendered = render(event, context, language)
        assert_plain(f"{rendered.title}\n{rendered.body}", language, f"{event} ({language}) with {context}")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_order_texts_as_the_handlers_fill_them(client, db, world: World, language: str) -> None:
    # given an order walked to its quote, each of its moves' texts for the customer filled by the handler
    # that fills them (with the link ``tell`` adds), for an order of every category and service type
    reported = report(client, world.demo).json()
    walk(client, world.demo, reported["id"], until="quote")
    order = db.get(WorkOrder, reported["id"])
    for action, rule in handlers.RULES.items():
        if not rule.customer:
            continue
        event = WorkOrderEvent(action=action, payload={"reason": "客户临时外出"}, note=None)
        for category in CategoryCode:
            for service_type in ServiceType:
                order.category_code, order.service_type = category, service_type
                context = {**handlers.order_context(db, order, event), "link": SAMPLE["link"]}
                rendered = render(rule.event, context, language)
                assert_plain(f"{rendered.title}\n{rendered.body}", language, f"{rule.event} ({category})")
    db.rollback()


@pytest.mark.parametrize("method", sorted(METHOD_NAMES))
def test_the_payment_text_for_every_method(client, db, world: World, method: str) -> None:
    # given a payment by each method, told to the customer by the code that tells them
    order = db.get(WorkOrder, report(client, world.demo).json()["id"])
    payment = SimpleNamespace(id=10_000 + len(method), amount_fen=8000, method=method)
    payments._tell_customer(db, order=order, payment=payment)
    message = db.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)).one()
    for language in ("zh", "en"):
        rendered = render(message.event, message.context, language)
        assert_plain(f"{rendered.title}\n{rendered.body}", language, f"payment by {method} ({language})")
    db.rollback()


# --- the pages ---------------------------------------------------------------------------------------


def pages_of(client: TestClient, order_id: int) -> dict[str, str]:
    pages = {}
    for language in ("zh", "en"):
        for path in (f"/portal/orders/{order_id}", f"/portal/orders/{order_id}/live", "/portal"):
            answer = client.get(path, params={"lang": language})
            assert answer.status_code == 200, path
            pages[f"{path}?lang={language}"] = answer.text
    return pages


def check_pages(pages: dict[str, str]) -> None:
    for where, page in pages.items():
        assert_plain(visible(page), "en" if "lang=en" in where else "zh", where)


def test_the_order_page_in_every_status_and_after_a_reassignment(
    client: TestClient, world: World, sign_in, sessionmaker_, settings
) -> None:
    demo = world.demo
    # given an order assigned, rejected and given to another technician, then walked to its close
    order = report(client, demo).json()
    act(client, demo, order["id"], "agent", "accept")
    assert act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": None}).status_code == 200
    assert act(client, demo, order["id"], "technician", "reject", {"reason": "太远"}).status_code == 200
    other = {"technician_id": demo.other_technician_id, "note": "自动派单，得分 50.1", "override": True}
    assert act(client, demo, order["id"], "dispatcher", "assign", other).status_code == 200, "reassign"
    sign_in(client, "customer01@demo")
    seen = pages_of(client, order["id"])
    for role, action, body in HAPPY_PATH[2:]:  # the second technician's turn
        answer = act(client, demo, order["id"], role.replace("technician", "other_technician"), action, body)
        assert answer.status_code == 200, (action, answer.text)
        seen |= {f"{k} after {action}": v for k, v in pages_of(client, order["id"]).items()}
    # and every other status an order can be in, set on a second order
    second = report(client, demo).json()
    for status in Status:
        with sessionmaker_() as db:
            db.execute(update(WorkOrder).where(WorkOrder.id == second["id"]).values(status=str(status)))
            db.commit()
        seen |= {f"{k} in {status}": v for k, v in pages_of(client, second["id"]).items()}

    # and the order's other pages: its service report, the complaint form, the price book, my data
    for path in (
        f"/portal/orders/{order['id']}/service-report",
        f"/portal/orders/{order['id']}/complaint",
        "/portal/price-book",
        "/portal/my-data",
    ):
        for language in ("zh", "en"):
            answer = client.get(path, params={"lang": language})
            assert answer.status_code == 200, path
            seen[f"{path}?lang={language}"] = answer.text

    # when the customer reads them, then no page shows a code or a score
    check_pages(seen)
    # and the timeline says the technician was changed, once, in words
    timeline = visible(seen[f"/portal/orders/{order['id']}?lang=zh after close"])
    assert "已为您更换服务师傅" in timeline and "已安排师傅" not in timeline.split("已为您更换服务师傅")[1]
    assert "50.1" not in timeline

    # and the inbox, in both languages, after the messages are delivered
    deliver_due(sessionmaker_, settings=settings)
    for language in ("zh", "en"):
        inbox = client.get("/portal/inbox", params={"lang": language})
        assert inbox.status_code == 200
        assert_plain(visible(inbox.text), language, f"inbox ({language})")
    zh = visible(client.get("/portal/inbox", params={"lang": "zh"}).text)
    number = order["number"]
    assert zh.count(f"已为您安排服务师傅 {number}") == 1 and zh.count(f"已为您更换服务师傅 {number}") == 1
    assert "您的冰箱报修已登记" in zh  # the category by its name
    en = visible(client.get("/portal/inbox", params={"lang": "en"}).text)
    assert f"New technician for {number}" in en and "(Refrigerator)" in en and "已为您" not in en


def test_the_reassignment_tells_the_customer_once(client: TestClient, world: World, sessionmaker_) -> None:
    demo = world.demo
    # given an order assigned to one technician, rejected, given again to the same one, then to another
    order = report(client, demo).json()
    act(client, demo, order["id"], "agent", "accept")
    for step in range(2):
        assert (
            act(client, demo, order["id"], "dispatcher", "assign", {"technician_id": None}).status_code == 200
        )
        assert (
            act(client, demo, order["id"], "technician", "reject", {"reason": f"太远 {step}"}).status_code
            == 200
        )
    other = {"technician_id": demo.other_technician_id, "override": True}
    assert act(client, demo, order["id"], "dispatcher", "assign", other).status_code == 200
    # then the customer was told of the first assignment and of the change, nothing in between
    with sessionmaker_() as db:
        told = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.work_order_id == order["id"],
                OutboxMessage.recipient == f"customer:{demo.customer_id}",
                OutboxMessage.event == "work_order.assigned",
            )
        ).all()
    texts = [render(m.event, m.context, "zh").title for m in told]
    assert texts == [f"已为您安排服务师傅 {order['number']}", f"已为您更换服务师傅 {order['number']}"]


def read_as(client: TestClient, user, paths: list[str]) -> None:
    """Each page of ``paths`` in both languages, as ``user`` reads it, free of codes."""
    client.cookies.clear()
    page_session(client, user)
    for path in paths:
        for language in ("zh", "en"):
            answer = client.get(f"{path}{'&' if '?' in path else '?'}lang={language}")
            assert answer.status_code == 200, (path, answer.status_code)
            assert_plain(visible(answer.text), language, f"{path} ({language})")


def test_the_payment_pages_before_and_after_paying(client: TestClient, world: World) -> None:
    # given an order to pay, paid by WeChat Pay through the demo gateway
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    user = demo.users[PAYING_CUSTOMER]
    pages = [
        f"/portal/orders/{order_id}",
        f"/portal/orders/{order_id}/pay",
        f"/portal/orders/{order_id}/pay/summary",
    ]
    read_as(client, user, pages)
    url = f"/portal/orders/{order_id}/pay"
    token = page_csrf(client, url)
    assert (
        client.post(url, data={"method": "wechat", "csrf_token": token}, follow_redirects=False).status_code
        == 303
    )
    assert client.post(f"{url}/demo", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    read_as(client, user, pages)


def test_the_contract_pages(client: TestClient, world: World) -> None:
    # given a plan of each kind and one of them bought for the customer's refrigerator
    demo = world.demo
    care = plan(client, demo, CARE_CLEANING)
    plan(client, demo, EW_TWO_YEARS)
    sold(client, demo, care["id"])
    pages = ["/portal/contracts", f"/portal/contracts/buy?appliance={demo.appliance_id}"]
    read_as(client, demo.users["customer"], pages)


def test_the_trade_in_card(client: TestClient, world: World) -> None:
    # given a recycling order valued on site, and an installation order it may pay towards
    recycling = valued(client, world.demo, "intact")
    installation = order_of(client, world.demo, "installation")
    cards = [f"/pages/orders/{recycling}/trade-in", f"/pages/orders/{installation}/trade-in"]
    read_as(client, world.demo.users["customer"], [*cards, f"/portal/orders/{recycling}"])


def test_the_appliance_health_pages(client: TestClient, world: World, db) -> None:
    # given a connected refrigerator showing a code the knowledge base knows (its alert open) and running
    # warm past a threshold rule, and an appliance that never reported
    demo = world.demo
    key = health_scene.connect(client, demo, db, fridge=12.0)
    warm_rule(db, demo)
    send(client, key, [health_scene.at(demo, 1, metrics={"fridge_temp_c": 12.5})])
    pages = [
        "/portal",
        f"/portal/appliances/{demo.appliance_id}",
        f"/pages/appliances/{demo.appliance_id}/health",
    ]
    read_as(client, demo.users["customer"], pages)
    read_as(client, demo.users["other_customer"], [f"/portal/appliances/{demo.other_appliance_id}"])


def test_every_page_has_the_favicon(client: TestClient) -> None:
    # given the sign-in page, then it links the app's icon and the icon is served as SVG
    page = client.get("/portal/login").text
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.lstrip().startswith("<svg")


def words_for_every_code() -> dict[str, list[str]]:
    """The words the customer's pages look up by a code (``t(prefix ~ code)``), for every code there is."""
    from anxin.contract.models import CONTRACT_STATUSES
    from anxin.tradein.codes import TradeInState
    from anxin.work_order.api import CUSTOMER_ACTIONS

    return {
        "order status": [str(s) for s in Status],
        "warranty": [str(w) for w in WarrantyStatus],
        "timeline": [f"ev_{a}" for a in (*CUSTOMER_ACTIONS, "reassign", "other")],
        "bought from": [f"ch_{c}" for c in PurchaseChannel],
        "payment status": [f"pay_st_{s}" for s in PAYMENT_STATUSES],
        "payment method": [f"pay_m_{m}" for m in METHOD_NAMES],
        "contract status": [f"ct_status_{s}" for s in CONTRACT_STATUSES],
        "trade-in state": [f"tis_{s}" for s in TradeInState],
    }


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_code_a_customer_page_looks_up_has_plain_words(app, language: str) -> None:
    # given the pages' words (every page module has added its own once the app is built)
    from anxin.web import i18n

    # then each code a customer's page shows by ``t(...)`` has its words, themselves free of codes
    for kind, keys in words_for_every_code().items():
        for key in keys:
            word = i18n.translate(language, key)
            assert word != key, f"{kind}: no words for {key!r}"
            assert_plain(word, language, f"{kind} {key}")


def test_the_sign_up_report_rating_and_me_pages(client: TestClient, world: World, db) -> None:
    # given the portal's sign-up, privacy notice, report form (with its picker and chips), 我的 page and
    # the rating page behind a survey link, then each reads in plain words in both languages
    from anxin.knowledge import service as knowledge_service
    from tests.feedback.helpers import completed_order, token_of

    knowledge_service.load_seed(db, tenant_id=world.demo.tenant.id)
    db.commit()
    demo = world.demo
    read_as(client, demo.users["customer"], ["/portal/report", "/portal/appliances/new", "/portal/me"])
    for path in ("/portal/privacy", "/portal/login"):
        for language in ("zh", "en"):
            assert_plain(visible(client.get(f"{path}?lang={language}").text), language, path)
    order_id = completed_order(client, demo)
    survey = f"/s/{token_of(db, order_id)}"
    for language in ("zh", "en"):
        assert_plain(visible(client.get(f"{survey}?lang={language}").text), language, survey)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_chips_and_the_picker_have_plain_words(app, db, world: World, language: str) -> None:
    # given every category's symptom chips and the catalog the picker offers
    from anxin.web import portal_forms

    tenant_id = world.demo.tenant.id
    for category, chips in portal_forms.symptoms(db, tenant_id=tenant_id, lang=language).items():
        for _code, words in chips:
            assert_plain(words, language, f"chip of {category or 'any'}")
    picker = portal_forms.catalog(db, tenant_id=tenant_id, lang=language)
    for row in (*picker["categories"], *picker["brands"]):
        assert_plain(row["name"], language, "picker")


def test_the_sign_up_form_in_plain_words(app, world: World) -> None:
    # given a new phone's right code (through the dev mailbox), then the sign-up form is plain words
    app.state.dev_mailbox = True
    with TestClient(app) as browser:
        token = page_csrf(browser, "/portal/login")
        browser.post("/portal/code", data={"phone": "13912345670", "csrf_token": token})
        code = re.findall(r"验证码是 (\d{6})", browser.get("/portal/dev-mailbox").text)[0]
        browser.post("/portal/login", data={"phone": "13912345670", "code": code, "csrf_token": token})
        for language in ("zh", "en"):
            page = browser.get(f"/portal/signup?lang={language}")
            assert page.status_code == 200
            assert_plain(visible(page.text), language, "/portal/signup")


def test_the_appointment_agreed_on_the_call_in_plain_words(client: TestClient, world: World) -> None:
    # given an order whose technician recorded the window agreed on the call, with a note for staff
    demo = world.demo
    order_id = report(client, demo).json()["id"]
    walk(client, demo, order_id, until="acknowledge")
    start = local_today() + timedelta(days=3)
    body = {
        "start_at": f"{start}T14:00:00+08:00",
        "end_at": f"{start}T16:00:00+08:00",
        "note": "appointment_note",
    }
    answer = client.post(
        f"/api/v1/work-orders/{order_id}/appointment", json=body, headers=demo.headers("technician")
    )
    assert answer.status_code == 200, answer.text
    # then the customer's pages say the window and the event in words, nothing internal, not the note
    for language in ("zh", "en"):
        pages = pages_of_customer(client, demo, order_id, language)
        for where, page in pages.items():
            assert_plain(visible(page), language, where)
            assert "appointment_note" not in page
    zh = pages_of_customer(client, demo, order_id, "zh")[f"/portal/orders/{order_id}/live"]
    assert f"{start.month}月{start.day}日" in zh and "14:00–16:00" in zh and "上门时间已约定" in zh


def pages_of_customer(client: TestClient, demo, order_id: int, language: str) -> dict[str, str]:
    client.cookies.clear()
    page_session(client, demo.users["customer"])
    paths = (f"/portal/orders/{order_id}", f"/portal/orders/{order_id}/live")
    return {path: client.get(path, params={"lang": language}).text for path in paths}
