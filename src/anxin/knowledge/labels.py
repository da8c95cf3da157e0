"""Labels triage learns from on the platform (``triage_label``), and an agent's correction of an order's
suggestion.

- ``correct``: an agent chose a category and fault other than triage's for an order. The order's
  ``work_order_triage`` row takes the chosen pair with the entry's skill, parts and self-help (source
  ``agent_correction``, confidence 1, so matching holds the technician to that skill), and the correction
  is kept as a label beside what triage had said. Choosing what triage said is no correction: no label.
- ``label_cause``: on completion, the fault the technician's recorded cause names (among the category's
  entries, ``training.fault_of_cause``) becomes a ``technician_cause`` label of the order's description.
- ``examples``: a tenant's (or every tenant's) labels as training examples, for ``anxin triage train``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.exceptions import InvalidInput
from anxin.knowledge import service
from anxin.knowledge.codes import service_type_for
from anxin.knowledge.label_models import TriageLabel
from anxin.knowledge.learn import Example
from anxin.knowledge.models import KnowledgeEntry, OrderTriage
from anxin.knowledge.triage import MAX_TEXT, skill_for
from anxin.work_order.models import ServiceReport, WorkOrder

CORRECTED = "agent_correction"
CAUSE = "technician_cause"


def _keep(
    db: Session,
    *,
    order: WorkOrder,
    source: str,
    category: str,
    fault: str,
    actor: User | None,
    suggested: tuple[str, str] | None = None,
) -> TriageLabel:
    label = db.scalar(
        select(TriageLabel).where(TriageLabel.work_order_id == order.id, TriageLabel.source == source)
    )
    if label is None:
        label = TriageLabel(tenant_id=order.tenant_id, work_order_id=order.id, source=source)
        db.add(label)
    label.text = (order.fault_description or "")[:MAX_TEXT]
    label.category, label.fault = category, fault
    label.suggested_category, label.suggested_fault = suggested or (None, None)
    label.created_by_id = actor.id if actor is not None else None
    label.created_at = clock.now()
    db.flush()
    return label


def correct(db: Session, *, order: WorkOrder, actor: User, category: str, fault: str) -> TriageLabel | None:
    """The agent's choice for ``order`` (a pair of the tenant's knowledge base, else 422 ``fault``): the
    order's triage row takes it; a label is kept when it differs from what triage had said."""
    entry = service.by_keys(db, tenant_id=order.tenant_id, keys=[(category, fault)]).get((category, fault))
    if entry is None:
        raise InvalidInput(
            "fault", "知识库中没有该品类与故障", "no such category and fault in the knowledge base"
        )
    row = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order.id))
    before = (row.category, row.fault) if row is not None else None
    if row is not None and before == (category, fault) and row.source == "model":
        return None  # accepted as suggested
    if row is None:
        row = OrderTriage(tenant_id=order.tenant_id, work_order_id=order.id, alternatives=[])
        db.add(row)
    suggested = before if row.source == "model" else _first_suggestion(db, order=order) or before
    row.category, row.fault, row.confidence = category, fault, 1.0
    row.entry_id = entry.id
    row.skill = skill_for(category, entry.service_type or service_type_for(fault))
    row.parts = [{"code": p["code"], "name": p.get("name") or p["code"]} for p in entry.parts or []]
    row.self_help = list(entry.self_help or [])
    row.error_code = row.error_code if fault == "error_code" else None
    row.error_meaning = row.error_meaning if fault == "error_code" else None
    row.source = CORRECTED
    db.flush()
    if suggested == (category, fault):  # corrected back to what triage had said
        db.execute(
            delete(TriageLabel).where(TriageLabel.work_order_id == order.id, TriageLabel.source == CORRECTED)
        )
        row.source = "model"
        db.flush()
        return None
    return _keep(
        db, order=order, source=CORRECTED, category=category, fault=fault, actor=actor, suggested=suggested
    )


def _first_suggestion(db: Session, *, order: WorkOrder) -> tuple[str, str] | None:
    label = db.scalar(
        select(TriageLabel).where(TriageLabel.work_order_id == order.id, TriageLabel.source == CORRECTED)
    )
    if label is None or label.suggested_category is None or label.suggested_fault is None:
        return None
    return (label.suggested_category, label.suggested_fault)


def label_cause(db: Session, *, order: WorkOrder, actor: User | None) -> TriageLabel | None:
    """The completed order's description labelled with the fault its recorded cause names, if one."""
    from anxin.knowledge.training import fault_of_cause  # the learner's module: loaded when needed

    cause = db.scalar(select(ServiceReport.cause).where(ServiceReport.work_order_id == order.id))
    if not cause or not (order.fault_description or "").strip():
        return None
    entries = list(
        db.scalars(
            select(KnowledgeEntry).where(
                KnowledgeEntry.tenant_id == order.tenant_id, KnowledgeEntry.category == order.category_code
            )
        )
    )
    fault = fault_of_cause(cause, entries)
    if fault is None:
        return None
    return _keep(db, order=order, source=CAUSE, category=order.category_code, fault=fault, actor=actor)


def examples(db: Session, *, tenant_id: int | None = None) -> dict[str, list[Example]]:
    """The stored labels as examples, by source (a tenant's, or every tenant's with None). The technician
    saw the appliance: where an order has both, the cause's label stands and the correction is left out."""
    query = select(
        TriageLabel.source,
        TriageLabel.work_order_id,
        TriageLabel.text,
        TriageLabel.category,
        TriageLabel.fault,
    )
    if tenant_id is not None:
        query = query.where(TriageLabel.tenant_id == tenant_id)
    rows = db.execute(query.order_by(TriageLabel.id)).all()
    caused = {order_id for source, order_id, *_ in rows if source == CAUSE and order_id is not None}
    out: dict[str, list[Example]] = {CORRECTED: [], CAUSE: []}
    for source, order_id, text, category, fault in rows:
        if not (text and text.strip()) or (source == CORRECTED and order_id in caused):
            continue
        out.setdefault(source, []).append((text, category, fault))
    return out


def counts(db: Session, *, tenant_id: int) -> dict[str, Any]:
    found = Counter(db.scalars(select(TriageLabel.source).where(TriageLabel.tenant_id == tenant_id)))
    return {CORRECTED: found.get(CORRECTED, 0), CAUSE: found.get(CAUSE, 0)}
