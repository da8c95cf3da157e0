"""``anxin pdm``: train the failure-prediction model on a tenant's own history, and score its devices.

    anxin pdm train --tenant demo [--horizon-hours 168] [--step-days 1]
    anxin pdm score --tenant demo [--threshold 0.5]

The model is written to ``var/pdm/<tenant>.pkl`` (or ``ANXIN_PDM_MODEL``). Too little history to train:
a message in Chinese and English, exit code 3, no traceback."""

from __future__ import annotations

import typer
from rich.console import Console

from anxin.database import transaction

pdm_app = typer.Typer(
    help="Failure prediction: train on the tenant's telemetry and repairs, score its devices.",
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)


def _sessions():
    from anxin.telemetry.command import _sessions as sessions

    return sessions()


def _tenant_id(db, slug: str) -> int:
    from sqlalchemy import select

    from anxin.auth.models import Tenant

    tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
    if tenant_id is None:
        errors.print(f"没有该租户 / no such tenant: {slug}", markup=False)
        raise typer.Exit(2)
    return tenant_id


@pdm_app.command("train")
def train(
    tenant: str = typer.Option(..., help="the tenant's slug"),
    horizon_hours: int = typer.Option(
        168, min=1, max=24 * 90, help="predict a repair within this many hours"
    ),
    step_days: int = typer.Option(1, min=1, max=30, help="one training row per device every so many days"),
) -> None:
    """Learn which devices get a repair (and of which component) within the horizon, from the tenant's
    telemetry roll-ups, error codes, fitted parts and completed repair orders."""
    from anxin.telemetry import pdm

    plan = pdm.Plan(horizon_hours=horizon_hours, step_days=step_days)
    with transaction(_sessions()) as db:
        try:
            bundle = pdm.train(db, tenant_id=_tenant_id(db, tenant), plan=plan)
        except pdm.NotEnoughHistory as exc:
            errors.print(str(exc), markup=False)
            raise typer.Exit(3) from None
    path = pdm.model_path(tenant)
    pdm.save(bundle, path)
    console.print(
        {
            "model": str(path),
            "rows": bundle["rows"],
            "failure_rows": bundle["failure_rows"],
            "classes": bundle["classes"],
        }
    )


@pdm_app.command("score")
def score(
    tenant: str = typer.Option(..., help="the tenant's slug"),
    threshold: float = typer.Option(0.5, min=0.0, max=1.0, help="open an alert at or above this probability"),
) -> None:
    """Rate every device with telemetry in the model's windows (whole days before today, UTC); keep its
    score and open a predicted-failure alert above the threshold (one open alert per device and cause)."""
    from anxin.telemetry import pdm

    path = pdm.model_path(tenant)
    if not path.exists():
        errors.print(f"没有训练好的模型，请先运行 anxin pdm train / no trained model at {path}", markup=False)
        raise typer.Exit(3)
    bundle = pdm.load(path)
    with transaction(_sessions()) as db:
        done = pdm.score(
            db,
            tenant_id=_tenant_id(db, tenant),
            bundle=bundle,
            threshold=threshold,
        )
    console.print({"scored": done.scored, "above_threshold": done.above, "alerts_opened": done.alerts_opened})
