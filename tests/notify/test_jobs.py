"""Background work on huey: the periodic jobs run (immediate mode), and a real Redis queue with a consumer
runs a delivery."""

from __future__ import annotations

import os
from datetime import datetime

import pytest
from huey import RedisHuey
from sqlalchemy import func, select

from anxin import jobs
from anxin.analytics.models import KpiDaySum
from anxin.notify.models import OutboxMessage
from anxin.notify.outbox import Recipient, enqueue


@pytest.fixture
def on_test_database(sessionmaker_):
    jobs.use(sessionmaker_)
    yield
    jobs.use(None)


@pytest.fixture
def immediate(on_test_database):
    jobs.huey.immediate = True
    yield jobs.huey
    jobs.huey.immediate = False


def a_message(sessionmaker_, tenant_id: int) -> int:
    with sessionmaker_() as db:
        [message_id] = enqueue(
            db,
            tenant_id=tenant_id,
            event="technician.suspended",
            to=[Recipient("sms", "13900000001")],
            context={"technician": "王师傅", "reason": "投诉"},
            dedupe_key="technician.suspended:1",
        )
        db.commit()
        return message_id


def status_of(sessionmaker_, message_id: int) -> tuple[str, int]:
    with sessionmaker_() as db:
        row = db.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id)).one()
        return row.status, row.attempts


def test_the_periodic_jobs_are_scheduled_every_minute():
    periodic = {task.name for task in jobs.huey._registry.periodic_tasks}
    assert {"deliver_outbox", "dispatch_sweep", "sla_sweep", "feedback_sweep"} <= periodic
    assert jobs.deliver_outbox.s().validate_datetime(datetime(2026, 12, 1, 9, 17))
    assert not jobs.feedback_sweep.s().validate_datetime(datetime(2026, 12, 1, 9, 17))


def test_the_periodic_jobs_run_in_immediate_mode(immediate, sessionmaker_, world):
    # given a message waiting in the outbox
    message_id = a_message(sessionmaker_, world.demo.tenant.id)
    # when huey runs the delivery job (immediate mode: at once, in this thread)
    jobs.deliver_outbox()
    # then it was sent
    assert status_of(sessionmaker_, message_id) == ("sent", 1)
    # and the sweeps run through huey too, each reporting what it did
    for task in (jobs.dispatch_sweep, jobs.sla_sweep, jobs.feedback_sweep):
        task()
    assert set(jobs.dispatch_sweep.call_local()) >= {"timeouts", "slots_at_risk", "replanned"}
    assert jobs.sla_sweep.call_local() == {"at_risk": 0, "breached": 0}
    assert set(jobs.feedback_sweep.call_local()) == {"followup_sweep", "complaint_sweep"}
    # and the dashboard's stored days are recomputed: the 44 settled days (ended over a day ago) of
    # the last 45, for both tenants
    assert jobs.kpi_rollup.call_local() == {"days": 2 * 44}
    with sessionmaker_() as db:
        assert db.scalar(select(func.count()).select_from(KpiDaySum).where(KpiDaySum.dim == "total")) == 88


def test_a_backlog_drains_pass_after_pass_without_waiting_for_the_minute(
    immediate, sessionmaker_, world, monkeypatch
):
    # given more messages due than one pass sends (here a pass is two batches of two)
    with sessionmaker_() as db:
        for n in range(9):
            enqueue(
                db,
                tenant_id=world.demo.tenant.id,
                event="technician.suspended",
                to=[Recipient("inbox", f"user:{n}")],
                context={},
                dedupe_key=f"backlog:{n}",
            )
        db.commit()
    passes = []
    small = jobs.deliver_due

    def small_passes(sessions, **kwargs):
        report = small(sessions, **{**kwargs, "batch": 2, "max_batches": 2})
        passes.append(report.claimed)
        return report

    monkeypatch.setattr(jobs, "deliver_due", small_passes)
    # when the minute's delivery job runs once
    first = jobs.deliver_outbox.call_local()
    # then it stopped with rows due, and the passes it started sent the rest
    assert first["more_due"] and first["sent"] == 4
    assert passes == [4, 4, 1]
    with sessionmaker_() as db:
        statuses = db.scalars(
            select(OutboxMessage.status).where(OutboxMessage.dedupe_key.startswith("backlog:"))
        )
        assert set(statuses) == {"sent"}


def test_a_task_on_a_real_redis_queue_runs_in_a_consumer(on_test_database, sessionmaker_, world):
    url = os.environ.get("ANXIN_TEST_REDIS_URL")
    if not url:
        pytest.skip("ANXIN_TEST_REDIS_URL is not set (.ci/run sets it): no Redis to run the queue on")
    queue = RedisHuey("anxin-test", url=url)
    queue.flush()

    @queue.task()
    def deliver() -> dict:
        return jobs.deliver_pass()

    message_id = a_message(sessionmaker_, world.demo.tenant.id)
    result = deliver()  # enqueued in Redis, nothing ran yet
    assert queue.pending_count() == 1
    assert status_of(sessionmaker_, message_id) == ("pending", 0)
    consumer = jobs._ThreadConsumer(queue, workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        assert result.get(blocking=True, timeout=60)["sent"] == 1
    finally:
        consumer.stop(graceful=True)
        queue.flush()
    assert status_of(sessionmaker_, message_id) == ("sent", 1)


def test_the_queue_is_sqlite_by_default_and_redis_when_a_url_is_set(tmp_path):
    from huey import SqliteHuey

    from anxin.config import Settings

    local = jobs.make_huey(Settings(huey_sqlite_path=tmp_path / "q" / "huey.sqlite3"))
    assert isinstance(local, SqliteHuey) and (tmp_path / "q").is_dir()
    assert isinstance(jobs.make_huey(Settings(redis_url="redis://127.0.0.1:6379/15")), RedisHuey)
    assert jobs.make_huey(Settings(huey_immediate=True, huey_sqlite_path=tmp_path / "x.db")).immediate
