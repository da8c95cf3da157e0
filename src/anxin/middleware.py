"""The app's ASGI middlewares: the security headers of every response (``SecurityHeaders``), the size
limit of every request body, enforced while it is read (``BodyLimit``), and on SQLite the requests whose
transaction begins deferred (``WritesApart``).

They are plain ASGI callables rather than Starlette's ``BaseHTTPMiddleware``: the intake route is
benchmarked, and what they add to a request is a scan of its few headers and a few header assignments."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from anxin.database import BEGIN_DEFERRED
from anxin.dependencies import language
from anxin.exceptions import AnxinError
from anxin.web import i18n
from anxin.web.templating import error_page

# --- security headers -------------------------------------------------------------------------------------

# The pages load their scripts, styles, images and fonts from /static and talk only to this server: no
# inline script and no inline event handler (the page data reaches the static scripts as JSON blocks,
# ``<script type="application/json">``, which are not run), no eval (htmx's trigger filters would need it,
# and the pages use none). Inline styles stay allowed: ECharts writes its tooltips' styles inline and htmx
# its indicator style, and a style cannot run code. No page may be framed.
PAGE_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# FastAPI's /docs (Swagger UI) and /redoc load their bundles and styles from jsDelivr, Redoc its fonts from
# Google Fonts and its search worker from a blob, both the favicon from fastapi.tiangolo.com. Swagger UI
# starts with an inline script (and so does its OAuth2 redirect page): those are allowed by their hash,
# computed from the page as served (``_hashes``), so nothing else inline runs there either.
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' https://cdn.jsdelivr.net{hashes}",
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
        "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
        "font-src 'self' https://fonts.gstatic.com",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)
CSP = b"content-security-policy"
INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)


class SecurityHeaders:
    """Sets on every HTTP response ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
    ``Referrer-Policy: strict-origin-when-cross-origin`` and a Content-Security-Policy (``PAGE_CSP``;
    ``DOCS_CSP`` on the API's documentation pages), each unless the response set its own."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = ()) -> None:
        self.app = app
        self.docs_paths = frozenset(docs_paths)
        self.page_headers = (*HEADERS, (CSP, PAGE_CSP.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.docs_paths:
            await self.app(scope, receive, _DocsPage(send))
            return
        extra = self.page_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _with(message.get("headers") or [], extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _with(headers: list, extra: Iterable[tuple[bytes, bytes]]) -> list:
    """``headers`` and each of ``extra`` whose name is not among them yet."""
    present = {name.lower() for name, _ in headers}
    return [*headers, *(item for item in extra if item[0] not in present)]


class _DocsPage:
    """The ``send`` of a documentation page: its body (a page of a few hundred bytes) is held until it is
    whole, so the CSP can name the hash of each inline script it carries."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.send(message)
            return
        self.body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        body = b"".join(self.body)
        policy = DOCS_CSP.format(hashes=_hashes(body)).encode()
        self.start["headers"] = _with(self.start.get("headers") or [], (*HEADERS, (CSP, policy)))
        await self.send(self.start)
        await self.send({"type": "http.response.body", "body": body})


def _hashes(body: bytes) -> str:
    found = [
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in INLINE_SCRIPT.findall(body)
    ]
    return "".join(" " + h for h in found)


# --- the request body's size ------------------------------------------------------------------------------

# What a multipart upload carries besides its photo: the CSRF token, coordinates, a description, and the
# multipart framing.
UPLOAD_MARGIN = 256 * 1024
# ... and besides the photos of a technician's completion form: the signature drawn on the screen (a PNG
# as a data URL, tens of kilobytes; Starlette refuses a text field over 1 MiB), the work done, the parts.
COMPLETION_MARGIN = 1024 * 1024


class PayloadTooLarge(AnxinError):
    status_code = 413
    code = "payload_too_large"
    message_zh = "请求内容过大：最多 {limit}"
    message_en = "The request is too large: at most {limit}"

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        super().__init__(limit=_size(limit_bytes))

    def details(self) -> dict:
        return {"limit_bytes": self.limit_bytes}


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


class BodyLimit:
    """Refuses a request body over its limit with 413 ``payload_too_large`` before it is parsed.

    The limit: ``max_upload_bytes`` (one photo) plus ``UPLOAD_MARGIN`` for a multipart upload;
    ``completion_photos`` photos plus ``COMPLETION_MARGIN`` for the technician's completion form (before
    and after photos and the signature in one form); ``max_body_bytes`` for any other body (JSON, a plain
    form). A ``Content-Length`` over the limit is answered at once, nothing of the body read; a body sent
    without one (chunked) is counted as it arrives and stops at the limit: the route reading it gets the
    error, and whatever it answers is replaced with the 413. A browser (one that accepts HTML, off the
    API) gets the error page, everyone else the one error shape."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int, completion_photos: int
    ) -> None:
        self.app = app
        self.body_limit = max_body_bytes
        self.upload_limit = max_upload_bytes + UPLOAD_MARGIN
        self.completion_limit = max_upload_bytes * completion_photos + COMPLETION_MARGIN

    def limit_for(self, scope: Scope, content_type: bytes) -> int:
        if content_type[:19].lower() != b"multipart/form-data":
            return self.body_limit
        path = scope["path"]
        if path.startswith("/tech/orders/") and path.endswith("/complete"):
            return self.completion_limit
        return self.upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        content_type = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                content_type = value
        limit = self.limit_for(scope, content_type)
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                declared = limit + 1  # not a length: refused like one over the limit
            if declared > limit:
                await _refusal(scope, limit)(scope, receive, send)
                return
            # the server delivers no more than the declared length: nothing to count
            await self.app(scope, receive, send)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        over = started = replaced = False

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True
                    raise PayloadTooLarge(limit)
            return message

        async def replacing_send(message: Message) -> None:
            nonlocal started, replaced
            if message["type"] == "http.response.start":
                started = True
                if over and message["status"] != 413:  # the route's answer to the error it was given
                    replaced = True
                    await _refusal(scope, limit)(scope, receive, send)
                    return
            elif replaced:
                return  # the body of the answer the 413 replaced
            await send(message)

        try:
            await self.app(scope, counting_receive, replacing_send)
        except PayloadTooLarge:
            if started:
                raise
            await _refusal(scope, limit)(scope, receive, send)


def _refusal(scope: Scope, limit: int) -> Response:
    """The 413: the error page for a browser on the pages, the one error shape for everyone else."""
    request = Request(scope)
    error = PayloadTooLarge(limit)
    if not scope["path"].startswith("/api/") and "text/html" in request.headers.get("accept", ""):
        return error_page(request, 413, error.message(i18n.language(request)))
    body = {"error": {"code": error.code, "message": error.message(language(request)), **error.details()}}
    return JSONResponse(body, status_code=413)


# --- SQLite: the requests that write apart ------------------------------------------------------------------


class WritesApart:
    """SQLite only: the requests to ``paths`` begin their transaction deferred (``database.BEGIN_DEFERRED``)
    although they may write. They count a refused sign-in on a connection of their own while their session
    is open (``auth.throttle.record_apart``), which could never take the write lock if their own session
    held it from its start, as every other request that may write does (``database.make_sessionmaker``)."""

    def __init__(self, app: ASGIApp, *, paths: Iterable[str]) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        token = BEGIN_DEFERRED.set(True)
        try:
            await self.app(scope, receive, send)
        finally:
            BEGIN_DEFERRED.reset(token)
