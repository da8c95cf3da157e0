"""The access matrix's knowledge scene: the seed in demo's tenant, and the entry the routes name."""

from __future__ import annotations

from sqlalchemy import select

from anxin.knowledge import service
from anxin.knowledge.models import KnowledgeEntry

ENTRY_FORM = {"title": "矩阵", "symptoms": "矩阵", "duration_minutes": "60", "visit_needed": "true"}


def matrix_scene(db, world) -> int:
    """Load the seed into the world's tenant; the id of its refrigerator "not cooling" entry."""
    service.load_seed(db, tenant_id=world.tenant.id)
    return db.scalar(
        select(KnowledgeEntry.id).where(
            KnowledgeEntry.tenant_id == world.tenant.id,
            KnowledgeEntry.category == "refrigerator",
            KnowledgeEntry.fault == "not_cooling",
        )
    )
