from __future__ import annotations

import pytest

from anxin.telemetry.ingest import CACHE


@pytest.fixture(autouse=True)
def _forget_devices():
    """Each test's appliances are new (their ids may repeat another test's): none remembered across."""
    CACHE.clear()
    yield
    CACHE.clear()
