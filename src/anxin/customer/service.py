from __future__ import annotations

from functools import cache

from sqlalchemy import BigInteger, Select, String, bindparam, func, or_, select
from sqlalchemy.orm import Session, joinedload

from anxin.audit import trail
from anxin.customer.models import Address, Customer
from anxin.customer.phone import normalise_mobile
from anxin.exceptions import NotFound
from anxin.fields import LIKE_ESCAPE, like_escaped
from anxin.masking import mask_name, mask_phone
from anxin.pagination import Page, paginate


def get(db: Session, *, tenant_id: int, id: int) -> Customer:
    customer = db.get(Customer, id)
    if customer is None or customer.tenant_id != tenant_id:
        raise NotFound("customer", "客户")
    return customer


def get_by_phone(db: Session, *, tenant_id: int, phone: str) -> Customer | None:
    return db.scalar(select(Customer).where(Customer.tenant_id == tenant_id, Customer.phone == phone))


def search(db: Session, *, tenant_id: int, q: str | None, page: int, page_size: int) -> Page[Customer]:
    """By phone (full number, or its last digits) or by name (prefix). What is typed is matched as text:
    ``%`` and ``_`` in it are not wildcards."""
    params: dict[str, object] = {"tenant_id": tenant_id}
    shape = "all"
    if q:
        q = q.strip()
        phone = normalise_mobile(q)
        if phone:
            shape, params["phone"] = "phone", phone
        elif q.isdigit():
            shape, params["digits"] = "digits", like_escaped(q)
        else:
            shape, params["name"], params["lowered"] = "name", like_escaped(q), q.lower()
    return paginate(db, _search_statement(shape), page=page, page_size=page_size, params=params)


@cache
def _search_statement(shape: str) -> Select:
    """The search, built once per kind of query (an agent's phone lookup at intake is the hot one). The
    addresses come in the same statement (SQLAlchemy limits the customers in a subquery first)."""
    query = (
        select(Customer)
        .where(Customer.tenant_id == bindparam("tenant_id", type_=BigInteger))
        .options(joinedload(Customer.addresses))
    )
    if shape == "phone":
        query = query.where(Customer.phone == bindparam("phone", type_=String))
    elif shape == "digits":
        query = query.where(Customer.phone.endswith(bindparam("digits", type_=String), escape=LIKE_ESCAPE))
    elif shape == "name":
        query = query.where(
            or_(
                Customer.name.startswith(bindparam("name", type_=String), escape=LIKE_ESCAPE),
                func.lower(Customer.name) == bindparam("lowered", type_=String),
            )
        )
    return query.order_by(Customer.id)


def get_address(db: Session, *, tenant_id: int, id: int, customer_id: int | None = None) -> Address:
    """The tenant's address; with ``customer_id``, only when it is that customer's."""
    address = db.get(Address, id)
    if (
        address is None
        or address.tenant_id != tenant_id
        or (customer_id is not None and address.customer_id != customer_id)
    ):
        raise NotFound("address", "地址")
    return address


def create_or_get(
    db: Session,
    *,
    tenant_id: int,
    name: str,
    phone: str,
    elderly_household: bool = False,
    infant_household: bool = False,
    address: dict | None = None,
    actor: trail.Actor | None = None,
) -> tuple[Customer, bool]:
    """The customer with this phone, created if new; returns (customer, created). A new customer and a
    new address are written to the audit log (``actor`` None: the platform's own seeding)."""
    customer = get_by_phone(db, tenant_id=tenant_id, phone=phone)
    created = customer is None
    if customer is None:
        customer = Customer(
            tenant_id=tenant_id,
            name=name,
            phone=phone,
            elderly_household=elderly_household,
            infant_household=infant_household,
        )
        db.add(customer)
        db.flush()
        trail.record(
            db,
            tenant_id=tenant_id,
            actor=actor,
            action="customer.create",
            object_type="customer",
            object_id=customer.id,
            changes=trail.changes(None, trail.snapshot(customer, CUSTOMER_FIELDS), personal=PERSONAL),
        )
    if address is not None:
        add_address(db, customer=customer, actor=actor, **address)
    return customer, created


CUSTOMER_FIELDS = ("name", "phone", "elderly_household", "infant_household")
ADDRESS_FIELDS = ("province", "city", "district", "detail", "lat", "lng", "area_type")
# How the audit log keeps a customer's personal values: masked, never in clear (``audit.trail``).
PERSONAL = {
    "name": mask_name,
    "phone": mask_phone,
    "detail": trail.hidden,
    "lat": trail.hidden,
    "lng": trail.hidden,
}


def add_address(db: Session, *, customer: Customer, actor: trail.Actor | None = None, **fields) -> Address:
    address = Address(tenant_id=customer.tenant_id, customer_id=customer.id, **fields)
    db.add(address)
    db.flush()
    trail.record(
        db,
        tenant_id=customer.tenant_id,
        actor=actor,
        action="customer.address.add",
        object_type="customer",
        object_id=customer.id,
        changes=trail.changes(None, trail.snapshot(address, ADDRESS_FIELDS), personal=PERSONAL),
    )
    db.refresh(customer, ["addresses"])
    return address
