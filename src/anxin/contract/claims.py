"""An order claims against the appliance's contract. Which contract covers an order, on the order's day:

- an **extended warranty** in force covers a repair or an inspection (what the factory's whole-unit
  warranty pays for) where the factory warranty no longer does: the order is billed A, and becomes B;
- a **care plan** in force covers its own service type (cleaning or maintenance) while it has visits
  left; each order it covers uses one visit.

An order the factory warranty covers stays C, internal work stays D; nothing else is touched. The claim
row records which contract paid; a cancelled order gives its claim back (``void``), so a care plan's visit
is not lost to an order that never happened."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance.warranty import BillingCategory
from anxin.auth import tenant_clock
from anxin.contract import contracts, terms
from anxin.contract.models import ContractClaim, ServiceContract, ServicePlan
from anxin.work_order.models import WorkOrder


def covering(db: Session, order: WorkOrder) -> ServiceContract | None:
    """The contract that pays for ``order`` (see the module's rules), or None."""
    if order.billing_category != BillingCategory.PAID or order.appliance_id is None:
        return None
    today = tenant_clock.today(db, order.tenant_id, order.created_at)
    candidates = db.execute(
        select(ServiceContract, ServicePlan)
        .join(ServicePlan, ServicePlan.id == ServiceContract.plan_id)
        .where(
            ServiceContract.tenant_id == order.tenant_id,
            ServiceContract.appliance_id == order.appliance_id,
            ServiceContract.status == "active",
            ServiceContract.start_date <= today,
            ServiceContract.end_date >= today,
        )
        .order_by(ServiceContract.id)
    ).all()
    for contract, plan in candidates:
        if contract.kind == terms.EXTENDED_WARRANTY and order.service_type in terms.EW_COVERS:
            return contract
        if (
            contract.kind == terms.CARE
            and order.service_type == plan.service_type
            and contracts.used(db, contract) < contract.visits
        ):
            return contract
    return None


def claim(db: Session, order: WorkOrder) -> ContractClaim | None:
    """Bill ``order`` to the contract that covers it (category B) and record the claim."""
    contract = covering(db, order)
    if contract is None:
        return None
    order.billing_category = BillingCategory.CONTRACT.value
    row = ContractClaim(
        tenant_id=order.tenant_id,
        contract_id=contract.id,
        work_order_id=order.id,
        service_type=order.service_type,
        void=False,
        claimed_at=clock.now(),
    )
    db.add(row)
    db.flush()
    return row


def contract_for(db: Session, order: WorkOrder) -> ServiceContract | None:
    """The contract ``order`` claims against (its claim not given back), or None."""
    return db.scalar(
        select(ServiceContract)
        .join(ContractClaim, ContractClaim.contract_id == ServiceContract.id)
        .where(ContractClaim.work_order_id == order.id, ContractClaim.void.is_(False))
        .order_by(ContractClaim.id.desc())
        .limit(1)
    )


def give_back(db: Session, order: WorkOrder) -> None:
    """A cancelled order's claims no longer count."""
    for row in db.scalars(
        select(ContractClaim).where(ContractClaim.work_order_id == order.id, ContractClaim.void.is_(False))
    ):
        row.void = True
    db.flush()
