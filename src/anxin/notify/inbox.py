"""The in-app inbox: a user reads what was addressed to them ("user:<id>") and, for a customer or a
technician user, to the record they act for ("customer:<id>", "technician:<id>"). Nothing else."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.auth.models import User
from anxin.exceptions import NotFound
from anxin.notify import templates
from anxin.notify.models import InboxItem, OutboxMessage


def addresses(user: User) -> list[str]:
    mine = [f"user:{user.id}"]
    if user.role == "customer" and user.customer_id:
        mine.append(f"customer:{user.customer_id}")
    if user.role == "technician" and user.technician_id:
        mine.append(f"technician:{user.technician_id}")
    return mine


def _mine(user: User):
    return InboxItem.tenant_id == user.tenant_id, InboxItem.recipient.in_(addresses(user))


def items(db: Session, *, user: User, limit: int = 50, unread_only: bool = False) -> list[InboxItem]:
    query = select(InboxItem).where(*_mine(user))
    if unread_only:
        query = query.where(InboxItem.read_at.is_(None))
    return list(db.scalars(query.order_by(InboxItem.id.desc()).limit(limit)))


def unread_count(db: Session, *, user: User) -> int:
    query = select(func.count()).select_from(InboxItem).where(*_mine(user), InboxItem.read_at.is_(None))
    return db.scalar(query) or 0


def mark_read(db: Session, *, user: User, item_id: int) -> InboxItem:
    item = db.scalar(select(InboxItem).where(InboxItem.id == item_id, *_mine(user)))
    if item is None:
        raise NotFound("inbox item", "消息")
    if item.read_at is None:
        item.read_at = clock.now()
        db.flush()
    return item


def in_language(db: Session, found: list[InboxItem], locale: str) -> dict[int, tuple[str, str]]:
    """``{item id: (title, body)}`` of ``found`` in ``locale``: an item keeps the text of the language it
    was delivered in, so the page reading it in another language renders it again from its message (an
    item whose message is gone keeps its own text)."""
    ids = [item.outbox_message_id for item in found if item.outbox_message_id]
    if not ids:
        return {}
    query = select(OutboxMessage).where(
        OutboxMessage.id.in_(ids), OutboxMessage.tenant_id == found[0].tenant_id
    )
    messages = {message.id: message for message in db.scalars(query)}
    texts = {}
    for item in found:
        message = messages.get(item.outbox_message_id)
        if message is not None:
            rendered = templates.render(message.event, message.context, locale)
            texts[item.id] = (rendered.title, rendered.body)
    return texts
