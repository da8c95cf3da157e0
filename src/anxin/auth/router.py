from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from anxin import clock
from anxin.auth import accounts, service, sessions
from anxin.auth.security import issue_token, read_token
from anxin.dependencies import BearerToken, ClientAddress, CurrentUser, DbSession, SettingsDep

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
def token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    db: DbSession,
    settings: SettingsDep,
    client: ClientAddress,
):
    """OAuth2 password flow; the username is written ``name@tenant``, e.g. ``admin@demo``. Wrong passwords
    are throttled per account and client address (429 ``too_many_attempts`` with ``Retry-After``)."""
    user = accounts.sign_in(
        db,
        login=form.username,
        password=form.password,
        client=client,
        secret=settings.secret_key,
        now=clock.now(),
    )
    access = issue_token(
        secret=settings.secret_key,
        user_id=user.id,
        tenant_id=user.tenant_id,
        role=user.role,
        minutes=settings.token_minutes,
        generation=user.token_generation or 0,
    )
    return Token(access_token=access, expires_in=settings.token_minutes * 60)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, user: CurrentUser, token: BearerToken, db: DbSession, settings: SettingsDep):
    """Sign the caller's token out: it is refused from now on (by another server process within
    ``ANXIN_AUTH_CACHE_SECONDS`` at most)."""
    claims = read_token(token, secret=settings.secret_key)
    sessions.revoke_token(db, claims, now=clock.now())
    request.app.state.token_cache.forget(token, expires_at=datetime.fromtimestamp(claims["exp"], UTC))
    return Response(status_code=204)


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
