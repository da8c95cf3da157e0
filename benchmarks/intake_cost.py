"""Where the intake API's server CPU goes: the same two endpoints through HTTP and called directly.

    .venv/bin/python benchmarks/intake_cost.py [--requests 3000] [--clients 16]

1. Prepares a scratch PostgreSQL database as ``benchmarks/intake.py`` does (a tenant, an agent, one
   customer and one appliance per order) and dropped at the end.
2. HTTP: starts ``anxin serve --workers 1`` and drives it in a closed loop with ``--clients`` keep-alive
   connections (the intake benchmark's lean client), one kind of request at a time: ``GET /healthz``
   (one ``SELECT 1``), ``GET /api/v1/me`` (the caller, from the token cache), the customer search by
   phone, and the intake ``POST /api/v1/work-orders``. For each: requests per second, and per request
   the server's CPU in user and kernel time and its threads' context switches, from /proc. The server
   runs as many worker threads as ``ANXIN_SERVER_THREADS`` says (8 when unset).
3. Direct: in this process, one thread, the synchronous work of the same two endpoints
   (``customer.router.search_page`` and ``work_order.router.take_report``, which the routes run through
   ``dependencies.RequestDb``) called with an ordinary session from the application's own session
   factories, committed and closed as the request's dependency does, for new people: CPU per call.

The difference between the HTTP figure and the direct one is what a request costs beyond the endpoint's
own work: the HTTP server, the middleware, routing and dependency resolution, and for a route that runs
in worker threads (``/healthz``, ``/api/v1/me``; every route on SQLite) the hand-off and the interpreter
lock shared between threads. On PostgreSQL the two intake routes run on the event loop
(``dependencies.RequestDb``), where their statements wait on asynchronous connections instead. It prints one JSON object and asserts nothing
on timings.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from intake import (
    HOST,
    LeanConnection,
    Server,
    create_database,
    drop_database,
    machine,
    prepare,
    report_body,
    sqlalchemy_url,
    token_for,
)

from anxin.config import get_settings

TICK = os.sysconf("SC_CLK_TCK")


def cpu_times(pid: int) -> tuple[float, float, int]:
    """(user, kernel) CPU seconds of a process and the context switches of its threads, from /proc (a
    thread that ended in between is missed; the server's worker threads live as long as it does)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    switches = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                switches += int(line.split()[1])
    return int(fields[11]) / TICK, int(fields[12]) / TICK, switches


def create_body(person) -> bytes:
    return json.dumps(report_body(person.customer_id, person.appliance_id)).encode()


async def closed_loop(connections: list[LeanConnection], requests: list[tuple[str, str, bytes | None, str]]):
    """Every connection sends its next request as soon as the last is answered, until none are left."""
    queue = iter(requests)

    async def one(connection: LeanConnection) -> None:
        for method, path, body, extra in queue:
            status, content = await connection.request(method, path, body, extra)
            if status >= 300:
                raise RuntimeError(f"{method} {path}: {status} {content[:300]!r}")

    await asyncio.gather(*(one(connection) for connection in connections))


def over_http(url: str, people: list, *, clients: int, requests: int, warmup: int, logdir: Path) -> dict:
    server = Server(url, 1, logdir / "server.log")
    try:
        server.wait_ready()
        token = token_for(server.base)
        pid = server.process.pid  # one worker: uvicorn serves in this process

        def kinds():
            yield "healthz", lambda i: ("GET", "/healthz", None, "")
            yield "me", lambda i: ("GET", "/api/v1/me", None, "")
            yield "customer_search", lambda i: ("GET", f"/api/v1/customers?q={people[i].phone}", None, "")
            yield (
                "intake_post",
                lambda i: (
                    "POST",
                    "/api/v1/work-orders",
                    create_body(people[i]),
                    f"Idempotency-Key: {uuid.uuid4().hex}\r\n",
                ),
            )

        async def main() -> dict:
            connections = [await LeanConnection(HOST, server.port, token).open() for _ in range(clients)]
            figures = {}
            try:
                for kind, make in kinds():
                    # every kind takes the people from the first: the reads change nothing, and only the
                    # POST (the last kind) reports for them
                    await closed_loop(connections, [make(i) for i in range(warmup)])
                    batch = [make(warmup + i) for i in range(requests)]
                    user0, system0, switches0 = cpu_times(pid)
                    started = time.perf_counter()
                    await closed_loop(connections, batch)
                    wall = time.perf_counter() - started
                    user1, system1, switches1 = cpu_times(pid)
                    figures[kind] = {
                        "requests_per_s": round(requests / wall, 1),
                        "server_ms": round(1000 * (user1 - user0 + system1 - system0) / requests, 3),
                        "server_user_ms": round(1000 * (user1 - user0) / requests, 3),
                        "server_kernel_ms": round(1000 * (system1 - system0) / requests, 3),
                        "context_switches": round((switches1 - switches0) / requests, 1),
                    }
            finally:
                for connection in connections:
                    await connection.close()
            return figures

        return asyncio.run(main())
    finally:
        server.stop()


def direct(url: str, people: list, agent_id: int, *, requests: int, warmup: int) -> dict:
    """The endpoints' work called in this thread, with ordinary sessions made as the request's dependency
    makes them on SQLite (the read-only factory for the GET), committed and closed as it does."""
    os.environ["ANXIN_DATABASE_URL"] = sqlalchemy_url(url)
    from anxin.auth.models import User
    from anxin.config import get_settings
    from anxin.customer.router import search_page
    from anxin.main import create_app
    from anxin.work_order.router import take_report
    from anxin.work_order.schemas import WorkOrderCreate

    get_settings.cache_clear()
    app = create_app()
    writes, reads = app.state.sessionmaker, app.state.read_sessionmaker
    with writes() as db:
        agent = db.get(User, agent_id)
        db.expunge(agent)

    def search(person) -> None:
        db = reads()
        try:
            user = db.merge(agent, load=False)
            response = search_page(db, user.tenant_id, person.phone, 1, 20)
            if b'"total":1,' not in response.body:
                raise RuntimeError(f"the search found not one customer: {response.body[:300]!r}")
        finally:
            db.close()

    def create(person) -> None:
        db = writes()
        try:
            user = db.merge(agent, load=False)
            body = WorkOrderCreate.model_validate_json(create_body(person))
            response = take_report(db, body, user, uuid.uuid4().hex)
            if response.status_code != 201:
                raise RuntimeError(f"intake answered {response.status_code}: {response.body[:300]!r}")
            db.commit()
        finally:
            db.close()

    figures = {}
    offset = 0
    for kind, call in (("customer_search", search), ("intake_post", create)):
        for person in people[offset : offset + warmup]:
            call(person)
        batch = people[offset + warmup : offset + warmup + requests]
        offset += warmup + requests
        before = os.times()
        started = time.perf_counter()
        for person in batch:
            call(person)
        wall = time.perf_counter() - started
        after = os.times()
        user, system = after.user - before.user, after.system - before.system
        figures[kind] = {
            "calls_per_s": round(requests / wall, 1),
            "cpu_ms": round(1000 * (user + system) / requests, 3),
            "user_ms": round(1000 * user / requests, 3),
            "kernel_ms": round(1000 * system / requests, 3),
        }
    app.state.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured requests of each kind")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()

    name = f"anxin_bench_intake_cost_{datetime.now(UTC).strftime('%Y%m%d_%H%M%S')}"
    url = create_database(name)
    logdir = Path(tempfile.mkdtemp(prefix="anxin-bench-"))
    try:
        facts = machine(url)
        per_kind = args.warmup + args.requests
        # the HTTP phases report for the first people, the direct calls for the next ones (a second
        # order for an appliance would be answered as a duplicate rather than made)
        world = prepare(url, 3 * per_kind)
        http = over_http(
            url,
            world.people[:per_kind],
            clients=args.clients,
            requests=args.requests,
            warmup=args.warmup,
            logdir=logdir,
        )
        calls = direct(
            url, world.people[per_kind:], world.agent_id, requests=args.requests, warmup=args.warmup
        )
        order_http = http["customer_search"]["server_ms"] + http["intake_post"]["server_ms"]
        order_direct = calls["customer_search"]["cpu_ms"] + calls["intake_post"]["cpu_ms"]
        facts["loadavg_at_end"] = round(os.getloadavg()[0], 2)
        facts["loadavg_at_start"] = round(facts["loadavg_at_start"], 2)
        print(
            json.dumps(
                {
                    "benchmark": "intake_cost",
                    "date": datetime.now(UTC).date().isoformat(),
                    "machine": facts,
                    "parameters": {
                        "requests": args.requests,
                        "clients": args.clients,
                        "warmup": args.warmup,
                        "server_threads": get_settings().server_threads,
                    },
                    "http": http,
                    "direct": calls,
                    "per_order": {
                        "http_server_ms": round(order_http, 3),
                        "direct_ms": round(order_direct, 3),
                        "beyond_endpoints_ms": round(order_http - order_direct, 3),
                        "beyond_endpoints_share": round(1 - order_direct / order_http, 3),
                    },
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    finally:
        shutil.rmtree(logdir, ignore_errors=True)
        drop_database(name)


if __name__ == "__main__":
    main()
