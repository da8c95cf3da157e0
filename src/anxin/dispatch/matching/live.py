"""Real-time matching from the database: read an order and the technicians who might take it into the pure
snapshots of ``scoring``, then rank.

Reading 10,000 technicians' queues for every order would be slow, so the database narrows first: the tenant's
technicians who are not suspended, have a skill row for the category (this service type or any), and are
nearest to the job by their fresh position or home base (``PREFILTER`` of them). Only those are loaded with
their certificates, shifts, day's bookings and queues (``snapshots``) and go through every hard rule in
``scoring``.

Ranking one order takes three statements: the order's facts (its appliance's brand and crew size, the last
visit, its address, the tenant's zone and SLA policy, the skill triage suggested, in one row) with the tenant's outlets and their
coverage; the nearest technicians with their day and history (``snapshots.nearest_techs``); and their
skills, certificates and queues. A crew job goes the general way (``techs_for``, then ``_add_history``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from anxin.appliance.models import Appliance
from anxin.auth import tenant_clock
from anxin.auth.models import DEFAULT_ZONE, Tenant
from anxin.catalog.models import Brand, ProductModel
from anxin.customer.models import Address
from anxin.dispatch.core import rules
from anxin.dispatch.core.scoring import Job, Ranking, Tech, rank
from anxin.dispatch.day import FRESH_LOCATION as FRESH_LOCATION
from anxin.dispatch.day import QUEUED as QUEUED
from anxin.dispatch.day import STARTED as STARTED
from anxin.dispatch.day import travel
from anxin.dispatch.matching.snapshot_sql import nearest_statement
from anxin.dispatch.matching.snapshots import (
    HISTORY_DAYS,
    RECENT_DAYS,
    nearest_params,
    nearest_techs,
    techs_for,
)
from anxin.dispatch.matching.snapshots import shift_on as shift_on
from anxin.dispatch.models import DispatchPlan, PlanStop
from anxin.geo import Point
from anxin.knowledge.models import OrderTriage
from anxin.technician.models import Outlet
from anxin.work_order import service as work_order_service
from anxin.work_order.models import SlaPolicy, WorkOrder

PREFILTER = 30
TRIAGE_SURE = 0.6  # a suggestion this sure (or an agent's choice) holds the technician to its skill


def order_point(order: WorkOrder, db: Session) -> Point:
    address = db.get(Address, order.address_id) if order.address_id else None
    if address is None:
        return Point(0.0, 0.0, order.area_type or "urban")
    return Point(address.lat, address.lng, address.area_type or order.area_type or "urban")


def job_for(db: Session, order: WorkOrder) -> Job:
    """The order as dispatch sees it: place, needs, limits, and who did the last visit on the appliance."""
    facts, _ = _facts(db, order)
    return _job(db, order, facts)


def _facts(db: Session, order: WorkOrder, *, outlets: bool = False) -> tuple[Any, list[tuple[int, Any]]]:
    """The order's facts in one row (``_facts_statement``) and, with ``outlets``, in the same statement, the
    tenant's outlets with their coverage (JSON text). The tenant's SLA policy comes in the facts row and is
    kept for the session, as ``work_order_service.get_policy`` would keep it, so it costs no statement of
    its own."""
    rows = db.execute(
        _facts_statement(outlets=outlets),
        {
            "tenant_id": order.tenant_id,
            "appliance_id": order.appliance_id,
            "order_id": order.id,
            "address_id": order.address_id,
        },
    ).all()
    facts = next((row for row in rows if row.kind == 0), None)
    if facts is not None and order.tenant_id not in db.info.get(work_order_service.POLICY_KEY, {}):
        work_order_service.keep_policy(db, order.tenant_id, facts.policy)
    return facts, [(row.outlet_id, row.coverage) for row in rows if row.kind == 1]


_FACTS: dict[bool, Any] = {}


def _facts_statement(*, outlets: bool) -> Any:
    """The tenant's zone and SLA policy (an entity; None if the tenant has none), the appliance's brand and
    crew size, who did the last visit on it, and the order's address, as one row (``kind`` 0); with
    ``outlets``, a row (``kind`` 1) for each of the tenant's outlets after it."""
    statement = _FACTS.get(outlets)
    if statement is None:
        appliance_id = bindparam("appliance_id")
        model = (
            select(Brand.code, ProductModel.crew_size)
            .join(ProductModel, ProductModel.brand_id == Brand.id)
            .join(Appliance, Appliance.product_model_id == ProductModel.id)
            .where(Appliance.id == appliance_id)
        )
        last = (
            select(WorkOrder.technician_id)
            .where(
                WorkOrder.appliance_id == appliance_id,
                WorkOrder.id != bindparam("order_id"),
                WorkOrder.technician_id.is_not(None),
                WorkOrder.on_site_at.is_not(None),
            )
            .order_by(WorkOrder.on_site_at.desc())
            .limit(1)
        )
        address = select(Address.lat).where(Address.id == bindparam("address_id"))
        # the skill triage suggested, when sure enough to hold a technician to it (or an agent chose it)
        suggested = select(cast(OrderTriage.skill, Text)).where(
            OrderTriage.work_order_id == bindparam("order_id"),
            or_(OrderTriage.confidence >= TRIAGE_SURE, OrderTriage.source != "model"),
        )
        policy_columns = list(SlaPolicy.__table__.columns)
        columns = [
            literal_column("0", Integer).label("kind"),
            *policy_columns,
            Tenant.timezone.label("timezone"),
            model.with_only_columns(Brand.code).scalar_subquery().label("brand"),
            model.with_only_columns(Brand.name_zh).scalar_subquery().label("brand_zh"),
            model.with_only_columns(Brand.name_en).scalar_subquery().label("brand_en"),
            model.with_only_columns(ProductModel.crew_size).scalar_subquery().label("crew_size"),
            last.scalar_subquery().label("last_technician_id"),
            address.scalar_subquery().label("lat"),
            address.with_only_columns(Address.lng).scalar_subquery().label("lng"),
            address.with_only_columns(Address.area_type).scalar_subquery().label("area_type"),
            suggested.scalar_subquery().label("triage_skill"),
            suggested.with_only_columns(OrderTriage.source).scalar_subquery().label("triage_source"),
        ]
        tenant_id = bindparam("tenant_id")
        of_tenant = Tenant.__table__.outerjoin(SlaPolicy, SlaPolicy.tenant_id == Tenant.id)
        if not outlets:
            rows = select(*columns).select_from(of_tenant).where(Tenant.id == tenant_id)
        else:
            facts = (
                select(
                    *columns,
                    cast(null(), BigInteger).label("outlet_id"),
                    cast(null(), Text).label("coverage"),
                )
                .select_from(of_tenant)
                .where(Tenant.id == tenant_id)
            )
            each_outlet = select(
                literal_column("1", Integer),
                *(cast(null(), c.type) for c in columns[1:]),
                Outlet.id,
                cast(Outlet.coverage, Text),
            ).where(Outlet.tenant_id == tenant_id)
            rows = union_all(facts, each_outlet)
        rows = rows.subquery("facts")
        names = [
            "kind",
            "timezone",
            "brand",
            "brand_zh",
            "brand_en",
            "crew_size",
            "last_technician_id",
            "lat",
            "lng",
            "area_type",
            "triage_skill",
            "triage_source",
        ]
        if outlets:
            names += ["outlet_id", "coverage"]
        statement = select(
            aliased(SlaPolicy, rows, name="policy"),
            *(rows.c[name] for name in names),
        )
        _FACTS[outlets] = statement
    return statement


def _zone(facts: Any) -> str:
    return (facts.timezone if facts is not None else None) or DEFAULT_ZONE


def _job(db: Session, order: WorkOrder, facts: Any) -> Job:
    brand, brand_names, crew_size, last = None, None, 1, None
    if facts is not None:
        last = facts.last_technician_id
        if facts.crew_size is not None:  # the appliance has a product model (of a brand)
            brand, crew_size = facts.brand, facts.crew_size
            brand_names = (facts.brand_zh, facts.brand_en)
    if facts is None or facts.lat is None:
        point = Point(0.0, 0.0, order.area_type or "urban")
    else:
        point = Point(facts.lat, facts.lng, facts.area_type or order.area_type or "urban")
    window = None
    if order.appointment_start_at and order.appointment_end_at:
        window = (order.appointment_start_at, order.appointment_end_at)
    policy = work_order_service.get_policy(db, tenant_id=order.tenant_id)
    report = work_order_service.sla_report(order, policy, timezone=_zone(facts), now=order.created_at)
    arrive_by = next((c.due_at for c in report.clocks if c.name == "arrive"), None)
    requirement = rules.requirement_for(order.category_code, order.service_type, crew_size=crew_size)
    suggested = triage_skill(order, facts)
    if suggested is not None:  # its certificates are needed too
        extra = rules.requirement_for(suggested[0], suggested[1]).certificates
        requirement = replace(requirement, certificates=requirement.certificates | extra)
    return Job(
        order_id=order.id,
        category=order.category_code,
        service_type=order.service_type,
        point=point,
        requirement=requirement,
        brand=brand,
        brand_names=brand_names,
        district=order.district,
        priority=order.priority,
        vulnerable=bool(order.elderly_household or order.infant_household),
        created_at=order.created_at,
        arrive_by=arrive_by,
        window=window,
        service_minutes=rules.service_minutes(order.category_code, order.service_type),
        last_technician_id=last,
        rework=bool(order.is_rework),
        triage_skill=suggested,
        suggested_skill=_shown(suggested_skill(facts)),
    )


def _shown(skill: dict | None) -> tuple[str, str, str, str] | None:
    if skill is None:
        return None
    level = skill.get("level") if skill.get("level") in rules.LEVELS else "junior"
    return (skill["category"], skill["service_type"], level, skill["source"])


def suggested_skill(facts: Any) -> dict | None:
    """The skill triage suggested for the order (with ``source``: ``model`` or ``agent_correction``), as
    the facts row read it: only when triage was sure (``TRIAGE_SURE``) or an agent chose it."""
    if facts is None or not facts.triage_skill:
        return None
    skill = json.loads(facts.triage_skill)
    if not isinstance(skill, dict) or not skill.get("category") or not skill.get("service_type"):
        return None
    return {**skill, "source": facts.triage_source or "model"}


def triage_skill(order: WorkOrder, facts: Any) -> tuple[str, str, str] | None:
    """The suggested skill as a hard rule of the job: when it is of the order's category and asks another
    service type than the one booked (a "repair" whose words are a cleaning). Of another category (the
    tenant's knowledge base did not know the appliance's) it is not applied: the appliance is what it is."""
    skill = suggested_skill(facts)
    if skill is None or skill["category"] != order.category_code:
        return None
    if skill["service_type"] == order.service_type:
        return None
    level = skill.get("level") if skill.get("level") in rules.LEVELS else "junior"
    return (skill["category"], skill["service_type"], level)


def covering(outlets: Iterable[tuple[int, str | None]], district: str | None) -> list[int]:
    """The outlets (id, coverage as JSON text) that serve ``district`` or, with no coverage, everywhere.
    Coverage is a hard rule: only technicians of these outlets (or of none) can pass, so the database looks
    at those alone (a city's outlets are few; their coverage is read in Python)."""
    out = []
    for outlet_id, coverage in outlets:
        served = json.loads(coverage) if coverage is not None else None
        if not served or district in served:
            out.append(outlet_id)
    return out


_OUTLETS = select(Outlet.id, cast(Outlet.coverage, Text)).where(Outlet.tenant_id == bindparam("tenant_id"))


def nearest_ids(db: Session, *, tenant_id: int, job: Job, limit: int, auto: bool) -> list[int]:
    outlets = db.execute(_OUTLETS, {"tenant_id": tenant_id}).all()
    params = nearest_params(tenant_id, job, covering(outlets, job.district), limit)
    return list(db.scalars(nearest_statement(auto=auto, dialect=db.get_bind().dialect.name), params))


def visit_day(db: Session, order: WorkOrder, now: datetime) -> date:
    return _visit_day(order, now, tenant_clock.zone_name(db, order.tenant_id))


def _visit_day(order: WorkOrder, now: datetime, zone: str) -> date:
    moment = order.appointment_start_at or now
    return moment.astimezone(ZoneInfo(zone)).date()


def candidates(
    db: Session,
    *,
    order: WorkOrder,
    now: datetime,
    limit: int = 10,
    auto: bool = False,
    exclude: Iterable[int] = (),
) -> tuple[Job, Ranking]:
    """The ranked candidates for ``order`` and why the nearest others were refused."""
    facts, outlets = _facts(db, order, outlets=True)
    job = _job(db, order, facts)
    zone = _zone(facts)
    day = _visit_day(order, now, zone)
    if job.requirement.crew_size > 1:  # crews are built from their members' snapshots: the general way
        params = nearest_params(order.tenant_id, job, covering(outlets, job.district), PREFILTER)
        ids = list(db.scalars(nearest_statement(auto=auto, dialect=db.get_bind().dialect.name), params))
        excluded = set(exclude)
        ids = [i for i in ids if i not in excluded]
        techs = techs_for(
            db, tenant_id=order.tenant_id, ids=ids, day=day, now=now, job=job, exclude_order_id=order.id
        )
        _add_history(db, techs, job=job, now=now)
    else:
        techs = nearest_techs(
            db,
            tenant_id=order.tenant_id,
            job=job,
            covering=covering(outlets, job.district),
            limit=PREFILTER,
            auto=auto,
            exclude=exclude,
            day=day,
            zone=ZoneInfo(zone),
            now=now,
            exclude_order_id=order.id,
        )
    return job, rank(job, techs, travel=travel(), now=now, limit=limit, auto=auto, on=day)


def _add_history(db: Session, techs: list[Tech], *, job: Job, now: datetime) -> None:
    """First-time-fix rate on the job's category over 180 days (completed orders that no rework order
    points to) and orders assigned in the last 7 days, in one grouped query with filtered counts; written
    into the (frozen) snapshots in place of their defaults. For crews (the lead's numbers); a one-person job
    reads the same numbers with its snapshots (``snapshots.nearest_techs``)."""
    ids = [t.id for t in techs]
    if not ids:
        return
    rework = aliased(WorkOrder)
    in_category = and_(
        WorkOrder.category_code == job.category,
        WorkOrder.completed_at >= now - timedelta(days=HISTORY_DAYS),
    )
    reworked = select(rework.id).where(rework.rework_of_id == WorkOrder.id).exists()
    rows = db.execute(
        select(
            WorkOrder.technician_id,
            func.count().filter(in_category),
            func.count().filter(and_(in_category, reworked)),
            func.count().filter(WorkOrder.assigned_at >= now - timedelta(days=RECENT_DAYS)),
        )
        .where(WorkOrder.technician_id.in_(ids))
        .group_by(WorkOrder.technician_id)
    ).all()
    history = {row[0]: row[1:] for row in rows}
    for index, tech in enumerate(techs):
        total, bad, recent = history.get(tech.id, (0, 0, 0))
        techs[index] = replace(
            tech, first_time_fix=((total - bad) / total) if total >= 3 else None, recent_orders=recent
        )


def plan_eta(db: Session, order: WorkOrder) -> datetime | None:
    """The arrival time the current day plan gives the order, if it is on one."""
    return db.scalar(
        select(PlanStop.arrive_at)
        .join(DispatchPlan, DispatchPlan.id == PlanStop.plan_id)
        .where(PlanStop.work_order_id == order.id, DispatchPlan.status == "current")
        .order_by(DispatchPlan.created_at.desc())
        .limit(1)
    )
