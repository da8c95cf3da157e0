"""Seasonal campaigns. ``ac_cleaning``: before summer, every air conditioner with high run hours (its
``run_hours`` counter from telemetry) and no cleaning order this year gets a cleaning offer, with the
tenant's air-conditioner care plan when it sells one; once per appliance and season (the tenant's year),
only to customers who consented to proactive contact.

A run is one ``campaign`` row with its counts; each appliance it targeted is a ``campaign_target`` row
with why (its run hours, the threshold, the customer's profile tags): ``offered`` (with ``once_key``, so
a second run, even at the same time, offers it no more) or ``no_consent`` (no ``once_key``: offered by a
later run if the customer consents by then). ``anxin campaign run --kind ac_cleaning``, ``POST
/api/v1/campaigns`` and the job in April to June (``jobs.campaign_season``) all call ``run``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin import money
from anxin.appliance.models import Appliance
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant, User
from anxin.catalog.models import Category, ProductModel
from anxin.clock import now as clock_now
from anxin.contract import plans as contract_plans
from anxin.contract.models import ServicePlan
from anxin.customer.models import Customer
from anxin.exceptions import InvalidInput, NotFound
from anxin.notify.outbox import Recipient, enqueue
from anxin.proactive import consent, profile
from anxin.proactive.models import Campaign, CampaignTarget
from anxin.work_order.models import WorkOrder

KINDS: dict[str, tuple[str, str]] = {"ac_cleaning": ("空调清洗季前关怀", "Pre-summer AC cleaning")}
DEFAULT_MIN_RUN_HOURS = 800
SEASON_MONTHS = (4, 5, 6)  # the job runs in these months of the tenant's year
EVENT = "campaign.ac_cleaning"
COUNTS = ("candidates", "offered", "no_consent", "cleaned_this_year", "low_run_hours", "already_offered")


def care_plan(db: Session, *, tenant_id: int) -> ServicePlan | None:
    """The tenant's air-conditioner care plan on sale, a cleaning one first; None when it sells none."""
    found = contract_plans.list_plans(db, tenant_id=tenant_id, category="air_conditioner", kind="care")
    cleaning = [p for p in found if p.service_type == "cleaning"]
    return (cleaning or list(found) or [None])[0]


def _air_conditioners(db: Session, tenant_id: int) -> list[tuple[int, int]]:
    return list(
        db.execute(
            select(Appliance.id, Appliance.customer_id)
            .join(ProductModel, ProductModel.id == Appliance.product_model_id)
            .join(Category, Category.id == ProductModel.category_id)
            .where(Appliance.tenant_id == tenant_id, Category.code == "air_conditioner")
            .order_by(Appliance.id)
        )
    )


def _cleaned_since(db: Session, tenant_id: int, since: datetime) -> set[int]:
    return set(
        db.scalars(
            select(WorkOrder.appliance_id).where(
                WorkOrder.tenant_id == tenant_id,
                WorkOrder.service_type == "cleaning",
                WorkOrder.created_at >= since,
                WorkOrder.status != "cancelled",
            )
        )
    )


def run(
    db: Session,
    *,
    tenant_id: int,
    kind: str = "ac_cleaning",
    actor: User | None = None,
    min_run_hours: int = DEFAULT_MIN_RUN_HOURS,
    now: datetime | None = None,
) -> Campaign:
    """Run the campaign for the tenant now; the ``campaign`` row with its counts."""
    if kind not in KINDS:
        raise InvalidInput("kind", "没有这种活动", "No such campaign")
    at = now or clock_now()
    today = tenant_clock.today(db, tenant_id, at)
    season = str(today.year)
    year_start, _ = tenant_clock.day_bounds(today.replace(month=1, day=1), tenant_clock.zone(db, tenant_id))
    plan = care_plan(db, tenant_id=tenant_id)
    campaign = Campaign(
        tenant_id=tenant_id,
        kind=kind,
        season=season,
        min_run_hours=min_run_hours,
        plan_id=plan.id if plan else None,
        counts={},
        created_by_id=actor.id if actor else None,
        started_at=at,
    )
    db.add(campaign)
    db.flush()
    counts = dict.fromkeys(COUNTS, 0)
    units = _air_conditioners(db, tenant_id)
    counts["candidates"] = len(units)
    hours = profile.counters(db, appliance_ids=[a for a, _ in units], metric="run_hours")
    cleaned = _cleaned_since(db, tenant_id, year_start)
    offered_before = set(
        db.scalars(
            select(CampaignTarget.once_key).where(
                CampaignTarget.tenant_id == tenant_id, CampaignTarget.once_key.is_not(None)
            )
        )
    )
    willing = consent.consenting(db, customer_ids=[c for _, c in units])
    for appliance_id, customer_id in units:
        run_hours = hours.get(appliance_id)
        if run_hours is None or run_hours < min_run_hours:
            counts["low_run_hours"] += 1
            continue
        if appliance_id in cleaned:
            counts["cleaned_this_year"] += 1
            continue
        once_key = f"{tenant_id}:{kind}:{season}:{appliance_id}"
        if once_key in offered_before:
            counts["already_offered"] += 1
            continue
        customer = db.get(Customer, customer_id)
        tags = sorted(profile.profile(db, customer=customer).codes())
        reason = {"run_hours": run_hours, "min_run_hours": min_run_hours, "tags": tags}
        if customer_id not in willing or customer.erased_at is not None:
            counts["no_consent"] += 1
            db.add(
                CampaignTarget(
                    tenant_id=tenant_id,
                    campaign_id=campaign.id,
                    appliance_id=appliance_id,
                    customer_id=customer_id,
                    outcome="no_consent",
                    reason=reason,
                )
            )
            continue
        try:
            with db.begin_nested():
                db.add(
                    CampaignTarget(
                        tenant_id=tenant_id,
                        campaign_id=campaign.id,
                        appliance_id=appliance_id,
                        customer_id=customer_id,
                        outcome="offered",
                        reason=reason,
                        once_key=once_key,
                    )
                )
                db.flush()
        except IntegrityError:  # another run offered it a moment ago
            counts["already_offered"] += 1
            continue
        _offer(db, tenant_id=tenant_id, customer=customer, plan=plan, run_hours=run_hours, key=once_key)
        counts["offered"] += 1
    campaign.counts, campaign.finished_at = counts, clock_now()
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="campaign.run",
        object_type="campaign",
        object_id=campaign.id,
        changes=trail.changes(None, {"kind": kind, "season": season, **counts}),
    )
    return campaign


def _offer(
    db: Session, *, tenant_id: int, customer: Customer, plan: ServicePlan | None, run_hours: float, key: str
) -> None:
    to = [Recipient("inbox", f"customer:{customer.id}")]
    if customer.phone and customer.phone.isdigit():
        to.append(Recipient("sms", customer.phone))
    context = {"appliance": "air_conditioner", "run_hours": f"{int(run_hours)}"}
    if plan is not None:
        price = plan.price_fen if plan.price_fen is not None else None
        context |= {"plan": plan.name_zh, "plan_en": plan.name_en}
        if price is not None:
            context["price"] = money.yuan(price, symbol=False)
    enqueue(db, tenant_id=tenant_id, event=EVENT, to=to, context=context, dedupe_key=f"campaign:{key}")


def get(db: Session, *, tenant_id: int, id: int) -> Campaign:
    found = db.scalar(select(Campaign).where(Campaign.id == id, Campaign.tenant_id == tenant_id))
    if found is None:
        raise NotFound("campaign", "活动")
    return found


def recent(db: Session, *, tenant_id: int, limit: int = 20) -> list[Campaign]:
    return list(
        db.scalars(
            select(Campaign).where(Campaign.tenant_id == tenant_id).order_by(Campaign.id.desc()).limit(limit)
        )
    )


def targets(db: Session, *, campaign_id: int, limit: int = 500) -> list[CampaignTarget]:
    return list(
        db.scalars(
            select(CampaignTarget)
            .where(CampaignTarget.campaign_id == campaign_id)
            .order_by(CampaignTarget.id)
            .limit(limit)
        )
    )


def in_season(db: Session, *, tenant_id: int, now: datetime) -> bool:
    return tenant_clock.today(db, tenant_id, now).month in SEASON_MONTHS


def season_pass(db: Session, *, now: datetime) -> dict[str, int]:
    """The job: every tenant in the season runs ``ac_cleaning`` (offers are once per season anyway)."""
    done = {}
    for tenant_id in db.scalars(select(Tenant.id).order_by(Tenant.id)):
        if in_season(db, tenant_id=tenant_id, now=now):
            done[str(tenant_id)] = run(db, tenant_id=tenant_id, now=now).counts["offered"]
    return done
