"""Routers added to the application as plain routes.

Since FastAPI 0.137 ``include_router`` keeps each included router as a node that is resolved again on
every request: a request walks every router's routes, twice for a hit, and three times for a 404. With
this application's 160-odd routes a 404 cost about 1.4 ms of CPU on the benchmark machine, more than a
whole simple endpoint, and every hit paid its share. None of the routers here is included with a prefix, tags or
dependencies of its own (each ``APIRouter`` carries its prefix and tags, which are on its routes already),
so their routes can be added to the application's router directly, as FastAPI did before 0.137, and
matched in one pass.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Response
from pydantic import BaseModel


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add ``router``'s routes to ``app`` (the equivalent of ``app.include_router(router)`` with no
    arguments, without the per-request resolution layer)."""
    for route in router.routes:
        if not hasattr(route, "path"):
            # A router the router itself includes: not used here; refuse rather than lose its routes.
            raise TypeError(f"nested router in {router.prefix!r}: include it with add_routes directly")
        app.router.routes.append(route)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """``model``, an instance of the route's own ``response_model``, as the response, serialised in the
    endpoint's worker thread: the bytes FastAPI would send (``by_alias``, nothing excluded). A synchronous
    endpoint's returned value is otherwise validated against the response model in a second trip
    through the thread pool; the hot intake routes skip it."""
    return Response(
        model.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )
