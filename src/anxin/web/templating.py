"""Rendering: the Jinja2 environment (autoescaped), the helpers templates use, and the route class that
turns refusals into pages (sign-in redirects, 403/404/409 pages) instead of the API's JSON."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from anxin import clock, money
from anxin.auth.models import DEFAULT_ZONE
from anxin.exceptions import AnxinError
from anxin.masking import mask_phone, redact_phones
from anxin.web import i18n, staff_nav
from anxin.web.session import CsrfFailed, LoginRequired, PageForbidden, csrf_token, ensure_csrf

TEMPLATES = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES))


def masked(phone: str | None) -> str:
    """``138****1234`` (``anxin.masking``, the one masking; who sees a customer's whole number is
    ``customer/visibility.py``'s to say, and the order pages show ``view.customer_phone``)."""
    return mask_phone(phone)


@pass_context
def local(context: Context, value: datetime | None, fmt: str = "%m-%d %H:%M") -> str:
    """A moment in the zone of the page's tenant (``zone`` in the context; the default tenant zone on a
    page nobody signed in to)."""
    return clock.local(value, context.get("zone") or DEFAULT_ZONE, fmt) or "—"


def iso(value: datetime | None) -> str:
    return clock.as_utc(value).isoformat() if value is not None else ""


# ``redacted``: a free text with the phone numbers written in it masked, where a list shows many orders
templates.env.filters.update(money=money.yuan, masked=masked, redacted=redact_phones, local=local, iso=iso)
# the staff navigation by role, drawn by base.html on every staff page
templates.env.globals["staff_menu"] = staff_nav.menu


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` with the language, the translator, the CSRF token and the signed-in user."""
    lang = i18n.language(request)
    context.setdefault("user", getattr(request.state, "user", None))
    response = templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "t": lambda key: i18n.translate(lang, key),
            "csrf_token": csrf_token(request),
            "symptoms": i18n.SYMPTOMS,
            "zone": getattr(request.state, "zone", None),
            **context,
        },
        status_code=status_code,
    )
    ensure_csrf(request, response)
    if request.query_params.get("lang") in ("en", "zh"):
        response.set_cookie(i18n.LANG_COOKIE, lang, samesite="lax", path="/", max_age=365 * 86400)
    return response


def see_other(url: str) -> RedirectResponse:
    """After a POST: go to ``url`` with a GET (303)."""
    return RedirectResponse(url, status_code=303)


def error_page(request: Request, status_code: int, message: str) -> HTMLResponse:
    referer = request.headers.get("referer") or ""
    own = str(request.base_url)
    back = "/" + referer[len(own) :] if referer.startswith(own) else "/"  # only back to a page of this site
    return render(request, "error.html", status_code=status_code, message=message, back=back)


class PageRoute(APIRoute):
    """A route of the pages: a missing session redirects to sign-in, a refusal renders an error page with
    the domain error's message in the page's language (the transaction has already been rolled back)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                target = "/portal/login" if exc.portal else "/login"
                return RedirectResponse(f"{target}?next={quote(request.url.path)}", status_code=303)
            except PageForbidden:
                return error_page(request, 403, i18n.translate(i18n.language(request), "forbidden"))
            except CsrfFailed:
                return error_page(request, 403, i18n.translate(i18n.language(request), "csrf"))
            except AnxinError as exc:
                return error_page(request, exc.status_code, exc.message(i18n.language(request)))

        return page_handler
