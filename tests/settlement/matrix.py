"""The objects the access matrix's settlement rows name (tests/test_access_matrix.py): a pending closure
review of the world's outlet, a draft statement of last month for it, and two fee rules (one the API's
routes change and remove, one the pages')."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from anxin.settlement.models import ClosureReview, FeeRule, Statement
from tests.conftest import TenantWorld
from tests.settlement.support import last_month

__all__ = ["SettlementScene", "last_month", "matrix_scene"]


@dataclass
class SettlementScene:
    review_id: int = 0
    statement_id: int = 0
    rules: dict[str, int] = field(default_factory=dict)  # "api", "page"

    def rule_for(self, path: str) -> int:
        return self.rules["page" if path.startswith("/console") else "api"]


def matrix_scene(db: Session, world: TenantWorld, *, order_id: int) -> SettlementScene:
    tenant_id = world.tenant.id
    review = ClosureReview(
        tenant_id=tenant_id,
        work_order_id=order_id,
        outlet_id=world.outlet_id,
        status="pending",
        submitted_by_id=world.users["outlet_manager"].id,
    )
    statement = Statement(tenant_id=tenant_id, outlet_id=world.outlet_id, month=last_month(), status="draft")
    rules = {
        key: FeeRule(tenant_id=tenant_id, kind="urgent", priority="urgent", amount_fen=100)
        for key in ("api", "page")
    }
    db.add_all([review, statement, *rules.values()])
    db.flush()
    return SettlementScene(
        review_id=review.id, statement_id=statement.id, rules={key: rule.id for key, rule in rules.items()}
    )
