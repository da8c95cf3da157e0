from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.appliance.warranty import Warranty, warranty_on
from anxin.audit import trail
from anxin.auth import tenant_clock
from anxin.catalog import service as catalog_service
from anxin.catalog.models import ProductModel
from anxin.customer import service as customer_service
from anxin.exceptions import InvalidInput, NotFound
from anxin.fields import EARLIEST_DATE, not_after


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


def create(
    db: Session, *, tenant_id: int, customer_id: int, actor: trail.Actor | None = None, **fields
) -> Appliance:
    """Register an appliance. Its warranty runs from its dates, so they are checked whoever registers it:
    neither after the tenant's today nor before 1990, and the installation not before the purchase. The
    registration goes to the audit log (``actor`` None: the platform's own seeding)."""
    catalog_service.get_product_model(db, tenant_id=tenant_id, id=fields["product_model_id"])
    check_dates(
        purchase_date=fields["purchase_date"],
        install_date=fields.get("install_date"),
        today=tenant_clock.today(db, tenant_id),
    )
    if fields.get("address_id") is not None:
        customer_service.get_address(
            db, tenant_id=tenant_id, id=fields["address_id"], customer_id=customer_id
        )
    appliance = Appliance(tenant_id=tenant_id, customer_id=customer_id, **fields)
    db.add(appliance)
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="appliance.create",
        object_type="appliance",
        object_id=appliance.id,
        changes=trail.changes(None, {"customer_id": customer_id, **trail.snapshot(appliance, AUDITED)}),
    )
    return appliance


# What the audit log keeps of a registration: the product's facts, nothing about the person.
AUDITED = (
    "product_model_id",
    "serial_number",
    "purchase_date",
    "purchase_channel",
    "install_date",
    "address_id",
)


def check_dates(*, purchase_date: date, install_date: date | None, today: date) -> None:
    """Refuse, naming the field, a day after ``today`` or before 1990, or an installation before the
    purchase."""
    for name, value in (("purchase_date", purchase_date), ("install_date", install_date)):
        if value is not None and value < EARLIEST_DATE:
            raise InvalidInput(name, "日期不能早于 1990 年", "the date is before 1990")
        not_after(name, value, today)
    if install_date is not None and install_date < purchase_date:
        raise InvalidInput("install_date", "安装日期不能早于购买日期", "installed before it was bought")


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
