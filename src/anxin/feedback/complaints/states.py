"""The life of a complaint, as one table (the same shape as ``work_order/states.py``). Nothing else decides
which move is legal; ``complaints.py`` checks who among a role may act and what a move must carry."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from anxin.auth.roles import Role
from anxin.feedback.exceptions import ComplaintActionForbidden, ComplaintIllegalMove, UnknownComplaintAction


class Status(StrEnum):
    DRAFT = "draft"  # opened from a low survey score, waiting for quality to register or discard it
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    RESOLVED = "resolved"
    CUSTOMER_CONFIRMED = "customer_confirmed"
    CLOSED = "closed"
    DISCARDED = "discarded"


S = Status
R = Role
DESK = frozenset({R.QUALITY, R.ADMIN})
# Still waiting on the desk: the deadlines run and the sweep reminds and escalates.
OPEN = frozenset({S.REGISTERED, S.ASSIGNED, S.INVESTIGATING})
CATEGORIES = ("attitude", "quality", "price", "timeliness", "parts", "product", "other")
RESPONSIBILITIES = ("technician", "outlet", "product", "parts", "logistics", "customer", "none")
SEVERITIES = ("general", "major")
CHANNELS = ("app", "wechat", "hotline", "partner", "platform", "survey", "web")


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: the complaint stays where it is, the action is only recorded
    roles: frozenset[Role]
    stamp: str | None = None


def _m(action, sources, target, roles, stamp=None) -> Move:
    return Move(action, frozenset(sources), target, frozenset(roles), stamp)


MOVES: dict[str, Move] = {
    m.action: m
    for m in (
        _m("register", {S.DRAFT}, S.REGISTERED, DESK | {R.AGENT}, "registered_at"),
        _m("discard", {S.DRAFT}, S.DISCARDED, DESK),
        _m("assign", {S.REGISTERED, S.ASSIGNED}, S.ASSIGNED, DESK, "assigned_at"),
        _m("investigate", {S.ASSIGNED}, S.INVESTIGATING, DESK, "investigating_at"),
        _m("resolve", {S.INVESTIGATING}, S.RESOLVED, DESK, "resolved_at"),
        _m("confirm", {S.RESOLVED}, S.CUSTOMER_CONFIRMED, {R.CUSTOMER, R.AGENT}, "customer_confirmed_at"),
        # The customer does not accept the resolution: a new round of investigation.
        _m("reopen", {S.RESOLVED}, S.INVESTIGATING, {R.CUSTOMER, R.AGENT}, "reopened_at"),
        _m("close", {S.CUSTOMER_CONFIRMED}, S.CLOSED, DESK, "closed_at"),
        _m("approve-compensation", {S.CLOSED}, None, {R.ADMIN}, "compensation_approved_at"),
    )
}
# Written by the sweep only (never through the API): they record, they do not move.
SYSTEM_ACTIONS = ("create", "remind", "escalate")


def move_for(action: str, current: Status | str, role: Role | str) -> Move:
    """The move ``action`` from ``current`` for ``role``, or the error that refuses it."""
    move = MOVES.get(action)
    if move is None:
        raise UnknownComplaintAction(action=action)
    if role not in move.roles:
        raise ComplaintActionForbidden(action=action, role=role)
    if current not in move.sources:
        raise ComplaintIllegalMove(action=action, current=current)
    return move


def actions_from(current: Status | str, role: Role | str) -> list[str]:
    """The buttons a page shows to ``role`` on a complaint in ``current``."""
    return [m.action for m in MOVES.values() if role in m.roles and current in m.sources]
