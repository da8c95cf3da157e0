"""Matching latency: the ranked candidate list for one order in a tenant with 10,000 technicians, on
PostgreSQL, through the product's own path (``dispatch.matching.candidates``: the SQL prefilter, the
snapshots of the nearest technicians with their certificates, shifts, bookings and queues, then every hard
rule and the score).

    .venv/bin/python benchmarks/matching.py [--technicians 10000] [--orders 200] [--repeat 5]

1. Creates a scratch database ``anxin_bench_matching_<timestamp>`` (dropped at the end; ``--keep-db``
   keeps it), migrates it, and builds a Hangzhou-like tenant: ``--technicians`` technicians spread over the
   districts with two or three trades each at a random level, the certificates their trades need (a few
   expired), third-party brand limits for a quarter of them, four shifts, a rest day each; ``--queued``
   open orders already assigned to technicians (their queues and the day's bookings); ``--orders`` accepted
   repair orders to rank, on customers scattered over the city. Technicians and queued orders are written
   with bulk INSERTs; the orders to rank go through the real intake and accept actions.
2. For each order, ``--repeat`` times, times one call of ``candidates(db, order=…, now=…)`` in a fresh
   read-only transaction, and once the whole HTTP request ``GET /api/v1/work-orders/{id}/candidates``
   through the ASGI app in process (FastAPI's TestClient, so without a network hop).

It prints one JSON object with p50/p95/p99 in milliseconds, the size of the ranked lists and the goal
(p95 under 20 ms for the service call). Nothing asserts on timings.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy import insert, select

PG_ADMIN = os.environ.get("ANXIN_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 11:00 in Hangzhou on a Tuesday


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def build(url: str, *, technicians: int, queued: int, orders: int, seed: int) -> tuple[int, list[int]]:
    from anxin import clock, migrate, wiring
    from anxin.auth import service as auth_service
    from anxin.auth.models import Tenant
    from anxin.catalog import service as catalog_service
    from anxin.customer import service as customer_service
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.demo.names import HANGZHOU
    from anxin.dispatch.core import rules
    from anxin.dispatch.matching import offers
    from anxin.technician.models import Outlet, Technician, TechnicianCertificate, TechnicianSkill
    from anxin.work_order import actions
    from anxin.work_order.models import WorkOrder

    wiring.wire()  # orders are reported and accepted through the real actions, reactions included
    rng = random.Random(seed)
    migrate.upgrade(url)
    engine = make_engine(url)
    trades = [
        ("air_conditioner", "refrigerator"),
        ("washing_machine", "dishwasher"),
        ("water_heater", "gas_stove", "range_hood"),
        ("television", "microwave"),
        ("water_purifier", "water_heater"),
    ]
    districts = HANGZHOU.districts
    weights = [d.weight for d in districts]
    with transaction(make_sessionmaker(engine)) as db, clock.travel(NOW - timedelta(hours=1)):
        tenant = Tenant(slug="bench", name="matching bench", timezone="Asia/Shanghai")
        db.add(tenant)
        db.flush()
        catalog_service.ensure_categories(db, tenant_id=tenant.id)
        brands = [
            catalog_service.create_brand(db, tenant_id=tenant.id, code=c, name_zh=c, name_en=c)
            for c in ("gree", "midea", "haier", "hisense")
        ]
        model = catalog_service.create_product_model(
            db,
            tenant_id=tenant.id,
            brand_id=brands[0].id,
            category_code="air_conditioner",
            model_code="KFR-35GW",
            name="挂机",
            warranty_months=72,
            key_part_months={"compressor": 120},
        )
        outlets = []
        for number, district in enumerate(districts):
            outlet = Outlet(
                tenant_id=tenant.id,
                code=f"O{number}",
                name=district.name,
                kind="own",
                district=district.name,
                lat=district.lat,
                lng=district.lng,
                coverage=[district.name],
            )
            db.add(outlet)
            outlets.append(outlet)
        db.flush()
        agent = auth_service.create_user(
            db, tenant_id=tenant.id, username="agent", password="x" * 8, role="agent"
        )
        dispatcher = auth_service.create_user(
            db, tenant_id=tenant.id, username="dispatcher", password="bench1234", role="dispatcher"
        )
        tech_rows, skill_rows, cert_rows = [], [], []
        first_id = 1
        for index in range(technicians):
            district = rng.choices(districts, weights)[0]
            outlet = outlets[districts.index(district)]
            shift = [("08:00", "17:30"), ("08:30", "18:00"), ("09:00", "18:30"), ("10:00", "19:30")][
                index % 4
            ]
            tech_rows.append(
                {
                    "id": first_id + index,
                    "tenant_id": tenant.id,
                    "outlet_id": outlet.id,
                    "name": f"T{index}",
                    "phone": f"139{index:08d}",
                    "status": "available",
                    "level": "senior",
                    "brands": rng.sample(["gree", "midea", "haier", "hisense"], 2)
                    if rng.random() < 0.25
                    else None,
                    "home_lat": district.lat + rng.uniform(-1, 1) * district.spread,
                    "home_lng": district.lng + rng.uniform(-1, 1) * district.spread * 1.15,
                    "home_area": district.area_type,
                    "daily_capacity": 8,
                    "shift_start": shift[0],
                    "shift_end": shift[1],
                    "break_start": "12:00",
                    "break_end": "13:00",
                    "work_days": [d for d in range(1, 8) if d != 1 + index % 7],
                    "rating": round(min(5.0, rng.gauss(4.7, 0.2)), 2),
                    "rating_count": rng.randint(0, 200),
                    "auto_dispatch": True,
                    "created_at": NOW - timedelta(days=400),
                }
            )
            categories = {c for trade in rng.sample(trades, rng.choice([1, 2])) for c in trade}
            if rng.random() < 0.5:
                categories |= set(trades[0])
            level = rng.choices(["junior", "senior", "master"], [35, 45, 20])[0]
            for category in sorted(categories):
                skill_rows.append(
                    {
                        "tenant_id": tenant.id,
                        "technician_id": first_id + index,
                        "category": category,
                        "service_type": "*",
                        "level": level,
                    }
                )
            needed = set()
            for category in categories:
                needed |= rules.requirement_for(category, "repair").certificates
            for kind in sorted(needed):
                expired = rng.random() < 0.05
                cert_rows.append(
                    {
                        "tenant_id": tenant.id,
                        "technician_id": first_id + index,
                        "kind": kind,
                        "expires_on": date(2025, 1, 1) if expired else date(2028, 1, 1),
                    }
                )
        db.execute(insert(Technician), tech_rows)
        db.execute(insert(TechnicianSkill), skill_rows)
        db.execute(insert(TechnicianCertificate), cert_rows)
        from sqlalchemy import text

        db.execute(
            text("SELECT setval(pg_get_serial_sequence('technician', 'id'), :n)"),
            {"n": first_id + technicians},
        )
        db.flush()

        order_ids = []
        for index in range(orders + 1):
            district = rng.choices(districts, weights)[0]
            address = {
                "province": "浙江省",
                "city": "杭州市",
                "district": district.name,
                "detail": f"测试路{index}号",
                "lat": round(district.lat + rng.uniform(-1, 1) * district.spread, 6),
                "lng": round(district.lng + rng.uniform(-1, 1) * district.spread * 1.15, 6),
                "area_type": district.area_type,
            }
            customer, _ = customer_service.create_or_get(
                db, tenant_id=tenant.id, name=f"客户{index}", phone=f"137{index:08d}", address=address
            )
            from anxin.appliance import service as appliance_service

            appliance = appliance_service.create(
                db,
                tenant_id=tenant.id,
                customer_id=customer.id,
                product_model_id=model.id,
                serial_number=f"SN{index:08d}",
                purchase_date=date(2024, 6, 1),
                purchase_channel="jd",
            )
            created = actions.create_order(
                db,
                actor=agent,
                intake=actions.Intake(
                    customer_id=customer.id,
                    appliance_id=appliance.id,
                    service_type="repair",
                    channel="hotline",
                    fault_description="空调不制冷",
                ),
            ).order
            offers.accept(db, order=created, actor=agent, ctx=actions.Context())
            order_ids.append(created.id)
        template = db.get(WorkOrder, order_ids.pop())  # the last one is the pattern for the queued orders
        columns = {c.key: getattr(template, c.key) for c in WorkOrder.__table__.columns if c.key != "id"}
        queue_rows = []
        for index in range(queued):
            row = dict(columns)
            row.update(
                number=f"WQ{index:08d}",
                status="assigned",
                technician_id=first_id + rng.randrange(technicians),
                assigned_at=NOW - timedelta(hours=2),
                version=1,
            )
            queue_rows.append(row)
        db.execute(insert(WorkOrder), queue_rows)
        tenant_id = tenant.id
        del dispatcher
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as autovacuum would have by now: index-only scans need it
    engine.dispose()
    return tenant_id, order_ids


def stats(samples: list[float]) -> dict:
    return {
        "samples": len(samples),
        "p50_ms": round(percentile(samples, 0.50), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
        "mean_ms": round(statistics.fmean(samples), 2),
    }


def measure(url: str, order_ids: list[int], repeat: int, prefilters: list[int]) -> dict:
    """Service-call latency per prefilter size, the sizes interleaved order by order so that a shared
    machine's load falls on all of them alike; then the HTTP request at the first size."""
    from fastapi.testclient import TestClient

    from anxin import clock
    from anxin.auth.models import User
    from anxin.auth.security import issue_token
    from anxin.config import Settings
    from anxin.database import make_engine, make_sessionmaker
    from anxin.dispatch.matching import live
    from anxin.main import create_app
    from anxin.work_order.models import WorkOrder

    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    service_ms: dict[int, list[float]] = {p: [] for p in prefilters}
    sizes: dict[int, list[int]] = {p: [] for p in prefilters}
    cpu_ms: dict[int, list[float]] = {p: [] for p in prefilters}
    with clock.travel(NOW):
        for _ in range(repeat):
            for order_id in order_ids:
                for prefilter in prefilters:
                    live.PREFILTER = prefilter
                    with sessions() as db:
                        order = db.get(WorkOrder, order_id)
                        started, cpu = time.perf_counter(), time.process_time()
                        _, ranking = live.candidates(db, order=order, now=NOW)
                        service_ms[prefilter].append((time.perf_counter() - started) * 1000)
                        cpu_ms[prefilter].append((time.process_time() - cpu) * 1000)
                        sizes[prefilter].append(len(ranking.candidates))
                        db.rollback()
    live.PREFILTER = prefilters[0]
    settings = Settings(database_url=url, log_json=True, log_level="WARNING")
    http_ms = []
    with TestClient(create_app(settings)) as client, sessions() as db:
        user = db.scalar(select(User).where(User.username == "dispatcher"))
        token = issue_token(
            secret=settings.secret_key, user_id=user.id, tenant_id=user.tenant_id, role=user.role, minutes=60
        )
        headers = {"Authorization": f"Bearer {token}"}
        for order_id in order_ids:
            started = time.perf_counter()
            response = client.get(f"/api/v1/work-orders/{order_id}/candidates", headers=headers)
            http_ms.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
    engine.dispose()
    return {
        "service": {
            str(p): {
                **stats(service_ms[p]),
                "client_cpu_mean_ms": round(statistics.fmean(cpu_ms[p]), 2),
                "candidates_mean": round(statistics.fmean(sizes[p]), 2),
            }
            for p in prefilters
        },
        "http_in_process": {"prefilter": prefilters[0], **stats(http_ms)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--technicians", type=int, default=10_000)
    parser.add_argument("--queued", type=int, default=8_000, help="open orders already on technicians' days")
    parser.add_argument("--orders", type=int, default=200, help="orders to rank")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--prefilter",
        default=None,
        help="comma-separated sizes the database narrows to (default: the product's)",
    )
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    from anxin.dispatch.matching import live

    prefilters = [int(p) for p in args.prefilter.split(",")] if args.prefilter else [live.PREFILTER]
    name = f"anxin_bench_matching_{int(time.time())}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = pg_url(name)
    try:
        started = time.perf_counter()
        tenant_id, order_ids = build(
            url, technicians=args.technicians, queued=args.queued, orders=args.orders, seed=args.seed
        )
        built = time.perf_counter() - started
        result = measure(url, order_ids, args.repeat, prefilters)
    finally:
        if not args.keep_db:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        json.dumps(
            {
                "benchmark": "matching",
                "date": datetime.now(UTC).date().isoformat(),
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "technicians": args.technicians,
                "queued_orders": args.queued,
                "orders_ranked": len(order_ids),
                "build_seconds": round(built, 1),
                **result,
                "goal_p95_under_20ms": result["service"][str(prefilters[0])]["p95_ms"] < 20,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
