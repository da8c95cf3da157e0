"""The background jobs keep their transactions short: on SQLite one writer holds the whole database, and a
customer's report waits for whatever transaction holds it."""

from __future__ import annotations

from sqlalchemy import event, func, select

from anxin import jobs
from anxin.analytics.models import KpiDaySum


def test_the_dashboard_rollup_stores_each_tenants_day_in_a_transaction_of_its_own(
    sessionmaker_, engine, world
):
    # given the jobs on the test database, two tenants, and a count of the commits made
    commits: list[int] = []

    def counted(_connection) -> None:
        commits.append(1)

    jobs.use(sessionmaker_)
    event.listen(engine, "commit", counted)
    try:
        # when the rollup of the last ten days runs
        result = jobs.kpi_pass(days=10)
    finally:
        event.remove(engine, "commit", counted)
        jobs.use(None)

    # then each tenant's nine settled days were stored (today and yesterday are not settled yet)
    assert result == {"days": 2 * 9}
    with sessionmaker_() as db:
        assert db.scalar(select(func.count(KpiDaySum.day.distinct()))) == 9
    # and each in a transaction of its own, not all in one
    assert len(commits) >= 2 * 9
