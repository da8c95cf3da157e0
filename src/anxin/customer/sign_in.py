"""A customer signs in to the portal with their phone and a one-time code (``auth.codes``). Only a phone
of the tenant's customers gets a code; the first sign-in makes the customer's portal account, which has no
password. Codes asked for and wrong codes are throttled per phone and client (``auth.limits``), which raise
``TooManyAttempts``; a wrong code's count is kept even though the request writes nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.auth import codes, limits
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.customer import service as customer_service


@dataclass(frozen=True)
class SignIn:
    ok: bool
    code: str  # a word key of the pages' i18n
    user: User | None = None


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
    known = customer_service.get_by_phone(db, tenant_id=tenant_id, phone=phone) is not None
    return codes.request(
        db, tenant_id=tenant_id, phone=phone, secret=secret, now=now, dev_mailbox=dev_mailbox, known=known
    )


def verify(
    db: Session, *, tenant_id: int, phone: str, code: str, client: str, secret: str, now: datetime
) -> SignIn:
    """The customer's portal user when the code is right (made on the first sign-in)."""
    limits.before_code(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client, now=now)
    customer = customer_service.get_by_phone(db, tenant_id=tenant_id, phone=phone)
    outcome = codes.check(
        db, tenant_id=tenant_id, phone=phone, code=code, secret=secret, now=now, known=customer is not None
    )
    if not outcome.ok:
        limits.code_wrong(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client, now=now)
        return SignIn(False, outcome.code)
    limits.code_right(db, secret=secret, tenant_id=tenant_id, phone=phone, client=client)
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
    return SignIn(True, outcome.code, user)
