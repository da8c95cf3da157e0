"""``anxin dispatch plan``: plan a day from the command line and print the routes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth import tenant_clock
from anxin.auth.models import Tenant
from anxin.config import get_settings
from anxin.database import make_engine, make_sessionmaker, transaction
from anxin.dispatch.models import DispatchPlan
from anxin.dispatch.planning import plans
from anxin.exceptions import AnxinError
from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder

console = Console()


def plan(
    date: str = typer.Option(..., "--date", help="the tenant's local day, YYYY-MM-DD"),
    area: str | None = typer.Option(None, "--area", help="a district, e.g. 西湖区"),
    outlet_id: int | None = typer.Option(None, "--outlet", help="an outlet id"),
    tenant: str = typer.Option("demo", "--tenant", help="the tenant's slug"),
    seconds: float = typer.Option(5.0, "--seconds", min=0.1, max=600, help="solver time budget"),
    apply: bool = typer.Option(
        False, "--apply", help="assign the planned orders (as the automatic dispatcher)"
    ),
) -> None:
    """Plan a day's routes for a tenant, an area or an outlet, store the plan and print it."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        console.print(f"[red]--date {date!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            found = db.scalar(select(Tenant).where(Tenant.slug == tenant))
            if found is None:
                console.print(f"[red]no tenant {tenant!r}[/red]")
                raise typer.Exit(1)
            with console.status(f"planning {day} …"):
                result = plans.build(
                    db,
                    tenant_id=found.id,
                    day=day,
                    area=area,
                    outlet_id=outlet_id,
                    seconds=seconds,
                    now=clock.now(),
                    trigger="cli",
                    apply=apply,
                )
            print_plan(db, result, tenant_clock.zone(db, found.id))
    except AnxinError as error:
        console.print(f"[red]{error.code}: {error.message('en')}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()


def print_plan(db: Session, plan: DispatchPlan, zone: ZoneInfo) -> None:
    """One table per technician (sequence, order, window, arrival, start, end, km) and the unserved."""
    stats = plan.stats
    scope = plan.area or (f"outlet {plan.outlet_id}" if plan.outlet_id else "whole tenant")
    console.rule(f"Plan #{plan.id} rev {plan.revision} · {plan.plan_date} · {scope}")
    served = f"{stats['served']}/{stats['orders']} orders served"
    crew = f"{stats['technicians_used']}/{stats['technicians']} technicians"
    driving = f"{stats['total_km']} km, {stats['travel_minutes']} min driving"
    console.print(
        f"{served} by {crew} · {driving} · utilisation {stats['utilisation']:.0%} · {plan.solver} {plan.seconds:.2f}s"
    )

    def hhmm(moment: dt.datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment else "–"

    orders = {
        o.id: o
        for o in db.scalars(
            select(WorkOrder).where(
                WorkOrder.id.in_(
                    [s.work_order_id for s in plan.stops] + [u.work_order_id for u in plan.unserved]
                )
            )
        )
    }
    by_tech: dict[int, list] = {}
    for stop in plan.stops:
        by_tech.setdefault(stop.technician_id, []).append(stop)
    for tech_id, stops in sorted(by_tech.items()):
        technician = db.get(Technician, tech_id)
        table = Table(
            title=f"{technician.name if technician else tech_id} (#{tech_id})", title_justify="left"
        )
        for column in ("#", "order", "window", "arrive", "start", "end", "km", "fixed"):
            table.add_column(column)
        for stop in sorted(stops, key=lambda s: s.sequence):
            order = orders.get(stop.work_order_id)
            window = f"{hhmm(order.appointment_start_at)}–{hhmm(order.appointment_end_at)}" if order else "–"
            table.add_row(
                str(stop.sequence),
                order.number if order else str(stop.work_order_id),
                window,
                hhmm(stop.arrive_at),
                hhmm(stop.start_at),
                hhmm(stop.end_at),
                f"{stop.travel_metres / 1000:.1f}",
                "yes" if stop.fixed else "",
            )
        console.print(table)
    if plan.unserved:
        table = Table(title="unserved", title_justify="left")
        for column in ("order", "reason", "message"):
            table.add_column(column)
        for item in plan.unserved:
            order = orders.get(item.work_order_id)
            table.add_row(order.number if order else str(item.work_order_id), item.reason, item.message)
        console.print(table)
    if stats.get("apply_errors"):
        console.print(
            f"[yellow]{len(stats['apply_errors'])} assignments refused: {stats['apply_errors']}[/yellow]"
        )
