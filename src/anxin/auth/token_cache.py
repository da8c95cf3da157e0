"""Recently verified bearer tokens, so that a burst of requests with one token reads its user once.

A token's first request checks everything: the signature, the expiry, and that the user still exists, is
active and belongs to the token's tenant. For ``ttl`` seconds after that, requests with the same token
reuse the user as it was then (a detached copy, merged into each request's session without SQL), unless
the token has expired in the meantime. A user deactivated or changed directly in the database is
therefore refused within ``ttl`` seconds by every server process (``ANXIN_AUTH_CACHE_SECONDS``, 10 by
default; 0 turns the cache off); so is a token revoked (signed out) or superseded (a new password) by
another process. The process that signs a token out ``forget``s it at once: it is never served from this
cache again. One cache per application instance.
"""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import inspect
from sqlalchemy.orm import make_transient_to_detached

from anxin.auth.models import User

_COLUMNS = tuple(attribute.key for attribute in inspect(User).column_attrs)


class TokenCache:
    def __init__(self, ttl: float, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[float, datetime, User]] = {}
        self._forgotten: dict[str, datetime] = {}  # signed-out tokens, until they expire

    def get(self, token: str, *, now: datetime) -> User | None:
        """The user the token was verified for, if that was less than ``ttl`` seconds ago and the token has
        not expired since; a detached copy to ``Session.merge(..., load=False)``."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        verified_at, expires_at, user = entry
        if time.monotonic() - verified_at >= self.ttl or now >= expires_at:
            self._entries.pop(token, None)
            return None
        return user

    def put(self, token: str, user: User, *, expires_at: datetime) -> None:
        if self.ttl <= 0 or token in self._forgotten:
            return
        if len(self._entries) >= self.size:
            self._entries.clear()  # bounded: a full cache starts over rather than growing
        copy = User(**{key: getattr(user, key) for key in _COLUMNS})
        make_transient_to_detached(copy)
        self._entries[token] = (time.monotonic(), expires_at, copy)

    def forget(self, token: str, *, expires_at: datetime) -> None:
        """Never serve ``token`` again (it was signed out): drop it, and refuse to keep it should a request
        in flight verify it before the revocation is committed."""
        self._entries.pop(token, None)
        if len(self._forgotten) >= self.size:
            self._forgotten.clear()
        self._forgotten[token] = expires_at
