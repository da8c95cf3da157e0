"""The proactive API: the tenant's alert policy (admins), seasonal campaigns (admins), a customer's
profile (agents, dispatchers, admins) and consent to proactive contact (the customer, or an agent on the
customer's word)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer.api import current_customer
from anxin.customer.models import Customer
from anxin.dependencies import DbSession, allowed, language
from anxin.fields import Id
from anxin.proactive import campaigns, consent, policy, profile
from anxin.proactive.schemas import (
    AlertPolicyRead,
    AlertPolicyWrite,
    CampaignCreate,
    CampaignRead,
    CampaignTargetRead,
    ConsentRead,
    ConsentWrite,
    CustomerProfileRead,
    ProfileTagRead,
)

router = APIRouter(tags=["proactive"])

PolicyAdmin = Annotated[User, Depends(allowed(Action.ALERT_POLICY))]
CampaignAdmin = Annotated[User, Depends(allowed(Action.CAMPAIGNS))]
ProfileReader = Annotated[User, Depends(allowed(Action.CUSTOMER_PROFILE))]
ConsentSetter = Annotated[User, Depends(allowed(Action.CUSTOMER_CONSENT))]


@router.get("/api/v1/alert-policy", response_model=AlertPolicyRead)
def read_policy(db: DbSession, user: PolicyAdmin):
    """What an alert does for the customer: by cause, then severity, then the default (``none``: staff)."""
    return AlertPolicyRead(**policy.read(db, tenant_id=user.tenant_id))


@router.put("/api/v1/alert-policy", response_model=AlertPolicyRead)
def set_policy(body: AlertPolicyWrite, db: DbSession, user: PolicyAdmin):
    """Replace the tenant's alert policy. ``notify`` sends the customer a self-help tip, ``order`` opens a
    proactive work order (channel ``iot``); both only for customers who consented to proactive contact."""
    return AlertPolicyRead(**policy.replace(db, actor=user, policy=body.model_dump()))


def _campaign(db, found, lang: str) -> CampaignRead:
    read = CampaignRead.model_validate(found)
    zh, en = campaigns.KINDS.get(found.kind, (found.kind, found.kind))
    read.name = en if lang == "en" else zh
    read.targets = [CampaignTargetRead.model_validate(t) for t in campaigns.targets(db, campaign_id=found.id)]
    return read


@router.post("/api/v1/campaigns", response_model=CampaignRead, status_code=201)
def run_campaign(body: CampaignCreate, request: Request, db: DbSession, user: CampaignAdmin):
    """Run a seasonal campaign now (``ac_cleaning``: air conditioners with high run hours and no cleaning
    order this year get a cleaning offer, once per appliance and season, if their customer consented);
    the answer counts who was offered and who was left out, and lists the targets with why."""
    found = campaigns.run(
        db, tenant_id=user.tenant_id, kind=body.kind, actor=user, min_run_hours=body.min_run_hours
    )
    return _campaign(db, found, language(request))


@router.get("/api/v1/campaigns/{campaign_id}", response_model=CampaignRead)
def read_campaign(campaign_id: Id, request: Request, db: DbSession, user: CampaignAdmin):
    """A campaign run of the tenant: its counts and targets (500 at most)."""
    return _campaign(db, campaigns.get(db, tenant_id=user.tenant_id, id=campaign_id), language(request))


@router.get("/api/v1/customers/{customer_id}/profile", response_model=CustomerProfileRead)
def read_profile(customer_id: Id, request: Request, db: DbSession, user: ProfileReader):
    """The customer's profile tags (画像), computed from the data now: household, usage intensity,
    climate zone, value tier, elderly or infant at home, appliances near the end of their service life."""
    customer = current_customer(customer_id, db, user)
    return profile_read(profile.profile(db, customer=customer), language(request))


def profile_read(found: profile.Profile, lang: str) -> CustomerProfileRead:
    return CustomerProfileRead(
        customer_id=found.customer_id,
        proactive_consent=found.consent,
        household_size=found.household_size,
        tags=[ProfileTagRead(code=t.code, label=t.label(lang), detail=t.detail(lang)) for t in found.tags],
    )


@router.put("/api/v1/customers/{customer_id}/consent", response_model=ConsentRead)
def set_consent(customer_id: Id, body: ConsentWrite, db: DbSession, user: ConsentSetter):
    """Record the customer's consent to proactive contact (alerts' tips, proactive orders, seasonal
    offers): the customer their own, an agent on the customer's word; audited."""
    customer: Customer = current_customer(customer_id, db, user)
    row = consent.set_consent(db, customer=customer, actor=user, granted=body.granted)
    return ConsentRead(
        customer_id=customer.id,
        purpose=row.purpose,
        granted=row.granted,
        source=row.source,
        changed_at=row.changed_at,
    )
