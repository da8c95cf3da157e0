"""A tenant's quality settings: its own ``quality_policy`` row, or the columns' defaults without one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.feedback.models import QualityPolicy


def for_tenant(db: Session, *, tenant_id: int) -> QualityPolicy:
    """The tenant's row; without one, an unsaved policy holding every column's default."""
    policy = db.scalar(select(QualityPolicy).where(QualityPolicy.tenant_id == tenant_id))
    if policy is not None:
        return policy
    defaults = {
        column.key: column.default.arg
        for column in QualityPolicy.__table__.columns
        if column.default is not None and not callable(column.default.arg)
    }
    return QualityPolicy(tenant_id=tenant_id, **defaults)
