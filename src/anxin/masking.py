"""The one way a personal value is shortened for someone who does not need it whole: a phone number to
``138****1234``, a name to ``张*``, and phone numbers written inside free text (a fault description, a
complaint, a survey comment, a message's context) to their masked form.

Infrastructure: it knows no role and no record. Who sees a customer's whole number is decided in one place,
``customer/visibility.py``; this module only says what the masked form is. It is also what the outbox
(webhook payloads, inbox messages, texts), the logs and the audit log use, so none of them keeps a number in
clear that a person wrote into a text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# A mainland mobile number as people write it inside text: 13812345678, 138 1234 5678, 138-1234-5678,
# +86 138… The digits may not run on into letters or more digits (an order number, a signed token).
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Keys of a message's context that are links the receiver must be able to follow as written.
UNTOUCHED_KEYS = frozenset({"link"})


def mask_phone(phone: str | None) -> str:
    """``138****1234`` for an 11-digit mobile number; anything else (an erased customer's placeholder,
    nothing) is given back as it is, since it says nothing about a person."""
    if not phone:
        return ""
    if _MOBILE.match(phone):
        return f"{phone[:3]}****{phone[-4:]}"
    return phone


def mask_name(name: str | None) -> str:
    """The first character and one ``*`` per other character, at most three: ``张*``, ``欧阳**``."""
    if not name:
        return ""
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


def redact_phones(text: str | None) -> str | None:
    """``text`` with every mobile number written in it masked (``138****1234``); None stays None."""
    if not text:
        return text
    return _IN_TEXT.sub(lambda match: f"{match[1]}****{match[3]}", text)


def redact(value: Any) -> Any:
    """``value`` with the phone numbers in its texts masked, through dicts and lists (a message's context);
    the values of ``UNTOUCHED_KEYS`` stay as they are."""
    if isinstance(value, str):
        return redact_phones(value)
    if isinstance(value, Mapping):
        return {k: (v if k in UNTOUCHED_KEYS else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value
