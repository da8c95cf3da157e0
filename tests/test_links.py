"""Links and money as a person reads them: one builder of absolute links from the public address (which
``anxin serve`` takes from the port it serves on), one formatter of fen."""

from __future__ import annotations

import pytest

from anxin import cli, links, money
from anxin.config import get_settings


@pytest.fixture
def served(monkeypatch):
    """``anxin serve`` up to the point where Uvicorn would start."""
    monkeypatch.delenv("ANXIN_PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("ANXIN_SECRET_KEY", "a-strong-key-for-this-test-only-0123456789abcdef")
    get_settings.cache_clear()
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    yield lambda **options: cli.serve(
        **{"workers": 1, "reload": False, "sweep_every": 0, "jobs": False, **options}
    )
    get_settings.cache_clear()


def test_links_point_at_the_port_the_server_answers_on(served, monkeypatch):
    served(host="127.0.0.1", port=8123)
    assert links.portal_order(5) == "http://127.0.0.1:8123/portal/orders/5"
    assert links.site_path("http://127.0.0.1:8123/tech/orders/5") == "/tech/orders/5"
    assert links.site_path("http://example.com/tech/orders/5") is None


def test_an_address_the_operator_named_wins(served, monkeypatch):
    monkeypatch.setenv("ANXIN_PUBLIC_BASE_URL", "https://service.example.cn/")
    served(host="0.0.0.0", port=8123)
    assert links.console_order(7) == "https://service.example.cn/console?order=7"


def test_all_interfaces_and_ipv6_give_a_usable_address(served, monkeypatch):
    served(host="::1", port=8200)
    assert links.base() == "http://[::1]:8200"


@pytest.mark.parametrize(
    ("fen", "text"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (12345, "¥123.45"),
        (123456789, "¥1,234,567.89"),
        (-150, "¥-1.50"),
        (None, "¥0.00"),
    ],
)
def test_fen_read_as_yuan(fen, text):
    assert money.yuan(fen) == text
    assert money.yuan(fen, symbol=False) == text.removeprefix("¥")


@pytest.mark.parametrize(
    ("typed", "fen"), [("", 0), ("80", 8000), (" 80.5 ", 8050), ("0.01", 1), ("100000", 10_000_000)]
)
def test_yuan_typed_become_fen(typed, fen):
    assert money.parse_yuan(typed) == fen


@pytest.mark.parametrize("typed", ["abc", "NaN", "Infinity", "1e999", "80.555", "1,000"])
def test_what_is_not_an_amount_is_refused(typed):
    with pytest.raises(ValueError):
        money.parse_yuan(typed)


@pytest.mark.parametrize("typed", ["-1", "100000.01"])
def test_an_amount_out_of_range_says_so(typed):
    with pytest.raises(money.AmountOutOfRange):
        money.parse_yuan(typed)
