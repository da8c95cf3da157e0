"""The technician's app offline (an installable web app that works through a dead zone).

- ``GET /tech/manifest.webmanifest``: the web app manifest (安心师傅, start ``/tech``, scope ``/tech``), linked
  from the technician's pages only; ``GET /tech/icon-192.png`` and ``/tech/icon-512.png``: its icons, the
  favicon's shield drawn with Pillow (full-bleed, so the same picture serves as the maskable icon).
- ``GET /tech/sw.js``: the service worker (``static/tech_sw.js``), served under ``/tech`` with
  ``Service-Worker-Allowed: /tech`` so that its scope ``/tech`` covers ``/tech`` itself and every page below.
  It keeps the app's shell and the pages and data of today's orders as they were last seen online
  (network first; offline, the copy with a "离线：显示 HH:MM 保存的内容" banner).
- ``GET /tech/offline/state``: who is signed in and the session's CSRF token now, read by the offline
  queue (``static/tech_offline.js``) before it sends what it kept: a form queued before the session was
  renewed is sent with the token of the session that sends it, and only by the technician who queued it.
- ``guard``: a router dependency of the technician's pages. A POST of one of the moves the queue keeps
  (depart, arrive, start, resume, acknowledge, reject, wait for parts, complete, a photo, the appointment)
  with an ``Idempotency-Key`` header or ``idempotency_key`` field is done once per key
  (``work_order.move_keys``): the same request again answers as the first did (303 to the order, with
  ``Idempotent-Replayed: true``); the key with another request is refused (422).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Coroutine
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.web import i18n
from anxin.web.session import CSRF_FIELD, csrf_token, page_user
from anxin.web.templating import PageRoute
from anxin.work_order import move_keys, service

STATIC = Path(__file__).parent / "static"
SCOPE = "/tech"
KEY_FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{8,100}$")
# the POSTs the offline queue keeps, and the event each records (the key is kept only if it was recorded)
MOVE_PATH = re.compile(
    r"^/tech/orders/(?P<order>[0-9]{1,18})/"
    r"(?:act/(?P<act>acknowledge|depart|arrive|start|resume)|(?P<other>reject|wait-parts|complete|photos|appointment))$"
)
EVENTS = {"photos": "add-photo", "appointment": "appoint"}
THEME = "#0f766e"
i18n.extend(
    {
        "of_saved": ("离线：显示 {time} 保存的内容", "Offline: showing what was saved at {time}"),
        "of_offline": (
            "离线：操作会保存在本机，恢复网络后自动发送",
            "Offline: what you do is kept on this phone and sent when the signal returns",
        ),
        "of_queue": ("待发送 {n} 项", "{n} waiting to send"),
        "of_all_sent": ("已全部发送", "All sent"),
        "of_queued": ("等待网络", "Waiting for a signal"),
        "of_sending": ("发送中", "Sending"),
        "of_sent": ("已发送", "Sent"),
        "of_failed": ("未能发送", "Not sent"),
        "of_retry": ("重试", "Retry"),
        "of_discard": ("删除", "Discard"),
        "of_clear": ("清除已发送", "Clear the sent"),
        "of_send_now": ("立即发送", "Send now"),
        "of_pending": ("（待发送）", " (waiting to send)"),
        "of_kept": ("已保存在本机，恢复网络后自动发送", "Kept on this phone; sent when the signal returns"),
        "of_login": (
            "登录已过期：请重新登录，登录后自动发送",
            "Signed out: sign in again and it is sent",
        ),
        "of_other_user": (
            "这是另一位师傅的账号下记录的操作，未发送",
            "Recorded under another technician's account; not sent",
        ),
        "of_blocked": (
            "同一工单的前一项未能发送，此项暂不发送",
            "An earlier action on this order was not sent; this one waits",
        ),
        "of_gone": (
            "工单已不在您的名下（可能已被调度改派），操作未执行",
            "The order is no longer yours (the dispatcher may have reassigned it); nothing was done",
        ),
        "of_refused": ("服务器拒绝：{message}", "Refused: {message}"),
        "of_conflict": (
            "工单状态已变化（可能已被调度改派或修改），操作未执行",
            "The order changed (reassigned or edited by the dispatcher); nothing was done",
        ),
        "of_server": (
            "服务器暂时无法处理（{status}），稍后自动重试",
            "The server could not take it ({status}); retrying later",
        ),
        "of_back": ("已恢复网络：此页是 {time} 保存的内容", "Back online: this page was saved at {time}"),
        "of_refresh": ("刷新", "Refresh"),
        "of_not_sent": ("未能发送 {n} 项", "{n} not sent"),
        "of_comma": ("，", ", "),
    }
)


class OfflineRoute(PageRoute):
    """The technician's pages' route class: a replayed request (``move_keys.Replayed``) answers as the first
    did, a 303 to the order (to today's list after a rejection)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def offline_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except move_keys.Replayed as replay:
                target = (
                    "/tech" if request.url.path.endswith("/reject") else f"/tech/orders/{replay.order_id}"
                )
                return RedirectResponse(target, status_code=303, headers={"Idempotent-Replayed": "true"})

        return offline_handler


async def _fingerprint(request: Request, form: Any) -> str:
    """The request as the key stands for it: its path and fields (not the CSRF token nor the key, which a
    replay may carry anew) and the SHA-256 of each uploaded file."""
    import hashlib

    fields = []
    for name, value in form.multi_items():
        if name in (CSRF_FIELD, KEY_FIELD):
            continue
        if isinstance(value, UploadFile):
            data = await value.read()
            await value.seek(0)
            fields.append((name, "sha256:" + hashlib.sha256(data).hexdigest()))
        else:
            fields.append((name, str(value)))
    return move_keys.fingerprint({"path": request.url.path, "fields": sorted(fields)})


async def guard(request: Request, db: DbSession) -> AsyncIterator[None]:
    """Idempotency keys on the technician's moves (a router dependency; see the module's docstring)."""
    match = MOVE_PATH.match(request.url.path) if request.method == "POST" else None
    key = request.headers.get("idempotency-key") if match else None
    form = await request.form() if match else None
    if match and key is None and isinstance(value := form.get(KEY_FIELD), str):
        key = value
    if not match or not key:
        yield
        return
    if not KEY_PATTERN.match(key):
        raise InvalidInput(KEY_FIELD, "幂等键格式有误", "an idempotency key is 8 to 100 letters or digits")
    user = await page_user(Action.TECHNICIAN_APP)(request, db)  # CSRF, session and role first
    order = service.get_for(db, user=user, id=int(match["order"]))
    other = match["other"]
    event = match["act"] or EVENTS.get(other, other)
    claim = move_keys.claim(
        db, actor=user, order=order, key=key, request_hash=await _fingerprint(request, form), event=event
    )
    yield
    move_keys.settle(db, claim)


router = APIRouter(route_class=PageRoute, include_in_schema=False)
Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]


def manifest_body() -> dict:
    icons = [
        {"src": "/tech/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/tech/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/tech/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
    ]
    return {
        "name": "安心师傅",
        "short_name": "安心师傅",
        "description": "安心售后：师傅的今日工单、上门与完工，无信号时也能查看和记录",
        "lang": "zh-CN",
        "id": "/tech",
        "start_url": "/tech",
        "scope": SCOPE,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": THEME,
        "icons": icons,
    }


@router.get("/tech/manifest.webmanifest")
def manifest() -> Response:
    """The technician app's manifest (public: the browser fetches it without the session's cookie)."""
    return JSONResponse(
        manifest_body(), media_type="application/manifest+json", headers={"Cache-Control": "no-cache"}
    )


@lru_cache(maxsize=4)
def icon_png(size: int) -> bytes:
    """The favicon's shield and tick, white on the brand's teal, full-bleed (safe as a maskable icon: the
    shield sits inside the middle 60%)."""
    from PIL import Image, ImageDraw

    scale = 4  # drawn large and scaled down: smooth edges
    side = size * scale
    image = Image.new("RGB", (side, side), THEME)
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:  # the favicon's 64×64 box into the middle 60%
        return (side * (0.2 + 0.6 * x / 64), side * (0.2 + 0.6 * y / 64))

    def bezier(p0, p1, p2, p3, steps: int = 24):  # noqa: ANN001, ANN202 - points
        for i in range(1, steps + 1):
            t = i / steps
            yield tuple(
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * d
                for a, b, c, d in zip(p0, p1, p2, p3, strict=True)
            )

    # M32 4 8 13v17c0 15.5 10.2 26.6 24 30 13.8-3.4 24-14.5 24-30V13L32 4z
    outline = [(32, 4), (8, 13), (8, 30)]
    outline += list(bezier((8, 30), (8, 45.5), (18.2, 56.6), (32, 60)))
    outline += list(bezier((32, 60), (45.8, 56.6), (56, 45.5), (56, 30)))
    outline += [(56, 13)]
    draw.polygon([at(x, y) for x, y in outline], fill="#ffffff")
    width = int(side * 0.6 * 6 / 64)
    tick = [at(21, 32), at(29, 40), at(44, 24)]
    draw.line(tick, fill=THEME, width=width, joint="curve")
    for x, y in tick[::2]:
        r = width / 2
        draw.ellipse((x - r, y - r, x + r, y + r), fill=THEME)
    out = BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()


@router.get("/tech/icon-192.png")
def icon_192() -> Response:
    return Response(icon_png(192), media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/tech/icon-512.png")
def icon_512() -> Response:
    return Response(icon_png(512), media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/tech/sw.js")
def service_worker() -> FileResponse:
    """The service worker, from under ``/tech`` and allowed the scope ``/tech`` (public: a browser fetches it
    to update it whoever is signed in; it holds no data)."""
    return FileResponse(
        STATIC / "tech_sw.js",
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"},
    )


@router.get("/tech/offline/state")
def state(request: Request, user: Tech) -> JSONResponse:
    """Who is signed in and the session's CSRF token now, for the offline queue before it sends."""
    body = {"user_id": user.id, "csrf_token": csrf_token(request)}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
