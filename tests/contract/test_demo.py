"""The demo city shows contracts: plans on sale, contracts sold, customer01's covered washing machine
with a repair quoted at ¥0 against its contract, care-plan visits created by the job, a renewal notice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anxin.auth.models import Tenant, User
from anxin.contract.models import ContractClaim, ContractVisit, ServiceContract, ServicePlan
from anxin.database import make_sessionmaker
from anxin.notify.models import OutboxMessage
from anxin.work_order.models import Quote, WorkOrder
from tests.conftest import _empty


@pytest.fixture(scope="module")
def city(engine, demo_city):
    demo_city.restore(engine)
    yield make_sessionmaker(engine)
    _empty(engine)


def test_the_demo_city_has_plans_contracts_a_zero_priced_claim_visits_and_a_renewal_notice(city):
    with city() as db:
        demo = db.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        acme = db.scalar(select(Tenant.id).where(Tenant.slug == "acme"))
        # given the plans of both tenants
        codes = set(db.scalars(select(ServicePlan.code).where(ServicePlan.tenant_id == demo)))
        assert {"EW-1Y", "EW-2Y", "EW-3Y", "CARE-AC-CLEAN"} <= codes
        assert db.scalar(select(ServicePlan.id).where(ServicePlan.tenant_id == acme).limit(1)) is not None
        sold = db.scalars(select(ServiceContract).where(ServiceContract.tenant_id == demo)).all()
        assert len(sold) >= 5 and {"active", "cancelled"} <= {c.status for c in sold}
        cancelled = next(c for c in sold if c.status == "cancelled")
        assert cancelled.refund_fen is not None and cancelled.cancel_reason
        # customer01's washing machine: the claim, billed B, quoted at nothing to pay
        customer01 = db.scalar(select(User).where(User.tenant_id == demo, User.username == "customer01"))
        washer = next(
            c for c in sold if c.customer_id == customer01.customer_id and c.kind == "extended_warranty"
        )
        claim = db.scalar(select(ContractClaim).where(ContractClaim.contract_id == washer.id))
        order = db.get(WorkOrder, claim.work_order_id)
        assert (order.billing_category, order.status) == ("B", "quoted")
        quote = db.scalar(select(Quote).where(Quote.work_order_id == order.id))
        assert quote.total_fen > 0 and quote.payable_fen == 0
        # its renewal notice went out, once
        assert washer.renewal_noticed_at is not None
        notices = db.scalars(
            select(OutboxMessage).where(
                OutboxMessage.event == "contract.renewal_due", OutboxMessage.tenant_id == demo
            )
        ).all()
        assert f"customer:{customer01.customer_id}" in {m.recipient for m in notices}
        # the care plans' first visits are orders from the plan's channel, billed to the plan
        visits = db.scalars(select(ContractVisit).where(ContractVisit.tenant_id == demo)).all()
        assert len(visits) >= 2
        made = [db.get(WorkOrder, v.work_order_id) for v in visits if v.work_order_id]
        assert made and all(o.channel == "care_plan" and o.service_type == "cleaning" for o in made)
        assert any(o.billing_category == "B" for o in made)
        # customer01's own care plan has made its first visit
        care = next(c for c in sold if c.customer_id == customer01.customer_id and c.kind == "care")
        visit = db.scalar(select(ContractVisit).where(ContractVisit.contract_id == care.id))
        assert visit is not None and db.get(WorkOrder, visit.work_order_id).billing_category == "B"
