"""Staff sign-in and sign-out, and the front door that sends each role to its own page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anxin.auth import service as auth_service
from anxin.auth.roles import Role
from anxin.dependencies import DbSession
from anxin.web import i18n
from anxin.web.session import CsrfChecked, session_user, sign_in, sign_out
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

HOME = {Role.TECHNICIAN: "/tech", Role.CUSTOMER: "/portal", Role.QUALITY: "/console/complaints"}


def home_for(role: str) -> str:
    return HOME.get(Role(role), "/console")


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
    _: CsrfChecked,
    login: Annotated[str, Form(max_length=120)],
    password: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form()] = "",
) -> Response:
    user = auth_service.authenticate(db, login=login.strip(), password=password)
    if user is None:
        message = i18n.translate(i18n.language(request), "bad_login")
        return render(
            request, "login.html", status_code=401, error=message, next=_safe_next(next) or "", login=login
        )
    response = see_other(_safe_next(next) or home_for(user.role))
    sign_in(request, response, user)
    return response


@router.post("/logout")
def logout(request: Request, db: DbSession, _: CsrfChecked) -> Response:
    user = session_user(request, db)
    response = see_other("/portal/login" if user is not None and user.role == Role.CUSTOMER else "/login")
    sign_out(response)
    return response
