from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from anxin.auth import service
from anxin.auth.exceptions import BadCredentials
from anxin.auth.security import issue_token
from anxin.dependencies import CurrentUser, DbSession, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class Me(BaseModel):
    id: int
    username: str
    display_name: str
    role: str
    tenant_id: int
    tenant: str
    customer_id: int | None
    technician_id: int | None
    outlet_id: int | None


@router.post("/auth/token", response_model=Token)
def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbSession, settings: SettingsDep):
    """OAuth2 password flow; the username is written ``name@tenant``, e.g. ``admin@demo``."""
    user = service.authenticate(db, login=form.username, password=form.password)
    if user is None:
        raise BadCredentials()
    access = issue_token(
        secret=settings.secret_key,
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        minutes=settings.token_minutes,
    )
    return Token(access_token=access, expires_in=settings.token_minutes * 60)


@router.get("/me", response_model=Me)
def me(user: CurrentUser, db: DbSession):
    tenant = service.get_tenant(db, id=user.tenant_id)
    return Me(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        tenant_id=user.tenant_id,
        tenant=tenant.slug,
        customer_id=user.customer_id,
        technician_id=user.technician_id,
        outlet_id=user.outlet_id,
    )
