"""A tenant's fee rules (``FeeRule``): read by the statement's generation, edited by the tenant's admin
(each change audited). What each kind means is ``fees.py``'s."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.audit import trail
from anxin.auth.models import User
from anxin.exceptions import InvalidInput, NotFound
from anxin.settlement.models import FeeRule

FIELDS = [
    "kind",
    "service_type",
    "category_code",
    "area_type",
    "priority",
    "level",
    "amount_fen",
    "rate_bp",
    "cap_fen",
    "note",
]
ORDER = {
    kind: index
    for index, kind in enumerate(
        ("base", "area", "urgent", "rework", "complaint", "penalty_point", "commission", "deposit")
    )
}


@dataclass(frozen=True)
class RuleFields:
    kind: str
    service_type: str | None = None
    category_code: str | None = None
    area_type: str | None = None
    level: str | None = None
    amount_fen: int = 0
    rate_bp: int = 0
    cap_fen: int | None = None
    note: str | None = None


def list_for(db: Session, *, tenant_id: int) -> list[FeeRule]:
    rows = db.scalars(select(FeeRule).where(FeeRule.tenant_id == tenant_id).order_by(FeeRule.id)).all()
    return sorted(
        rows, key=lambda r: (ORDER.get(r.kind, 99), r.service_type or "", r.category_code or "", r.id)
    )


def get(db: Session, *, tenant_id: int, id: int) -> FeeRule:
    rule = db.scalar(select(FeeRule).where(FeeRule.id == id, FeeRule.tenant_id == tenant_id))
    if rule is None:
        raise NotFound("fee rule", "结算规则")
    return rule


def _check(fields: RuleFields) -> None:
    if fields.kind == "area" and fields.area_type is None:
        raise InvalidInput(
            "area_type", "距离补贴须指定市区或郊区", "an area allowance names urban or suburban"
        )
    if fields.kind == "commission" and fields.level is None:
        raise InvalidInput("level", "工程师提成须指定级别", "a commission names the technician's level")
    if fields.kind not in ("rework", "commission") and fields.rate_bp:
        raise InvalidInput(
            "rate_bp", "只有返修扣款和工程师提成按比例计算", "only rework and commission take a rate"
        )
    if fields.kind != "deposit" and fields.cap_fen is not None:
        raise InvalidInput("cap_fen", "只有保证金有上限", "only a deposit has a cap")
    if fields.kind != "base" and (fields.service_type or fields.category_code):
        raise InvalidInput(
            "service_type",
            "只有服务费按服务类型和品类区分",
            "only a base fee differs by service type and category",
        )


def _apply(rule: FeeRule, fields: RuleFields) -> None:
    rule.kind = fields.kind
    rule.service_type = fields.service_type
    rule.category_code = fields.category_code
    rule.area_type = fields.area_type if fields.kind == "area" else None
    rule.priority = "urgent" if fields.kind == "urgent" else None
    rule.level = fields.level if fields.kind == "commission" else None
    rule.amount_fen = fields.amount_fen
    rule.rate_bp = fields.rate_bp
    rule.cap_fen = fields.cap_fen
    rule.note = (fields.note or "").strip() or None
    rule.updated_at = clock.now()


def create(db: Session, *, tenant_id: int, fields: RuleFields, actor: User | None) -> FeeRule:
    _check(fields)
    rule = FeeRule(tenant_id=tenant_id)
    _apply(rule, fields)
    db.add(rule)
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="fee_rule.create",
        object_type="fee_rule",
        object_id=rule.id,
        changes=trail.changes({}, trail.snapshot(rule, FIELDS)),
    )
    return rule


def change(db: Session, *, rule: FeeRule, fields: RuleFields, actor: User) -> FeeRule:
    """Replace a rule whole. Statements generated already keep their lines; a draft regenerated reads the
    rules as they are then."""
    _check(fields)
    before = trail.snapshot(rule, FIELDS)
    _apply(rule, fields)
    db.flush()
    trail.record(
        db,
        tenant_id=rule.tenant_id,
        actor=actor,
        action="fee_rule.change",
        object_type="fee_rule",
        object_id=rule.id,
        changes=trail.changes(before, trail.snapshot(rule, FIELDS)),
    )
    return rule


def remove(db: Session, *, rule: FeeRule, actor: User) -> None:
    before = trail.snapshot(rule, FIELDS)
    db.delete(rule)
    db.flush()
    trail.record(
        db,
        tenant_id=rule.tenant_id,
        actor=actor,
        action="fee_rule.remove",
        object_type="fee_rule",
        object_id=rule.id,
        changes=trail.changes(before, {}),
    )
