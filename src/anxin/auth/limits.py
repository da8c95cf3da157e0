"""The sign-in throttles: how many wrong passwords, wrong codes and codes sent each key may have in its
window (counted by ``auth/throttle.py`` in the database, so every process sees them).

Each limit counts per account (or phone) *and client address* first, with a much higher ceiling for the
account from every client together: a stranger who guesses wrong from their own address locks only
themselves out, while guessing from many addresses is still bounded. Per client address, a ceiling across
accounts stops one address from trying many. One-time codes also have a budget per tenant and hour
(``ANXIN_OTP_HOURLY_BUDGET``). Unknown accounts and phones are counted like known ones, so a refusal
tells nothing about who exists. A right password or code forgets the account's (phone's) count from that
client."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from anxin.auth import throttle
from anxin.auth.exceptions import TooManyAttempts
from anxin.auth.throttle import Counter, Rule

MINUTE = timedelta(minutes=1)
QUARTER = timedelta(minutes=15)
HOUR = timedelta(hours=1)

# Wrong passwords (the API's token and the staff sign-in page alike).
PASSWORD_ACCOUNT_CLIENT = Rule("password.account_client", 5, QUARTER)
PASSWORD_ACCOUNT = Rule("password.account", 50, QUARTER)
PASSWORD_CLIENT = Rule("password.client", 100, QUARTER)
# One-time codes asked for.
CODE_SENT_PHONE_CLIENT_MINUTE = Rule("code.sent.phone_client.minute", 1, MINUTE)
CODE_SENT_PHONE_CLIENT = Rule("code.sent.phone_client", 5, HOUR)
CODE_SENT_PHONE = Rule("code.sent.phone", 20, HOUR)
CODE_SENT_CLIENT = Rule("code.sent.client", 30, HOUR)
CODE_SENT_TENANT = "code.sent.tenant"  # its limit is the setting
# Wrong codes.
CODE_WRONG_PHONE_CLIENT = Rule("code.wrong.phone_client", 5, timedelta(minutes=10))
CODE_WRONG_PHONE = Rule("code.wrong.phone", 30, HOUR)
CODE_WRONG_CLIENT = Rule("code.wrong.client", 50, HOUR)


def _hold(db: Session, counters: list[Counter], now: datetime) -> None:
    seconds = throttle.wait(db, counters, now)
    if seconds is not None:
        raise TooManyAttempts(retry_after=seconds)


# -- passwords ----------------------------------------------------------------------------------------------


def _password_counters(secret: str, login: str, client: str) -> list[Counter]:
    return [
        throttle.counter(secret, PASSWORD_ACCOUNT_CLIENT, login, client),
        throttle.counter(secret, PASSWORD_ACCOUNT, login),
        throttle.counter(secret, PASSWORD_CLIENT, client),
    ]


def before_password(db: Session, *, secret: str, login: str, client: str, now: datetime) -> None:
    """Refuse (``TooManyAttempts``) while a password throttle of ``login`` from ``client`` holds."""
    _hold(db, _password_counters(secret, login, client), now)


def _count_wrong(db: Session, counters: list[Counter], now: datetime) -> None:
    """Count a refused attempt in a transaction of its own; refuse at once when it was the last allowed."""
    seconds = throttle.wait(db, counters, now, adding=True)
    throttle.record_apart(db, counters, now)
    if seconds is not None:
        raise TooManyAttempts(retry_after=seconds)


def password_wrong(db: Session, *, secret: str, login: str, client: str, now: datetime) -> None:
    """Count a wrong password; refuse at once when that was the last one allowed."""
    _count_wrong(db, _password_counters(secret, login, client), now)


def password_right(db: Session, *, secret: str, login: str, client: str) -> None:
    """Forget the account's wrong passwords from this client (in the caller's transaction)."""
    throttle.clear(db, _password_counters(secret, login, client)[:1])


# -- one-time codes ---------------------------------------------------------------------------------------


def _sent_counters(secret: str, budget: int, tenant_id: int, phone: str, client: str) -> list[Counter]:
    return [
        throttle.counter(secret, CODE_SENT_PHONE_CLIENT_MINUTE, tenant_id, phone, client),
        throttle.counter(secret, CODE_SENT_PHONE_CLIENT, tenant_id, phone, client),
        throttle.counter(secret, CODE_SENT_PHONE, tenant_id, phone),
        throttle.counter(secret, CODE_SENT_CLIENT, client),
        throttle.counter(secret, Rule(CODE_SENT_TENANT, budget, HOUR), tenant_id),
    ]


def code_requested(
    db: Session, *, secret: str, budget: int, tenant_id: int, phone: str, client: str, now: datetime
) -> None:
    """Count a code asked for ``phone`` from ``client``, or refuse (``TooManyAttempts``) when a limit holds:
    once a minute and five an hour per phone and client, twenty an hour per phone, thirty an hour per
    client, ``budget`` an hour per tenant. Counted in the caller's transaction, with the code."""
    counters = _sent_counters(secret, budget, tenant_id, phone, client)
    _hold(db, counters, now)
    throttle.record(db, counters, now)


def _wrong_counters(secret: str, tenant_id: int, phone: str, client: str) -> list[Counter]:
    return [
        throttle.counter(secret, CODE_WRONG_PHONE_CLIENT, tenant_id, phone, client),
        throttle.counter(secret, CODE_WRONG_PHONE, tenant_id, phone),
        throttle.counter(secret, CODE_WRONG_CLIENT, client),
    ]


def before_code(db: Session, *, secret: str, tenant_id: int, phone: str, client: str, now: datetime) -> None:
    """Refuse while a wrong-code throttle of ``phone`` from ``client`` holds: five wrong codes lock that
    phone on that client for ten minutes; thirty from anywhere lock the phone for the hour."""
    _hold(db, _wrong_counters(secret, tenant_id, phone, client), now)


def code_wrong(db: Session, *, secret: str, tenant_id: int, phone: str, client: str, now: datetime) -> None:
    """Count a wrong code; refuse at once when that was the last one allowed."""
    _count_wrong(db, _wrong_counters(secret, tenant_id, phone, client), now)


def code_right(db: Session, *, secret: str, tenant_id: int, phone: str, client: str) -> None:
    """Forget the phone's wrong codes from this client (in the caller's transaction)."""
    throttle.clear(db, _wrong_counters(secret, tenant_id, phone, client)[:1])
