"""``anxin triage``: triage a description from the command line, or retrain the model.

    anxin triage "柜机显示E1然后就停了" --json          # against the shipped knowledge base
    anxin triage "空调不制冷" --tenant demo --json     # against a tenant's own (edited) knowledge base
    anxin triage train [--out var/triage-model.joblib]  # learn from the KBs, the labelled set, the labels

The first word picks ``train``; anything else is the text to triage (``ask``)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import typer
from rich.console import Console
from sqlalchemy import select
from typer.core import TyperGroup

from anxin.config import get_settings
from anxin.exceptions import AnxinError

console = Console()
errors = Console(stderr=True)


class _AskByDefault(TyperGroup):
    """A group whose first word is a command's name, or else the text for ``ask``."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands:
            args.insert(0, "ask")
        return super().resolve_command(ctx, args)


triage_app = typer.Typer(
    cls=_AskByDefault,
    help='Triage a fault description (anxin triage "TEXT" --json), or retrain (anxin triage train).',
    no_args_is_help=True,
)


@triage_app.command("ask", hidden=True)
def ask(
    text: str = typer.Argument(..., help="the customer's words"),
    as_json: bool = typer.Option(False, "--json", help="print the answer as JSON"),
    tenant: str | None = typer.Option(
        None, help="a tenant's slug: its knowledge base (default: the shipped one)"
    ),
    category: str | None = typer.Option(None, help="the appliance's category, when known"),
) -> None:
    """Category, fault, confidence, alternatives, self-help, skill and parts for TEXT."""
    from anxin.knowledge import training
    from anxin.knowledge.service import seed_entries
    from anxin.knowledge.triage import SeedView, triage

    try:
        if tenant is None:
            result = triage(
                text, learner=training.learner(), view=SeedView(seed_entries()), category=category
            )
        else:
            result = _in_tenant(tenant, text, category)
    except AnxinError as exc:
        errors.print(f"[red]{exc.code}[/red]: {exc.message('zh')} / {exc.message('en')}")
        raise typer.Exit(2) from None
    answer = result.as_dict()
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False))
        return
    from anxin.knowledge.codes import CATEGORY_NAMES, FAULT_NAMES, CategoryCode, FaultCode

    console.print(
        f"{CATEGORY_NAMES[CategoryCode(result.category)][0]} · {FAULT_NAMES[FaultCode(result.fault)][0]}"
        f"  ({result.confidence:.0%})"
    )
    if result.error_code:
        console.print(
            f"故障代码 {result.error_code['code']}：{result.error_code['meaning'] or '知识库暂无说明'}"
        )
    for step in result.self_help:
        console.print(f"  · {step}")
    console.print(
        f"技能 {result.skill['category']}/{result.skill['service_type']}; 配件 {[p['name'] for p in result.parts]}"
    )


def _in_tenant(slug: str, text: str, category: str | None):
    from anxin.auth.models import Tenant
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.exceptions import NotFound
    from anxin.knowledge import assess

    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            tenant_id = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
            if tenant_id is None:
                raise NotFound("tenant", "租户")
            return assess.assess(db, tenant_id=tenant_id, text=text, category=category)
    finally:
        engine.dispose()


@triage_app.command("train")
def train(
    out: Path | None = typer.Option(None, help="where to write the model (default: var/triage-model.joblib)"),
    as_json: bool = typer.Option(False, "--json", help="print what it learned from as JSON"),
) -> None:
    """Retrain from every tenant's knowledge base, the shipped labelled set, the stored labels (agents'
    corrections and technicians' recorded causes) and older completed orders; prints how many of each it
    used. The app loads the new model on its next triage."""
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.knowledge import training

    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            summary = training.train(db, out=out)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    console.print(f"model written to {summary['path']} ({summary['pairs']} category/fault pairs)")
    for key, words in (
        ("knowledge_examples", "knowledge-base entries' words (知识库)"),
        ("labelled_examples", "shipped labelled descriptions (标注集)"),
        ("correction_examples", "agents' corrections (客服纠正)"),
        ("cause_examples", "technicians' recorded causes (师傅故障原因)"),
        ("order_examples", "older completed orders without a stored label (历史完工单)"),
    ):
        console.print(f"  {summary[key]:>6}  {words}")
