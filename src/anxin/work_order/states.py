"""The life of a work order, as one table. Nothing else in the code decides which move is legal.

Each ``Move`` names its action (the URL verb), the states it may start from, the state it ends in (None:
the order stays where it is, the action is only recorded), the roles that may take it and the timestamp
column it stamps. Who *among* a role may act (the assigned technician, the ordering customer) is checked
by ``actions.py``; which moves exist is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from anxin.auth.roles import Role
from anxin.work_order.exceptions import ActionForbidden, IllegalMove, TooLateForRole, UnknownAction


class Status(StrEnum):
    CREATED = "created"
    ACCEPTED = "accepted"
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    EN_ROUTE = "en_route"
    ON_SITE = "on_site"
    QUOTED = "quoted"
    QUOTE_APPROVED = "quote_approved"
    IN_PROGRESS = "in_progress"
    PENDING_PARTS = "pending_parts"
    COMPLETED = "completed"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    RESOLVED_REMOTE = "resolved_remote"
    CARRIED_IN = "carried_in"
    CANCELLED = "cancelled"


S = Status
R = Role

# Orders in these states are finished: no SLA clock runs and no new duplicate check meets them.
FINAL = frozenset({S.CLOSED, S.CANCELLED})
DONE = frozenset({S.COMPLETED, S.FOLLOWED_UP, S.CLOSED, S.RESOLVED_REMOTE})
OPEN = frozenset(Status) - DONE - {S.CANCELLED}
# The SLA clocks stop while the order waits on parts or on the customer's decision about a quote.
PAUSED = frozenset({S.PENDING_PARTS, S.QUOTED})

FRONT_DESK = frozenset({R.AGENT, R.DISPATCHER, R.ADMIN})
DISPATCH = frozenset({R.DISPATCHER, R.OUTLET_MANAGER, R.ADMIN})
TECH = frozenset({R.TECHNICIAN})
BEFORE_VISIT = frozenset({S.CREATED, S.ACCEPTED, S.ASSIGNED, S.ACKNOWLEDGED})


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[Status]
    target: Status | None
    roles: frozenset[Role]
    stamp: str | None = None
    requires_reason: bool = False
    # Roles that may take the move from fewer states than the others (a customer may cancel only
    # before the technician sets off).
    narrower: tuple[tuple[Role, frozenset[Status]], ...] = ()

    def sources_for(self, role: Role | str) -> frozenset[Status]:
        return next((sources for who, sources in self.narrower if who == role), self.sources)


def _m(action, sources, target, roles, stamp=None, requires_reason=False, narrower=()) -> Move:
    narrower = tuple((role, frozenset(states)) for role, states in narrower)
    return Move(action, frozenset(sources), target, frozenset(roles), stamp, requires_reason, narrower)


MOVES: dict[str, Move] = {
    m.action: m
    for m in (
        _m("accept", {S.CREATED}, S.ACCEPTED, FRONT_DESK, "accepted_at"),
        _m("assign", {S.ACCEPTED, S.ASSIGNED, S.ACKNOWLEDGED}, S.ASSIGNED, DISPATCH, "assigned_at"),
        _m("acknowledge", {S.ASSIGNED}, S.ACKNOWLEDGED, TECH, "acknowledged_at"),
        # The dispatcher (or the auto-dispatcher after missed acknowledgements) takes an order back.
        _m("unassign", {S.ASSIGNED, S.ACKNOWLEDGED}, S.ACCEPTED, DISPATCH, requires_reason=True),
        _m("reject", {S.ASSIGNED, S.ACKNOWLEDGED}, S.ACCEPTED, TECH, "rejected_at", requires_reason=True),
        _m(
            "appoint",
            {S.ACCEPTED, S.ASSIGNED, S.ACKNOWLEDGED},
            None,
            FRONT_DESK | DISPATCH | TECH | {R.CUSTOMER},
            "appointed_at",
        ),
        _m("depart", {S.ACKNOWLEDGED}, S.EN_ROUTE, TECH, "en_route_at"),
        _m("arrive", {S.EN_ROUTE}, S.ON_SITE, TECH, "on_site_at"),
        _m("quote", {S.ON_SITE, S.QUOTED}, S.QUOTED, TECH, "quoted_at"),
        _m("approve-quote", {S.QUOTED}, S.QUOTE_APPROVED, {R.CUSTOMER, R.AGENT}, "quote_approved_at"),
        _m("decline-quote", {S.QUOTED}, S.ON_SITE, {R.CUSTOMER, R.AGENT}, "quote_declined_at"),
        _m("start", {S.QUOTE_APPROVED}, S.IN_PROGRESS, TECH, "in_progress_at"),
        _m("wait-parts", {S.IN_PROGRESS}, S.PENDING_PARTS, TECH, "pending_parts_at", requires_reason=True),
        _m("resume", {S.PENDING_PARTS}, S.IN_PROGRESS, TECH | DISPATCH, "resumed_at"),
        _m("complete", {S.IN_PROGRESS, S.CARRIED_IN}, S.COMPLETED, TECH, "completed_at"),
        _m(
            "follow-up",
            {S.COMPLETED, S.RESOLVED_REMOTE},
            S.FOLLOWED_UP,
            {R.AGENT, R.QUALITY},
            "followed_up_at",
        ),
        _m("close", {S.FOLLOWED_UP}, S.CLOSED, {R.AGENT, R.QUALITY, R.ADMIN}, "closed_at"),
        _m(
            "cancel",
            BEFORE_VISIT | {S.EN_ROUTE, S.ON_SITE, S.QUOTED},
            S.CANCELLED,
            FRONT_DESK | {R.CUSTOMER},
            "cancelled_at",
            requires_reason=True,
            narrower=((R.CUSTOMER, BEFORE_VISIT),),
        ),
        _m("resolve-remote", BEFORE_VISIT, S.RESOLVED_REMOTE, {R.AGENT, R.TECHNICIAN}, "resolved_remote_at"),
        _m("carry-in", {S.ON_SITE, S.QUOTE_APPROVED, S.IN_PROGRESS}, S.CARRIED_IN, TECH, "carried_in_at"),
    )
}


def move_for(action: str, current: Status | str, role: Role | str) -> Move:
    """The move ``action`` from ``current`` for ``role``, or the domain error that refuses it."""
    move = MOVES.get(action)
    if move is None:
        raise UnknownAction(action=action)
    if role not in move.roles:
        raise ActionForbidden(action=action, role=role)
    if current not in move.sources:
        raise IllegalMove(action=action, current=current)
    if current not in move.sources_for(role):
        raise TooLateForRole(action=action, current=current, role=role)
    return move


def actions_from(current: Status | str, role: Role | str) -> list[str]:
    """What ``role`` could do next from ``current``: the buttons a page shows."""
    return [m.action for m in MOVES.values() if role in m.roles and current in m.sources_for(role)]
