"""The contracts' periodic work, each part a function the job runs in a transaction of its own
(``anxin.jobs.contract_pass``) and safe to run twice or on two workers at once:

- ``create_due_visits``: a care plan's visit falls due (``terms.visit_due_dates``) and becomes a work
  order through the order intake (channel ``care_plan``, the tenant's system user as the actor), which
  bills it to the plan (``claims``). The ``contract_visit`` row (unique per contract and visit number) is
  written first, in a savepoint: a second run, or a second worker, finds it and creates nothing. A visit
  due when the plan has none left is recorded as skipped.
- ``send_renewal_notices``: from ``terms.RENEWAL_NOTICE_DAYS`` before the end, the customer is told by
  inbox and SMS, once (``renewal_noticed_at``, and the outbox's dedupe key), with the renewal offer.
- ``expire_ended``: an active contract past its end becomes expired."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin import links, money
from anxin.auth import service as auth_service
from anxin.auth import tenant_clock
from anxin.contract import contracts, terms
from anxin.contract.models import ContractVisit, ServiceContract, ServicePlan
from anxin.customer import service as customer_service
from anxin.exceptions import AnxinError
from anxin.notify.outbox import Recipient, enqueue
from anxin.work_order import actions as order_actions

log = structlog.get_logger("anxin.contract")
BATCH = 500
CHANNEL = "care_plan"
RENEWAL_EVENT = "contract.renewal_due"


def create_due_visits(db: Session, *, now: datetime) -> int:
    """Create the care visits due by today (each tenant's date); the number of orders created."""
    rough = now.date() + timedelta(days=1)  # no tenant's today is later than UTC's tomorrow
    rows = db.execute(
        select(ServiceContract, ServicePlan)
        .join(ServicePlan, ServicePlan.id == ServiceContract.plan_id)
        .where(
            ServiceContract.kind == terms.CARE,
            ServiceContract.status == "active",
            ServiceContract.start_date <= rough,
            ServiceContract.end_date >= rough - timedelta(days=2),
        )
        .order_by(ServiceContract.id)
        .limit(BATCH)
    ).all()
    created = 0
    for contract, plan in rows:
        today = tenant_clock.today(db, contract.tenant_id, now)
        if not contract.start_date <= today <= contract.end_date:
            continue
        due = terms.visit_due_dates(terms.Term(contract.start_date, contract.end_date), contract.visits)
        taken = set(
            db.scalars(select(ContractVisit.visit_no).where(ContractVisit.contract_id == contract.id))
        )
        for number, day in enumerate(due, start=1):
            if day > today or number in taken:
                continue
            created += _visit(db, contract=contract, plan=plan, number=number, day=day)
    return created


class _Waits(Exception):
    """The appliance has an open order of the service: the visit is not written this time."""


def _visit(db: Session, *, contract: ServiceContract, plan: ServicePlan, number: int, day) -> int:
    """Create visit ``number`` of ``contract``. An appliance with an open order of the service already (one
    the customer reported themselves) waits: nothing is written, and a later run creates the visit. An
    intake refused (the appliance changed hands) or a plan with no visit left records the visit skipped."""
    try:
        with db.begin_nested():
            visit = ContractVisit(
                tenant_id=contract.tenant_id, contract_id=contract.id, visit_no=number, due_date=day
            )
            db.add(visit)
            db.flush()
            made = (
                None
                if contracts.used(db, contract) >= contract.visits
                else _order(db, contract, plan, number)
            )
            if made is not None and made.duplicate:
                raise _Waits()
            visit.skipped = made is None
            visit.work_order_id = made.order.id if made is not None else None
            db.flush()
            return 1 if made is not None and made.created else 0
    except IntegrityError:
        return 0  # another run has this visit
    except _Waits:
        return 0


def _order(db: Session, contract: ServiceContract, plan: ServicePlan, number: int):
    actor = auth_service.system_user(db, tenant_id=contract.tenant_id)
    intake = order_actions.Intake(
        customer_id=contract.customer_id,
        appliance_id=contract.appliance_id,
        service_type=plan.service_type or "maintenance",
        channel=CHANNEL,
        fault_description=f"保养套餐上门（{plan.name_zh}，第 {number}/{contract.visits} 次，合同 {contract.number}）",
    )
    try:
        with db.begin_nested():
            return order_actions.create_order(db, actor=actor, intake=intake)
    except AnxinError as refused:  # the appliance changed hands, the customer was erased, …
        log.warning("contract.visit_refused", contract=contract.number, visit=number, code=refused.code)
        return None


def send_renewal_notices(db: Session, *, now: datetime) -> int:
    """Tell each customer whose contract ends within ``RENEWAL_NOTICE_DAYS`` about the renewal offer, once."""
    rough = now.date() + timedelta(days=terms.RENEWAL_NOTICE_DAYS + 1)
    found = db.scalars(
        select(ServiceContract)
        .where(
            ServiceContract.status == "active",
            ServiceContract.renewal_noticed_at.is_(None),
            ServiceContract.end_date <= rough,
        )
        .order_by(ServiceContract.end_date, ServiceContract.id)
        .limit(BATCH)
    ).all()
    sent = 0
    for contract in found:
        today = tenant_clock.today(db, contract.tenant_id, now)
        offer = contracts.renewal_offer(db, contract, today)
        if offer is None:
            continue
        plan, price, term = offer
        customer = customer_service.get(db, tenant_id=contract.tenant_id, id=contract.customer_id)
        to = [Recipient("inbox", f"customer:{customer.id}")]
        if customer.phone and customer.phone.isdigit():
            to.append(Recipient("sms", customer.phone))
        enqueue(
            db,
            tenant_id=contract.tenant_id,
            event=RENEWAL_EVENT,
            to=to,
            context={
                "contract_number": contract.number,
                "plan": plan.name_zh,
                "plan_en": plan.name_en,
                "end_date": contract.end_date.isoformat(),
                "price": money.yuan(price, symbol=False),
                "discount": plan.renewal_discount_percent,
                "new_end_date": term.end.isoformat(),
                "link": links.absolute("/portal/contracts"),
            },
            dedupe_key=f"contract.renewal:{contract.id}",
        )
        contract.renewal_noticed_at = now
        sent += 1
    db.flush()
    return sent


def expire_ended(db: Session, *, now: datetime) -> int:
    found = db.scalars(
        select(ServiceContract)
        # the UTC date may trail a tenant's (China is ahead): take what may have ended, the tenant's day decides
        .where(ServiceContract.status == "active", ServiceContract.end_date <= now.date())
        .limit(BATCH)
    ).all()
    expired = 0
    for contract in found:
        if contracts.status_on(contract, tenant_clock.today(db, contract.tenant_id, now)) == "expired":
            contract.status = "expired"
            expired += 1
    db.flush()
    return expired
