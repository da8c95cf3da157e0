"""Money is integer fen (分) everywhere; this module is the one place it becomes text and text becomes
fen, without floating point."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


class AmountOutOfRange(ValueError):
    """A well-formed amount outside what the caller accepts."""


def yuan(fen: int | None, *, symbol: bool = True) -> str:
    """``¥1,234.56`` (``1,234.56`` without the symbol); None is zero."""
    fen = fen or 0
    whole, cents = divmod(abs(fen), 100)
    text = f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"
    return f"¥{text}" if symbol else text


def parse_yuan(text: str, *, most: int = 100_000) -> int:
    """Yuan as a person types them (``80``, ``80.5``, ``80.55``) to fen; empty is zero. ``ValueError`` for
    something else or more than two decimals, ``AmountOutOfRange`` for a negative amount or more than
    ``most`` yuan."""
    text = (text or "").strip()
    if not text:
        return 0
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    if value < 0 or value > most:
        raise AmountOutOfRange(f"amount out of range: {text!r}")
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(fen)
