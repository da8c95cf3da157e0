"""The call button to an order's relay number (隐私号) on the customer's and the technician's order pages:
``shown`` is what the pages pass to ``_relay_call.html`` (the live binding while the order is open with
a technician and a telephony provider is configured, else None: no button). The pages read only; the
binding is made on assignment (``telephony.handlers``) or by ``GET /api/v1/work-orders/{id}/relay``."""

from __future__ import annotations

from anxin.auth.models import User
from anxin.dependencies import DbSession
from anxin.telephony import relay
from anxin.web import i18n
from anxin.work_order.models import WorkOrder

i18n.extend(
    {
        "relay_call_technician": ("联系师傅", "Call the technician"),
        "relay_call_customer": ("联系客户", "Call the customer"),
        "relay_hint_customer": (
            "经隐私号 {number} 接通师傅，双方都看不到对方的真实号码",
            "Connects through the relay number {number}; neither of you sees the other's number",
        ),
        "relay_hint_technician": (
            "经隐私号 {number} 接通客户，客户看不到您的手机号",
            "Connects through the relay number {number}; the customer does not see your number",
        ),
    }
)


def shown(db: DbSession, *, user: User, order: WorkOrder) -> relay.Relay | None:
    """The relay the page shows ``user`` for ``order``, or None (no call button)."""
    return relay.shown_for(db, order=order, user=user)
