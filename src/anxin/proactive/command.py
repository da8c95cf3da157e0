"""``anxin campaign``: run a seasonal campaign, and apply the alert policy now.

    anxin campaign run --kind ac_cleaning [--tenant demo] [--min-run-hours 800]
    anxin campaign alerts [--tenant demo]

Without ``--tenant`` every tenant. Prints the counts as JSON."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from sqlalchemy import select

from anxin import clock
from anxin.auth.models import Tenant
from anxin.database import transaction
from anxin.proactive import campaigns, policy

campaign_app = typer.Typer(
    help="Proactive service: seasonal campaigns and the alert policy.", no_args_is_help=True
)
console = Console()
errors = Console(stderr=True)


def _sessions():
    from anxin.telemetry.command import _sessions as sessions

    return sessions()


def _tenants(db, slug: str | None) -> list[tuple[int, str]]:
    query = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
    if slug:
        query = query.where(Tenant.slug == slug)
    found = list(db.execute(query))
    if slug and not found:
        errors.print(f"没有该租户 / no such tenant: {slug}", markup=False)
        raise typer.Exit(2)
    return found


@campaign_app.command("run")
def run(
    kind: str = typer.Option("ac_cleaning", help="the campaign: ac_cleaning"),
    tenant: str | None = typer.Option(None, help="the tenant's slug (default: every tenant)"),
    min_run_hours: int = typer.Option(
        campaigns.DEFAULT_MIN_RUN_HOURS, min=1, max=200_000, help="run hours from which an AC is due"
    ),
) -> None:
    """Offer the season's service to every appliance due (once per appliance and season, with consent)."""
    if kind not in campaigns.KINDS:
        errors.print(f"没有这种活动 / no such campaign: {kind}", markup=False)
        raise typer.Exit(2)
    sessions = _sessions()
    with transaction(sessions) as db:
        tenants = _tenants(db, tenant)
    done = {}
    for tenant_id, slug in tenants:
        with transaction(sessions) as db:
            found = campaigns.run(db, tenant_id=tenant_id, kind=kind, min_run_hours=min_run_hours)
            done[slug] = {"campaign_id": found.id, **found.counts}
    console.print_json(json.dumps(done))


@campaign_app.command("alerts")
def alerts(tenant: str | None = typer.Option(None, help="the tenant's slug (default: every tenant)")) -> None:
    """Apply the tenant's alert policy to the open alerts not decided yet (the job does it every minute)."""
    sessions = _sessions()
    with transaction(sessions) as db:
        tenants = _tenants(db, tenant)
    done = {}
    for tenant_id, slug in tenants:
        with transaction(sessions) as db:
            done[slug] = policy.apply_pending(db, now=clock.now(), tenant_id=tenant_id)
    console.print_json(json.dumps(done))
