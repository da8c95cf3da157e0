"""The KPI dashboard on a million orders: how long every query of ``/dashboard`` takes on PostgreSQL.

    .venv/bin/python benchmarks/kpi.py [--orders 1000000] [--runs 5] [--keep] [--api] [--explain-out PATH]

1. Connects to ``ANXIN_BENCH_POSTGRES_URL`` (default
   ``postgresql+psycopg://postgres@127.0.0.1:5432/anxin_bench_kpi``), creates the database if it is missing,
   migrates it with ``anxin.migrate.upgrade`` and, unless it already holds the same number of orders
   (``--keep`` reuses whatever number it holds; ``--regenerate`` forces), empties the tables and generates:

   - reference data through the ORM: two tenants, 20 outlets in 10 districts and 400 technicians
     (08:30–18:00, break 12:00–13:00, Monday–Saturday) for the first, 2 outlets / 20 technicians for the
     second; 10 categories, 8 brands and one product model per brand and category;
   - with ``COPY`` (psycopg ``cursor.copy``): one customer with one address and one appliance per five
     orders; ``--orders`` work orders for the first tenant and 2 % as many for the second, reported over
     the 180 days before 2026-12-01 (daytime-weighted, ids in time order) with their stamps: 3 % cancelled,
     7 % resolved remotely, the rest accepted (log-normal response, median ~14 min), assigned, on the way,
     on site and completed (5 % waiting 1–3 days for parts, counted in ``sla_paused_seconds``), except those
     of the last two days, some still open; 3 % are rework orders of an earlier order; followed up and
     closed when older than 3 days;
   - one answered survey for 60 % of completed orders, one complaint for 1 % of orders (80 % closed), one
     approved quote with one line for 70 % of completed orders;
   - events: the full event trail (one row per stamped move) for 5 % of orders only: the KPI queries do
     not read events, and a row per move for every order would only slow the load.

   Then ``ANALYZE``.
2. Times the dashboard (``kpis.dashboard``: the totals, the four breakdowns and the trend, every query
   the ``/dashboard`` page runs) for the last 30 and 180 days, as the admin and as an outlet manager,
   ``--runs`` times each after one warm-up (median and max):
   - read live (no stored days: three aggregates, one per table, each one pass with GROUPING SETS), and
     for the admin each of those three queries alone; with ``--separate`` also the 18 one-breakdown
     queries of the API once each (the shape before GROUPING SETS);
   - then stores the settled days (``rollup.refresh``: all but the last day, the tenant's rows and each
     outlet's; timed) and times the dashboard again as the page reads it (stored days + the last day
     live), checking the whole dashboard against the one read live (``stored_matches_live``) and its
     totals against the plain live query (``totals_match_live_query``); with ``--api`` also the API's
     reads (``/kpis`` without and with a breakdown, ``/trend``).
   Prints JSON (progress lines on stderr).
3. Saves ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest query to ``--explain-out``.

Nothing here asserts on timings; the ``goal_met`` booleans only report.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anxin.analytics import kpis, queries, rollup  # noqa: E402
from anxin.analytics.models import KpiDaySum  # noqa: E402
from anxin.analytics.period import GROUPS, period, scope_for  # noqa: E402
from anxin.auth import service as auth_service  # noqa: E402
from anxin.auth.models import Tenant, User  # noqa: E402
from anxin.catalog import service as catalog_service  # noqa: E402
from anxin.database import make_engine, make_sessionmaker  # noqa: E402
from anxin.migrate import upgrade  # noqa: E402
from anxin.technician.models import Outlet, Technician  # noqa: E402
from anxin.work_order.models import WorkOrder  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/anxin_bench_kpi"
END = datetime(2026, 12, 1, 0, 0, tzinfo=UTC) - timedelta(hours=8)  # 2026-12-01 00:00 Shanghai
DAYS = 180
DISTRICTS = [
    "西湖区",
    "上城区",
    "拱墅区",
    "滨江区",
    "萧山区",
    "余杭区",
    "临平区",
    "钱塘区",
    "富阳区",
    "临安区",
]
BRANDS = ["haier", "midea", "gree", "hisense", "tcl", "siemens", "panasonic", "aux"]
TABLES = (
    "work_order_event, quote_line, quote, complaint_event, complaint, service_task, survey, outbox_message, "
    "work_order_appliance, work_order, appliance, address, customer"
)


COLUMNS = {
    "customer": "id, tenant_id, name, phone, elderly_household, infant_household, created_at",
    "address": "id, tenant_id, customer_id, province, city, district, detail, lat, lng, area_type, created_at",
    "appliance": "id, tenant_id, customer_id, product_model_id, serial_number, purchase_date, "
    "purchase_channel, created_at",
    "work_order": "id, tenant_id, number, version, status, channel, service_type, category_code, customer_id, "
    "address_id, district, area_type, appliance_id, technician_id, outlet_id, fault_description, priority, "
    "elderly_household, infant_household, warranty_status, billing_category, is_rework, rework_of_id, "
    "created_at, updated_at, accepted_at, assigned_at, acknowledged_at, en_route_at, on_site_at, "
    "completed_at, followed_up_at, closed_at, cancelled_at, resolved_remote_at, sla_paused_seconds, "
    "sla_breached",
    "survey": "id, tenant_id, work_order_id, customer_id, technician_id, status, created_at, sent_at, "
    "expires_at, answered_at, answered_via, attitude, skill, punctuality, promises, overall, nps, resolved",
    "complaint": "id, tenant_id, number, version, status, channel, category, severity, description, "
    "customer_id, work_order_id, round, created_at, registered_at, closed_at",
    "quote": "id, tenant_id, work_order_id, status, total_fen, covered_fen, payable_fen, created_by_id, created_at",
    "quote_line": "id, quote_id, kind, description, quantity, unit_price_fen, amount_fen, covered_fen, "
    "payable_fen, needs_review",
    "work_order_event": "id, tenant_id, work_order_id, action, from_status, to_status, actor_role, "
    "occurred_at, payload",
}


def flush(connection, buffers: dict) -> None:
    """COPY what the buffers hold, parents first, and empty them."""
    with connection.cursor() as cursor:
        for table, columns in COLUMNS.items():
            data = buffers[table].getvalue()
            if not data:
                continue
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for offset in range(0, len(data), 1 << 20):
                    copy.write(data[offset : offset + (1 << 20)])
            buffers[table].seek(0)
            buffers[table].truncate()


def ts(value: datetime | None) -> str:
    return "\\N" if value is None else value.strftime("%Y-%m-%d %H:%M:%S+00")


def ensure_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(database="postgres").render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone():
            connection.execute(f'CREATE DATABASE "{parsed.database}"')


def reference(session, slug: str, outlets: int, technicians: int) -> dict:
    """A tenant with outlets, technicians, users, categories, brands and product models."""
    tenant = Tenant(slug=slug, name=f"{slug} service", timezone="Asia/Shanghai")
    session.add(tenant)
    session.flush()
    categories = [c.code for c in catalog_service.ensure_categories(session, tenant_id=tenant.id)]
    models = []  # (model id, category)
    for code in BRANDS:
        brand = catalog_service.create_brand(
            session, tenant_id=tenant.id, code=code, name_zh=code, name_en=code
        )
        for category in categories:
            model = catalog_service.create_product_model(
                session,
                tenant_id=tenant.id,
                brand_id=brand.id,
                category_code=category,
                model_code=f"{code}-{category}",
                name=f"{code} {category}",
                warranty_months=36,
                key_part_months={},
            )
            models.append((model.id, category))
    outlet_rows = []
    for i in range(outlets):
        outlet = Outlet(
            tenant_id=tenant.id,
            code=f"o{i}",
            name=f"网点{i:02d}",
            district=DISTRICTS[i % len(DISTRICTS)],
            lat=30.2,
            lng=120.1,
        )
        session.add(outlet)
        outlet_rows.append(outlet)
    session.flush()
    techs = []
    for i in range(technicians):
        outlet = outlet_rows[i % outlets]
        tech = Technician(tenant_id=tenant.id, outlet_id=outlet.id, name=f"师傅{i}", phone=f"139{i:08d}")
        session.add(tech)
        techs.append((tech, outlet))
    session.flush()
    admin = auth_service.create_user(
        session,
        tenant_id=tenant.id,
        username="admin",
        password="bench-pass-1",
        role="admin",
        password_hash="x",
    )
    manager = auth_service.create_user(
        session,
        tenant_id=tenant.id,
        username="manager",
        password="bench-pass-1",
        role="outlet_manager",
        password_hash="x",
        outlet_id=outlet_rows[0].id,
    )
    return {
        "tenant": tenant.id,
        "models": models,
        "techs": [(t.id, o.id, o.district) for t, o in techs],
        "admin": admin.id,
        "manager": manager.id,
    }


class Ids:
    def __init__(self, connection, tables: list[str]) -> None:
        self.next = {
            t: connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0] for t in tables
        }

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def generate(connection, ref: dict, orders: int, rng: random.Random, ids: Ids, end: datetime = END) -> dict:
    """``orders`` orders of ``ref``'s tenant over the ``DAYS`` days before ``end`` (a local midnight), with
    their customers, surveys, complaints, quotes and some events, written with COPY."""
    tenant = ref["tenant"]
    buffers = {
        t: io.StringIO() for t in ("customer", "address", "appliance", "work_order", "survey", "complaint")
    }
    buffers.update({t: io.StringIO() for t in ("quote", "quote_line", "work_order_event")})
    appliances = []
    for _ in range(max(1, orders // 5)):
        customer = ids.take("customer")
        model_id, category = rng.choice(ref["models"])
        buffers["customer"].write(
            f"{customer}\t{tenant}\t客户{customer}\t138{customer % 10**8:08d}\tf\tf\t{ts(end)}\n"
        )
        address = ids.take("address")
        district = rng.choice(DISTRICTS)
        buffers["address"].write(
            f"{address}\t{tenant}\t{customer}\t浙江省\t杭州市\t{district}\t路{address}号\t30.2\t120.1\turban\t{ts(end)}\n"
        )
        appliance = ids.take("appliance")
        buffers["appliance"].write(
            f"{appliance}\t{tenant}\t{customer}\t{model_id}\tSN{appliance}\t2024-01-01\tjd\t{ts(end)}\n"
        )
        appliances.append((appliance, customer, category))
    start = end - timedelta(days=DAYS)
    moments = []
    for _ in range(orders):
        day = rng.randrange(DAYS)
        local_hour = min(23.99, max(0.0, rng.gauss(13, 3.5)))
        moments.append(start + timedelta(days=day, hours=local_hour))  # start is local midnight
    moments.sort()
    first_id = ids.next["work_order"]
    counts = {"orders": 0, "surveys": 0, "complaints": 0, "quotes": 0, "events": 0}
    for n, created in enumerate(moments):
        order_id = ids.take("work_order")
        if n and n % 100_000 == 0:
            flush(connection, buffers)
        appliance, customer, category = rng.choice(appliances)
        tech, outlet, district = rng.choice(ref["techs"])
        roll = rng.random()
        st = {"created": created}
        response = timedelta(minutes=rng.lognormvariate(2.6, 0.8))
        paused = 0
        age = end - created
        if roll < 0.03:
            status = "cancelled"
            st["cancelled_at"] = created + timedelta(minutes=rng.uniform(5, 120))
            tech = outlet_tech = None
        elif roll < 0.10:
            status = "resolved_remote"
            st["accepted_at"] = created + response
            st["resolved_remote_at"] = st["accepted_at"] + timedelta(minutes=rng.uniform(5, 60))
            tech = outlet_tech = None
        else:
            st["accepted_at"] = created + response
            st["assigned_at"] = st["accepted_at"] + timedelta(minutes=rng.uniform(0, 20))
            st["acknowledged_at"] = st["assigned_at"] + timedelta(minutes=rng.uniform(1, 15))
            st["en_route_at"] = st["acknowledged_at"] + timedelta(minutes=rng.lognormvariate(4.6, 0.6))
            st["on_site_at"] = st["en_route_at"] + timedelta(minutes=rng.uniform(15, 70))
            work = timedelta(minutes=rng.uniform(30, 180))
            if rng.random() < 0.05:
                paused = int(rng.uniform(1, 3) * 86400)
                work += timedelta(seconds=paused)
            st["completed_at"] = st["on_site_at"] + work
            outlet_tech = outlet
            status = "completed"
            for stamp in ("completed_at", "on_site_at", "en_route_at", "acknowledged_at", "assigned_at"):
                if st[stamp] > end:
                    st.pop(stamp)
            if "completed_at" not in st:
                status = (
                    "in_progress" if "on_site_at" in st else "assigned" if "assigned_at" in st else "accepted"
                )
            elif age > timedelta(days=3):
                status = "closed"
                st["followed_up_at"] = st["completed_at"] + timedelta(days=1)
                st["closed_at"] = st["followed_up_at"] + timedelta(hours=2)
        rework_of = None
        if n > 1000 and rng.random() < 0.03:
            rework_of = order_id - rng.randrange(100, min(n, 20000))
        billing = rng.choices("ABCD", weights=(45, 5, 48, 2))[0]
        row = [
            order_id,
            tenant,
            f"WO{order_id:010d}",
            1,
            status,
            "hotline",
            "repair",
            category,
            customer,
            "\\N",
            district,
            "urban" if rng.random() < 0.9 else "suburban",
            appliance,
            tech if tech else "\\N",
            outlet_tech if outlet_tech else "\\N",
            "不制冷",
            "normal",
            "f",
            "f",
            "in_warranty" if billing == "C" else "out_of_warranty",
            billing,
            "t" if rework_of else "f",
            rework_of or "\\N",
            ts(created),
            ts(created),
            *(
                ts(st.get(s))
                for s in (
                    "accepted_at",
                    "assigned_at",
                    "acknowledged_at",
                    "en_route_at",
                    "on_site_at",
                    "completed_at",
                    "followed_up_at",
                    "closed_at",
                    "cancelled_at",
                    "resolved_remote_at",
                )
            ),
            paused,
            "f",
        ]
        buffers["work_order"].write("\t".join(map(str, row)) + "\n")
        counts["orders"] += 1
        completed = st.get("completed_at")
        if completed and rng.random() < 0.6 and completed + timedelta(days=1) < end:
            answered = completed + timedelta(hours=rng.uniform(2, 48))
            scores = [min(5, max(1, round(rng.gauss(4.4, 0.8)))) for _ in range(5)]
            nps = min(10, max(0, round(rng.gauss(8.5, 1.8))))
            buffers["survey"].write(
                "\t".join(
                    map(
                        str,
                        [ids.take("survey"), tenant, order_id, customer, tech, "answered", ts(completed)]
                        + [ts(completed), ts(completed + timedelta(days=7)), ts(answered), "link"]
                        + scores
                        + [nps, "t" if rng.random() < 0.95 else "f"],
                    )
                )
                + "\n"
            )
            counts["surveys"] += 1
        if rng.random() < 0.01:
            registered = created + timedelta(hours=rng.uniform(2, 72))
            closed = registered + timedelta(hours=rng.uniform(4, 120)) if rng.random() < 0.8 else None
            if closed and closed > end:
                closed = None
            complaint = ids.take("complaint")
            buffers["complaint"].write(
                "\t".join(
                    map(
                        str,
                        [
                            complaint,
                            tenant,
                            f"CP{complaint:010d}",
                            1,
                            "closed" if closed else "investigating",
                        ],
                    )
                )
                + f"\thotline\tquality\tgeneral\t不满意\t{customer}\t{order_id}\t1\t{ts(registered)}\t{ts(registered)}\t{ts(closed)}\n"
            )
            counts["complaints"] += 1
        if completed and rng.random() < 0.7:
            quote = ids.take("quote")
            total = rng.randrange(50, 800) * 100
            buffers["quote"].write(
                f"{quote}\t{tenant}\t{order_id}\tapproved\t{total}\t0\t{total}\t{ref['admin']}\t{ts(st['on_site_at'])}\n"
            )
            buffers["quote_line"].write(
                f"{ids.take('quote_line')}\t{quote}\tother\t维修\t1\t{total}\t{total}\t0\t{total}\tf\n"
            )
            counts["quotes"] += 1
        if rng.random() < 0.05:
            previous = None
            for action, to_status, stamp in (
                ("create", "created", "created"),
                ("accept", "accepted", "accepted_at"),
                ("assign", "assigned", "assigned_at"),
                ("acknowledge", "acknowledged", "acknowledged_at"),
                ("depart", "en_route", "en_route_at"),
                ("arrive", "on_site", "on_site_at"),
                ("complete", "completed", "completed_at"),
                ("cancel", "cancelled", "cancelled_at"),
                ("resolve-remote", "resolved_remote", "resolved_remote_at"),
            ):
                if st.get(stamp) is None:
                    continue
                buffers["work_order_event"].write(
                    f"{ids.take('work_order_event')}\t{tenant}\t{order_id}\t{action}\t{previous or chr(92) + 'N'}"
                    f"\t{to_status}\tsystem\t{ts(st[stamp])}\t{{}}\n"
                )
                previous = to_status
                counts["events"] += 1
    flush(connection, buffers)
    counts["first_order_id"] = first_id
    return counts


def load(url: str, orders: int, seed: int) -> dict:
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    raw = make_url(url).render_as_string(hide_password=False).replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as connection:
        connection.execute(
            f"TRUNCATE {TABLES}, app_user, technician, outlet, product_model, brand, "
            "appliance_category, sla_policy, quality_policy, tenant RESTART IDENTITY CASCADE"
        )
    refs = [reference(session, "bench", 20, 400), reference(session, "other", 2, 20)]
    session.commit()
    session.close()
    rng = random.Random(seed)
    began = time.perf_counter()
    with psycopg.connect(raw) as connection:
        ids = Ids(
            connection,
            [
                "customer",
                "address",
                "appliance",
                "work_order",
                "survey",
                "complaint",
                "quote",
                "quote_line",
                "work_order_event",
            ],
        )
        counts = [
            generate(connection, refs[0], orders, rng, ids),
            generate(connection, refs[1], max(1, orders // 50), rng, ids),
        ]
        for table in ids.next:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {ids.next[table]})")
        connection.commit()
    loaded = time.perf_counter() - began
    with psycopg.connect(raw, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    engine.dispose()
    return {
        "tenants": counts,
        "load_seconds": round(loaded, 1),
        "analyze_seconds": round(time.perf_counter() - began - loaded, 1),
    }


TABLE_QUERIES = (
    ("orders", queries.order_sums),
    ("complaints", queries.complaint_sums),
    ("revenue", queries.revenue_sums),
)


def live_totals(session, scope) -> dict:
    """The period's totals straight from the orders (one query per table), to check the stored days
    against."""
    return kpis.compute(session, scope, None)[None]


def progress(label: str, name: str, figures: dict) -> None:
    print(f"{label} {name} {json.dumps(figures)}", file=sys.stderr, flush=True)


def timed(runs: int, work, warm: bool = True) -> dict:
    if warm:
        work()  # warm-up
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return {"median_ms": round(statistics.median(times) * 1000, 1), "max_ms": round(max(times) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--keep", action="store_true", help="reuse the generated orders whatever their number"
    )
    parser.add_argument("--api", action="store_true", help="also time the API's reads after storing")
    parser.add_argument(
        "--separate", action="store_true", help="also time the one-query-per-breakdown path (slow)"
    )
    parser.add_argument("--explain-out", default="benchmarks/kpi_explain.txt")
    args = parser.parse_args()
    url = os.environ.get("ANXIN_BENCH_POSTGRES_URL", DEFAULT_URL)
    ensure_database(url)
    upgrade(url)
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    with maker() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "bench"))
        have = (
            session.scalar(
                select(func.count()).select_from(WorkOrder).where(WorkOrder.tenant_id == tenant.id)
            )
            if tenant
            else 0
        )
    result: dict = {
        "benchmark": "kpi_dashboard",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "orders": args.orders,
    }
    if args.regenerate or not have or (have != args.orders and not args.keep):
        result["generated"] = load(url, args.orders, args.seed)
    else:
        result["generated"] = "reused"
        raw = make_url(url).render_as_string(hide_password=False).replace("+psycopg", "")
        with psycopg.connect(raw, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    now = END
    results = {}
    slowest = (0.0, None)
    with maker() as session:
        result["postgres"] = session.execute(text("SHOW server_version")).scalar()
        tenant = session.scalar(select(Tenant).where(Tenant.slug == "bench"))
        session.execute(delete(KpiDaySum))  # the live path first: nothing stored
        session.commit()
        scopes = {}
        for username in ("admin", "manager"):
            user = session.scalar(select(User).where(User.tenant_id == tenant.id, User.username == username))
            for days in (30, 180):
                last = (END + timedelta(hours=8) - timedelta(days=1)).date()
                the_period = period(str(last - timedelta(days=days - 1)), str(last), timezone="Asia/Shanghai")
                scopes[f"{username}_{days}d"] = scope_for(user, the_period, now)
        live_boards = {}
        for label, scope in scopes.items():
            entry = results.setdefault(label, {})
            entry["dashboard_live"] = timed(args.runs, lambda s=scope: kpis.dashboard(session, s))
            live_boards[label] = kpis.dashboard(session, scope)
            progress(label, "dashboard_live", entry["dashboard_live"])
            entry["orders_in_period"] = kpis.compute(session, scope, None)[None]["orders"]
            if label.startswith("manager"):
                continue  # the three queries alone: the tenant-wide ones (an outlet's are a twentieth)
            keys = ("day", *GROUPS)
            parts = [(f"{name}_grouping_sets", query, keys) for name, query in TABLE_QUERIES]
            if args.separate:
                parts += [
                    (f"{name}_by_{key or 'total'}", query, key)
                    for key in (None, *GROUPS, "day")
                    for name, query in TABLE_QUERIES
                ]
            for part_name, query, key in parts:
                sets = isinstance(key, tuple)
                part = timed(
                    args.runs if sets else 1, lambda q=query, k=key, s=scope: q(session, s, k), warm=sets
                )
                entry[part_name] = part
                progress(label, part_name, part)
                if part["median_ms"] > slowest[0] and sets:
                    slowest = (part["median_ms"], (query, key, scope, f"{label} {part_name}"))
            if args.separate:
                entry["separate_queries_total_ms"] = round(
                    sum(v["median_ms"] for k, v in entry.items() if "_by_" in k), 1
                )
        # Store the settled days (all but the last of the 180), then the dashboard as the page reads it.
        first = scopes["admin_180d"].period.first
        began = time.perf_counter()
        stored = rollup.refresh(
            session,
            tenant_id=tenant.id,
            timezone="Asia/Shanghai",
            first=first,
            last=scopes["admin_180d"].period.last,
            now=now,
        )
        session.commit()
        result["refresh"] = {"days_stored": stored, "seconds": round(time.perf_counter() - began, 1)}
        result["refresh"]["rows"] = session.scalar(select(func.count()).select_from(KpiDaySum))
        progress("refresh", "all", result["refresh"])
        for label, scope in scopes.items():
            entry = results[label]
            entry["dashboard"] = timed(args.runs, lambda s=scope: kpis.dashboard(session, s))
            progress(label, "dashboard", entry["dashboard"])
            board = kpis.dashboard(session, scope)
            entry["stored_matches_live"] = board == live_boards[label]
            entry["totals_match_live_query"] = board["kpis"] == live_totals(session, scope)
            entry["goal_met"] = entry["dashboard"]["max_ms"] < 1000
            if args.api:
                # the API's reads: the totals (``/kpis``), one breakdown, and the trend
                for name, work in (
                    ("api_kpis", lambda s=scope: kpis.report(session, s)),
                    ("api_kpis_by_outlet", lambda s=scope: kpis.report(session, s, "outlet")),
                    ("api_trend", lambda s=scope: kpis.trend(session, s)),
                ):
                    entry[name] = timed(args.runs, work)
                    progress(label, name, entry[name])
                entry["api_goal_met"] = all(
                    entry[name]["max_ms"] < 1000 for name in ("api_kpis", "api_kpis_by_outlet", "api_trend")
                )
        result["results"] = results
        if slowest[1]:
            query, key, scope, name = slowest[1]
            captured = []

            def capture(conn, cursor, statement, parameters, context, executemany):
                captured.append((statement, parameters))

            from sqlalchemy import event

            event.listen(engine, "before_cursor_execute", capture)
            query(session, scope, key)
            event.remove(engine, "before_cursor_execute", capture)
            statement, parameters = captured[-1]
            raw = session.connection().connection.driver_connection
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            Path(args.explain_out).write_text(f"-- {name}\n{statement}\n\n{plan}\n")
            result["slowest_query"] = {"name": name, "median_ms": slowest[0], "explain": args.explain_out}
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
