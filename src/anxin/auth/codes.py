"""One-time sign-in codes sent to a phone. A code is sent through the notification channel (a log line
here; an SMS backend later), kept only as an HMAC under the ``login-code`` key (``auth/keys.py``), valid for
five minutes. How often a phone, a client or a tenant may ask, and how many wrong guesses lock whom, is
``auth/limits.py``'s: a wrong guess never spends a code, so a stranger's guesses cannot void the code the
customer is about to type. Whose phone it is, and what a right code signs into, is the caller's
(``customer.sign_in`` for the portal)."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from anxin import database
from anxin.auth import keys
from anxin.auth.models import LoginCode
from anxin.masking import mask_phone

log = logging.getLogger("anxin.notify")

VALID = timedelta(minutes=5)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str  # a word key of the pages' i18n


def _hash(secret: str, tenant_id: int, phone: str, code: str) -> str:
    return keys.digest(secret, keys.Purpose.LOGIN_CODE, f"{tenant_id}|{phone}|{code}")


def request(
    db: Session, *, tenant_id: int, phone: str, secret: str, now: datetime, dev_mailbox: bool, known: bool
) -> Outcome:
    """Make a code for ``phone`` and send it when the phone is ``known`` (an account holder's); the answer
    is the same either way, so a page does not tell strangers whose phone it is."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    message = f"【安心服务】您的登录验证码是 {code}，5 分钟内有效。"
    db.add(
        LoginCode(
            tenant_id=tenant_id,
            phone=phone,
            code_hash=_hash(secret, tenant_id, phone, code),
            created_at=now,
            expires_at=now + VALID,
            attempts=0,
            dev_message=message if dev_mailbox else None,
        )
    )
    db.flush()
    if known:
        masked = mask_phone(phone)
        if dev_mailbox:
            log.info("sms to %s: %s", masked, message)
        else:
            log.info("sms sign-in code sent to %s", masked)
    return Outcome(True, "code_sent")


def check(
    db: Session, *, tenant_id: int, phone: str, code: str, secret: str, now: datetime, known: bool
) -> Outcome:
    """Whether ``code`` is one of the phone's live codes; a right one uses up every live code of the
    phone. A phone that is not ``known`` never matches. A wrong code writes nothing (the caller counts
    it)."""
    live = (
        LoginCode.tenant_id == tenant_id,
        LoginCode.phone == phone,
        LoginCode.used_at.is_(None),
        LoginCode.expires_at > now,
    )
    match = db.scalar(
        select(LoginCode.id)
        .where(*live, LoginCode.code_hash == _hash(secret, tenant_id, phone, code))
        .limit(1)
    )
    if match is None or not known:
        return Outcome(False, "otp_wrong")
    database.write_from_here(db)
    if db.scalar(select(LoginCode.id).where(LoginCode.id == match, *live)) is None:
        return Outcome(False, "otp_wrong")  # used by a request that wrote first
    db.execute(update(LoginCode).where(*live).values(used_at=now))
    return Outcome(True, "signed_in")


def mailbox(db: Session, *, tenant_id: int, limit: int = 20) -> list[LoginCode]:
    """The latest messages kept for the dev mailbox page."""
    return list(
        db.scalars(
            select(LoginCode)
            .where(LoginCode.tenant_id == tenant_id, LoginCode.dev_message.is_not(None))
            .order_by(LoginCode.id.desc())
            .limit(limit)
        )
    )
