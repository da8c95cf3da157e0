"""Mainland China mobile numbers: 11 digits starting 13–19, written with or without +86, spaces, dashes."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def normalise_mobile(raw: str) -> str | None:
    """The 11-digit form of a mainland mobile number, or None when ``raw`` is not one."""
    digits = _SEPARATORS.sub("", raw.strip())
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    return digits if _MOBILE.match(digits) else None
