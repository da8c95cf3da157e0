"""The access matrix's and the isolation tests' assistant scene: a conversation of the world's first
customer, handed off to the agents (an agent may take it over and answer)."""

from __future__ import annotations

from anxin.knowledge.assistant_models import AssistantConversation, AssistantMessage


def handed_off(db, world) -> int:
    """A handed-off conversation of ``world``'s customer01 about their refrigerator; its id."""
    conv = AssistantConversation(
        tenant_id=world.tenant.id,
        customer_id=world.customer_id,
        status="handed_off",
        step="agent",
        appliance_id=world.appliance_id,
        description="冰箱不制冷",
    )
    db.add(conv)
    db.flush()
    db.add(
        AssistantMessage(tenant_id=world.tenant.id, conversation_id=conv.id, sender="customer", text="转人工")
    )
    db.flush()
    return conv.id
