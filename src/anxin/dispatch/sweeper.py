"""Run the dispatch sweep on a timer: in a thread of ``anxin serve`` (the demo) or as ``anxin dispatch
sweep --every S`` beside the API processes. Each pass is its own transaction; two sweepers at once are safe
(``offers.sweep`` skips rows another one holds)."""

from __future__ import annotations

import threading

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import Tenant
from anxin.database import make_engine, make_sessionmaker, transaction
from anxin.dispatch.matching import offers
from anxin.dispatch.planning import rolling
from anxin.dispatch.slots import risk

log = structlog.get_logger(__name__)


def one_pass(db: Session, *, tenant_id: int | None = None) -> offers.SweepReport:
    """Missed acknowledgements and expired pools, booked slots that can no longer be kept, and today's
    plans that no longer fit the day (re-planned): of every tenant, or of ``tenant_id``."""
    report = offers.sweep(db, tenant_id=tenant_id)
    now = clock.now()
    tenants = [tenant_id] if tenant_id is not None else list(db.scalars(select(Tenant.id)))
    for each in tenants:
        report.slots_at_risk += len(risk.flag_slots_at_risk(db, tenant_id=each, now=now))
    report.replanned = len(rolling.replan_stale(db, now=now, tenant_id=tenant_id))
    return report


def sweep_once(url: str) -> offers.SweepReport:
    engine = make_engine(url)
    try:
        with transaction(make_sessionmaker(engine)) as db:
            return one_pass(db)
    finally:
        engine.dispose()


def run(url: str, every: float, stop: threading.Event) -> None:
    """Sweep every ``every`` seconds until ``stop`` is set; a failed pass is logged and the next one runs."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        while not stop.wait(every):
            try:
                with transaction(sessions) as db:
                    report = one_pass(db)
                if report.timeouts or report.pool_fallbacks or report.slots_at_risk or report.replanned:
                    log.info("dispatch.sweep", **vars(report))
            except Exception:  # keep sweeping: one bad pass must not stop the dispatcher
                log.exception("dispatch.sweep_failed")
    finally:
        engine.dispose()


def start(url: str, every: float) -> threading.Event:
    """Start the sweeper in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(target=run, args=(url, every, stop), name="dispatch-sweeper", daemon=True).start()
    return stop
