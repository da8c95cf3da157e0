"""A customer signs in to the portal with their phone and a one-time code (``auth.codes``). Every phone
gets a code (the answer does not tell whose phone it is); a right code signs a customer in (the first
sign-in makes the customer's portal account, which has no password), and tells a phone that is no
customer's yet to sign up (``sign_up``: name, address and consent to the privacy notice). Codes asked for and wrong codes are throttled per phone and client (``auth.limits``), which raise
``TooManyAttempts``; a wrong code's count is kept even though the request writes nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth import codes, limits
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import service as customer_service
from anxin.customer.models import Address, Customer

PRIVACY_NOTICE_VERSION = "2026-12"  # the notice a sign-up consents to (``/portal/privacy``)


@dataclass(frozen=True)
class SignIn:
    ok: bool
    code: str  # a word key of the pages' i18n
    user: User | None = None
    new_phone: bool = False  # the code was right, and the phone is no customer's: sign up next


def request_code(
    db: Session,
    *,
    tenant_id: int,
    phone: str,
    client: str,
    secret: str,
    budget: int,
    now: datetime,
    dev_mailbox: bool,
) -> codes.Outcome:
    limits.code_requested(
        db, secret=secret, budget=budget, tenant_id=tenant_id, phone=phone, client=client, now=now
    )
    # sent to every phone: a new one signs up with it
    return codes.request(
        db, tenant_id=tenant_id, phone=phone, secret=secret, now=now, dev_mailbox=dev_mailbox, known=True
    )


def verify(
    db: Session, *, tenant_id: int, phone: str, code: str, client: str, secret: str, now: datetime
) -> SignIn:
    """The customer's portal user when the code is right (made on the first sign-in); for a right code of a
    phone that is no customer's, ``new_phone`` and no user (the page asks to sign up)."""
    limits.before_code(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client, now=now)
    customer = customer_service.get_by_phone(db, tenant_id=tenant_id, phone=phone)
    outcome = codes.check(db, tenant_id=tenant_id, phone=phone, code=code, secret=secret, now=now, known=True)
    if not outcome.ok:
        limits.code_wrong(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client, now=now)
        return SignIn(False, outcome.code)
    limits.code_right(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client)
    if customer is None:
        return SignIn(True, "su_welcome", new_phone=True)
    return SignIn(True, outcome.code, portal_user(db, customer=customer))


def portal_user(db: Session, *, customer: Customer) -> User:
    """The customer's portal account, made on their first sign-in (no password, for the portal only)."""
    tenant_id, phone = customer.tenant_id, customer.phone
    user = db.scalar(
        select(User).where(
            User.tenant_id == tenant_id, User.customer_id == customer.id, User.role == Role.CUSTOMER
        )
    )
    if user is None:  # the customer's first sign-in: an account without a password, for the portal only
        user = auth_service.create_user(
            db,
            tenant_id=tenant_id,
            username=f"c{phone}",
            password="",
            password_hash="!",
            role=Role.CUSTOMER.value,
            display_name=customer.name,
            customer_id=customer.id,
        )
    db.flush()
    return user


def sign_up(
    db: Session, *, tenant_id: int, phone: str, name: str, address: dict, consented_at: datetime
) -> User:
    """A new customer of the tenant from the portal's sign-up (the phone proven by its code): the customer,
    their address, the consent to the privacy notice in the audit log, and their portal account."""
    customer, _created = customer_service.create_or_get(
        db, tenant_id=tenant_id, name=name, phone=phone, address=address
    )
    user = portal_user(db, customer=customer)
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=user,
        action="customer.privacy_consent",
        object_type="customer",
        object_id=customer.id,
        changes=trail.changes(None, {"notice": PRIVACY_NOTICE_VERSION, "at": consented_at.isoformat()}),
    )
    return user


@dataclass(frozen=True)
class District:
    province: str
    city: str
    name: str
    lat: float
    lng: float


# Where a tenant serves no address yet, a sign-up's place is the default city's centre (``AddressCreate``).
DEFAULT_CENTRE = District("浙江省", "杭州市", "", 30.2741, 120.1551)


def districts(db: Session, *, tenant_id: int) -> list[District]:
    """The districts the tenant serves, each at the centre of the addresses it holds there: a sign-up
    picks one and writes the street, and the visit is planned from the district's centre until the
    technician's first visit (there is no geocoder)."""
    rows = db.execute(
        select(
            Address.province,
            Address.city,
            Address.district,
            func.avg(Address.lat),
            func.avg(Address.lng),
        )
        .where(Address.tenant_id == tenant_id)
        .group_by(Address.province, Address.city, Address.district)
        .order_by(func.count().desc())
    ).all()
    return [District(p, c, d, round(float(lat), 6), round(float(lng), 6)) for p, c, d, lat, lng in rows]


def place(db: Session, *, tenant_id: int, district: str, detail: str) -> dict:
    """The address fields of a sign-up: the chosen district's place and the street as written."""
    known = {d.name: d for d in districts(db, tenant_id=tenant_id)}
    at = known.get(district) or DEFAULT_CENTRE
    return {
        "province": at.province,
        "city": at.city,
        "district": district,
        "detail": detail,
        "lat": at.lat,
        "lng": at.lng,
        "area_type": "urban",
    }
