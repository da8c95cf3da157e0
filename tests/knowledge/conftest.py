from __future__ import annotations

import pytest

from anxin.knowledge import service


@pytest.fixture
def kb(world, sessionmaker_):
    """The shipped seed in both tenants' knowledge bases."""
    with sessionmaker_() as db:
        added = {
            name: service.load_seed(db, tenant_id=w.tenant.id)
            for name, w in (("demo", world.demo), ("acme", world.acme))
        }
        db.commit()
    return added
