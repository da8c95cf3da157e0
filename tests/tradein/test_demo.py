"""The demo city's trade-in: every tenant has a valuation table the API's own rules accept; in the demo
tenant customer01's completed recycling order is linked to their installation order with the credit
applied, which payments reads through ``credit_fen``."""

from __future__ import annotations

from sqlalchemy import select

from anxin import clock
from anxin.auth.models import Tenant, User
from anxin.demo.tradein import TOP_YUAN, grid
from anxin.tradein import records, valuation
from anxin.tradein.credit import credit_fen
from anxin.tradein.models import TradeIn, TradeInLink
from anxin.tradein.schemas import CategoryRatesWrite
from anxin.work_order.models import WorkOrder
from tests.demo_city import ANCHOR


def test_the_demo_grids_are_ones_the_api_accepts():
    for category, top in TOP_YUAN.items():
        cells = [{"age_band": b, "condition": c, "value_fen": fen} for b, c, fen in grid(top)]
        CategoryRatesWrite.model_validate({"category": category.value, "rates": cells})
        valuation._checked_grid(grid(top))  # never worth more older or worse


def test_the_demo_city_links_customer01s_recycling_and_installation_orders(engine, demo_city, sessionmaker_):
    demo_city.restore(engine)
    with clock.travel(ANCHOR), sessionmaker_() as db:
        demo = db.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        acme = db.scalar(select(Tenant.id).where(Tenant.slug == "acme"))
        # every tenant values every category
        for tenant in (demo, acme):
            assert len(valuation.tables(db, tenant_id=tenant)) == len(TOP_YUAN)
        # customer01's old refrigerator, valued and accepted, its recycling order completed
        customer = db.scalar(select(User).where(User.tenant_id == demo, User.username == "customer01"))
        (trade_in,) = db.scalars(select(TradeIn).where(TradeIn.tenant_id == demo)).all()
        recycling = db.get(WorkOrder, trade_in.recycling_order_id)
        assert recycling.customer_id == customer.customer_id and recycling.status == "completed"
        assert (trade_in.status, trade_in.condition, trade_in.age_band) == ("accepted", "fair", "9_plus")
        assert trade_in.value_fen == 7000 + 20000  # ¥500 × 20% (9+ years) × 70% (fair), plus the ¥200 subsidy
        # its credit on their open installation order, seen from both orders
        (link,) = db.scalars(select(TradeInLink).where(TradeInLink.tenant_id == demo)).all()
        installation = db.get(WorkOrder, link.installation_order_id)
        assert installation.service_type == "installation" and installation.status == "acknowledged"
        assert credit_fen(db, tenant_id=demo, order_id=installation.id) == trade_in.value_fen
        assert records.for_order(db, order=recycling).installation.id == installation.id
        assert records.for_order(db, order=installation).state.value == "applied"
        assert db.scalars(select(TradeIn).where(TradeIn.tenant_id == acme)).all() == []
