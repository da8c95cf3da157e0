"""Selling, renewing and cancelling contracts, and reading them. The rules of price, dates and refunds are
``terms``'; this module checks who may act and what fits, changes the rows, and writes the audit log.

Who among a role: a customer buys, renews and reads only for their own appliances (another customer's
contract or appliance answers 404, like one that does not exist); staff act for any customer of the
tenant. Which roles may do what at all is the permission table's."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.appliance.models import Appliance
from anxin.appliance.warranty import add_months
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.contract import plans, terms
from anxin.contract.exceptions import (
    AlreadyCovered,
    AlreadyRenewed,
    ApplianceTooOld,
    ContractState,
    NotRenewableYet,
    PlanCategoryMismatch,
    PlanRetired,
)
from anxin.contract.models import ContractClaim, ServiceContract, ServicePlan
from anxin.exceptions import NotFound
from anxin.pagination import Page, paginate

STATUS_ZH = {"active": "生效中", "expired": "已到期", "cancelled": "已退保"}
ACTION_ZH = {"cancel": "退保", "renew": "续约"}


def status_on(contract: ServiceContract, today: date) -> str:
    """The contract's status on ``today``: an active one past its end is expired (the sweep writes it)."""
    if contract.status == "active" and contract.end_date < today:
        return "expired"
    return contract.status


def get(db: Session, *, user: User, id: int) -> ServiceContract:
    """The contract ``id`` of the caller's tenant; for a customer, only their own (404 otherwise)."""
    contract = db.get(ServiceContract, id)
    if (
        contract is None
        or contract.tenant_id != user.tenant_id
        or (user.role == Role.CUSTOMER and contract.customer_id != user.customer_id)
    ):
        raise NotFound("contract", "合同")
    return contract


def list_contracts(
    db: Session,
    *,
    user: User,
    page: int = 1,
    page_size: int = 50,
    appliance_id: int | None = None,
    customer_id: int | None = None,
    status: str | None = None,
) -> Page:
    query = select(ServiceContract).where(ServiceContract.tenant_id == user.tenant_id)
    if user.role == Role.CUSTOMER:
        query = query.where(ServiceContract.customer_id == (user.customer_id or -1))
    if appliance_id is not None:
        query = query.where(ServiceContract.appliance_id == appliance_id)
    if customer_id is not None:
        query = query.where(ServiceContract.customer_id == customer_id)
    if status is not None:
        query = query.where(ServiceContract.status == status)
    return paginate(db, query.order_by(ServiceContract.id.desc()), page=page, page_size=page_size)


def claims_of(db: Session, contract_ids: Sequence[int]) -> dict[int, list[ContractClaim]]:
    found: dict[int, list[ContractClaim]] = {cid: [] for cid in contract_ids}
    if contract_ids:
        rows = db.scalars(
            select(ContractClaim)
            .where(ContractClaim.contract_id.in_(list(contract_ids)))
            .order_by(ContractClaim.id)
        )
        for claim in rows:
            found[claim.contract_id].append(claim)
    return found


def used(db: Session, contract: ServiceContract) -> int:
    """The claims (a care plan's visits) made and not given back."""
    return (
        db.scalar(
            select(func.count(ContractClaim.id)).where(
                ContractClaim.contract_id == contract.id, ContractClaim.void.is_(False)
            )
        )
        or 0
    )


def renewal_of(db: Session, contract: ServiceContract) -> ServiceContract | None:
    return db.scalar(
        select(ServiceContract).where(
            ServiceContract.renewed_from_id == contract.id, ServiceContract.status != "cancelled"
        )
    )


def _appliance(db: Session, *, user: User, appliance_id: int) -> Appliance:
    customer = user.customer_id or -1 if user.role == Role.CUSTOMER else None
    return appliance_service.get(db, tenant_id=user.tenant_id, id=appliance_id, customer_id=customer)


def _check_fits(db: Session, *, plan: ServicePlan, appliance: Appliance, today: date) -> date:
    """Refuse a plan that does not fit the appliance (422 with its code); the first day the factory's
    whole-unit warranty no longer covers it."""
    if plan.status != "active":
        raise PlanRetired()
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=appliance.tenant_id, id=appliance.product_model_id
    )
    if plan.category_code is not None and plan.category_code != category.code:
        zh, en = CATEGORY_NAMES.get(
            CategoryCode(plan.category_code), (plan.category_code, plan.category_code)
        )
        raise PlanCategoryMismatch(category_zh=zh, category_en=en)
    warranty = appliance_service.warranty(db, appliance=appliance, on=today, model=model)
    if plan.max_age_months is not None and add_months(warranty.starts_on, plan.max_age_months) <= today:
        raise ApplianceTooOld(months=plan.max_age_months)
    covering = db.scalar(
        select(ServiceContract).where(
            ServiceContract.tenant_id == appliance.tenant_id,
            ServiceContract.appliance_id == appliance.id,
            ServiceContract.kind == plan.kind,
            ServiceContract.status == "active",
            ServiceContract.end_date >= today,
        )
    )
    if covering is not None:
        raise AlreadyCovered(number=covering.number, until=covering.end_date.isoformat())
    return warranty.unit_ends_on


def _insert(db: Session, contract: ServiceContract) -> ServiceContract:
    """Write the contract and give it its number: ``HT`` and the sale's day and the row's id."""
    contract.number = uuid.uuid4().hex[:20]
    db.add(contract)
    db.flush()
    contract.number = f"HT{contract.sold_at.strftime('%Y%m%d')}{contract.id:06d}"
    db.flush()
    return contract


def sell(
    db: Session, *, user: User, appliance_id: int, plan_id: int, purchase_price_fen: int | None = None
) -> ServiceContract:
    """Sell ``plan_id`` for ``appliance_id`` (by staff, or a customer for their own appliance)."""
    appliance = _appliance(db, user=user, appliance_id=appliance_id)
    plan = plans.get(db, tenant_id=user.tenant_id, id=plan_id)
    today = tenant_clock.today(db, user.tenant_id)
    factory_ends = _check_fits(db, plan=plan, appliance=appliance, today=today)
    term = terms.first_term(
        kind=plan.kind, sold_on=today, factory_unit_ends_on=factory_ends, months=plan.term_months
    )
    price = terms.price(
        kind=plan.kind, price_fen=plan.price_fen, bands=plan.bands, purchase_price_fen=purchase_price_fen
    )
    contract = _insert(
        db,
        ServiceContract(
            tenant_id=user.tenant_id,
            plan_id=plan.id,
            kind=plan.kind,
            appliance_id=appliance.id,
            customer_id=appliance.customer_id,
            status="active",
            start_date=term.start,
            end_date=term.end,
            price_fen=price,
            purchase_price_fen=purchase_price_fen,
            visits=plan.visits,
            sold_by_id=user.id,
            sold_at=clock.now(),
        ),
    )
    _audit(db, contract, user, "contract.sell", {"plan": plan.code, "price_fen": price})
    return contract


def renewal_offer(
    db: Session, contract: ServiceContract, today: date
) -> tuple[ServicePlan, int, terms.Term] | None:
    """The offer to renew ``contract`` on ``today``: its plan (if still sold), the price and the term;
    None before the renewal window, for a contract no longer active or renewed already."""
    if status_on(contract, today) != "active" or today < terms.renewal_opens_on(contract.end_date):
        return None
    plan = db.get(ServicePlan, contract.plan_id)
    if plan is None or plan.status != "active" or renewal_of(db, contract) is not None:
        return None
    return _offer(contract, plan)


def _offer(contract: ServiceContract, plan: ServicePlan) -> tuple[ServicePlan, int, terms.Term]:
    base = terms.price(
        kind=plan.kind,
        price_fen=plan.price_fen,
        bands=plan.bands,
        purchase_price_fen=contract.purchase_price_fen,
    )
    price = terms.renewal_price(base, plan.renewal_discount_percent)
    return plan, price, terms.renewal_term(previous_end=contract.end_date, months=plan.term_months)


def renew(
    db: Session, *, user: User, contract: ServiceContract, plan_id: int | None = None
) -> ServiceContract:
    """A new contract continuing ``contract`` from the day after it ends, at the renewal offer's price;
    ``plan_id`` another active plan of the same kind that fits the appliance."""
    today = tenant_clock.today(db, user.tenant_id)
    current = status_on(contract, today)
    if current != "active":
        raise ContractState(current=current, current_zh=STATUS_ZH[current], action="renew", action_zh="续约")
    later = renewal_of(db, contract)
    if later is not None:
        raise AlreadyRenewed(number=later.number)
    opens = terms.renewal_opens_on(contract.end_date)
    if today < opens:
        raise NotRenewableYet(days=terms.RENEWAL_NOTICE_DAYS, from_day=opens.isoformat())
    plan = plans.get(db, tenant_id=user.tenant_id, id=plan_id or contract.plan_id)
    if plan.status != "active":
        raise PlanRetired()
    if plan.kind != contract.kind:
        raise PlanCategoryMismatch(category_zh="同类合同", category_en="a contract of the same kind")
    appliance = db.get(Appliance, contract.appliance_id)
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=contract.tenant_id, id=appliance.product_model_id
    )
    if plan.category_code is not None and plan.category_code != category.code:
        zh, en = CATEGORY_NAMES.get(
            CategoryCode(plan.category_code), (plan.category_code, plan.category_code)
        )
        raise PlanCategoryMismatch(category_zh=zh, category_en=en)
    _, price, term = _offer(contract, plan)
    renewed = _insert(
        db,
        ServiceContract(
            tenant_id=contract.tenant_id,
            plan_id=plan.id,
            kind=plan.kind,
            appliance_id=contract.appliance_id,
            customer_id=contract.customer_id,
            status="active",
            start_date=term.start,
            end_date=term.end,
            price_fen=price,
            purchase_price_fen=contract.purchase_price_fen,
            visits=plan.visits,
            renewed_from_id=contract.id,
            sold_by_id=user.id,
            sold_at=clock.now(),
        ),
    )
    _audit(db, renewed, user, "contract.renew", {"renews": contract.number, "price_fen": price})
    return renewed


def cancel(db: Session, *, user: User, contract: ServiceContract, reason: str) -> ServiceContract:
    """Cancel an active contract with the refund ``terms.refund`` gives, recorded with the reason."""
    today = tenant_clock.today(db, user.tenant_id)
    current = status_on(contract, today)
    if current != "active":
        raise ContractState(current=current, current_zh=STATUS_ZH[current], action="cancel", action_zh="退保")
    refund = terms.refund(
        kind=contract.kind,
        price_fen=contract.price_fen,
        term=terms.Term(contract.start_date, contract.end_date),
        on=today,
        claims=used(db, contract),
        visits=contract.visits,
    )
    contract.status = "cancelled"
    contract.cancelled_at = clock.now()
    contract.cancelled_by_id = user.id
    contract.cancel_reason = reason
    contract.refund_fen = refund
    db.flush()
    _audit(db, contract, user, "contract.cancel", {"reason": reason, "refund_fen": refund})
    return contract


def _audit(db: Session, contract: ServiceContract, user: User | None, action: str, values: dict) -> None:
    trail.record(
        db,
        tenant_id=contract.tenant_id,
        actor=user,
        action=action,
        object_type="service_contract",
        object_id=contract.id,
        changes=trail.changes(None, {"number": contract.number, **values}),
    )
