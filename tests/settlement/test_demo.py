"""The demo city's settlement: fee rules, last month's closures approved (some after a rejection), last
month's statement of every outlet with work (one confirmed, the others awaiting their manager), and this
month's queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from anxin.database import make_sessionmaker
from anxin.settlement.models import ClosureReview, ClosureReviewEvent, FeeRule, Statement, TechnicianPay
from tests.conftest import _empty
from tests.demo_city import ANCHOR, tenant_id


@pytest.fixture(scope="module")
def city(engine, demo_city):
    demo_city.restore(engine)
    yield make_sessionmaker(engine), demo_city.summary
    _empty(engine)


def test_the_demo_settles_last_month(city):
    factory, _ = city
    with factory() as db:
        demo = tenant_id(db, "demo")
        assert db.scalar(select(func.count()).select_from(FeeRule).where(FeeRule.tenant_id == demo)) >= 10
        statuses = dict(
            db.execute(
                select(ClosureReview.status, func.count())
                .where(ClosureReview.tenant_id == demo)
                .group_by(ClosureReview.status)
            ).all()
        )
        assert statuses.get("approved", 0) > 5 and statuses.get("pending", 0) >= 1
        # some were rejected, then fixed and approved
        fixed = db.scalar(
            select(func.count())
            .select_from(ClosureReview)
            .where(
                ClosureReview.tenant_id == demo, ClosureReview.status == "approved", ClosureReview.round == 2
            )
        )
        assert fixed >= 1
        assert (
            db.scalar(
                select(func.count())
                .select_from(ClosureReviewEvent)
                .where(ClosureReviewEvent.action == "reject")
            )
            >= 1
        )
        last_month = (ANCHOR.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        found = db.scalars(
            select(Statement).where(Statement.tenant_id == demo).order_by(Statement.outlet_id)
        ).all()
        assert len(found) >= 2
        assert {s.month for s in found} == {last_month}
        assert [s.status for s in found].count("confirmed") == 1
        assert found[0].status == "draft"  # outlet01's awaits its manager
        for statement in found:
            assert (
                statement.orders > 0 and statement.total_fen == statement.fees_fen + statement.deductions_fen
            )
            assert statement.total_fen == sum(line.amount_fen for line in statement.lines)
        assert db.scalar(select(func.count()).select_from(TechnicianPay)) > 0
