"""Routers added to the application as plain routes, and how the OpenAPI document names and describes
their operations (``documented``: clean operation ids, the one error shape on every operation).

Since FastAPI 0.137 ``include_router`` keeps each included router as a node that is resolved again on
every request: a request walks every router's routes, twice for a hit, and three times for a 404. With
this application's 160-odd routes a 404 cost about 1.4 ms of CPU on the benchmark machine, more than a
whole simple endpoint, and every hit paid its share. None of the routers here is included with a prefix, tags or
dependencies of its own (each ``APIRouter`` carries its prefix and tags, which are on its routes already),
so their routes can be added to the application's router directly, as FastAPI did before 0.137, and
matched in one pass.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from anxin.exceptions import ErrorRead


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to ``app`` (the equivalent of ``app.include_router(router)`` with no
    arguments, without the per-request resolution layer), each documented as ``documented`` says."""
    for route in router.routes:
        if not hasattr(route, "path"):
            # A router the router itself includes: not used here; refuse rather than lose its routes.
            raise TypeError(f"nested router in {router.prefix!r}: include it with add_routes directly")
        if isinstance(route, APIRoute):
            documented(route)
        app.router.routes.append(route)


def documented(route: APIRoute) -> None:
    """Give ``route`` its clean operation id (``operation_id``, unless it names one) and the error responses
    every route can answer (``READS``, ``WRITES``), beside those it documents itself."""
    if route.operation_id is None:
        route.operation_id = operation_id(route)
    statuses = READS if route.methods <= {"GET", "HEAD"} else WRITES
    route.responses = {**errors(*statuses), **route.responses}


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """``model``, an instance of the route's own ``response_model``, as the response, serialised in the
    endpoint's worker thread: the bytes FastAPI would send (``by_alias``, nothing excluded). A synchronous
    endpoint's returned value is otherwise validated against the response model in a second trip
    through the thread pool; the hot intake routes skip it."""
    return Response(
        model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )


# --- how the OpenAPI document names and describes each operation ---------------------------------------------

ERROR_STATUSES: dict[int, str] = {
    400: "the request cannot be carried out as sent",
    401: "not signed in: no token, or an expired, revoked or malformed one (``not_authenticated``)",
    403: "the caller's role, or this caller, may not do this (``forbidden`` and the refusals of the state table)",
    404: "no such object, or not one the caller may see (another tenant's object is 404 too)",
    409: "the object is not in a state that allows this, or changed meanwhile (``illegal_transition``, "
    "``conflict``, ``busy``, ...)",
    410: "the link has expired or was used",
    413: "the request body is over the limit while it is read (``payload_too_large``)",
    422: "the request is malformed (``validation_error``, naming the fields) or breaks a rule (``invalid_input`` "
    "and the other codes naming the field)",
    429: "a sign-in throttle holds (``too_many_attempts``); ``Retry-After`` says for how long",
    503: "the database is briefly unavailable (``database_unavailable``): nothing was done; retry after "
    "``Retry-After`` seconds",
}
ERROR_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "``Bearer``", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "seconds until the throttle lets go", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "string"}}},
}


ERROR_REF = {"$ref": "#/components/schemas/ErrorRead"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each status answered in the one error shape (``ErrorRead``, which
    ``error_schemas`` adds to the document)."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        documented[status] = {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": dict(ERROR_REF)}},
        }
        if status in ERROR_HEADERS:
            documented[status]["headers"] = ERROR_HEADERS[status]
    return documented


# What every route can answer (``add_routes`` adds them): a caller not signed in (401; a route open to
# everyone still refuses a bad token sent to it), whose role may not (403), an object not found (404), a
# request malformed or against a rule (422), a database briefly away (503). A route that changes
# something can also meet a state that does not allow it or a change made meanwhile (409), and its body
# may be over the limit (413). A route names what else it answers in its own ``responses=`` (a
# throttle's 429, an expired link's 410).
READS = (401, 403, 404, 422, 503)
WRITES = (401, 403, 404, 409, 413, 422, 503)


def error_schemas() -> dict[str, Any]:
    """The components the error responses refer to: ``ErrorRead`` and the models inside it."""
    schema = ErrorRead.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.pop("$defs", {})
    components["ErrorRead"] = schema
    return components


def operation_id(route: APIRoute) -> str:
    """The operation's id in the OpenAPI document, which generated clients name their functions by: the
    route's first tag and its function's name, less the words the tag already says (``work_orders_list``,
    ``customers_search``, ``dispatch_accept``). Stable as long as the tag and the function's name are."""
    tag = route.tags[0] if route.tags else "api"
    tag_words = [word for word in re.split(r"[^a-z0-9]+", str(tag).lower()) if word]
    said = {word.removesuffix("s") for word in tag_words}
    words = [word for word in route.name.lower().split("_") if word]
    rest = [word for word in words if word.removesuffix("s") not in said] or words
    return "_".join(tag_words + rest)


def file_response(*media_types: str, description: str = "the file") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that answers a file (a PDF, a workbook, a photo) rather than JSON."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {media_type: binary for media_type in media_types}}}
