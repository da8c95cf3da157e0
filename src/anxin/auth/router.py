from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from anxin import clock
from anxin.auth import accounts, service, sessions
from anxin.auth.security import issue_token, read_token
from anxin.dependencies import BearerToken, ClientAddress, CurrentUser, DbSession, SettingsDep
from anxin.routing import errors, operation_id

# operation_id also names the sign-in form's schema (``Body_auth_token``)
router = APIRouter(prefix="/api/v1", tags=["auth"], generate_unique_id_function=operation_id)


class SignInForm(OAuth2PasswordRequestForm):
    """OAuth2's password form, whose username and password the document says may not be empty: FastAPI
    reads an empty form field as a missing one, and refused ``username=`` as malformed while the document
    allowed it."""

    def __init__(
        self,
        *,
        username: Annotated[str, Form(min_length=1, description="``name@tenant``, e.g. ``admin@demo``")],
        password: Annotated[str, Form(min_length=1, json_schema_extra={"format": "password"})],
        grant_type: Annotated[str, Form(pattern="^password$")] = "password",
        scope: Annotated[str, Form()] = "",
        client_id: Annotated[str | None, Form()] = None,
        client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
    ) -> None:
        super().__init__(
            grant_type=grant_type,
            username=username,
            password=password,
            scope=scope,
            client_id=client_id,
            client_secret=client_secret,
        )


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


@router.post("/auth/token", response_model=Token, responses=errors(429))
def token(
    form: Annotated[SignInForm, Depends()],
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
