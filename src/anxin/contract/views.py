"""Contracts as the API and the pages read them: the row, its plan's names, its claims with their order
numbers, the visits used and left, the renewal that continues it and today's renewal offer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.contract import contracts
from anxin.contract.models import ServiceContract, ServicePlan
from anxin.contract.schemas import ClaimRead, ContractRead, RenewalOffer
from anxin.work_order.models import WorkOrder


def read_many(db: Session, found: Sequence[ServiceContract], *, today: date) -> list[ContractRead]:
    ids = [contract.id for contract in found]
    claims = contracts.claims_of(db, ids)
    plan_ids = {contract.plan_id for contract in found}
    plans = {plan.id: plan for plan in db.scalars(select(ServicePlan).where(ServicePlan.id.in_(plan_ids)))}
    order_ids = {claim.work_order_id for rows in claims.values() for claim in rows}
    numbers = dict(
        db.execute(select(WorkOrder.id, WorkOrder.number).where(WorkOrder.id.in_(order_ids))).all()
    )
    renewals = (
        dict(
            db.execute(
                select(ServiceContract.renewed_from_id, ServiceContract.id).where(
                    ServiceContract.renewed_from_id.in_(ids), ServiceContract.status != "cancelled"
                )
            ).all()
        )
        if ids
        else {}
    )
    result = []
    for contract in found:
        plan = plans[contract.plan_id]
        rows = claims[contract.id]
        used = sum(1 for claim in rows if not claim.void)
        offer = contracts.renewal_offer(db, contract, today)
        result.append(
            ContractRead(
                id=contract.id,
                number=contract.number,
                plan_id=contract.plan_id,
                plan_name_zh=plan.name_zh,
                plan_name_en=plan.name_en,
                kind=contract.kind,
                appliance_id=contract.appliance_id,
                customer_id=contract.customer_id,
                status=contracts.status_on(contract, today),
                start_date=contract.start_date,
                end_date=contract.end_date,
                price_fen=contract.price_fen,
                purchase_price_fen=contract.purchase_price_fen,
                visits=contract.visits,
                visits_used=used,
                visits_left=max(contract.visits - used, 0) if contract.kind == "care" else None,
                claims=[
                    ClaimRead.model_validate(claim).model_copy(
                        update={"work_order_number": numbers.get(claim.work_order_id)}
                    )
                    for claim in rows
                ],
                renewed_from_id=contract.renewed_from_id,
                renewed_by_id=renewals.get(contract.id),
                renewal_offer=RenewalOffer(
                    plan_id=offer[0].id,
                    price_fen=offer[1],
                    discount_percent=offer[0].renewal_discount_percent,
                    start_date=offer[2].start,
                    end_date=offer[2].end,
                )
                if offer
                else None,
                sold_at=contract.sold_at,
                renewal_noticed_at=contract.renewal_noticed_at,
                cancelled_at=contract.cancelled_at,
                cancel_reason=contract.cancel_reason,
                refund_fen=contract.refund_fen,
            )
        )
    return result


def read_one(db: Session, contract: ServiceContract, *, today: date) -> ContractRead:
    return read_many(db, [contract], today=today)[0]
