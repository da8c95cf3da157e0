"""The demo city shows a payment: customer01's out-of-warranty air conditioner, quoted from the price book,
a part reserved and fitted with its serial, repaired, paid by WeChat Pay through the demo gateway, its
e-invoice issued; the portal shows it to customer01."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin import money
from anxin.auth.models import Tenant, User
from anxin.database import make_sessionmaker
from anxin.parts.models import PartFitting
from anxin.pricing.payment_models import Payment, PaymentInvoice
from anxin.work_order.models import Quote, WorkOrder
from tests.conftest import _empty, page_session


def test_customer01_sees_the_paid_repair_and_its_invoice_in_the_portal(engine, demo_city, app):
    factory = make_sessionmaker(engine)
    try:
        demo_city.restore(engine)
        with factory() as db:
            demo = db.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
            payment = db.scalars(select(Payment).where(Payment.tenant_id == demo)).one()
            order = db.get(WorkOrder, payment.work_order_id)
            invoice = db.scalars(select(PaymentInvoice).where(PaymentInvoice.work_order_id == order.id)).one()
            customer = db.scalars(
                select(User).where(User.tenant_id == demo, User.username == "customer01")
            ).one()
            db.expunge(customer)
            assert order.customer_id == customer.customer_id and order.status == "completed"
            assert (payment.method, payment.status) == ("wechat", "paid")
            paid = money.yuan(payment.amount_fen)
            assert payment.amount_fen > 0 and invoice.amount_fen == payment.amount_fen
            assert payment.gateway_txn and invoice.status == "issued" and invoice.number.startswith("DEMO")
            # the same order quoted from the book with a part, the part reserved from the van and fitted
            # with its serial number
            quote = db.scalars(
                select(Quote).where(Quote.work_order_id == order.id, Quote.status == "approved")
            ).one()
            assert {line.kind for line in quote.lines} >= {"visit", "labour", "part"}
            assert quote.payable_fen == payment.amount_fen
            fitted = db.scalars(select(PartFitting).where(PartFitting.work_order_id == order.id)).all()
            assert [f.serial_number for f in fitted] and all(
                f.serial_number.startswith("AC-02-") for f in fitted
            )
        with TestClient(app) as client:
            page_session(client, customer)
            page = client.get(f"/portal/orders/{order.id}/pay")
            text = re.sub(r"<[^>]+>", " ", page.text)
            assert page.status_code == 200
            for shown in (paid, "已付款", "微信支付", invoice.number, "已开具"):
                assert shown in text, shown
            assert f"/portal/orders/{order.id}/pay" in client.get(f"/portal/orders/{order.id}").text
    finally:
        _empty(engine)
