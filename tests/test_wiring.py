"""Which reactions run for each kind of order event. Adding, losing or doubling a reaction changes this
table, so it cannot happen unnoticed; a new domain's handlers are added here with their wiring."""

from __future__ import annotations

import pytest

from anxin import wiring
from anxin.work_order import events
from anxin.work_order.states import MOVES

SURVEY, SCORE, NOTIFY, EVIDENCE = (
    "feedback.survey",
    "feedback.scorecard",
    "notify.order",
    "evidence.far_from_address",
)
POSITION = "technician.follow_position"

EXPECTED: dict[str, list[str]] = {
    # the moves of the state table
    "accept": [NOTIFY],
    "assign": [SCORE, NOTIFY, "telephony.follow_assignment", "dispatch.offer_taken_over"],
    "acknowledge": ["dispatch.offer_acknowledged"],
    "unassign": [SCORE, "telephony.release_on_unassignment", "dispatch.offer_taken_over"],
    "reject": ["telephony.release_on_unassignment", "dispatch.offer_rejected"],
    "appoint": [],
    "depart": [POSITION, NOTIFY],
    "arrive": [EVIDENCE, POSITION, SCORE, NOTIFY],
    "quote": [NOTIFY],
    "approve-quote": [],
    "decline-quote": [],
    "start": [],
    "wait-parts": [],
    "resume": [],
    "complete": [
        EVIDENCE,
        POSITION,
        SURVEY,
        SCORE,
        "knowledge.label_on_completion",
        NOTIFY,
        "parts.consume_on_completion",
        "telephony.wind_down",
    ],
    "follow-up": [],
    "close": [],
    "cancel": [
        SCORE,
        NOTIFY,
        "parts.release_on_cancellation",
        "contract.release_on_cancellation",
        "tradein.release_on_cancellation",
        "telephony.wind_down",
        "dispatch.order_ended",
    ],
    "resolve-remote": [SURVEY, "telephony.wind_down", "dispatch.order_ended"],
    "carry-in": [],
    # events that record without moving the state
    "create": ["contract.claim_on_create", "knowledge.triage_on_create", NOTIFY],
    "add-photo": [],
    "pool-open": [],
    "claim": [],
    "escalate": [NOTIFY],
    "send-to-outlet": [],
    "transfer-outlet": [],
    "request-return": [],
    "decide-return": [],
    "slot_at_risk": [],
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_event_type_runs_exactly_its_handlers_in_order(action):
    assert events.handlers_for(action) == EXPECTED[action]


def test_every_move_of_the_state_table_is_pinned():
    assert set(MOVES) <= set(EXPECTED)


def test_no_handler_listens_for_an_event_nobody_records():
    for registration in events.registrations():
        assert registration.actions <= set(EXPECTED), registration.name


def test_wiring_twice_registers_nothing_twice():
    before = [r.name for r in events.registrations()]
    wiring.wire()
    assert [r.name for r in events.registrations()] == before


def test_another_handler_under_a_taken_name_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        events.register(NOTIFY, lambda db, happened: None, on=("create",))
    assert events.handlers_for("create") == EXPECTED["create"]
