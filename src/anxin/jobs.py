"""Background work on huey: SQLite storage under var/ by default, Redis when ``ANXIN_REDIS_URL`` is set,
immediate (inline, in memory) when ``ANXIN_HUEY_IMMEDIATE`` is set or a test sets ``huey.immediate``.

Every job opens its own session and transaction and is safe on two workers at once: delivery claims rows
(SKIP LOCKED / conditional UPDATE), the sweeps write through dedupe keys or skip locked rows. Transactions
stay short, as on SQLite one writer holds the whole database and a customer's report waits for it:
delivery takes one message per transaction, the dashboard's rollup one tenant's day.

Run the consumer with ``anxin worker`` (N worker threads), or in the server process with ``anxin serve
--jobs`` (the demo does)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey
from huey.consumer import Consumer
from sqlalchemy.orm import Session, sessionmaker

import anxin.models  # noqa: F401  (every table: a worker process maps them all)
from anxin import clock, wiring
from anxin.analytics import rollup
from anxin.config import Settings, get_settings
from anxin.contract import schedule as contract_schedule
from anxin.database import make_engine, make_sessionmaker, transaction
from anxin.dispatch.sweeper import one_pass
from anxin.feedback.complaints import sweep as complaint_sweep
from anxin.feedback.followup import surveys as followup
from anxin.notify import sla_watch
from anxin.notify.delivery import deliver_due
from anxin.proactive import campaigns as proactive_campaigns
from anxin.proactive import policy as proactive_policy
from anxin.settlement import statements as settlement_statements
from anxin.telemetry import storage as telemetry_storage
from anxin.telephony import relay as telephony_relay

log = structlog.get_logger("anxin.jobs")
wiring.wire()  # a worker process records order events too


def make_huey(settings: Settings) -> Huey:
    if settings.redis_url:
        return RedisHuey("anxin", url=settings.redis_url, immediate=settings.huey_immediate)
    if not settings.huey_immediate:
        settings.huey_sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("anxin", filename=str(settings.huey_sqlite_path), immediate=settings.huey_immediate)


huey = make_huey(get_settings())

# The database the jobs use: the configured one, or what a test (or the server) installs with ``use``.
_sessions: dict[str, sessionmaker[Session]] = {}
_override: list[sessionmaker[Session]] = []


def use(sessions: sessionmaker[Session] | None) -> None:
    """Run the jobs against ``sessions`` (None: back to ``ANXIN_DATABASE_URL``)."""
    _override.clear()
    if sessions is not None:
        _override.append(sessions)


def sessions() -> sessionmaker[Session]:
    if _override:
        return _override[0]
    url = get_settings().database_url
    if url not in _sessions:
        _sessions[url] = make_sessionmaker(make_engine(url, pre_ping=True), writes=True)
    return _sessions[url]


def _in_transaction(work: Callable[[Session, datetime], Any]) -> Any:
    with transaction(sessions()) as db:
        return work(db, clock.now())


# ---- the jobs, as plain functions (the CLI and the tests call these) ------------------------------------


def deliver_pass(**limits: int) -> dict:
    report = deliver_due(sessions(), settings=get_settings(), **limits)
    if report.claimed:
        log.info("jobs.deliver_outbox", **vars(report))
    return vars(report)


def dispatch_pass() -> dict:
    """The dispatch sweeper's pass: acknowledge timeouts re-dispatched, escalations (which reach the
    dispatchers through the order reactions), slots at risk, re-planning."""
    report = _in_transaction(lambda db, now: one_pass(db))
    return vars(report)


def sla_pass() -> dict:
    return vars(_in_transaction(lambda db, now: sla_watch.sweep(db, now=now)))


def _feedback_jobs() -> list[tuple[str, Callable[[Session, datetime], Any]]]:
    """The quality loop's periodic work: survey invitations, call tasks for unanswered surveys and their
    expiry; complaint reminders and escalation."""
    return [
        ("followup_sweep", lambda db, now: followup.sweep(db, now=now)),
        ("complaint_sweep", lambda db, now: complaint_sweep.sweep(db, now=now)),
    ]


def feedback_pass() -> dict:
    """Follow-up scheduling and complaint reminders: each listed job in its own transaction; one that
    fails is logged and the others still run."""
    done = {}
    for name, work in _feedback_jobs():
        try:
            done[name] = _in_transaction(work)
        except Exception:
            log.exception("jobs.failed", job=name)
            done[name] = "failed"
    return done


def contract_pass() -> dict:
    """Contracts' daily work, each part in its own transaction: care-plan visits due become orders,
    renewal notices go out once, ended contracts expire. Running it twice creates nothing twice."""
    return {
        "visits": _in_transaction(lambda db, now: contract_schedule.create_due_visits(db, now=now)),
        "renewal_notices": _in_transaction(
            lambda db, now: contract_schedule.send_renewal_notices(db, now=now)
        ),
        "expired": _in_transaction(lambda db, now: contract_schedule.expire_ended(db, now=now)),
    }


def settlement_pass(month: str | None = None) -> dict:
    """Every tenant's outlet statements of ``month`` (default: the calendar month before the tenant's
    today), each tenant in a transaction of its own. Idempotent: a draft is generated again, a confirmed
    or disputed statement is left as it is."""
    with transaction(sessions()) as db:
        tenants = settlement_statements.tenant_ids(db)
    made = 0
    for tenant_id in tenants:

        def work(db: Session, now: datetime, tenant_id: int = tenant_id) -> int:
            chosen = month or settlement_statements.last_month(db, tenant_id)
            return len(settlement_statements.generate(db, tenant_id=tenant_id, month=chosen))

        made += _in_transaction(work)
    return {"statements": made}


def kpi_pass(days: int = 45) -> dict:
    """The dashboard's stored days, recomputed for the last ``days`` settled days: surveys, complaints
    and rework orders reach a day after it ended. Each tenant's day in a transaction of its own: a year
    of days in one held SQLite's write lock for seconds (``rollup.recent_days``)."""
    now = clock.now()
    with transaction(sessions()) as db:
        recent = rollup.recent_days(db, now=now, days=days)
    stored = 0
    for tenant_id, timezone, day in recent:
        with transaction(sessions()) as db:
            stored += rollup.refresh(db, tenant_id=tenant_id, timezone=timezone, first=day, last=day, now=now)
    return {"days": stored}


# ---- huey tasks -----------------------------------------------------------------------------------------


def telemetry_pass(*, maintain: bool = False, hours: int | None = None) -> dict:
    """Telemetry's upkeep, each part in its own transaction: the hourly roll-ups of the recent hours
    (``hours`` back, default the configured lookback); with ``maintain`` also the monthly partitions made
    ahead (PostgreSQL) and the raw readings past retention dropped. Safe to repeat."""
    done: dict[str, Any] = {}
    if maintain:
        done["partitions_made"] = _in_transaction(
            lambda db, now: telemetry_storage.ensure_partitions(db, at=now)
        )
    since = None if hours is None else clock.now() - timedelta(hours=hours)
    rolled = _in_transaction(lambda db, now: telemetry_storage.rollup(db, since=since))
    done["rollup_hours"] = rolled.hours
    if maintain:
        expired = _in_transaction(lambda db, now: telemetry_storage.expire(db, at=now))
        done["expired_partitions"], done["expired_rows"] = expired.partitions, expired.rows
    return done


@huey.periodic_task(crontab(minute="*"), retries=0)
def deliver_outbox() -> dict:
    """Every minute, and whenever called (``deliver_outbox()`` enqueues a pass at once). A pass that
    stops with rows still due enqueues the next one, so a backlog drains without waiting for the minute,
    and each minute's pass adds one more in parallel (on another worker thread or process; claims skip
    each other's rows) until it is gone."""
    report = deliver_pass()
    if report["more_due"]:
        follow_up_delivery()
    return report


@huey.task(retries=0)
def follow_up_delivery() -> dict:
    """The next delivery pass of a backlog (``deliver_outbox``)."""
    report = deliver_pass()
    if report["more_due"]:
        follow_up_delivery()
    return report


@huey.periodic_task(crontab(minute="*"), retries=0)
def dispatch_sweep() -> dict:
    return dispatch_pass()


@huey.periodic_task(crontab(minute="*"), retries=0)
def sla_sweep() -> dict:
    return sla_pass()


@huey.periodic_task(crontab(minute="*/5"), retries=0)
def feedback_sweep() -> dict:
    return feedback_pass()


@huey.periodic_task(crontab(minute="7"), retries=0)  # hourly: a visit falls due on the tenant's day
def contract_sweep() -> dict:
    return contract_pass()


@huey.periodic_task(crontab(minute="41", hour="18", day="1"), retries=0)  # 02:41 on the 2nd in China
def settlement_monthly() -> dict:
    """Last month's outlet statements, early on the 2nd (the 1st's closures reviewed by then)."""
    return settlement_pass()


@huey.periodic_task(crontab(minute="*/10"), retries=0)
def kpi_rollup() -> dict:
    return kpi_pass()


@huey.periodic_task(crontab(minute="17", hour="19"), retries=0)  # 03:17 in China (huey's crontab is UTC)
def kpi_rollup_year() -> dict:
    """Once a night, the whole year: a late complaint reaches an old day too."""
    return kpi_pass(days=366)


@huey.periodic_task(crontab(minute="5"), retries=0)
def telemetry_rollup() -> dict:
    """Every hour: the roll-ups of the recent hours (late readings within the lookback counted)."""
    return telemetry_pass()


@huey.periodic_task(crontab(minute="23", hour="18"), retries=0)  # 02:23 in China
def telemetry_maintain() -> dict:
    """Once a night: partitions ahead, retention, and the roll-ups."""
    return telemetry_pass(maintain=True)


def proactive_pass() -> dict:
    """The tenants' alert policies applied to the alerts opened since the last pass (each decided once)."""
    return _in_transaction(lambda db, now: proactive_policy.apply_pending(db, now=now))


def campaign_pass() -> dict:
    """The seasonal campaigns of the tenants in their season (April to June: the AC cleaning offer)."""
    return _in_transaction(lambda db, now: proactive_campaigns.season_pass(db, now=now))


def relay_pass() -> dict:
    """Relay numbers (隐私号): finished orders' numbers released after their grace, open orders' extended
    before they run out, unbinds the provider refused tried again."""
    return _in_transaction(lambda db, now: telephony_relay.sweep(db, now=now))


@huey.periodic_task(crontab(minute="*/10"), retries=0)
def relay_sweep() -> dict:
    return relay_pass()


@huey.periodic_task(crontab(minute="*"), retries=0)
def proactive_alerts() -> dict:
    """Every minute: what each new alert does for the customer (policy and consent)."""
    return proactive_pass()


@huey.periodic_task(crontab(minute="37", hour="2", month="4-6"), retries=0)  # 10:37 in China
def campaign_season() -> dict:
    """Daily in April to June: newly due air conditioners get the cleaning offer (once per season)."""
    return campaign_pass()


PERIODIC = (
    deliver_outbox,
    dispatch_sweep,
    sla_sweep,
    feedback_sweep,
    contract_sweep,
    settlement_monthly,
    kpi_rollup,
    kpi_rollup_year,
    telemetry_rollup,
    telemetry_maintain,
    proactive_alerts,
    campaign_season,
)


# ---- consumers ------------------------------------------------------------------------------------------


class _ThreadConsumer(Consumer):
    """A consumer started from a thread that is not the main one: no signal handlers of its own (the
    server owns them); its worker threads are daemons and end with the process."""

    def _set_signal_handlers(self) -> None:
        pass


def run_worker(workers: int = 2, *, periodic: bool = True) -> None:
    """``anxin worker``: the consumer in the foreground until Ctrl-C or SIGTERM."""
    Consumer(huey, workers=workers, worker_type="thread", periodic=periodic, check_worker_health=True).run()


def start_in_process(workers: int = 1) -> Consumer:
    """Start the consumer's threads in this process (``anxin serve --jobs``); returns it to ``stop()``."""
    consumer = _ThreadConsumer(huey, workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    log.info("jobs.consumer_started", workers=workers, storage=type(huey.storage).__name__)
    return consumer
