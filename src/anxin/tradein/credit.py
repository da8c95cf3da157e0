"""The trade-in credit an installation order may spend: the one question payments asks of trade-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.tradein.models import ACTIVE, TradeInLink


def credit_fen(db: Session, *, tenant_id: int, order_id: int) -> int:
    """Fen of trade-in credit applied to order ``order_id`` (an installation linked to a recycling
    order); 0 when none: no link, a link released (the order cancelled, the credit taken off), or another
    tenant's order. At most one link is active per order (a partial unique index), and its credit is the
    accepted valuation, never more. What of it the customer's bill can absorb (the credit may exceed what
    is payable) is the payer's to decide."""
    total = db.scalar(
        select(func.coalesce(func.sum(TradeInLink.credit_fen), 0)).where(
            TradeInLink.tenant_id == tenant_id,
            TradeInLink.installation_order_id == order_id,
            TradeInLink.status == ACTIVE,
        )
    )
    return int(total or 0)
