from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.auth.models import Tenant, User
from anxin.auth.security import hash_password, usable_hash, verify_password, waste_verification


def get_tenant_by_slug(db: Session, *, slug: str) -> Tenant | None:
    return db.scalar(select(Tenant).where(Tenant.slug == slug))


def authenticate(db: Session, *, login: str, password: str) -> User | None:
    """``login`` is written ``name@tenant``; the tenant's slug picks where the name is looked up. Every
    refusal costs one password verification, so an unknown name or tenant answers as slowly as a wrong
    password."""
    name, sep, slug = login.rpartition("@")
    user = None
    if sep and name and slug:
        user = db.scalar(
            select(User)
            .join(Tenant, Tenant.id == User.tenant_id)
            .where(Tenant.slug == slug, User.username == name)
        )
    if user is None or not user.is_active or not usable_hash(user.password_hash):
        waste_verification(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    return user


def create_user(
    db: Session,
    *,
    tenant_id: int,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    customer_id: int | None = None,
    technician_id: int | None = None,
    outlet_id: int | None = None,
    password_hash: str | None = None,
    actor: trail.Actor | None = None,
) -> User:
    """A new account, written to the audit log with its role and links (a customer's portal account is
    named by record there: its name holds the phone)."""
    user = User(
        tenant_id=tenant_id,
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=password_hash or hash_password(password),
        customer_id=customer_id,
        technician_id=technician_id,
        outlet_id=outlet_id,
    )
    db.add(user)
    db.flush()
    shown = trail.snapshot(user, ("username", "role", "customer_id", "technician_id", "outlet_id"))
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="user.create",
        object_type="user",
        object_id=user.id,
        changes=trail.changes(None, shown, personal={"username": trail.hidden} if customer_id else None),
    )
    return user


def get_tenant(db: Session, *, id: int) -> Tenant:
    return db.get(Tenant, id)


def get_active_user(db: Session, *, id: int, tenant_id: int) -> User | None:
    """The user a token names, if it still exists, is active and belongs to the token's tenant."""
    user = db.get(User, id)
    if user is None or not user.is_active or user.tenant_id != tenant_id:
        return None
    return user


SYSTEM_USERNAME = "system.dispatch"
# The platform's own actors, one per role it acts in: the automatic dispatcher (auto-assign, acknowledge
# timeouts) and the automatic follow-up (a customer answered the survey through the link).
SYSTEM_USERS = {
    "dispatcher": (SYSTEM_USERNAME, "自动派单"),
    "quality": ("system.quality", "自动回访"),
    "agent": ("system.assistant", "智能客服"),
}


def system_user(db: Session, *, tenant_id: int, role: str = "dispatcher") -> User:
    """The tenant's system user for ``role``, the actor of what the platform does by itself. It cannot
    sign in: it is inactive and has no usable password."""
    username, display_name = SYSTEM_USERS[role]
    user = db.scalar(select(User).where(User.tenant_id == tenant_id, User.username == username))
    if user is None:
        user = User(
            tenant_id=tenant_id,
            username=username,
            display_name=display_name,
            role=role,
            password_hash="!",
            is_active=False,
        )
        db.add(user)
        db.flush()
    return user


def active_staff(db: Session, *, tenant_id: int, roles: Iterable[str]) -> list[User]:
    """The tenant's active users of ``roles``, by id: who gets a message sent to "the dispatchers" or
    "quality", and who may be named a complaint's owner."""
    return list(
        db.scalars(
            select(User)
            .where(User.tenant_id == tenant_id, User.role.in_(list(roles)), User.is_active.is_(True))
            .order_by(User.id)
        )
    )


def is_system_user(user: User) -> bool:
    """Whether ``user`` is one of the platform's own actors rather than a person."""
    return any(user.username == username for username, _ in SYSTEM_USERS.values())
