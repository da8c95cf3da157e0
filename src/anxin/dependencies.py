"""Request context shared by every router: the database session, the caller, the language."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import permissions, sessions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.security import read_token
from anxin.auth.token_cache import TokenCache
from anxin.config import Settings
from anxin.database import AUTOCOMMIT
from anxin.exceptions import Forbidden, NotAuthenticated

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


READS = frozenset({"GET", "HEAD"})


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request: committed when the route returns, rolled back when it raises.
    Used with ``scope="function"`` so the commit happens before the response is sent: a commit that
    fails becomes an error response, never a 200 for work that was not saved. Reads (GET, HEAD) get a
    read-only session (``database.make_read_sessionmaker``: no transaction round trips on PostgreSQL,
    and an error if the route tries to write).

    The session is made on the event loop, which takes no I/O (its connection is checked out by its
    first statement, in the route's worker thread); the commit or rollback and the close run in a worker
    thread, shielded from cancellation and outside the thread pool's limit (as FastAPI does for a
    synchronous dependency's exit), so a connection always goes back to the pool."""
    async with _thread_session(request) as session:
        yield session


async def get_recording_db(request: Request) -> AsyncIterator[Session]:
    """``get_db``'s session for writing whatever the method: for a read that must leave a record in the
    same transaction (the personal-data export writes its audit row; ``privacy/router.py``)."""
    async with _thread_session(request, writes=True) as session:
        yield session


@asynccontextmanager
async def _thread_session(request: Request, *, writes: bool = False) -> AsyncIterator[Session]:
    """``get_db``'s session, committed or rolled back and closed as it says."""
    reads = request.method in READS and not writes
    factory = request.app.state.read_sessionmaker if reads else request.app.state.sessionmaker
    session: Session = factory()
    try:
        yield session
    except BaseException:
        await _finish(session, commit=False)
        raise
    await _finish(session, commit=True)


async def _finish(session: Session, *, commit: bool) -> None:
    """Close the session on the event loop when that sends nothing, else end it in a worker thread."""
    if _ends_quietly(session):
        session.close()
        return
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(_end, session, commit, limiter=CapacityLimiter(1))


def _ends_quietly(session: Session) -> bool:
    """Whether closing ``session`` sends nothing to the database, so it may run on the event loop: it
    has nothing to flush, and either no transaction (the route committed, or never touched the
    database) or only an autocommit connection (a read on PostgreSQL, whose return to the pool is
    local: the driver skips the rollback of a connection outside a transaction)."""
    if session.new or session.dirty or session.deleted:
        return False
    return not session.in_transaction() or bool(session.info.get(AUTOCOMMIT))


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DbSession = Annotated[Session, Depends(get_db, scope="function")]
RecordingDb = Annotated[Session, Depends(get_recording_db, scope="function")]

T = TypeVar("T")


class RequestDb:
    """The session of a route that runs on the event loop, and the way to use it.

    A synchronous route runs in a worker thread, and its database waits release the interpreter lock to
    the other threads, which take it back through the kernel: on the hottest routes (intake) those
    hand-offs cost a noticeable share of the CPU (measured in docs/benchmark-history.md, "Intake"). A
    route declared ``async`` with ``db: LoopDb`` runs its synchronous work with ``await db.run(fn,
    *args)``, which calls ``fn(session, *args)``. On PostgreSQL that is SQLAlchemy's
    ``AsyncSession.run_sync``: ``fn`` runs on the event loop, and each statement waits on psycopg's
    asynchronous connection without a thread. On SQLite, which has no asynchronous driver, ``fn`` runs in
    a worker thread with an ordinary session, as a synchronous route would. Either way at most
    ``ANXIN_SERVER_THREADS`` such calls and synchronous routes run at once (one limiter), which also
    bounds the connections they hold."""

    def __init__(self, session: Session, loop_session: AsyncSession | None = None) -> None:
        self.session = session  # the ordinary session ``fn`` receives (an object may be merged into it)
        self._loop_session = loop_session

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._loop_session is None:
            return await anyio.to_thread.run_sync(fn, self.session, *args)
        async with anyio.to_thread.current_default_thread_limiter():
            return await self._loop_session.run_sync(fn, *args)


async def get_loop_db(request: Request) -> AsyncIterator[RequestDb]:
    """``get_db`` for routes that run on the event loop (``RequestDb``): the same transaction per request,
    committed when the route returns and rolled back when it raises, before the response is sent; reads
    get a read-only session, in autocommit on PostgreSQL."""
    state = request.app.state
    if state.loop_engine is None:
        async with _thread_session(request) as session:
            yield RequestDb(session)
        return
    factory = state.loop_read_sessionmaker if request.method in READS else state.loop_sessionmaker
    loop_session: AsyncSession = factory()
    try:
        yield RequestDb(loop_session.sync_session, loop_session)
    except BaseException:
        with CancelScope(shield=True):
            await loop_session.close()  # rolls back what is open
        raise
    with CancelScope(shield=True):
        try:
            if not _ends_quietly(loop_session.sync_session):
                await loop_session.commit()
        finally:
            await loop_session.close()


LoopDb = Annotated[RequestDb, Depends(get_loop_db, scope="function")]


async def get_current_user(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The caller. A token verified in the last few seconds costs no I/O (``TokenCache``), so this runs on
    the event loop; a token seen for the first time is verified in a worker thread."""
    cached = _cached_user(request, db, token)
    if cached is not None:
        return cached
    return await run_in_threadpool(_verify, db, token, settings.secret_key, request.app.state.token_cache)


async def get_optional_user(
    request: Request,
    db: DbSession,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User | None:
    """The caller when a token is sent, verified as ``get_current_user`` does (revoked and superseded
    tokens refused); None without one (a route that also answers a link without sign-in)."""
    if not token:
        return None
    return await get_current_user(request, db, settings, token)


async def get_loop_user(
    request: Request,
    db: LoopDb,
    settings: SettingsDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """``get_current_user`` for routes that run on the event loop, in the session of their ``LoopDb``."""
    cached = _cached_user(request, db.session, token)
    if cached is not None:
        return cached
    return await db.run(_verify, token, settings.secret_key, request.app.state.token_cache)


def _cached_user(request: Request, db: Session, token: str | None) -> User | None:
    """The caller when its token was verified in the last few seconds, in ``db`` (no I/O); None when the
    token must be verified."""
    if not token:
        raise NotAuthenticated()
    cache: TokenCache = request.app.state.token_cache
    verified = cache.get(token, now=clock.now())
    return None if verified is None else db.merge(verified, load=False)


def _verify(db: Session, token: str, secret: str, cache: TokenCache) -> User:
    claims = read_token(token, secret=secret)
    if claims is None:
        raise NotAuthenticated()
    user = sessions.token_user(db, claims)  # active, of the token's tenant, neither revoked nor superseded
    if user is None:
        raise NotAuthenticated()
    cache.put(token, user, expires_at=datetime.fromtimestamp(claims["exp"], UTC))
    return user


async def bearer_token(token: Annotated[str | None, Depends(oauth2_scheme)]) -> str:
    """The caller's bearer token as sent (for signing it out); ``CurrentUser`` verifies it."""
    if not token:
        raise NotAuthenticated()
    return token


BearerToken = Annotated[str, Depends(bearer_token)]


CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
LoopUser = Annotated[User, Depends(get_loop_user)]


def allowed(action: Action, *, on_loop: bool = False) -> Callable[[User], User]:
    """A dependency: the caller, when the permission table lets their role take ``action`` (403 else);
    ``on_loop`` for a route with a ``LoopDb``."""
    roles = permissions.roles_for(action)

    def allow(user: User) -> User:
        if user.role not in roles:
            raise Forbidden()
        return user

    async def check(user: CurrentUser) -> User:  # async: no thread hand-off for a comparison
        return allow(user)

    async def check_on_loop(user: LoopUser) -> User:
        return allow(user)

    dependency = check_on_loop if on_loop else check
    dependency.action = action  # what the route matrix reads
    return dependency


def client_address(request: Request) -> str:
    """The address sign-in throttles count a request under: the connection's peer; when that peer is one
    of ``ANXIN_TRUSTED_PROXIES``, the nearest address of ``X-Forwarded-For`` that is not a trusted proxy.
    The header of anyone else is ignored (it could name any address)."""
    peer = request.client.host if request.client else "unknown"
    trusted = {part.strip() for part in request.app.state.settings.trusted_proxies.split(",") if part.strip()}
    if peer not in trusted:
        return peer
    hops = [part.strip() for part in request.headers.get("x-forwarded-for", "").split(",") if part.strip()]
    for address in reversed(hops):
        if address not in trusted:
            return address
    return peer


async def _client_address(request: Request) -> str:
    return client_address(request)


ClientAddress = Annotated[str, Depends(_client_address)]


def language(request: Request) -> str:
    """``en`` when the caller asks for English first, otherwise Simplified Chinese."""
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "zh"
