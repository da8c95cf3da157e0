"""``anxin telemetry``: the MQTT subscriber, and the storage upkeep the worker also runs."""

from __future__ import annotations

from datetime import timedelta

import typer
from rich.console import Console

from anxin.database import transaction

telemetry_app = typer.Typer(
    help="Telemetry: the MQTT subscriber; partitions, hourly roll-ups and retention.", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)


def _sessions():
    """Sessions on the configured database (``ANXIN_DATABASE_URL``), every table mapped."""
    import anxin.models  # noqa: F401
    from anxin.config import get_settings
    from anxin.database import make_engine, make_sessionmaker

    return make_sessionmaker(make_engine(get_settings().database_url, pre_ping=True), writes=True)


@telemetry_app.command("mqtt")
def mqtt(
    broker: str = typer.Option(
        "mqtt://127.0.0.1:1883", help="mqtt://[user:password@]host[:port] (mqtts:// for TLS)"
    ),
    client_id: str = typer.Option("anxin-telemetry", help="the subscriber's MQTT client id"),
) -> None:
    """Subscribe to anxin/{tenant}/{serial}/telemetry and store each reading through the ingest path
    (the tenant's ingest key in the payload's "key"); runs until interrupted."""
    from anxin.telemetry.mqtt import Subscriber, parse_broker

    try:
        where = parse_broker(broker)
    except ValueError as exc:
        errors.print(f"代理地址无效 / {exc}", markup=False)
        raise typer.Exit(2) from None
    console.print(f"subscribing to anxin/+/+/telemetry on {where.host}:{where.port}")
    try:
        ready = lambda: console.print("subscribed", highlight=False)  # noqa: E731
        Subscriber(where, _sessions(), client_id=client_id, on_ready=ready).run_forever()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        errors.print(f"无法连接 MQTT 代理 / cannot reach the broker: {exc}", markup=False)
        raise typer.Exit(1) from None


@telemetry_app.command("maintain")
def maintain() -> None:
    """Make the monthly partitions ahead (PostgreSQL), roll up the recent hours, drop raw readings past
    retention (what the worker does; safe to repeat)."""
    from anxin.telemetry import storage

    sessions = _sessions()
    done = {}
    with transaction(sessions) as db:
        done["partitions_made"] = storage.ensure_partitions(db)
    with transaction(sessions) as db:
        done["rollup_hours"] = storage.rollup(db).hours
    with transaction(sessions) as db:
        expired = storage.expire(db)
        done["expired_partitions"], done["expired_rows"] = expired.partitions, expired.rows
    console.print(done)


@telemetry_app.command("rollup")
def rollup(
    hours: int = typer.Option(
        0, min=0, max=24 * 3650, help="recompute this many hours back (0: the configured lookback)"
    ),
) -> None:
    """Recompute the hourly roll-ups (min, max, average, count per device, metric and hour)."""
    from anxin.clock import now
    from anxin.telemetry import storage

    since = now() - timedelta(hours=hours) if hours else None
    with transaction(_sessions()) as db:
        rolled = storage.rollup(db, since=since)
    console.print({"rollup_hours": rolled.hours, "since": str(rolled.since), "until": str(rolled.until)})
