"""The plans' and contracts' API. ``/api/v1/service-plans``: the plans on sale, read by anyone of the
tenant (customers included), created, changed and retired by its admins. ``/api/v1/contracts``: sell a
plan for an appliance, read, renew and cancel contracts.

Who may call what is the permission table's (``Action.SERVICE_PLANS_*``, ``Action.CONTRACTS_*``); which
contracts and appliances a customer reaches (their own: 404 for anyone else's) is ``contracts``'."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CategoryCode
from anxin.contract import contracts, plans, views
from anxin.contract.schemas import (
    CancelBody,
    ContractCreate,
    ContractRead,
    ContractStatus,
    Kind,
    PlanUpdate,
    RenewBody,
    ServicePlanCreate,
    ServicePlanRead,
)
from anxin.dependencies import DbSession, allowed
from anxin.fields import Id
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.routing import json_response

plan_router = APIRouter(prefix="/api/v1/service-plans", tags=["service plans"])
router = APIRouter(prefix="/api/v1/contracts", tags=["contracts"])

PlanReader = Annotated[User, Depends(allowed(Action.SERVICE_PLANS_READ))]
PlanAdmin = Annotated[User, Depends(allowed(Action.SERVICE_PLANS_MANAGE))]
Reader = Annotated[User, Depends(allowed(Action.CONTRACTS_READ))]
Seller = Annotated[User, Depends(allowed(Action.CONTRACTS_SELL))]
Canceller = Annotated[User, Depends(allowed(Action.CONTRACTS_CANCEL))]


@plan_router.get("", response_model=list[ServicePlanRead])
def list_plans(
    db: DbSession,
    user: PlanReader,
    category: CategoryCode | None = None,
    kind: Kind | None = None,
    include_retired: bool = False,
):
    """The plans on sale: extended warranties (``kind`` ``extended_warranty``, priced by purchase-price
    band) and care plans (``care``, a price for a number of visits); ``category`` keeps those for that
    category and for every category; ``include_retired`` (admins) adds the plans no longer sold."""
    return plans.list_plans(
        db,
        tenant_id=user.tenant_id,
        category=category.value if category else None,
        kind=kind,
        retired=include_retired and user.role == "admin",
    )


@plan_router.post("", response_model=ServicePlanRead, status_code=201)
def create_plan(body: ServicePlanCreate, db: DbSession, user: PlanAdmin):
    """A new plan (409 ``code_taken`` for a code in use; 422 naming the field for a plan its kind does not
    allow: an extended warranty of 12 to 48 whole months with ascending bands, a care plan with a price,
    visits and a service type)."""
    plan = plans.create(db, tenant_id=user.tenant_id, body=body, actor=user)
    return json_response(ServicePlanRead.model_validate(plan), status_code=201)


@plan_router.get("/{service_plan_id}", response_model=ServicePlanRead)
def get_plan(service_plan_id: Id, db: DbSession, user: PlanReader):
    return plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)


@plan_router.put("/{service_plan_id}", response_model=ServicePlanRead)
def update_plan(service_plan_id: Id, body: PlanUpdate, db: DbSession, user: PlanAdmin):
    """Change a plan; the contracts already sold keep their price, dates and visits."""
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    return plans.update(db, plan=plan, fields=body, actor=user)


@plan_router.post("/{service_plan_id}/retire", response_model=ServicePlanRead)
def retire_plan(service_plan_id: Id, db: DbSession, user: PlanAdmin):
    """Stop selling a plan (its contracts run on)."""
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    return plans.set_status(db, plan=plan, status="retired", actor=user)


@plan_router.post("/{service_plan_id}/reinstate", response_model=ServicePlanRead)
def reinstate_plan(service_plan_id: Id, db: DbSession, user: PlanAdmin):
    plan = plans.get(db, tenant_id=user.tenant_id, id=service_plan_id)
    return plans.set_status(db, plan=plan, status="active", actor=user)


@router.get("", response_model=PageRead[ContractRead])
def list_contracts(
    db: DbSession,
    user: Reader,
    page: PageNumber = 1,
    page_size: PageSize = 50,
    appliance_id: Id | None = None,
    customer_id: Id | None = None,
    status: ContractStatus | None = None,
):
    """Contracts, the newest first: a customer's own; staff's, the tenant's (by appliance, customer,
    status). Each with its claims, visits used and left, and today's renewal offer."""
    found = contracts.list_contracts(
        db,
        user=user,
        page=page,
        page_size=page_size,
        appliance_id=appliance_id,
        customer_id=customer_id,
        status=status,
    )
    items = views.read_many(db, found.items, today=tenant_clock.today(db, user.tenant_id))
    return PageRead[ContractRead](items=items, total=found.total, page=found.page, page_size=found.page_size)


@router.post("", response_model=ContractRead, status_code=201)
def sell(body: ContractCreate, db: DbSession, user: Seller):
    """Sell a plan for an appliance: the price from the plan (an extended warranty's from the band of
    ``purchase_price_fen``), the dates (an extended warranty from the end of the factory warranty, or
    today if that is past; a care plan from today), a contract number. Refused with 422:
    ``plan_category_mismatch``, ``appliance_too_old``, ``already_covered``, ``plan_retired``; 404 for an
    appliance or plan the caller does not reach."""
    contract = contracts.sell(
        db,
        user=user,
        appliance_id=body.appliance_id,
        plan_id=body.plan_id,
        purchase_price_fen=body.purchase_price_fen,
    )
    read = views.read_one(db, contract, today=tenant_clock.today(db, user.tenant_id))
    return json_response(read, status_code=201)


@router.get("/{contract_id}", response_model=ContractRead)
def get_contract(contract_id: Id, db: DbSession, user: Reader):
    contract = contracts.get(db, user=user, id=contract_id)
    return views.read_one(db, contract, today=tenant_clock.today(db, user.tenant_id))


@router.post("/{contract_id}/renew", response_model=ContractRead, status_code=201)
def renew(contract_id: Id, body: RenewBody, db: DbSession, user: Seller):
    """The renewal: a new contract continuing this one from the day after it ends, at the offer's price
    (409 ``not_renewable_yet`` before its last 30 days, ``already_renewed``, ``illegal_transition`` for a
    contract no longer active)."""
    contract = contracts.get(db, user=user, id=contract_id)
    renewed = contracts.renew(db, user=user, contract=contract, plan_id=body.plan_id)
    read = views.read_one(db, renewed, today=tenant_clock.today(db, user.tenant_id))
    return json_response(read, status_code=201)


@router.post("/{contract_id}/cancel", response_model=ContractRead)
def cancel(contract_id: Id, body: CancelBody, db: DbSession, user: Canceller):
    """Cancel with a pro-rata refund (``refund_fen``; the rule is ``contract.terms``'): the unused days'
    share of the price; an extended warranty that paid a claim refunds nothing; a care plan at most its
    unused visits' share. 409 ``illegal_transition`` for a contract no longer active."""
    contract = contracts.get(db, user=user, id=contract_id)
    cancelled = contracts.cancel(db, user=user, contract=contract, reason=body.reason)
    return views.read_one(db, cancelled, today=tenant_clock.today(db, user.tenant_id))
