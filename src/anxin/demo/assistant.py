"""The demo city's service assistant: a chat the assistant could not read and handed to the agents,
waiting in the console's "转人工的对话" for an agent to take it over."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.knowledge.assistant_models import AssistantConversation, AssistantMessage
from anxin.knowledge.assistant_words import WORDS

LINES = (
    ("customer", "一开机家里的总闸就跳了，试了几次都这样"),
    ("assistant", WORDS["unsure"][0]),
)


def load(db: Session, *, tenant_id: int) -> int:
    """One handed-off conversation, of the tenant's second customer with an appliance; how many."""
    owners = db.execute(
        select(Appliance.customer_id, Appliance.id)
        .where(Appliance.tenant_id == tenant_id)
        .order_by(Appliance.customer_id, Appliance.id)
    ).all()
    customers = list(dict.fromkeys(customer for customer, _ in owners))
    if len(customers) < 2:
        return 0
    appliance_id = next(a for c, a in owners if c == customers[1])
    conv = AssistantConversation(
        tenant_id=tenant_id,
        customer_id=customers[1],
        status="handed_off",
        step="agent",
        appliance_id=appliance_id,
        description=LINES[0][1],
    )
    db.add(conv)
    db.flush()
    for sender, text in LINES:
        db.add(AssistantMessage(tenant_id=tenant_id, conversation_id=conv.id, sender=sender, text=text))
    db.flush()
    return 1
