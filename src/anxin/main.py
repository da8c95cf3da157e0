"""The application factory: routers, error handlers, middleware, health and metrics."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from anxin import __version__, wiring
from anxin.analytics.router import router as analytics_router
from anxin.appliance.router import customer_router as customer_appliance_router
from anxin.appliance.router import router as appliance_router
from anxin.audit.router import router as audit_router
from anxin.auth.router import router as auth_router
from anxin.auth.token_cache import TokenCache
from anxin.catalog.router import router as catalog_router
from anxin.config import Settings, get_settings
from anxin.contract.router import plan_router as service_plan_router
from anxin.contract.router import router as contract_router
from anxin.customer.router import router as customer_router
from anxin.database import (
    is_locked,
    make_engine,
    make_loop_engine,
    make_loop_sessionmakers,
    make_read_sessionmaker,
    make_sessionmaker,
)
from anxin.dependencies import language
from anxin.dispatch.matching.router import router as matching_router
from anxin.dispatch.planning.router import router as planning_router
from anxin.dispatch.router import router as sweep_router
from anxin.dispatch.slots.router import router as slots_router
from anxin.exceptions import AnxinError, Conflict, InvalidInput
from anxin.feedback.complaints.router import router as complaint_router
from anxin.feedback.followup.router import router as survey_router
from anxin.feedback.scorecards.appeals_router import router as appeal_router
from anxin.feedback.scorecards.router import router as scorecard_router
from anxin.knowledge.assistant_router import router as assistant_router
from anxin.knowledge.router import router as knowledge_router
from anxin.middleware import BodyLimit, SecurityHeaders, WritesApart
from anxin.notify.router import router as notify_router
from anxin.observability import RequestContext, configure_logging
from anxin.parts.router import router as parts_router
from anxin.pricing.payments_router import notify_router as payment_notify_router
from anxin.pricing.payments_router import router as payments_router
from anxin.pricing.router import policy_router as pricing_policy_router
from anxin.pricing.router import quote_router
from anxin.pricing.router import router as price_book_router
from anxin.privacy.router import router as privacy_router
from anxin.proactive.router import router as proactive_router
from anxin.routing import add_routes, error_schemas, operation_id
from anxin.settlement.router import router as settlement_router
from anxin.technician.photo_router import router as technician_photo_router
from anxin.technician.router import router as technician_router
from anxin.telemetry.health_router import router as appliance_health_router
from anxin.telemetry.router import router as telemetry_router
from anxin.telephony.router import router as relay_router
from anxin.tradein.router import router as trade_in_router
from anxin.web.router import install as install_pages
from anxin.work_order.appointment_router import router as appointment_router
from anxin.work_order.router import policy_router
from anxin.work_order.router import router as work_order_router

logger = logging.getLogger("anxin.app")

HTTP_CODES = {
    401: ("not_authenticated", "请先登录", "Sign in first"),
    403: ("forbidden", "无权访问", "Forbidden"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
}


def error_body(code: str, message: str, **details) -> dict:
    return {"error": {"code": code, "message": message, **details}}


def allowed_methods(request: Request) -> str:
    """A 405's ``Allow``: the methods of every route at the request's path. Starlette names only those of
    the first route it met there, and a path such as ``/api/v1/catalog/brands`` has one route per method."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        route_methods = getattr(route, "methods", None)
        if route_methods and route.matches(request.scope)[0] is not Match.NONE:
            methods |= route_methods
    return ", ".join(sorted(methods))


def _documented_openapi(app: FastAPI):
    """``app.openapi`` with the error shape's schemas among the components the responses refer to."""
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = generate()
            document.setdefault("components", {}).setdefault("schemas", {}).update(error_schemas())
        return app.openapi_schema

    return openapi


def _lifespan(*, serving: bool):
    """What each app does before its first request, and after its last.

    Every app sets how many synchronous routes run at once in its worker threads
    (``ANXIN_SERVER_THREADS``; the routes that run their work on the event loop share the limit). Threads
    take the interpreter lock in turns, so threads beyond what the database waits need only contend for
    it, and the kernel's hand-offs of the lock cost CPU: hence a default of 8 rather than anyio's 40.

    A serving app (``serving``) also moves everything made at start-up (modules, routes, mappers,
    compiled statements: several hundred thousand objects that live as long as the process) out of the
    cyclic garbage collector's reach. Its full collections then walk only what requests leave behind;
    with those objects in reach, each full collection stalls every request in flight.

    The measurements behind both choices are in docs/benchmark-history.md ("Intake").

    At the end the event loop's own database engine closes its connections."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = app.state.settings.server_threads
        if serving:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if app.state.loop_engine is not None:
                # its connections belong to this event loop: closed here, while it runs
                await app.state.loop_engine.dispose()

    return lifespan


def create_app(settings: Settings | None = None, *, serving: bool = False) -> FastAPI:
    """The app. ``serving`` is for the server's own processes (``served_app``): a test run makes many
    apps in one process, and frozen objects are never collected."""
    settings = settings or get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    wiring.wire()
    app = FastAPI(
        # ASCII: generated clients name their package after the title (``anxin-api-client``)
        title="Anxin API",
        version=__version__,
        description="安心 (Anxin): after-sales service for home appliances: intake, dispatch, visits, "
        'follow-up. Every refusal is `{"error": {"code", "message", ...}}` (`ErrorRead`).',
        lifespan=_lifespan(serving=serving),
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    app.state.engine = make_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    # requests that may write (database.make_sessionmaker: on SQLite they wait for the writer before them)
    app.state.sessionmaker = make_sessionmaker(app.state.engine, writes=True)
    app.state.read_sessionmaker = make_read_sessionmaker(app.state.engine)
    # the intake's two routes run on the event loop (dependencies.LoopDb); on PostgreSQL with an engine
    # of their own
    app.state.loop_engine = make_loop_engine(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
    )
    if app.state.loop_engine is not None:
        app.state.loop_sessionmaker, app.state.loop_read_sessionmaker = make_loop_sessionmakers(
            app.state.loop_engine
        )
    app.state.token_cache = TokenCache(ttl=settings.auth_cache_seconds)
    if app.state.engine.dialect.name == "sqlite":  # the sign-ins count a refusal on a connection apart
        app.add_middleware(WritesApart, paths=("/login", "/api/v1/auth/token", "/portal/login"))
    # outermost last: the request id and the log see every answer, the 413s and headers included
    app.add_middleware(
        BodyLimit,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.max_upload_bytes,
        completion_photos=settings.max_completion_photos,
    )
    docs_paths = (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url)
    app.add_middleware(SecurityHeaders, docs_paths=[path for path in docs_paths if path])
    app.add_middleware(RequestContext)

    @app.exception_handler(AnxinError)
    async def domain_error(request: Request, exc: AnxinError) -> JSONResponse:
        # a throttle's refusal says when to come back (auth.exceptions.TooManyAttempts: Retry-After)
        headers = (
            {"WWW-Authenticate": "Bearer"}
            if exc.status_code == 401
            else getattr(exc, "response_headers", None)
        )
        return JSONResponse(
            error_body(exc.code, exc.message(language(request)), **exc.details()),
            status_code=exc.status_code,
            headers=headers,
        )

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError) -> JSONResponse:
        error = Conflict()
        return JSONResponse(error_body(error.code, error.message(language(request))), status_code=409)

    @app.exception_handler(OperationalError)
    async def busy(request: Request, exc: OperationalError) -> JSONResponse:
        if is_locked(exc):
            error = Conflict()
            return JSONResponse(error_body("busy", error.message(language(request))), status_code=409)
        # The database is gone or restarting (a refused connection, a connection the server closed):
        # nothing was written, and the same request later may succeed.
        logger.warning("database unavailable: %s", exc.orig)
        zh, en = "服务暂时不可用，请稍后重试", "The service is briefly unavailable; try again shortly"
        return JSONResponse(
            error_body("database_unavailable", en if language(request) == "en" else zh),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        """The last line behind the bounded types of ``anxin.fields``: a value the database or the calendar
        cannot hold (SQLite's "Python int too large", PostgreSQL's numeric_value_out_of_range and the other
        data exceptions, a date past 9999) came from the request, so it is a 422, never a 500."""
        error = InvalidInput("request", "数值超出可接受的范围", "a value is out of range")
        return JSONResponse(
            error_body(error.code, error.message(language(request)), **error.details()), status_code=422
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(part) for part in error["loc"] if part != "body"), "message": error["msg"]}
            for error in exc.errors()
        ]
        first = problems[0] if problems else {"field": "", "message": ""}
        lead = "请求参数有误" if language(request) == "zh" else "Invalid request"
        return JSONResponse(
            error_body(
                "validation_error",
                f"{lead}: {first['field']}: {first['message']}",
                field=first["field"],
                errors=problems,
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and request.url.path.startswith("/api/"):
            # FastAPI's "There was an error parsing the body" (bytes that are not UTF-8, a broken multipart
            # form): a malformed request like any other, 422 naming the body
            lead = "请求参数有误" if language(request) == "zh" else "Invalid request"
            problem = {"field": "body", "message": "the body cannot be parsed"}
            return JSONResponse(
                error_body(
                    "validation_error", f"{lead}: body: {problem['message']}", field="body", errors=[problem]
                ),
                status_code=422,
            )
        code, zh, en = HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail), str(exc.detail)))
        headers = getattr(exc, "headers", None)
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return JSONResponse(
            error_body(code, en if language(request) == "en" else zh),
            status_code=exc.status_code,
            headers=headers,
        )

    for router in (
        auth_router,
        catalog_router,
        customer_router,
        customer_appliance_router,
        appliance_router,
        technician_router,
        technician_photo_router,
        work_order_router,
        appointment_router,
        relay_router,
        policy_router,
        matching_router,
        slots_router,
        planning_router,
        sweep_router,
        survey_router,
        complaint_router,
        scorecard_router,
        appeal_router,
        notify_router,
        analytics_router,
        parts_router,
        price_book_router,
        quote_router,
        pricing_policy_router,
        payments_router,
        payment_notify_router,
        service_plan_router,
        contract_router,
        settlement_router,
        trade_in_router,
        telemetry_router,
        proactive_router,
        appliance_health_router,
        knowledge_router,
        assistant_router,
        privacy_router,
        audit_router,
    ):
        add_routes(app, router)
    install_pages(app)  # the HTML pages and /static

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict:
        with app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__, "database": app.state.engine.dialect.name}

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.openapi = _documented_openapi(app)
    return app


def served_app() -> FastAPI:
    """What ``anxin serve`` runs in each worker process."""
    return create_app(serving=True)
