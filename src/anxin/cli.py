"""The ``anxin`` command: database, demo data, server."""

from __future__ import annotations

import contextlib
import os

import typer
from rich.console import Console

from anxin.config import DEMO_SECRET_KEY, PROJECT_ROOT, get_settings

app = typer.Typer(help="Anxin (安心): after-sales service for home appliances.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
users_app = typer.Typer(help="Accounts: end every sign-in of one.", no_args_is_help=True)
app.add_typer(users_app, name="users")
dispatch_app = typer.Typer(
    help="Dispatch: day plans and the sweep of missed acknowledgements.", no_args_is_help=True
)
app.add_typer(dispatch_app, name="dispatch")
contracts_app = typer.Typer(
    help="Contracts: care-plan visits, renewal notices, expiry.", no_args_is_help=True
)
app.add_typer(contracts_app, name="contracts")
settlement_app = typer.Typer(help="Settlement: the outlets' monthly statements.", no_args_is_help=True)
app.add_typer(settlement_app, name="settlement")
console = Console()
errors = Console(stderr=True)

DEMO_LOGINS = [
    ("admin@demo", "管理员 admin"),
    ("agent@demo", "客服 agent"),
    ("dispatcher@demo", "调度 dispatcher"),
    ("quality@demo", "质检 quality"),
    ("tech01@demo", "工程师 technician"),
    ("customer01@demo", "用户 customer"),
    ("admin@acme", "second tenant's admin"),
]


@app.callback()
def _start() -> None:
    """Every command: the platform's reactions to order events are registered before anything runs."""
    from anxin import wiring

    wiring.wire()


def _require_secret() -> None:
    """Refuse to start (exit 2) with the demo's public key or a short one: every signing key is derived
    from it (auth/keys.py)."""
    from anxin.auth import keys

    get_settings.cache_clear()  # the environment as it is now
    problem = keys.problem(get_settings().secret_key)
    if problem is None:
        return
    zh, en = problem
    errors.print(f"拒绝启动：{zh}", markup=False)
    errors.print(f"Refusing to start: {en}", markup=False)
    errors.print(
        "设置 ANXIN_SECRET_KEY 为至少 32 字节的随机值 / set ANXIN_SECRET_KEY to at least 32 random bytes, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(48))'",
        markup=False,
    )
    raise typer.Exit(2)


def _ensure_sqlite_dir(url: str) -> None:
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the configured database (ANXIN_DATABASE_URL) to a revision, the newest by default."""
    from anxin import migrate

    url = get_settings().database_url
    _ensure_sqlite_dir(url)
    migrate.upgrade(url, revision)
    console.print(f"[green]database at {revision}[/green]")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Step the configured database back to a revision (``base`` removes every table)."""
    from anxin import migrate

    migrate.downgrade(get_settings().database_url, revision)
    console.print(f"[yellow]database at {revision}[/yellow]")


@app.command()
def seed(demo: bool = typer.Option(False, "--demo", help="load the demo city")) -> None:
    """Load data into the configured database."""
    if not demo:
        console.print("nothing to load: pass --demo for the demo city")
        raise typer.Exit(1)
    from anxin.database import make_engine, make_sessionmaker, transaction
    from anxin.demo.city import DemoAlreadyLoaded, load_demo_city

    # the demo city's paid order goes through the demo gateway and its invoice through the demo provider
    os.environ.setdefault("ANXIN_PAYMENT_GATEWAY", "demo")
    os.environ.setdefault("ANXIN_INVOICE_PROVIDER", "demo")
    os.environ.setdefault("ANXIN_TELEPHONY_PROVIDER", "demo")  # relay numbers (隐私号) of the pool 170…
    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            summary = load_demo_city(
                db, progress=console, save_models=True, upload_dir=get_settings().upload_dir
            )
    except DemoAlreadyLoaded as exc:
        console.print(f"[yellow]{exc}[/yellow]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    console.print(summary)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = typer.Option(1, min=1),
    reload: bool = False,
    sweep_every: float = typer.Option(
        30.0,
        help="seconds between dispatch sweeps in this process (0 = run `anxin dispatch sweep` elsewhere)",
    ),
    jobs: bool = typer.Option(
        False,
        "--jobs",
        help="run the huey consumer (delivery, sweeps) in this process; replaces --sweep-every",
    ),
) -> None:
    """Serve the API and the pages with Uvicorn. Refuses to start without a secret key of its own."""
    _require_secret()
    _serve(host=host, port=port, workers=workers, reload=reload, sweep_every=sweep_every, jobs=jobs)


def _serve(
    *, host: str, port: int, workers: int, reload: bool, sweep_every: float, jobs: bool, quiet: bool = False
) -> None:
    import uvicorn

    # Links in messages point where this server answers, unless the operator named a public address.
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    os.environ.setdefault("ANXIN_PUBLIC_BASE_URL", f"http://{shown}:{port}")
    get_settings.cache_clear()

    if jobs:
        from anxin import jobs as background

        background.start_in_process(workers=1)
    elif sweep_every > 0:
        from anxin.dispatch import sweeper

        sweeper.start(get_settings().database_url, sweep_every)

    uvicorn.run(
        "anxin.main:served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        access_log=False,
        log_level="warning" if quiet else "info",
    )


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    fresh: bool = typer.Option(False, help="delete the demo database first"),
) -> None:
    """Migrate the embedded SQLite database, load the demo city when it is empty, and serve, signing with
    the demo's public key."""
    url = f"sqlite:///{PROJECT_ROOT / 'var' / 'demo.sqlite3'}"
    os.environ["ANXIN_DATABASE_URL"] = url
    os.environ["ANXIN_SECRET_KEY"] = DEMO_SECRET_KEY  # this process only: the demo's key is public
    os.environ.setdefault("ANXIN_LOG_LEVEL", "WARNING")  # the demo's own log: warnings and errors
    from anxin.observability import configure_logging

    configure_logging(json=False, level=os.environ["ANXIN_LOG_LEVEL"])  # the seed's log too
    # the demo's payment gateway and invoice provider, never configured by default (config.py)
    os.environ.setdefault("ANXIN_PAYMENT_GATEWAY", "demo")
    os.environ.setdefault("ANXIN_INVOICE_PROVIDER", "demo")
    os.environ.setdefault("ANXIN_TELEPHONY_PROVIDER", "demo")  # relay numbers (隐私号) of the pool 170…
    # the links in the messages the seed writes point where this demo answers (not at port 8000)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    os.environ.setdefault("ANXIN_PUBLIC_BASE_URL", f"http://{shown}:{port}")
    get_settings.cache_clear()
    path = PROJECT_ROOT / "var" / "demo.sqlite3"
    if fresh and path.exists():
        path.unlink()
    db_upgrade("head")
    from sqlalchemy import func, select

    from anxin.auth.models import Tenant
    from anxin.database import make_engine
    from anxin.demo.names import DEMO_CUSTOMER_PHONE

    engine = make_engine(url)
    with engine.connect() as connection:
        loaded = connection.scalar(select(func.count()).select_from(Tenant)) > 0
    engine.dispose()
    if loaded:
        console.print("demo city already loaded (use --fresh to start over)")
    else:
        seed(demo=True)
    os.environ.setdefault("ANXIN_DEV_MAILBOX", "1")  # the portal's sign-in codes show on /portal/dev-mailbox
    from anxin.demo import devices

    local = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    running = devices.start(url, base_url=f"http://{local}:{port}")
    # the logins last, and a quiet log after them: warnings and errors only (the messages the demo sends
    # are in each person's inbox, the sign-in codes at /portal/dev-mailbox)
    console.rule("Anxin demo")
    console.print(
        "[yellow]演示密钥：本演示用公开的演示密钥签名，任何人都能伪造登录，切勿对外提供服务。\n"
        "Demo key: this demo signs with the public demo key, with which anyone can forge a sign-in; "
        "never expose it. `anxin serve` needs ANXIN_SECRET_KEY of its own.[/yellow]"
    )
    console.print(running)
    base = f"http://{host}:{port}"
    console.print(f"{base}/console   dispatcher console (staff sign in at {base}/login)")
    console.print(f"{base}/tech      technician app")
    console.print(f"{base}/portal    customer portal (phone + code; codes at {base}/portal/dev-mailbox)")
    console.print(f"{base}/docs      the API  ·  password for every login: [bold]demo1234[/bold]")
    for login, who in DEMO_LOGINS:
        console.print(f"  {login:<18} {who}")
    console.print(
        f"  portal phone {DEMO_CUSTOMER_PHONE}  用户 customer01: 验证码见 {base}/portal/dev-mailbox"
        " (the code shows there); any other phone signs up as a new customer"
    )
    _serve(host=host, port=port, workers=1, reload=False, sweep_every=0, jobs=True, quiet=True)


@app.command()
def worker(
    workers: int = typer.Option(2, min=1, help="worker threads"),
    periodic: bool = typer.Option(True, help="also schedule the periodic jobs (one worker group should)"),
) -> None:
    """Run the huey consumer: outbox delivery, the dispatch and SLA sweeps, follow-up jobs. Refuses to
    start without a secret key of its own (the survey links it sends are signed)."""
    _require_secret()
    from anxin import jobs
    from anxin.observability import configure_logging

    configure_logging(json=get_settings().log_json, level=get_settings().log_level)
    console.print(f"huey consumer: {workers} workers, storage {type(jobs.huey.storage).__name__}")
    jobs.run_worker(workers, periodic=periodic)


def _end_sign_ins(login: str, change) -> None:
    from anxin import clock
    from anxin.auth import accounts
    from anxin.database import make_engine, make_sessionmaker, transaction

    engine = make_engine(get_settings().database_url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            user = accounts.find(db, login=login)
            if user is None:
                errors.print(f"没有这个账号 / no such account: {login}", markup=False)
                raise typer.Exit(1)
            change(db, user, clock.now())
    finally:
        engine.dispose()


@users_app.command("deactivate")
def users_deactivate(login: str = typer.Argument(..., help="name@tenant")) -> None:
    """Deactivate an account: its page sessions and API tokens end (other server processes honour a
    token they verified in the last ANXIN_AUTH_CACHE_SECONDS at most that long)."""
    from anxin.audit.trail import Operator
    from anxin.auth import accounts

    by = Operator(f"anxin users deactivate {login}")
    _end_sign_ins(login, lambda db, user, now: accounts.deactivate(db, user=user, now=now, actor=by))
    console.print(f"{login}: 已停用，所有登录已结束 / deactivated, every sign-in ended")


@users_app.command("password")
def users_password(
    login: str = typer.Argument(..., help="name@tenant"),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Set an account's password: its page sessions and API tokens end."""
    from anxin.audit.trail import Operator
    from anxin.auth import accounts

    if len(password) < 8:
        errors.print("密码至少 8 位 / the password needs at least 8 characters", markup=False)
        raise typer.Exit(1)
    by = Operator(f"anxin users password {login}")
    _end_sign_ins(
        login,
        lambda db, user, now: accounts.set_password(db, user=user, password=password, now=now, actor=by),
    )
    console.print(f"{login}: 密码已更改，所有登录已结束 / password set, every sign-in ended")


def _plan_command():
    from anxin.dispatch.planning.command import plan

    return plan


dispatch_app.command("plan")(_plan_command())


def _simulate_command():
    from anxin.simulation.command import simulate

    return simulate


app.command("simulate", help="Simulate a day of the city: nearest-free habit versus the product's dispatch.")(
    _simulate_command()
)


def _triage_app():
    from anxin.knowledge.command import triage_app

    return triage_app


app.add_typer(_triage_app(), name="triage")


def _telemetry_app():
    from anxin.telemetry.command import telemetry_app

    return telemetry_app


app.add_typer(_telemetry_app(), name="telemetry")


def _pdm_app():
    from anxin.telemetry.pdm_command import pdm_app

    return pdm_app


app.add_typer(_pdm_app(), name="pdm")


def _campaign_app():
    from anxin.proactive.command import campaign_app

    return campaign_app


app.add_typer(_campaign_app(), name="campaign")


@dispatch_app.command("sweep")
def dispatch_sweep(
    every: float = typer.Option(0.0, help="repeat every S seconds (0 = one pass and exit)"),
) -> None:
    """Re-offer orders whose acknowledgement deadline passed and pooled orders nobody claimed."""
    from anxin.dispatch import sweeper

    url = get_settings().database_url
    if every <= 0:
        console.print(vars(sweeper.sweep_once(url)))
        return
    import threading

    console.print(f"sweeping every {every:g} s (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        sweeper.run(url, every, threading.Event())


@contracts_app.command("run")
def contracts_run() -> None:
    """Run the contracts' daily work now: create the care-plan visits due, send renewal notices, expire
    ended contracts (what the worker does every hour; safe to repeat)."""
    from anxin import jobs

    console.print(jobs.contract_pass())


@settlement_app.command("generate")
def settlement_generate(
    month: str = typer.Option("", help="YYYY-MM (default: the month before the tenant's today)"),
) -> None:
    """Generate every tenant's outlet statements of a month: new ones are made, drafts generated again,
    confirmed and disputed ones left as they are (what the worker does on the 2nd; safe to repeat)."""
    from anxin import jobs
    from anxin.exceptions import AnxinError

    try:
        console.print(jobs.settlement_pass(month or None))
    except AnxinError as exc:
        errors.print(f"{exc.message('zh')} / {exc.message('en')}", markup=False)
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
