"""One-time sign-in codes sent to a phone. A code is sent through the notification channel (a log line
here; an SMS backend later), kept only as a hash, valid for five minutes; a phone may ask once a minute
and five times an hour; five wrong guesses lock the phone for ten minutes. Whose phone it is, and what a
right code signs into, is the caller's (``customer.sign_in`` for the portal)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.auth.models import LoginCode

log = logging.getLogger("anxin.notify")

VALID = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
PER_HOUR = 5
MAX_ATTEMPTS = 5
LOCK = timedelta(minutes=10)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    code: str  # a word key of the pages' i18n


def _hash(secret: str, tenant_id: int, phone: str, code: str) -> str:
    return hashlib.sha256(f"{secret}|{tenant_id}|{phone}|{code}".encode()).hexdigest()


def _locked(db: Session, tenant_id: int, phone: str, now: datetime) -> bool:
    return bool(
        db.scalar(
            select(func.count())
            .select_from(LoginCode)
            .where(LoginCode.tenant_id == tenant_id, LoginCode.phone == phone, LoginCode.locked_until > now)
        )
    )


def request(
    db: Session, *, tenant_id: int, phone: str, secret: str, now: datetime, dev_mailbox: bool, known: bool
) -> Outcome:
    """Make a code for ``phone`` and send it when the phone is ``known`` (an account holder's); the answer
    is the same either way, so a page does not tell strangers whose phone it is."""
    if _locked(db, tenant_id, phone, now):
        return Outcome(False, "otp_locked")
    recent = list(
        db.scalars(
            select(LoginCode.created_at).where(
                LoginCode.tenant_id == tenant_id,
                LoginCode.phone == phone,
                LoginCode.created_at > now - timedelta(hours=1),
            )
        )
    )
    if any(created > now - RESEND_AFTER for created in recent) or len(recent) >= PER_HOUR:
        return Outcome(False, "otp_too_soon")
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
        masked = f"{phone[:3]}****{phone[-4:]}"
        if dev_mailbox:
            log.info("sms to %s: %s", masked, message)
        else:
            log.info("sms sign-in code sent to %s", masked)
    return Outcome(True, "code_sent")


def check(
    db: Session, *, tenant_id: int, phone: str, code: str, secret: str, now: datetime, known: bool
) -> Outcome:
    """Check ``code`` against the phone's newest live code and use it up when right; a phone that is not
    ``known`` never matches. The caller commits even on failure: the counted attempt must stay."""
    if _locked(db, tenant_id, phone, now):
        return Outcome(False, "otp_locked")
    current = db.scalar(
        select(LoginCode)
        .where(
            LoginCode.tenant_id == tenant_id,
            LoginCode.phone == phone,
            LoginCode.used_at.is_(None),
            LoginCode.expires_at > now,
        )
        .order_by(LoginCode.id.desc())
        .limit(1)
    )
    if current is None:
        return Outcome(False, "otp_wrong")
    if not known or not secrets.compare_digest(current.code_hash, _hash(secret, tenant_id, phone, code)):
        current.attempts += 1
        if current.attempts >= MAX_ATTEMPTS:
            current.locked_until = now + LOCK
        db.flush()
        return Outcome(False, "otp_locked" if current.locked_until else "otp_wrong")
    current.used_at = now
    db.flush()
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
