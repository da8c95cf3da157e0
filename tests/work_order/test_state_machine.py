"""The state table on its own, then the actions against it on a real database.

Part one reads ``MOVES`` as a graph: which refusal each wrong move meets, that only the final states are
dead ends, that every state can be reached and every open order can still end.

Part two is a hypothesis state machine: each example reports a fresh order and takes random steps
(action, actor), legal and illegal, through ``work_order/actions.py``; after every step the order must
agree with the table and with its own event log.
"""

from __future__ import annotations

from collections import deque
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, inspect, select

from anxin import clock
from anxin.auth.models import User
from anxin.auth.roles import Role
from anxin.dispatch.matching import assignment
from anxin.exceptions import AnxinError
from anxin.pricing import quotes
from anxin.technician.models import Technician
from anxin.work_order import actions
from anxin.work_order.exceptions import (
    ActionForbidden,
    IllegalMove,
    NotYourOrder,
    TooLateForRole,
    UnknownAction,
    VersionConflict,
)
from anxin.work_order.models import WorkOrder, WorkOrderEvent
from anxin.work_order.states import FINAL, MOVES, Status, actions_from, move_for
from tests.conftest import TenantWorld
from tests.helpers import HAPPY_PATH, intake

# --- part one: the table ----------------------------------------------------------------------------


def test_an_unknown_action_is_refused_with_404():
    for role in Role:
        with pytest.raises(UnknownAction) as refused:
            move_for("teleport", Status.CREATED, role)
        assert refused.value.status_code == 404 and refused.value.code == "unknown_action"


def test_a_state_the_move_does_not_start_from_is_409():
    with pytest.raises(IllegalMove) as refused:
        move_for("close", Status.CREATED, Role.QUALITY)
    assert refused.value.status_code == 409
    assert refused.value.details() == {"current": "created", "action": "close"}
    with pytest.raises(IllegalMove):
        move_for("accept", "accepted", "agent")  # plain strings, as read from a row, work the same


def test_a_role_the_move_does_not_name_is_403():
    with pytest.raises(ActionForbidden) as refused:
        move_for("accept", Status.CREATED, Role.TECHNICIAN)
    assert refused.value.status_code == 403
    with pytest.raises(ActionForbidden):
        move_for("approve-quote", "quoted", "technician")  # a technician cannot approve their own quote


def test_a_role_with_narrower_sources_is_409_too_late_where_others_may_still_move():
    with pytest.raises(TooLateForRole) as refused:
        move_for("cancel", Status.EN_ROUTE, Role.CUSTOMER)  # the technician is on the way
    assert refused.value.status_code == 409
    assert move_for("cancel", Status.EN_ROUTE, Role.AGENT) is MOVES["cancel"]
    assert move_for("cancel", Status.ACKNOWLEDGED, Role.CUSTOMER) is MOVES["cancel"]


CODES = {IllegalMove: 409, ActionForbidden: 403, TooLateForRole: 409}


def test_move_for_answers_every_action_state_and_role_by_the_table():
    for action, move in MOVES.items():
        for status in Status:
            for role in Role:
                role_ok, state_ok = role in move.roles, status in move.sources
                if role_ok and status in move.sources_for(role):
                    assert move_for(action, status, role) is move
                    assert move_for(action, status.value, role.value) is move
                    continue
                # when role and state are both wrong either refusal is right; otherwise the one that applies
                if role_ok:
                    expected = (TooLateForRole,) if state_ok else (IllegalMove,)
                else:
                    expected = (ActionForbidden,) if state_ok else (IllegalMove, ActionForbidden)
                with pytest.raises(expected) as refused:
                    move_for(action, status, role)
                assert refused.value.status_code == CODES[type(refused.value)]


def test_actions_from_lists_exactly_the_moves_move_for_allows():
    for status in Status:
        for role in Role:
            allowed = []
            for action in MOVES:
                try:
                    move_for(action, status, role)
                except AnxinError:
                    continue
                allowed.append(action)
            assert actions_from(status, role) == allowed, (status, role)


def test_every_move_is_well_formed():
    columns = {attribute.key for attribute in inspect(WorkOrder).column_attrs}
    for action, move in MOVES.items():
        assert move.action == action
        assert move.sources and move.sources <= set(Status), action
        assert move.target is None or move.target in Status, action
        assert move.roles and move.roles <= set(Role), action
        assert move.stamp is None or move.stamp in columns, (action, move.stamp)
        for role in Role:  # a narrower role starts from a subset of the move's states, never more
            assert move.sources_for(role) <= move.sources, (action, role)


def successors(status: Status) -> set[Status]:
    return {m.target for m in MOVES.values() if status in m.sources and m.target not in (None, status)}


def reachable_from(start: Status) -> set[Status]:
    seen, queue = {start}, deque([start])
    while queue:
        for following in successors(queue.popleft()) - seen:
            seen.add(following)
            queue.append(following)
    return seen


def test_only_closed_and_cancelled_are_final_and_nothing_leaves_them():
    assert {Status.CLOSED, Status.CANCELLED} == FINAL
    for status in FINAL:
        assert [a for a, m in MOVES.items() if status in m.sources] == [], status


def test_every_state_but_the_final_ones_has_a_move_out():
    stuck = [status for status in Status if status not in FINAL and not successors(status)]
    assert stuck == []


def test_every_state_is_reachable_from_created():
    assert reachable_from(Status.CREATED) == set(Status)


def test_every_state_can_still_end_closed_or_cancelled():
    cannot_end = [status for status in Status if not reachable_from(status) & FINAL]
    assert cannot_end == []


# --- part two: random walks through the actions -----------------------------------------------------

# Who acts: the role users of the tenant. "technician" is the one orders are assigned to and "customer"
# the one who reports; the "other_" ones are the same roles who may not act on this order.
ACTORS = (
    "admin",
    "agent",
    "dispatcher",
    "quality",
    "outlet_manager",
    "technician",
    "customer",
    "other_technician",
    "other_customer",
)
ACTIONS = (*MOVES, "teleport")  # and one the table does not know
QUOTE_LINES = [  # typed by hand: the state machine's world has no price book
    {"kind": "other", "description": "上门费", "amount_fen": 5000},
    {"kind": "other", "description": "温控器", "amount_fen": 12000},
]


# How far along its life an order is; the side exits (remote resolution, cancelling) are not progress.
PROGRESS = {
    status: rank
    for rank, statuses in enumerate(
        (
            [Status.CREATED],
            [Status.ACCEPTED],
            [Status.ASSIGNED],
            [Status.ACKNOWLEDGED],
            [Status.EN_ROUTE],
            [Status.ON_SITE],
            [Status.QUOTED],
            [Status.QUOTE_APPROVED],
            [Status.IN_PROGRESS],
            [Status.PENDING_PARTS, Status.CARRIED_IN],
            [Status.COMPLETED],
            [Status.FOLLOWED_UP],
            [Status.CLOSED],
        )
    )
    for status in statuses
} | {Status.RESOLVED_REMOTE: -1, Status.CANCELLED: -1}


def run(db, *, order: WorkOrder, action: str, actor: User, technician: Technician, ctx) -> None:
    """The action as the API route for it calls it (work_order/router.py)."""
    if action == "assign":
        assignment.assign(db, order=order, technician=technician, actor=actor, ctx=ctx)
    elif action == "reject":
        actions.reject(db, order=order, actor=actor, ctx=ctx)
    elif action == "unassign":
        assignment.unassign(db, order=order, actor=actor, ctx=ctx)
    elif action == "appoint":
        start = clock.now() + timedelta(days=1)
        actions.appoint(db, order=order, actor=actor, ctx=ctx, start=start, end=start + timedelta(hours=2))
    elif action == "quote":
        quotes.quote(db, order=order, actor=actor, ctx=ctx, lines=QUOTE_LINES)
    elif action in ("approve-quote", "decline-quote"):
        actions.decide_quote(db, order=order, actor=actor, ctx=ctx, approve=action == "approve-quote")
    elif action == "cancel":
        actions.cancel(db, order=order, actor=actor, ctx=ctx)
    elif action == "carry-in":
        actions.carry_in(db, order=order, actor=actor, ctx=ctx, receipt_no="R-0001", workshop="西湖维修中心")
    else:
        actions.perform(db, order=order, action=action, actor=actor, ctx=ctx)


def machine_for(sessionmaker_, world: TenantWorld) -> type[RuleBasedStateMachine]:
    LEGAL: dict[tuple[Status, int | None], list[tuple[str, str]]] = {}

    class WorkOrderMachine(RuleBasedStateMachine):
        """The model: the order's status, version, event count and technician, moved only by the table."""

        @initialize(head_start=st.integers(0, len(HAPPY_PATH)))
        def report_a_fault(self, head_start):
            # One session per example, never committed: rolled back at teardown, so every example starts
            # from the same tenant and the appliance has no open order left by an earlier example.
            self.db = sessionmaker_()
            self.users = {key: self.db.get(User, user.id) for key, user in world.users.items()}
            self.technician = self.db.get(Technician, world.technician_id)
            created = actions.create_order(self.db, actor=self.users["agent"], intake=intake(world))
            assert created.created, "an earlier example's order leaked into this one"
            self.order = created.order
            self.status, self.version, self.events = Status.CREATED, self.order.version, 1
            self.technician_id = None
            # a head start along the happy path (checked step by step like any other), so that the random
            # steps begin in every state, the late ones too, and not only near "created"
            for actor, action, _ in HAPPY_PATH[:head_start]:
                self.step(action, actor, "none")

        def teardown(self):
            if hasattr(self, "db"):
                self.db.rollback()
                self.db.close()

        # -- what the table and the who-may-act rules say about a step

        def refusals(self, action: str, actor: str, stale: bool) -> set[type[AnxinError]]:
            """Every error that may rightly refuse the step; empty when it must go through."""
            user, move = world.users[actor], MOVES.get(action)  # the plain facts, never reloaded
            if move is None:
                return {UnknownAction}
            errors: set[type[AnxinError]] = set()
            if user.role not in move.roles:
                errors.add(ActionForbidden)
            if self.status not in move.sources:
                errors.add(IllegalMove)
            if user.role == Role.TECHNICIAN and self.technician_id != user.technician_id:
                errors.add(NotYourOrder)
            if user.role == Role.CUSTOMER and user.customer_id != world.customer_id:
                errors.add(NotYourOrder)
            if self.status in move.sources and self.status not in move.sources_for(user.role):
                errors.add(TooLateForRole)  # a role the table lets start from fewer states
            if stale:
                errors.add(VersionConflict)
            return errors

        def legal_steps(self) -> list[tuple[str, str]]:
            key = (self.status, self.technician_id)  # all the refusals depend on
            if key not in LEGAL:
                LEGAL[key] = [(a, who) for who in ACTORS for a in MOVES if not self.refusals(a, who, False)]
            return LEGAL[key]

        # -- the rules

        def forward_steps(self) -> list[tuple[str, str]]:
            """Legal steps further along the life of an order: without a push random walks rarely get
            past the dispatcher, as most steps are refused and the side exits end the walk."""
            return [
                (action, actor)
                for action, actor in self.legal_steps()
                if PROGRESS.get(MOVES[action].target, -1) > PROGRESS[self.status]
            ]

        @precondition(lambda self: bool(self.forward_steps()))
        @rule(data=st.data())
        def move_the_order_on(self, data):
            action, actor = data.draw(st.sampled_from(self.forward_steps()), label="step")
            self.step(action, actor, "none")

        @precondition(lambda self: bool(self.legal_steps()))
        @rule(data=st.data())
        def take_a_legal_step(self, data):
            steps = self.legal_steps()
            action = data.draw(st.sampled_from(sorted({a for a, _ in steps})), label="action")
            actor = data.draw(st.sampled_from([who for a, who in steps if a == action]), label="actor")
            self.step(action, actor, data.draw(st.sampled_from(["none", "current"]), label="version"))

        @precondition(lambda self: self.status not in FINAL)
        @rule(data=st.data(), version=st.sampled_from(["none", "current", "stale"]))
        def try_a_move_of_this_state(self, data, version):
            """State and role are right; the person (not the assigned technician, not the ordering
            customer, a customer too late to cancel) or the version the caller saw may not be."""
            here = sorted(action for action, move in MOVES.items() if self.status in move.sources)
            action = data.draw(st.sampled_from(here), label="action")
            named = [who for who in ACTORS if world.users[who].role in MOVES[action].roles]
            self.step(action, data.draw(st.sampled_from(named), label="actor"), version)

        def too_late_steps(self) -> list[tuple[str, str]]:
            return [
                (action, who)
                for action, move in MOVES.items()
                for who in ACTORS
                if world.users[who].role in move.roles
                and self.status in move.sources
                and self.status not in move.sources_for(world.users[who].role)
            ]

        @precondition(lambda self: bool(self.too_late_steps()))
        @rule(data=st.data())
        def try_a_move_too_late_for_the_role(self, data):
            """A role the table lets start from fewer states than the others (a customer cancelling
            after the technician set off) tries it anyway."""
            action, actor = data.draw(st.sampled_from(self.too_late_steps()), label="step")
            self.step(action, actor, "none")

        @rule(
            action=st.sampled_from(ACTIONS),
            actor=st.sampled_from(ACTORS),
            version=st.sampled_from(["none", "current", "stale"]),
        )
        def try_any_step(self, action, actor, version):
            self.step(action, actor, version)

        def step(self, action: str, actor: str, version: str) -> None:
            db, order, user = self.db, self.order, self.users[actor]
            expected = self.refusals(action, actor, stale=version == "stale")
            seen = {"none": None, "current": self.version, "stale": self.version - 1}[version]
            move = MOVES.get(action)
            ctx = actions.Context(
                version=seen, reason="测试原因" if move and move.requires_reason else None, note=action
            )
            before = (self.status.value, self.version, self.events)
            where = f"{actor} ({world.users[actor].role}) {action} from {self.status} (version {version})"

            savepoint = db.begin_nested()  # the request's transaction: undone when the action raises
            try:
                run(db, order=order, action=action, actor=user, technician=self.technician, ctx=ctx)
            except AnxinError as error:
                assert expected, f"{where} must go through, was refused: {error!r}"
                assert type(error) in expected, f"{where} refused with {error!r}, not one of {expected}"
                # refused before leaving a trace: no move, no version, no event even in the session
                with db.no_autoflush:
                    assert (order.status, order.version) == before[:2], where
                    flushed = self.count_events()
                pending = [o for o in db.new if isinstance(o, WorkOrderEvent)]
                assert flushed == self.events and not pending, f"{where} wrote an event and then refused"
                savepoint.rollback()  # as the request's shell does; the invariant reads what is left
                return
            savepoint.commit()
            assert not expected, f"{where} went through; it should be refused with one of {expected}"

            db.expire(order)  # read what the database now holds, not what the action left in memory
            target = move.target or self.status
            assert (order.status, order.version) == (target.value, self.version + 1), where
            rows = self.event_rows()
            assert len(rows) == self.events + 1, f"{where} did not append exactly one event"
            last = rows[-1]
            assert (last.action, last.from_status, last.to_status, last.actor_id) == (
                action,
                self.status.value,
                target.value,
                user.id,
            ), where
            if move.stamp:
                assert getattr(order, move.stamp) is not None, f"{where} did not stamp {move.stamp}"
            self.status, self.version, self.events = target, self.version + 1, self.events + 1
            event(f"reached {target}")
            if action == "assign":
                self.technician_id = self.technician.id
            elif action in ("reject", "unassign"):
                self.technician_id = None
            assert order.technician_id == self.technician_id, where

        def event_rows(self) -> list[WorkOrderEvent]:
            return self.db.scalars(
                select(WorkOrderEvent)
                .where(WorkOrderEvent.work_order_id == self.order.id)
                .order_by(WorkOrderEvent.id)
            ).all()

        def count_events(self) -> int:
            return self.db.scalar(
                select(func.count())
                .select_from(WorkOrderEvent)
                .where(WorkOrderEvent.work_order_id == self.order.id)
            )

        # -- after every step

        @invariant()
        def the_order_agrees_with_the_model_and_its_event_log(self):
            order = self.order
            status = Status(order.status)  # always a member of Status (raises otherwise)
            assert (status, order.version, order.technician_id) == (
                self.status,
                self.version,
                self.technician_id,
            )
            events = self.event_rows()
            assert len(events) == self.events == order.version  # one event per version, from create on
            first, *rest = events
            assert (first.action, first.from_status, first.to_status) == ("create", None, Status.CREATED)
            # replay the log through the table: each event starts where the one before ended, was a move
            # its actor's role may take from there, and ends where the table says
            replayed = Status(first.to_status)
            for row in rest:
                assert row.from_status == replayed, (row.action, row.from_status, replayed)
                move = move_for(row.action, replayed, row.actor_role)
                replayed = move.target or replayed
                assert row.to_status == replayed, (row.action, row.to_status, replayed)
            assert replayed == status

    return WorkOrderMachine


def test_random_walks_through_the_actions_obey_the_table(sessionmaker_, world):
    run_state_machine_as_test(
        machine_for(sessionmaker_, world.demo),
        settings=settings(
            max_examples=30,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
