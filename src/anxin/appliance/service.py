from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.appliance.warranty import Warranty, warranty_on
from anxin.catalog import service as catalog_service
from anxin.catalog.models import ProductModel
from anxin.clock import now
from anxin.customer import service as customer_service
from anxin.exceptions import InvalidInput, NotFound


def get(db: Session, *, tenant_id: int, id: int, customer_id: int | None = None) -> Appliance:
    """The tenant's appliance; with ``customer_id``, only when that customer owns it."""
    appliance = db.get(Appliance, id)
    if (
        appliance is None
        or appliance.tenant_id != tenant_id
        or (customer_id is not None and appliance.customer_id != customer_id)
    ):
        raise NotFound("appliance", "家电")
    return appliance


def get_for_customer(db: Session, *, tenant_id: int, customer_id: int) -> Sequence[Appliance]:
    return db.scalars(
        select(Appliance)
        .where(Appliance.tenant_id == tenant_id, Appliance.customer_id == customer_id)
        .order_by(Appliance.id)
    ).all()


def create(db: Session, *, tenant_id: int, customer_id: int, **fields) -> Appliance:
    catalog_service.get_product_model(db, tenant_id=tenant_id, id=fields["product_model_id"])
    if fields["purchase_date"] > now().date():
        raise InvalidInput("purchase_date", "购买日期不能晚于今天", "purchase date is in the future")
    if fields.get("address_id") is not None:
        customer_service.get_address(
            db, tenant_id=tenant_id, id=fields["address_id"], customer_id=customer_id
        )
    appliance = Appliance(tenant_id=tenant_id, customer_id=customer_id, **fields)
    db.add(appliance)
    db.flush()
    return appliance


def warranty(db: Session, *, appliance: Appliance, on: date, model: ProductModel | None = None) -> Warranty:
    """The appliance's warranty on ``on``; pass its ``model`` when the caller has it loaded already."""
    if model is None:
        model = catalog_service.get_product_model(
            db, tenant_id=appliance.tenant_id, id=appliance.product_model_id
        )
    return warranty_on(
        on=on,
        purchase_date=appliance.purchase_date,
        install_date=appliance.install_date,
        unit_months=model.warranty_months,
        key_part_months=model.key_part_months or {},
    )
