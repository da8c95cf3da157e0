"""Erasing a customer releases the relay numbers of their orders at once: a finished order's number, still
in its day of grace, reaches no one afterwards, and the masked phone kept with the binding is cleared
before the release is logged."""

from __future__ import annotations

import json

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.masking import mask_phone
from anxin.privacy.erasure import REDACTED
from anxin.technician.models import Technician
from anxin.telephony import relay
from anxin.telephony.models import RelayBinding
from tests.privacy.helpers import PHONE, serve


def test_erasing_the_customer_releases_their_relay_numbers(client, world, sessionmaker_, settings, relay_on):
    # Given customer01's order served and closed, its relay number in its day of grace
    demo = world.demo
    served = serve(client, demo, sessionmaker_, settings)
    with sessionmaker_() as db:
        (binding,) = db.scalars(select(RelayBinding).where(RelayBinding.work_order_id == served.order_id))
        assert binding.status == "closing"
        technician_phone = db.get(Technician, binding.technician_id).phone
        assert relay.callee(db, relay_number=binding.relay_number, caller=technician_phone) == PHONE
        last_audit = db.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))

    # When an admin erases them
    erased = client.post(
        f"/api/v1/customers/{demo.customer_id}/erase",
        json={"reason": "客户来电申请删除"},
        headers=demo.headers("admin"),
    )
    assert erased.status_code == 200, erased.text

    # Then the number is released and reaches no one, and nothing logged since names the customer's phone
    with sessionmaker_() as db:
        binding = db.get(RelayBinding, binding.id)
        assert (binding.status, binding.release_reason, binding.customer_masked) == (
            "released",
            "erased",
            REDACTED,
        )
        assert relay.callee(db, relay_number=binding.relay_number, caller=technician_phone) is None
        logged = db.scalars(select(AuditEvent).where(AuditEvent.id > last_audit)).all()
    assert "relay.release" in {event.action for event in logged}
    written = json.dumps([(e.action, e.changes, e.note) for e in logged], ensure_ascii=False, default=str)
    assert mask_phone(PHONE) not in written and PHONE not in written


def test_the_customers_export_lists_their_orders_relay_numbers(
    client, world, sessionmaker_, settings, relay_on
):
    demo = world.demo
    served = serve(client, demo, sessionmaker_, settings)
    with sessionmaker_() as db:
        (binding,) = db.scalars(select(RelayBinding).where(RelayBinding.work_order_id == served.order_id))
    answer = client.get(
        f"/api/v1/customers/{demo.customer_id}/personal-data", headers=demo.headers("customer")
    )
    assert answer.status_code == 200, answer.text
    (order,) = answer.json()["orders"]
    (relay_number,) = order["relay_numbers"]
    assert relay_number["relay_number"] == binding.relay_number
    assert (relay_number["customer_masked"], relay_number["status"]) == (mask_phone(PHONE), "closing")
    assert "technician_masked" not in relay_number  # the technician's number is not the customer's data
