"""Password hashes (argon2) and signed API tokens (JWT, HS256, under the ``api-token`` key derived from the
configured secret: ``auth/keys.py``). A token carries a random ``jti``, by which it can be revoked, and the
user's token generation, which a new password or deactivation moves on (``auth/sessions.py``)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from anxin.auth.keys import Purpose, derive
from anxin.clock import now

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def usable_hash(password_hash: str | None) -> bool:
    """Whether ``password_hash`` is an argon2 hash a password can match (a customer's code-only account
    and the system users hold ``!``)."""
    return bool(password_hash) and password_hash.startswith("$argon2")


def waste_verification(password: str) -> None:
    """One argon2 verification that cannot succeed, for a sign-in with no usable hash (an unknown name or
    tenant, an inactive or code-only account), so it costs what a known one costs and tells nothing."""
    verify_password(_dummy_hash(), password)


def issue_token(
    *, secret: str, user_id: int, tenant_id: int, role: str, minutes: int, generation: int = 0
) -> str:
    """A bearer token; ``secret`` is the configured secret, from which the token's own key is derived."""
    issued = now()
    claims = {
        "sub": str(user_id),
        "tid": tenant_id,
        "role": role,
        "gen": generation,
        "jti": secrets.token_urlsafe(16),
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, derive(secret, Purpose.API_TOKEN), algorithm="HS256")


def read_token(token: str, *, secret: str) -> dict[str, Any] | None:
    """The claims of a token signed under ``secret``'s API-token key and not expired; None otherwise.
    Whether it was revoked is ``sessions.token_user``'s question."""
    try:
        return jwt.decode(
            token,
            derive(secret, Purpose.API_TOKEN),
            algorithms=["HS256"],
            options={"require": ["sub", "tid", "exp", "jti"]},
        )
    except jwt.PyJWTError:
        return None
