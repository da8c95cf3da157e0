"""Staff sign-in and sign-out, and the front door that sends each role to its own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anxin import clock
from anxin.auth import accounts
from anxin.auth.exceptions import BadCredentials, TooManyAttempts
from anxin.auth.roles import Role
from anxin.dependencies import ClientAddress, DbSession, SettingsDep
from anxin.web import i18n, staff_nav
from anxin.web.session import CsrfChecked, session_user, sign_in, sign_out
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def home_for(role: str) -> str:
    """Where a role lands after signing in (``staff_nav.LANDING``: an admin on the dashboard)."""
    return staff_nav.landing(role)


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site (no scheme, no ``//host``) is followed after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@router.get("/", response_class=HTMLResponse)
def front_door(request: Request, db: DbSession) -> Response:
    user = session_user(request, db)
    return RedirectResponse(home_for(user.role) if user else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next) or "", login="")


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    client: ClientAddress,
    _: CsrfChecked,
    login: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    """Wrong passwords are throttled per account and client address as on the API; the form says so."""
    try:
        user = accounts.sign_in(
            db,
            login=login.strip(),
            password=password,
            client=client,
            secret=settings.secret_key,
            now=clock.now(),
        )
    except (BadCredentials, TooManyAttempts) as refusal:
        throttled = isinstance(refusal, TooManyAttempts)
        lang = i18n.language(request)
        message = refusal.message(lang) if throttled else i18n.translate(lang, "bad_login")
        page = render(
            request,
            "login.html",
            status_code=refusal.status_code,
            error=message,
            next=_safe_next(next) or "",
            login=login,
        )
        if throttled:
            page.headers.update(refusal.response_headers)
        return page
    response = see_other(_safe_next(next) or home_for(user.role))
    sign_in(request, response, db, user)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, _: CsrfChecked) -> Response:
    """End the session on the server (the old cookie opens nothing any more) and drop the cookie."""
    user = session_user(request, db)
    response = see_other("/portal/login" if user is not None and user.role == Role.CUSTOMER else "/login")
    sign_out(request, response, db)
    return response
