"""Page sessions: a signed, HttpOnly, SameSite=Lax cookie naming the user, and a CSRF token checked on
every POST form. Stateless (HMAC over the payload with the app's secret key), so any process can read it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Annotated

from fastapi import Depends, Request, Response

from anxin.auth import permissions, tenant_clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession

SESSION_COOKIE = "anxin_session"
CSRF_COOKIE = "anxin_csrf"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 12 * 3600


class LoginRequired(Exception):
    """No valid session: the page route class sends the browser to the right sign-in page."""

    def __init__(self, portal: bool = False) -> None:
        super().__init__("login required")
        self.portal = portal


class PageForbidden(Exception):
    """Signed in, but this area is not for the user's role."""


class CsrfFailed(Exception):
    """A POST without the form's CSRF token."""


def _sign(secret: str, body: bytes) -> str:
    return (
        base64.urlsafe_b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
        .decode()
        .rstrip("=")
    )


def dump(secret: str, data: dict) -> str:
    """``data`` as ``payload.signature`` (both URL-safe base64)."""
    body = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")
    return f"{body}.{_sign(secret, body.encode())}"


def load(secret: str, value: str | None) -> dict | None:
    """The payload of a cookie written by ``dump`` if its signature holds and it has not expired."""
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    if not hmac.compare_digest(signature, _sign(secret, body.encode())):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return None
    return data


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def sign_in(request: Request, response: Response, user: User) -> None:
    """Set the session cookie for ``user`` and rotate the CSRF token."""
    secret = request.app.state.settings.secret_key
    data = {"uid": user.id, "tid": user.tenant_id, "exp": int(time.time()) + SESSION_SECONDS}
    response.set_cookie(
        SESSION_COOKIE,
        dump(secret, data),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    set_csrf(request, response, secrets.token_urlsafe(24))


def sign_out(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The browser's CSRF token; a new one when it has none (written by ``ensure_csrf`` on the response)."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token:
        token = secrets.token_urlsafe(24)
    request.state.csrf_token = token
    return token


def set_csrf(request: Request, response: Response, token: str) -> None:
    request.state.csrf_token = token
    response.set_cookie(
        CSRF_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
        max_age=SESSION_SECONDS,
    )


def ensure_csrf(request: Request, response: Response) -> None:
    """Persist the token a page rendered into its forms, if the browser does not hold it yet."""
    token = getattr(request.state, "csrf_token", None)
    if token and request.cookies.get(CSRF_COOKIE) != token:
        set_csrf(request, response, token)


async def check_csrf(request: Request) -> None:
    """Every POST carries the token (form field or ``X-CSRF-Token`` header) equal to the browser's cookie:
    a page of another site can neither read the cookie nor the token."""
    if request.method != "POST":
        return
    expected = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailed()


def session_user(request: Request, db: DbSession) -> User | None:
    data = load(request.app.state.settings.secret_key, request.cookies.get(SESSION_COOKIE))
    if data is None:
        return None
    return auth_service.get_active_user(db, id=int(data["uid"]), tenant_id=int(data["tid"]))


def page_user(action: Action | None = None):
    """A dependency: the signed-in user, whose role the permission table lets take ``action`` (None: anyone
    signed in); POSTs are CSRF-checked first. The customer's pages (``Action.PORTAL``) send a stranger to
    the portal's sign-in, the others to the staff sign-in."""
    allowed = permissions.roles_for(action) if action is not None else frozenset()
    portal = action == Action.PORTAL

    async def dependency(request: Request, db: DbSession) -> User:
        await check_csrf(request)
        user = session_user(request, db)
        if user is None:
            raise LoginRequired(portal=portal)
        if allowed and user.role not in allowed:
            raise PageForbidden()
        request.state.user = user
        request.state.zone = tenant_clock.zone(db, user.tenant_id)  # times on the page in the tenant's zone
        return user

    dependency.action = action  # what the route matrix reads
    return dependency


CsrfChecked = Annotated[None, Depends(check_csrf)]
