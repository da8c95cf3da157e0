"""One key per purpose, derived from the configured secret (``ANXIN_SECRET_KEY``).

Nothing signs or hashes with the configured secret itself: each use asks here for its own key, HMAC-SHA256
of a purpose label under the secret, so a value made for one purpose (an API token, a page session, a
survey link) never passes as another, and a key that leaks from one use says nothing of the others.
``problem`` says why a secret may not serve (``anxin serve`` and ``anxin worker`` refuse to start with
one); only the demo runs with the demo key."""

from __future__ import annotations

import hashlib
import hmac
from enum import StrEnum
from functools import lru_cache

from anxin.config import DEMO_SECRET_KEY

MIN_BYTES = 32


class Purpose(StrEnum):
    API_TOKEN = "api-token"  # bearer tokens of the API (JWT, HS256)
    PAGE_SESSION = "page-session"  # the pages' signed session cookie
    CSRF = "csrf"  # the pages' form tokens
    SURVEY_LINK = "survey-link"  # the follow-up survey's signed link
    LOGIN_CODE = "login-code"  # the hashes of one-time sign-in codes
    THROTTLE = "throttle"  # the keys sign-in throttles count under (no phone or address kept in clear)
    PAYMENT_NOTIFY = "payment-notify"  # the demo payment gateway's signed notifications (pricing/gateways.py)
    PORTAL_SIGN_UP = "portal-sign-up"  # the portal's short-lived proof that a new phone took its code


@lru_cache(maxsize=64)
def derive(secret: str, purpose: Purpose) -> bytes:
    """The key for ``purpose``: HMAC-SHA256 under ``secret`` of ``anxin/<purpose>``."""
    return hmac.new(secret.encode(), f"anxin/{Purpose(purpose).value}".encode(), hashlib.sha256).digest()


def digest(secret: str, purpose: Purpose, message: str) -> str:
    """HMAC-SHA256 of ``message`` under ``purpose``'s key, in hex."""
    return hmac.new(derive(secret, purpose), message.encode(), hashlib.sha256).hexdigest()


def problem(secret: str) -> tuple[str, str] | None:
    """Why ``secret`` may not sign anything outside the demo, in Chinese and English; None when it may."""
    if secret == DEMO_SECRET_KEY:
        return (
            "ANXIN_SECRET_KEY 未设置：默认密钥是公开的演示密钥，任何人都能用它伪造登录凭据。",
            "ANXIN_SECRET_KEY is not set: the default is the public demo key, with which anyone can forge "
            "sign-ins.",
        )
    if len(secret.encode()) < MIN_BYTES:
        return (
            f"ANXIN_SECRET_KEY 太短：至少需要 {MIN_BYTES} 字节的随机值。",
            f"ANXIN_SECRET_KEY is too short: it needs at least {MIN_BYTES} random bytes.",
        )
    return None
