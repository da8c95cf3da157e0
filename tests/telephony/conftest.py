"""Relay numbers need a telephony provider, configured by name as a deployment would
(``ANXIN_TELEPHONY_PROVIDER``); none is configured by default."""

from __future__ import annotations

import pytest

from anxin.config import get_settings


@pytest.fixture
def relay_on(monkeypatch):
    """The demo provider configured (numbers of the pool 170…, bridges logged)."""
    monkeypatch.setenv("ANXIN_TELEPHONY_PROVIDER", "demo")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


@pytest.fixture
def relay_off(monkeypatch):
    """No provider configured (the default outside the demo)."""
    monkeypatch.delenv("ANXIN_TELEPHONY_PROVIDER", raising=False)
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
