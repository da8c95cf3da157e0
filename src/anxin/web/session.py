"""Page sessions and CSRF tokens.

A sign-in makes a server-side session (``auth/sessions.py``) and sets a signed, HttpOnly, SameSite=Lax
cookie holding its random id, signed with the ``page-session`` key (``auth/keys.py``); every page request
reads the session's row, so signing out ends it at once, in every process. The CSRF token a form carries
is an HMAC of the session id under the ``csrf`` key: it passes only with the session it was made for.
Before sign-in (the sign-in forms, a survey link) it is bound the same way to a random id in its own
cookie."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request, Response

from anxin import clock
from anxin.auth import permissions, sessions, tenant_clock
from anxin.auth.keys import Purpose, derive
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


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _sign(key: bytes, body: bytes) -> str:
    return _b64(hmac.new(key, body, hashlib.sha256).digest())


def dump(key: bytes, data: dict) -> str:
    """``data`` as ``payload.signature`` (both URL-safe base64), signed with ``key``."""
    body = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{body}.{_sign(key, body.encode())}"


def load(key: bytes, value: str | None) -> dict | None:
    """The payload of a cookie written by ``dump`` with ``key`` if its signature holds and it has not
    expired."""
    if not value or "." not in value:
        return None
    body, signature = value.rsplit(".", 1)
    # As bytes: a stranger's cookie may hold any character, and compare_digest refuses non-ASCII str.
    if not hmac.compare_digest(signature.encode(), _sign(key, body.encode()).encode()):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("exp", 0) < time.time():
        return None
    return data


def _key(request: Request, purpose: Purpose) -> bytes:
    return derive(request.app.state.settings.secret_key, purpose)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie(secret: str, session_id: str, *, expires: int) -> str:
    """The cookie value naming ``session_id``, signed with ``secret``'s page-session key."""
    return dump(derive(secret, Purpose.PAGE_SESSION), {"sid": session_id, "exp": expires})


def _session_id(request: Request) -> str | None:
    """The session id of the browser's cookie if the cookie's signature holds (whether the session still
    lives is the database's to say)."""
    data = load(_key(request, Purpose.PAGE_SESSION), request.cookies.get(SESSION_COOKIE))
    session_id = data.get("sid") if data else None
    return session_id if isinstance(session_id, str) and session_id else None


def sign_in(request: Request, response: Response, db: DbSession, user: User) -> None:
    """Start a session for ``user`` and set its cookie; the CSRF token changes with it."""
    session_id = sessions.start(db, user=user, now=clock.now(), lifetime=timedelta(seconds=SESSION_SECONDS))
    value = session_cookie(
        request.app.state.settings.secret_key, session_id, expires=int(time.time()) + SESSION_SECONDS
    )
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def sign_out(request: Request, response: Response, db: DbSession) -> None:
    """End the browser's session on the server and drop its cookie."""
    session_id = _session_id(request)
    if session_id is not None:
        sessions.end(db, session_id=session_id, now=clock.now())
    response.delete_cookie(SESSION_COOKIE, path="/")


# -- CSRF ---------------------------------------------------------------------------------------------------


def _binding(request: Request) -> tuple[str, str | None]:
    """What the CSRF token is bound to: the session id of a signed session cookie, else the random id of
    the CSRF cookie (None when the browser has none yet)."""
    session_id = _session_id(request)
    if session_id is not None:
        return f"session:{session_id}", None
    anonymous = getattr(request.state, "csrf_anonymous", None) or request.cookies.get(CSRF_COOKIE)
    return (f"anonymous:{anonymous}" if anonymous else ""), anonymous


def _token_for(request: Request, binding: str) -> str:
    return _sign(_key(request, Purpose.CSRF), binding.encode())


def csrf_token(request: Request) -> str:
    """The token a rendered form carries; a browser without a session or CSRF cookie gets a random id
    (written by ``ensure_csrf`` on the response)."""
    binding, _ = _binding(request)
    if not binding:
        request.state.csrf_anonymous = secrets.token_urlsafe(24)
        binding, _ = _binding(request)
    return _token_for(request, binding)


def ensure_csrf(request: Request, response: Response) -> None:
    """Persist the random id a page's forms were bound to, if the browser does not hold it yet."""
    anonymous = getattr(request.state, "csrf_anonymous", None)
    if anonymous and request.cookies.get(CSRF_COOKIE) != anonymous:
        response.set_cookie(
            CSRF_COOKIE,
            anonymous,
            httponly=True,
            samesite="lax",
            secure=_secure(request),
            path="/",
            max_age=SESSION_SECONDS,
        )


async def check_csrf(request: Request) -> None:
    """Every POST carries the token (form field or ``X-CSRF-Token`` header) made for the browser's own
    session (or, before sign-in, its CSRF cookie): a page of another site can read neither, and a token
    of one session does not pass with another."""
    if request.method != "POST":
        return
    binding, _ = _binding(request)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if (
        not binding
        or not sent
        or not hmac.compare_digest(_token_for(request, binding).encode(), sent.encode())
    ):
        raise CsrfFailed()


# -- who is signed in -------------------------------------------------------------------------------------


def session_user(request: Request, db: DbSession) -> User | None:
    """The user of the browser's live session; None without one (signed out, expired, never)."""
    session_id = _session_id(request)
    if session_id is None:
        return None
    return sessions.session_user(db, session_id=session_id, now=clock.now())


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
