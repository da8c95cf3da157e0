"""Counting attempts in the database, so every server process sees the same counts.

A ``Counter`` is a rule (how many attempts in how long a sliding window) applied to one key (an account, a
phone and a client address, a tenant). ``wait`` says how long the first full counter still holds.
``record_apart`` counts an attempt under each key in a transaction of its own, committed at once, so the
count stays when the request that made it is rolled back (a refused sign-in raises); ``record`` and
``clear`` write in the caller's transaction, for what is only kept when the request succeeds (a code
sent, a right password forgetting the wrong ones). Keys are kept as HMACs under the ``throttle`` key
(``auth/keys.py``): no phone number or address is stored in clear. Rows older than a day are deleted as
new ones are written.

``record_apart`` writes on a connection of its own: the request's session must write nothing after it
(on SQLite a transaction that read before another connection's commit cannot write any more), which is
why it is only for refusals. Two concurrent attempts may both pass ``wait`` before either is recorded,
so a limit may be exceeded by the number of requests in flight at once."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from anxin.auth import keys
from anxin.auth.models import SignInAttempt

KEEP = timedelta(days=1)  # longer than any rule's window


@dataclass(frozen=True)
class Rule:
    name: str  # what is counted, e.g. ``password.account``; part of the key
    limit: int
    window: timedelta


@dataclass(frozen=True)
class Counter:
    rule: Rule
    key: str  # the stored key: an HMAC of the rule's name and what it counts


def counter(secret: str, rule: Rule, *parts: object) -> Counter:
    """``rule`` counted for ``parts`` (e.g. a tenant id and a phone)."""
    text = "|".join([rule.name, *(str(part) for part in parts)])
    return Counter(rule, keys.digest(secret, keys.Purpose.THROTTLE, text))


def wait(db: Session, counters: Iterable[Counter], now: datetime, *, adding: bool = False) -> int | None:
    """Seconds until every counter is below its limit again; None when none is full. ``adding``: as if
    the attempt about to be recorded at ``now`` were counted already."""
    longest = 0.0
    for item in counters:
        rule = item.rule
        times = [now] if adding else []
        times += db.scalars(
            select(SignInAttempt.at)
            .where(SignInAttempt.key == item.key, SignInAttempt.at > now - rule.window)
            .order_by(SignInAttempt.at.desc())
            .limit(rule.limit)
        )
        if len(times) >= rule.limit:  # full until the oldest of the last ``limit`` leaves the window
            longest = max(longest, (times[rule.limit - 1] + rule.window - now).total_seconds())
    return max(1, math.ceil(longest)) if longest > 0 else None


def _rows(counters: Sequence[Counter], now: datetime) -> list[dict]:
    return [{"key": item.key, "at": now} for item in counters]


def record_apart(db: Session, counters: Sequence[Counter], now: datetime) -> None:
    """Count one attempt under each counter, committed at once on a connection of its own."""
    if not counters:
        return
    with Session(bind=db.get_bind()) as own, own.begin():
        own.execute(insert(SignInAttempt), _rows(counters, now))
        own.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP))


def record(db: Session, counters: Sequence[Counter], now: datetime) -> None:
    """Count one attempt under each counter in the caller's transaction."""
    if counters:
        db.execute(insert(SignInAttempt), _rows(counters, now))
        db.execute(delete(SignInAttempt).where(SignInAttempt.at < now - KEEP))


def clear(db: Session, counters: Sequence[Counter]) -> None:
    """Forget what was counted under ``counters``, in the caller's transaction."""
    if counters:
        db.execute(delete(SignInAttempt).where(SignInAttempt.key.in_([item.key for item in counters])))
