"""Knowledge's reaction to order events, registered in ``anxin.wiring``: every order taken is triaged
(``triage_on_create``) from its description and its appliance's category and brand, and the answer kept
beside it (``work_order_triage``): the technician sees the likely parts before leaving, the desk the
suggested skill. It runs in the intake's transaction and never refuses an order: a description triage
cannot read (a tenant with no knowledge base yet) leaves no row, and so does a recycling order. An order
booked as installation, relocation or cleaning is triaged as that request, whatever its words say. On
completion, the technician's recorded cause becomes a training label (``label_on_completion``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.knowledge import assess, labels
from anxin.knowledge.exceptions import KnowledgeEmpty, TextEmpty, TextTooLong
from anxin.knowledge.models import OrderTriage
from anxin.knowledge.triage import MAX_TEXT
from anxin.work_order.events import Recorded

TRIAGED_ON = ("create",)
LABELLED_ON = ("complete",)
# Taking an old appliance away describes no fault and needs no parts or fault skill.
UNTRIAGED = frozenset({"recycling"})


def triage_on_create(db: Session, happened: Recorded) -> None:
    order = happened.order
    if order.service_type in UNTRIAGED:
        return
    row = db.execute(
        select(Category.code, Brand.name_zh)
        .select_from(Appliance)
        .join(ProductModel, ProductModel.id == Appliance.product_model_id)
        .join(Category, Category.id == ProductModel.category_id)
        .join(Brand, Brand.id == ProductModel.brand_id)
        .where(Appliance.id == order.appliance_id)
    ).first()
    category, brand = (row[0], row[1]) if row else (None, None)
    try:
        result = assess.assess(
            db,
            tenant_id=order.tenant_id,
            text=(order.fault_description or "")[:MAX_TEXT],
            category=category,
            brand=brand,
            service_type=order.service_type,
        )
    except (KnowledgeEmpty, TextEmpty, TextTooLong):
        return
    db.add(
        OrderTriage(
            tenant_id=order.tenant_id,
            work_order_id=order.id,
            category=result.category,
            fault=result.fault,
            confidence=result.confidence,
            error_code=(result.error_code or {}).get("code"),
            error_meaning=((result.error_code or {}).get("meaning") or "")[:200] or None,
            entry_id=result.entry_id,
            skill=result.skill,
            parts=result.parts,
            self_help=result.self_help,
            alternatives=result.alternatives,
        )
    )
    db.flush()


def label_on_completion(db: Session, happened: Recorded) -> None:
    """The technician's recorded cause, where it names a fault of the category, becomes a training label."""
    labels.label_cause(db, order=happened.order, actor=happened.actor)


def for_order(db: Session, *, order_id: int) -> OrderTriage | None:
    return db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id))
