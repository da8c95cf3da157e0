"""Payment at the end of the visit over the API: what is due, a code to scan paid by the gateway's signed
notification, cash and card recorded on site, discounts and refunds approved by someone else, the
e-invoice; and the refusals: paying twice, a refund over what was paid, approving one's own request, a
forged notification, another tenant's or another customer's order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from anxin import clock
from anxin.audit.models import AuditEvent
from anxin.config import get_settings
from anxin.notify.models import OutboxMessage
from anxin.pricing.gateways import DemoGateway
from anxin.pricing.payment_models import Payment, PaymentAdjustment
from tests.helpers import act, quote_body, report, run_together, walk

CUSTOMER = "other_customer"  # customer02: a refrigerator bought 93 months ago, out of its warranty
PAYABLE = 5000 + 8000 + 12000  # visit fee, labour, thermostat: nothing covered


def payable_order(client, world, *, until: str = "start") -> int:
    """customer02's order, quoted (visit, labour, a thermostat: all paid by the customer), approved and
    walked to ``until``."""
    created = report(
        client, world, customer_id=world.other_customer_id, appliance_id=world.other_appliance_id
    )
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    walk(client, world, order_id, until="arrive")
    lines = [{"code": c, "quantity": 1} for c in ("VISIT-URBAN", "RF-THERMOSTAT", "PART-RF-THERMO")]
    quoted = client.post(
        f"/api/v1/work-orders/{order_id}/quote",
        json=quote_body(client, world, {"lines": lines}),
        headers=world.headers("technician"),
    )
    assert quoted.status_code == 200 and quoted.json()["payable_fen"] == PAYABLE, quoted.text
    if until == "quote":
        return order_id
    assert act(client, world, order_id, CUSTOMER, "approve-quote").status_code == 200
    for step in ("start", "complete"):
        body = {"note": "更换温控器"} if step == "complete" else None
        assert act(client, world, order_id, "technician", step, body).status_code == 200
        if step == until:
            break
    return order_id


def pay(client, world, order_id: int, method: str, who: str = CUSTOMER, **headers):
    return client.post(
        f"/api/v1/work-orders/{order_id}/payments",
        json={"method": method},
        headers=world.headers(who) | headers,
    )


def money_of(client, world, order_id: int, who: str = CUSTOMER) -> dict:
    answer = client.get(f"/api/v1/work-orders/{order_id}/payments", headers=world.headers(who))
    assert answer.status_code == 200, answer.text
    return answer.json()


def notify(client, fields: dict, sign: str):
    return client.post("/api/v1/payment-notifications/demo", json=fields | {"sign": sign})


def scanned(client, payment: dict):
    """What the demo gateway posts once the customer scanned the code and paid."""
    fields, sign = DemoGateway().notification(
        reference=payment["reference"], amount_fen=payment["amount_fen"]
    )
    return notify(client, fields, sign)


def error(answer) -> str:
    return answer.json()["error"]["code"]


def test_the_customer_pays_by_wechat_and_the_signed_notification_marks_it_paid(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    # Given the work has begun on an approved quote of ¥250
    due = money_of(client, demo, order_id)["due"]
    assert (due["payable_fen"], due["owed_fen"], due["balance_fen"], due["status"]) == (PAYABLE,) * 3 + (
        "unpaid",
    )
    assert due["payable_now"] is True and due["trade_in_fen"] == 0
    # When the customer picks WeChat Pay
    started = pay(client, demo, order_id, "wechat")
    assert started.status_code == 201, started.text
    payment = started.json()
    assert (payment["method"], payment["status"], payment["amount_fen"]) == ("wechat", "pending", PAYABLE)
    assert payment["code_url"].startswith("https://pay.demo.anxin.invalid/wechat/")
    # Then the code to scan is served as SVG
    qr = client.get(payment["qr_url"], headers=demo.headers(CUSTOMER))
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in qr.text
    # And when the gateway's signed notification arrives, the payment is paid
    answer = scanned(client, payment)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"result": "ok", "status": "paid"}
    after = money_of(client, demo, order_id)
    assert (after["due"]["status"], after["due"]["paid_fen"], after["due"]["balance_fen"]) == (
        "paid",
        PAYABLE,
        0,
    )
    assert after["payments"][0]["code_url"] is None and after["payments"][0]["paid_at"]
    # the customer is told, and the audit log holds both steps
    told = db.scalars(select(OutboxMessage).where(OutboxMessage.event == "payment.received")).all()
    assert [(m.channel, m.recipient) for m in told] == [("inbox", f"customer:{demo.other_customer_id}")]
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "payment")).all()
    assert actions == ["payment.create", "payment.notified"]
    # the same notification again changes nothing; the QR of a paid payment is gone
    assert scanned_again(client, db, payment).status_code == 200
    assert client.get(payment["qr_url"], headers=demo.headers(CUSTOMER)).status_code == 409


def scanned_again(client, db, payment: dict):
    row = db.scalars(select(Payment).where(Payment.id == payment["id"])).one()
    fields = {
        "reference": row.reference,
        "txn": row.gateway_txn,
        "amount_fen": row.amount_fen,
        "status": "paid",
    }
    return notify(client, fields, DemoGateway()._sign(fields))


def test_a_paid_order_is_not_paid_twice(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    assert pay(client, demo, order_id, "cash", who="technician").status_code == 201
    for method, who in (("wechat", CUSTOMER), ("card", "technician"), ("cash", "admin")):
        again = pay(client, demo, order_id, method, who=who)
        assert again.status_code == 409 and error(again) == "nothing_due", again.text
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_new_payment_cancels_the_pending_one_and_a_cancelled_one_cannot_be_paid(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    first = pay(client, demo, order_id, "wechat").json()
    second = pay(client, demo, order_id, "alipay").json()
    statuses = {p["id"]: p["status"] for p in money_of(client, demo, order_id)["payments"]}
    assert statuses == {first["id"]: "cancelled", second["id"]: "pending"}
    late = scanned(client, first)
    assert late.status_code == 409 and error(late) == "payment_closed"
    assert scanned(client, second).json()["status"] == "paid"


def test_a_retried_request_with_the_same_key_returns_the_first_payment(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    first = pay(client, demo, order_id, "card", who="technician", **{"Idempotency-Key": "visit-42"})
    again = pay(client, demo, order_id, "card", who="technician", **{"Idempotency-Key": "visit-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True
    other = pay(client, demo, order_id, "cash", who="technician", **{"Idempotency-Key": "visit-42"})
    assert other.status_code == 422 and error(other) == "idempotency_key_reused"
    assert db.scalar(select(func.count()).select_from(Payment)) == 1


def test_refusals_before_payment_is_due_and_by_role(client, world):
    demo = world.demo
    quoted = payable_order(client, demo, until="quote")
    early = pay(client, demo, quoted, "wechat")
    assert early.status_code == 409 and error(early) == "not_payable_yet"
    order_id = quoted  # one open order per appliance: the same, approved and begun
    assert act(client, demo, order_id, CUSTOMER, "approve-quote").status_code == 200
    assert act(client, demo, order_id, "technician", "start").status_code == 200
    cash = pay(client, demo, order_id, "cash")
    assert cash.status_code == 403 and error(cash) == "method_not_for_customer"
    assert pay(client, demo, order_id, "wechat", who="agent").status_code == 403
    bad = client.post(
        f"/api/v1/work-orders/{order_id}/payments", json={"method": "bitcoin"}, headers=demo.headers(CUSTOMER)
    )
    assert bad.status_code == 422


def test_a_forged_or_altered_notification_is_refused(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    payment = pay(client, demo, order_id, "wechat").json()
    fields, sign = DemoGateway().notification(
        reference=payment["reference"], amount_fen=payment["amount_fen"]
    )
    for forged in (
        notify(client, fields, "0" * 64),  # a stranger's guess
        notify(client, fields | {"amount_fen": 1}, sign),  # the amount changed after signing
        notify(client, fields | {"status": "paid", "txn": "OTHER"}, sign),
    ):
        assert forged.status_code == 403 and error(forged) == "invalid_signature", forged.text
    unknown = client.post("/api/v1/payment-notifications/nobody", json=fields | {"sign": sign})
    assert unknown.status_code == 404
    assert money_of(client, demo, order_id)["due"]["status"] == "pending"


def test_a_discount_is_approved_by_someone_else_and_comes_off_what_is_due(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    url = f"/api/v1/work-orders/{order_id}"
    too_much = client.post(
        f"{url}/discounts",
        json={"amount_fen": PAYABLE + 1, "reason": "老客户"},
        headers=demo.headers("technician"),
    )
    assert too_much.status_code == 422 and error(too_much) == "discount_exceeds_due"
    asked = client.post(
        f"{url}/discounts",
        json={"amount_fen": 3000, "reason": "老客户优惠"},
        headers=demo.headers("technician"),
    )
    assert asked.status_code == 201 and asked.json()["status"] == "requested", asked.text
    adjustment = asked.json()["id"]
    # the technician may not approve at all
    assert (
        client.post(f"{url}/adjustments/{adjustment}/approve", headers=demo.headers("technician")).status_code
        == 403
    )
    approved = client.post(
        f"{url}/adjustments/{adjustment}/approve",
        json={"note": "同意"},
        headers=demo.headers("outlet_manager"),
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved", approved.text
    assert approved.json()["decided_by_id"] == demo.users["outlet_manager"].id
    again = client.post(f"{url}/adjustments/{adjustment}/reject", headers=demo.headers("admin"))
    assert again.status_code == 409 and error(again) == "already_decided"
    due = money_of(client, demo, order_id)["due"]
    assert (due["discount_fen"], due["owed_fen"], due["balance_fen"]) == (
        3000,
        PAYABLE - 3000,
        PAYABLE - 3000,
    )
    assert pay(client, demo, order_id, "wechat").json()["amount_fen"] == PAYABLE - 3000


def test_no_one_approves_their_own_request(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo)
    url = f"/api/v1/work-orders/{order_id}"
    asked = client.post(
        f"{url}/discounts", json={"amount_fen": 1000, "reason": "自批"}, headers=demo.headers("admin")
    )
    own = client.post(f"{url}/adjustments/{asked.json()['id']}/approve", headers=demo.headers("admin"))
    assert own.status_code == 403 and error(own) == "self_approval"
    row = db.scalars(select(PaymentAdjustment)).one()
    assert row.status == "requested" and row.decided_by_id is None


def test_a_refund_never_exceeds_what_was_paid(client, world, db):
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    url = f"/api/v1/work-orders/{order_id}"
    payment = pay(client, demo, order_id, "wechat").json()
    early = client.post(
        f"{url}/refunds",
        json={"amount_fen": 100, "reason": "x", "payment_id": payment["id"]},
        headers=demo.headers("agent"),
    )
    assert early.status_code == 409 and error(early) == "not_refundable"
    scanned(client, payment)

    def ask(amount: int):
        return client.post(
            f"{url}/refunds",
            json={"amount_fen": amount, "reason": "温控器未更换", "payment_id": payment["id"]},
            headers=demo.headers("agent"),
        )

    over = ask(PAYABLE + 1)
    assert over.status_code == 422 and error(over) == "refund_exceeds_paid"
    # two requests that each fit, but not together: the second is refused when approved
    first, second = ask(15000).json()["id"], ask(15000).json()["id"]
    approve = f"{url}/adjustments/{{}}/approve"
    assert client.post(approve.format(first), headers=demo.headers("outlet_manager")).status_code == 200
    refused = client.post(approve.format(second), headers=demo.headers("admin"))
    assert refused.status_code == 422 and error(refused) == "refund_exceeds_paid"
    row = db.scalars(select(Payment)).one()
    assert (row.status, row.refunded_fen) == ("partially_refunded", 15000)
    rest = ask(PAYABLE - 15000).json()["id"]
    assert client.post(approve.format(rest), headers=demo.headers("admin")).status_code == 200
    db.rollback()  # a fresh read of what the requests committed
    row = db.scalars(select(Payment)).one()
    assert (row.status, row.refunded_fen) == ("refunded", PAYABLE)
    due = money_of(client, demo, order_id)["due"]
    assert (due["status"], due["refunded_fen"]) == ("refunded", PAYABLE)
    assert (
        db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == "payment.refunded")
        )
        == 2
    )


def test_the_customer_asks_for_the_e_invoice_once_paid(client, world):
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    url = f"/api/v1/work-orders/{order_id}/invoice"
    body = {"title": "杭州某某科技有限公司", "tax_id": "91330106MA2XXXXX1X", "email": "li@example.com"}
    early = client.post(url, json=body, headers=demo.headers(CUSTOMER))
    assert early.status_code == 409 and error(early) == "not_paid"
    scanned(client, pay(client, demo, order_id, "alipay").json())
    issued = client.post(url, json=body, headers=demo.headers(CUSTOMER))
    assert issued.status_code == 201, issued.text
    invoice = issued.json()
    assert invoice["status"] == "issued" and invoice["number"].startswith("DEMO")
    assert (invoice["amount_fen"], invoice["title"], invoice["tax_id"]) == (
        PAYABLE,
        body["title"],
        body["tax_id"],
    )
    assert money_of(client, demo, order_id)["invoice"]["number"] == invoice["number"]
    second = client.post(url, json=body, headers=demo.headers(CUSTOMER))
    assert second.status_code == 409 and error(second) == "invoice_exists"
    bad = client.post(url, json=body | {"email": "not-an-address"}, headers=demo.headers(CUSTOMER))
    assert bad.status_code == 422


@pytest.fixture
def nothing_configured(monkeypatch):
    """A deployment that has configured no payment gateway and no invoice provider (the default)."""
    monkeypatch.delenv("ANXIN_PAYMENT_GATEWAY", raising=False)
    monkeypatch.delenv("ANXIN_INVOICE_PROVIDER", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_without_a_configured_gateway_only_cash_and_card_are_taken(client, world, nothing_configured):
    demo = world.demo
    order_id = payable_order(client, demo, until="complete")
    # Given no gateway is configured, WeChat Pay is refused and nothing is written
    refused = pay(client, demo, order_id, "wechat")
    assert refused.status_code == 409 and error(refused) == "no_payment_gateway"
    assert money_of(client, demo, order_id)["payments"] == []
    # and the demo gateway's notification, correctly signed, is not believed
    fields, sign = DemoGateway().notification(reference="AX0", amount_fen=PAYABLE)
    assert notify(client, fields, sign).status_code == 404
    # When the technician takes cash, the order is paid
    assert pay(client, demo, order_id, "cash", who="technician").status_code == 201
    # Then the e-invoice request is recorded and waits for a provider, with no number made up
    body = {"title": "李四", "email": "li@example.com"}
    asked = client.post(f"/api/v1/work-orders/{order_id}/invoice", json=body, headers=demo.headers(CUSTOMER))
    assert asked.status_code == 201, asked.text
    assert (asked.json()["status"], asked.json()["number"]) == ("requested", None)


def test_another_tenant_or_another_customer_sees_nothing(client, world):
    demo, acme = world.demo, world.acme
    order_id = payable_order(client, demo)
    payment = pay(client, demo, order_id, "wechat").json()
    for headers in (acme.headers("admin"), acme.headers("customer"), demo.headers("customer")):
        for method, path, body in (
            ("GET", "payments", None),
            ("POST", "payments", {"method": "wechat"}),
            ("GET", f"payments/{payment['id']}/qr.svg", None),
            ("POST", f"payments/{payment['id']}/cancel", None),
            ("POST", "invoice", {"title": "个人", "email": "a@example.com"}),
        ):
            answer = client.request(
                method, f"/api/v1/work-orders/{order_id}/{path}", json=body, headers=headers
            )
            assert answer.status_code in (403, 404), (path, answer.status_code)
            if answer.status_code == 403:
                assert method == "POST" and error(answer) == "forbidden"
    # acme's admin may approve in general, but not a demo order's request
    asked = client.post(
        f"/api/v1/work-orders/{order_id}/discounts",
        json={"amount_fen": 100, "reason": "x"},
        headers=demo.headers("agent"),
    )
    stranger = client.post(
        f"/api/v1/work-orders/{order_id}/adjustments/{asked.json()['id']}/approve",
        headers=acme.headers("admin"),
    )
    assert stranger.status_code == 404
    assert money_of(client, demo, order_id)["due"]["status"] == "pending"


@dataclass
class MatrixScene:
    payment_id: int
    adjustment_id: int
    reference: str


def matrix_scene(db, world, *, order_id: int) -> MatrixScene:
    """What tests/test_access_matrix.py's payment routes name on ``order_id`` (the done order, which has
    nothing to pay): a pending WeChat payment and a discount the agent asked for (so that neither approver
    decides their own)."""
    now = clock.now()
    payment = Payment(
        tenant_id=world.tenant.id,
        work_order_id=order_id,
        method="wechat",
        gateway="demo",
        status="pending",
        amount_fen=100,
        refunded_fen=0,
        reference=f"AXMATRIX{order_id:08d}",
        code_url="https://pay.demo.anxin.invalid/wechat/AXMATRIX",
        created_by_id=world.users["customer"].id,
        created_at=now,
    )
    db.add(payment)
    db.flush()
    adjustment = PaymentAdjustment(
        tenant_id=world.tenant.id,
        work_order_id=order_id,
        kind="discount",
        status="requested",
        amount_fen=100,
        reason="矩阵测试",
        requested_by_id=world.users["agent"].id,
        requested_at=now,
    )
    db.add(adjustment)
    db.flush()
    return MatrixScene(payment_id=payment.id, adjustment_id=adjustment.id, reference=payment.reference)


def matrix_notification(reference: str) -> dict:
    """A signed notification that the scene's payment was paid (a new gateway number each time)."""
    fields, sign = DemoGateway().notification(reference=reference, amount_fen=100)
    return fields | {"sign": sign}


def test_two_clients_racing_to_collect_take_one_payment(client, world, db):
    # Given an order with ¥250 due, when the technician's phone and the admin record cash at the same moment
    demo = world.demo
    order_id = payable_order(client, demo)
    answers = run_together(
        4, lambda i: pay(client, demo, order_id, "cash", who=("technician", "admin")[i % 2])
    )
    # Then exactly one is taken and the others are told nothing is due
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409, 409, 409], [a.text for a in answers]
    assert db.scalar(select(func.count()).select_from(Payment)) == 1
