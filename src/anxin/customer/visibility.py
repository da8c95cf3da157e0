"""Who sees a customer's whole phone number: the rule, written once. Everyone else gets it masked
(``138****1234``, ``anxin.masking``).

| who                        | sees the whole number                                                      |
|----------------------------|----------------------------------------------------------------------------|
| the customer               | their own                                                                  |
| agent                      | always: they are on the phone with customers (intake, callbacks, follow-up |
|                            | calls), and a search by the last digits must show whom they found          |
| dispatcher                 | on an open order, read through it (the order, its console panel): they     |
|                            | arrange the visit and call when it slips; masked on the customer's record  |
|                            | and in the customer list, which they need only to find a person            |
| technician                 | on an order assigned to them while it is open, to call before the visit    |
| outlet manager             | on an open order sent to their outlet; masked on any other                 |
| quality, admin             | never: quality reads scores and complaints, the admin the configuration;   |
|                            | an admin who must hand a customer their data uses the personal-data export |
|                            | (``privacy``), which the audit log records                                 |
| no person (the KPI export, | never: webhook payloads, inbox messages and texts carry no whole number    |
| webhooks, inbox, logs)     | (``notify.outbox`` masks what a context carries), nor does the log         |

The same rule decides whether a free text about the customer (a fault description, a reason, a complaint,
a survey comment) is shown as written or with the phone numbers in it masked (``text_for``).

Callers pass the order the number is read through (``OrderSide``, made by ``work_order.api.side``) where
there is one; without an order only the customer themselves and agents see it whole (a customer's record,
a list, a complaint, a survey). A closed order needs the number no more: after the visit only the agent
calls (the follow-up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from anxin.auth.roles import Role
from anxin.masking import mask_phone, redact_phones

WHOLE_ALWAYS = frozenset({Role.AGENT})


class Viewer(Protocol):
    role: str
    customer_id: int | None
    technician_id: int | None
    outlet_id: int | None


class HasPhone(Protocol):
    id: int
    phone: str


@dataclass(frozen=True)
class OrderSide:
    """What the rule needs of the order a number is read through."""

    open: bool
    technician_id: int | None
    outlet_id: int | None


def sees_phone(viewer: Viewer, *, customer_id: int | None, order: OrderSide | None = None) -> bool:
    """Whether ``viewer`` sees the whole phone number of customer ``customer_id`` (read through ``order``)."""
    role = viewer.role
    if role in WHOLE_ALWAYS:
        return True
    if role == Role.CUSTOMER:
        return customer_id is not None and viewer.customer_id == customer_id
    if order is None or not order.open:
        return False
    if role == Role.TECHNICIAN:
        return viewer.technician_id is not None and order.technician_id == viewer.technician_id
    if role == Role.DISPATCHER:
        return True
    if role == Role.OUTLET_MANAGER:
        return viewer.outlet_id is not None and order.outlet_id == viewer.outlet_id
    return False


def phone_for(viewer: Viewer, customer: HasPhone, *, order: OrderSide | None = None) -> str:
    """The customer's number as ``viewer`` may see it: whole or ``138****1234``."""
    if sees_phone(viewer, customer_id=customer.id, order=order):
        return customer.phone
    return mask_phone(customer.phone)


def text_for(
    viewer: Viewer, text: str | None, *, customer_id: int | None, order: OrderSide | None = None
) -> str | None:
    """A free text about the customer as ``viewer`` may read it: as written, or with the phone numbers
    written in it masked."""
    if sees_phone(viewer, customer_id=customer_id, order=order):
        return text
    return redact_phones(text)
