"""The tenant's service plans: listed for anyone of the tenant (customers included), created, changed and
retired by its admins. A retired plan is no longer sold; the contracts sold on it run on unchanged (a
contract keeps its own price, dates and visits). Every change is written to the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth.models import User
from anxin.contract import terms
from anxin.contract.exceptions import PlanCodeTaken
from anxin.contract.models import ServicePlan
from anxin.contract.schemas import PlanFields, ServicePlanCreate
from anxin.exceptions import InvalidInput, NotFound

EW_TERMS = (12, 24, 36, 48)


def list_plans(
    db: Session,
    *,
    tenant_id: int,
    category: str | None = None,
    kind: str | None = None,
    retired: bool = False,
) -> Sequence[ServicePlan]:
    """The tenant's plans sold now (and the retired ones with ``retired``); ``category`` keeps those for
    that category and those for every category."""
    query = select(ServicePlan).where(ServicePlan.tenant_id == tenant_id)
    if not retired:
        query = query.where(ServicePlan.status == "active")
    if category is not None:
        query = query.where(or_(ServicePlan.category_code == category, ServicePlan.category_code.is_(None)))
    if kind is not None:
        query = query.where(ServicePlan.kind == kind)
    return db.scalars(query.order_by(ServicePlan.kind, ServicePlan.term_months, ServicePlan.id)).all()


def get(db: Session, *, tenant_id: int, id: int) -> ServicePlan:
    plan = db.get(ServicePlan, id)
    if plan is None or plan.tenant_id != tenant_id:
        raise NotFound("service plan", "服务套餐")
    return plan


def check(kind: str, fields: PlanFields) -> dict[str, Any]:
    """The plan's columns from ``fields``, refused (422, naming the field) where they do not make a plan
    of ``kind``: an extended warranty runs whole years up to four and is priced by ascending bands, the
    last open-ended; a care plan has a price, a visit or more and says what its visits do."""
    values = fields.model_dump(include=set(PlanFields.model_fields))
    values["category_code"] = fields.category_code.value if fields.category_code else None
    values["bands"] = [band.model_dump() for band in fields.bands]
    if kind == terms.EXTENDED_WARRANTY:
        if fields.term_months not in EW_TERMS:
            raise InvalidInput(
                "term_months", "延保期限为 1 至 4 年（12、24、36 或 48 个月）", "12, 24, 36 or 48 months"
            )
        bands = values["bands"]
        if not bands:
            raise InvalidInput("bands", "请设置按购机价格分档的价格", "give the price bands")
        limits = [band["up_to_fen"] for band in bands]
        if limits[-1] is not None or any(limit is None for limit in limits[:-1]):
            raise InvalidInput("bands", "只有最后一档不设上限", "only the last band is open-ended")
        if any(a >= b for a, b in zip(limits[:-2], limits[1:-1], strict=False)):
            raise InvalidInput("bands", "价格档须从低到高排列", "bands go from low to high")
        values.update(price_fen=None, visits=0, service_type=None)
    else:
        if fields.price_fen is None:
            raise InvalidInput("price_fen", "请填写保养套餐价格", "give the care plan's price")
        if fields.visits < 1:
            raise InvalidInput("visits", "保养套餐至少包含 1 次上门", "a care plan brings at least one visit")
        if fields.service_type is None:
            raise InvalidInput(
                "service_type", "请选择上门服务内容（清洗或保养）", "choose cleaning or maintenance"
            )
        values["bands"] = []
    return values


def create(db: Session, *, tenant_id: int, body: ServicePlanCreate, actor: User) -> ServicePlan:
    values = check(body.kind, body)
    if db.scalar(
        select(ServicePlan.id).where(ServicePlan.tenant_id == tenant_id, ServicePlan.code == body.code)
    ):
        raise PlanCodeTaken(code=body.code)
    now = clock.now()
    plan = ServicePlan(
        tenant_id=tenant_id,
        code=body.code,
        kind=body.kind,
        status="active",
        created_at=now,
        updated_at=now,
        **values,
    )
    try:
        with db.begin_nested():
            db.add(plan)
            db.flush()
    except IntegrityError:
        raise PlanCodeTaken(code=body.code) from None
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="service_plan.create",
        object_type="service_plan",
        object_id=plan.id,
        changes=trail.changes(None, {"code": plan.code, "kind": plan.kind, **values}),
    )
    return plan


def update(db: Session, *, plan: ServicePlan, fields: PlanFields, actor: User) -> ServicePlan:
    values = check(plan.kind, fields)
    before = {name: getattr(plan, name) for name in values}
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_at = clock.now()
    db.flush()
    trail.record(
        db,
        tenant_id=plan.tenant_id,
        actor=actor,
        action="service_plan.update",
        object_type="service_plan",
        object_id=plan.id,
        changes=trail.changes(before, values),
    )
    return plan


def set_status(db: Session, *, plan: ServicePlan, status: str, actor: User) -> ServicePlan:
    """Retire a plan (no longer sold) or put it back on sale; the contracts sold on it are unchanged."""
    if plan.status != status:
        before = plan.status
        plan.status = status
        plan.updated_at = clock.now()
        db.flush()
        trail.record(
            db,
            tenant_id=plan.tenant_id,
            actor=actor,
            action=f"service_plan.{'retire' if status == 'retired' else 'reinstate'}",
            object_type="service_plan",
            object_id=plan.id,
            changes=trail.changes({"status": before}, {"status": status}),
        )
    return plan
