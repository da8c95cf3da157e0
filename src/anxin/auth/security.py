"""Password hashes (argon2) and signed API tokens (JWT, HS256)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from anxin.clock import now

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def issue_token(*, secret: str, user_id: int, tenant_id: int, role: str, minutes: int) -> str:
    issued = now()
    claims = {
        "sub": str(user_id),
        "tid": tenant_id,
        "role": role,
        "iat": issued,
        "exp": issued + timedelta(minutes=minutes),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(token: str, *, secret: str) -> dict[str, Any] | None:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "tid", "exp"]})
    except jwt.PyJWTError:
        return None
