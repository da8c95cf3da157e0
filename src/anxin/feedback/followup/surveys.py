"""Follow-up (回访): every completed order gets a survey, sent as a signed, expiring link; the customer
answers through the link or an agent records the phone call in the same form. An answer moves the order to
followed_up; a low score opens a callback for the agents and a complaint draft for quality. ``sweep``
sends what was not sent, opens a call task for surveys left unanswered and expires old links."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock, links
from anxin.appliance import service as appliance_service
from anxin.auth import keys
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.catalog import service as catalog_service
from anxin.config import get_settings
from anxin.customer import service as customer_service
from anxin.exceptions import InvalidInput, NotFound
from anxin.feedback import policy, tasks
from anxin.feedback.complaints import desk as complaints
from anxin.feedback.exceptions import SurveyAnswered, SurveyExpired, SurveyTokenInvalid
from anxin.feedback.models import Survey
from anxin.feedback.scorecards import consequences as scorecards
from anxin.notify.outbox import Recipient, enqueue
from anxin.technician import service as technician_service
from anxin.work_order import actions
from anxin.work_order.models import WorkOrder

TRIGGERS = ("complete", "resolve-remote")
FOLLOWABLE = ("completed", "resolved_remote")
DIMENSIONS = ("attitude", "skill", "punctuality", "promises")
# The complaint category a low dimension points to.
CATEGORY_OF = {"attitude": "attitude", "skill": "quality", "punctuality": "timeliness", "promises": "other"}


@dataclass
class Answers:
    attitude: int
    skill: int
    punctuality: int
    promises: int
    overall: int
    nps: int | None  # None: not answered (the customer's page leaves it optional; NPS counts the answered)
    comment: str | None = None
    resolved: bool | None = None


# -- the signed link -------------------------------------------------------------------------------------


def _secret() -> bytes:
    # Jobs and reactions have no request at hand: the process settings are the one source of the key,
    # the survey links' own key derived from the configured secret.
    return keys.derive(get_settings().secret_key, keys.Purpose.SURVEY_LINK)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def make_token(survey: Survey) -> str:
    """``payload.signature``: names tenant and survey and carries the expiry, signed with the app key."""
    expires = int(clock.as_utc(survey.expires_at).timestamp())
    body = _b64(
        json.dumps({"t": survey.tenant_id, "s": survey.id, "e": expires}, separators=(",", ":")).encode()
    )
    return f"{body}.{_b64(hmac.new(_secret(), body.encode(), hashlib.sha256).digest())}"


def link(survey: Survey) -> str:
    return f"/s/{make_token(survey)}"


def survey_from_token(
    db: Session, token: str, *, now: datetime | None = None, answering: bool = True
) -> Survey:
    """The survey a token names. A tampered token is 403, an answered survey 409, an expired one 410."""
    try:
        body, signature = token.rsplit(".", 1)
        expected = _b64(hmac.new(_secret(), body.encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(signature, expected):
            raise ValueError("bad signature")
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        tenant_id, survey_id, expires = int(claims["t"]), int(claims["s"]), int(claims["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SurveyTokenInvalid() from exc
    survey = db.get(Survey, survey_id)
    if survey is None or survey.tenant_id != tenant_id:
        raise SurveyTokenInvalid()
    if answering and survey.status == "answered":
        raise SurveyAnswered()
    if survey.status == "expired" or expires <= (now or clock.now()).timestamp():
        raise SurveyExpired()
    return survey


# -- creation and invitation -----------------------------------------------------------------------------


def create_for(db: Session, *, order: WorkOrder, now: datetime) -> Survey:
    """One survey per order (a second call returns the first) and its invitation."""
    survey = db.scalar(select(Survey).where(Survey.work_order_id == order.id))
    if survey is not None:
        return survey
    rules = policy.for_tenant(db, tenant_id=order.tenant_id)
    survey = Survey(
        tenant_id=order.tenant_id,
        work_order_id=order.id,
        customer_id=order.customer_id,
        technician_id=order.technician_id,
        status="pending",
        created_at=now,
        expires_at=now + timedelta(hours=rules.survey_expires_hours),
    )
    db.add(survey)
    db.flush()
    invite(db, survey=survey, order=order, now=now)
    return survey


def invite(db: Session, *, survey: Survey, order: WorkOrder, now: datetime) -> None:
    """The link by SMS and in the customer's inbox; the dedupe key keeps a rerun from sending it twice."""
    customer = customer_service.get(db, tenant_id=survey.tenant_id, id=survey.customer_id)
    enqueue(
        db,
        tenant_id=survey.tenant_id,
        event="survey.invite",
        to=[Recipient("sms", customer.phone), Recipient("inbox", f"customer:{customer.id}")],
        context={"link": links.absolute(link(survey)), "number": order.number},
        dedupe_key=f"survey.invite:{survey.id}",
        work_order_id=order.id,
    )
    survey.sent_at = survey.sent_at or now
    db.flush()


def get(db: Session, *, tenant_id: int, id: int | None) -> Survey:
    """The tenant's survey ``id``; 404 for none or another tenant's."""
    survey = db.get(Survey, id) if id is not None else None
    if survey is None or survey.tenant_id != tenant_id:
        raise NotFound("survey", "回访")
    return survey


def for_order(db: Session, *, order: WorkOrder) -> Survey | None:
    return db.scalar(select(Survey).where(Survey.work_order_id == order.id))


def public_view(db: Session, *, survey: Survey, lang: str = "zh") -> dict:
    """What the customer is rating, for the link's page: order number, appliance, technician's name."""
    order = db.get(WorkOrder, survey.work_order_id)
    appliance = appliance_service.get(db, tenant_id=survey.tenant_id, id=order.appliance_id)
    model, category = catalog_service.get_model_and_category(
        db, tenant_id=survey.tenant_id, id=appliance.product_model_id
    )
    technician = (
        technician_service.get(db, tenant_id=survey.tenant_id, id=survey.technician_id)
        if survey.technician_id
        else None
    )
    return {
        "status": survey.status,
        "order_number": order.number,
        "appliance": f"{category.name_en if lang == 'en' else category.name_zh} · {model.name}",
        "technician_name": technician.name if technician else None,
        "expires_at": survey.expires_at,
    }


# -- answers ---------------------------------------------------------------------------------------------


def _check_ranges(answers: Answers) -> None:
    for name in (*DIMENSIONS, "overall"):
        value = getattr(answers, name)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(name, "评分须为 1 到 5", "a score is 1 to 5")
    if answers.nps is not None and (not isinstance(answers.nps, int) or not 0 <= answers.nps <= 10):
        raise InvalidInput("nps", "推荐度须为 0 到 10", "NPS is 0 to 10")


def _system_actor(db: Session, tenant_id: int) -> User:
    """Who moves the order when the customer answered through the link: the tenant's follow-up system
    user (role quality, so the state table's "follow-up" move admits it)."""
    return auth_service.system_user(db, tenant_id=tenant_id, role=Role.QUALITY.value)


def answer(db: Session, *, survey: Survey, answers: Answers, actor: User | None, via: str = "link") -> Survey:
    """Record the customer's answers (``actor`` None: through the link) or an agent's phone record."""
    if survey.status == "answered":
        raise SurveyAnswered()
    if via == "link" and survey.status == "expired":
        raise SurveyExpired()
    _check_ranges(answers)
    now = clock.now()
    for name, value in vars(answers).items():
        setattr(survey, name, value)
    survey.status = "answered"
    survey.answered_at = now
    survey.answered_via = via
    survey.answered_by_id = actor.id if actor else None
    db.flush()
    tasks.finish_for_survey(db, survey_id=survey.id, actor=actor, outcome=f"answered by {via}")
    order = db.get(WorkOrder, survey.work_order_id)
    if order.status in FOLLOWABLE:
        mover = actor if actor is not None else _system_actor(db, survey.tenant_id)
        note = "电话回访" if via == "phone" else "客户在线评价"
        actions.perform(db, order=order, action="follow-up", actor=mover, ctx=actions.Context(note=note))
    _low_score(db, survey=survey, order=order, actor=actor, now=now)
    if survey.technician_id is not None:
        scorecards.refresh(db, technician_id=survey.technician_id, now=now)
    return survey


def _low_score(db: Session, *, survey: Survey, order: WorkOrder, actor: User | None, now: datetime) -> None:
    rules = policy.for_tenant(db, tenant_id=survey.tenant_id)
    lowest = min(DIMENSIONS, key=lambda name: getattr(survey, name))
    if getattr(survey, lowest) > rules.low_score:
        return
    tasks.open_task(
        db,
        tenant_id=survey.tenant_id,
        kind="callback",
        role=Role.AGENT.value,
        title=f"低分回电 {order.number}",
        dedupe_key=f"callback:{survey.id}",
        due_at=now + timedelta(hours=24),
        work_order_id=order.id,
        survey_id=survey.id,
        technician_id=survey.technician_id,
        detail={"lowest": lowest, "score": getattr(survey, lowest)},
    )
    complaints.draft_from_survey(db, survey=survey, order=order, category=CATEGORY_OF[lowest], actor=actor)


# -- the periodic sweep ----------------------------------------------------------------------------------


def sweep(db: Session, *, now: datetime) -> dict:
    """Send invitations not yet sent, open one call task per survey unanswered after the tenant's hours,
    expire links past their time. Safe to run twice or on two workers (dedupe keys, skipped locks)."""
    result = {"invited": 0, "call_tasks": 0, "expired": 0}
    pending = db.scalars(
        select(Survey).where(Survey.status == "pending").order_by(Survey.id).with_for_update(skip_locked=True)
    ).all()
    policies: dict[int, object] = {}
    for survey in pending:
        rules = policies.setdefault(survey.tenant_id, policy.for_tenant(db, tenant_id=survey.tenant_id))
        order = db.get(WorkOrder, survey.work_order_id)
        if clock.as_utc(survey.expires_at) <= now:
            survey.status = "expired"
            result["expired"] += 1
            continue
        if survey.sent_at is None:
            invite(db, survey=survey, order=order, now=now)
            result["invited"] += 1
        waited = now - clock.as_utc(survey.sent_at or survey.created_at)
        if waited >= timedelta(hours=rules.survey_call_after_hours) and order.status in FOLLOWABLE:
            opened = tasks.open_task(
                db,
                tenant_id=survey.tenant_id,
                kind="follow_up_call",
                role=Role.AGENT.value,
                title=f"电话回访 {order.number}",
                dedupe_key=f"follow_up_call:{survey.id}",
                due_at=now + timedelta(hours=24),
                work_order_id=order.id,
                survey_id=survey.id,
                technician_id=survey.technician_id,
            )
            result["call_tasks"] += opened is not None
    db.flush()
    return result
