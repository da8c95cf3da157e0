"""Who reacts to order events: every domain's handlers, registered with ``work_order.events`` in one place.

The app factory, the huey workers, the command line and the test suite call ``wire()`` once at start-up;
``events.record`` refuses to run before it. The order below is the order the handlers run in for one
event: the evidence check first (later reactions see its flag), dispatch's last (it may record the next
event, an offer to another technician, whose own reactions then run in turn).

A new domain that reacts to orders (parts, contracts, telemetry) adds its ``handlers.py`` and one line here;
``tests/test_wiring.py`` pins which handlers run for every event type."""

from __future__ import annotations

from anxin.contract import handlers as contract
from anxin.dispatch import handlers as dispatch
from anxin.feedback import handlers as feedback
from anxin.knowledge import handlers as knowledge
from anxin.notify import handlers as notify
from anxin.parts import handlers as parts
from anxin.pricing import report_sections
from anxin.technician import handlers as technician
from anxin.telephony import handlers as telephony
from anxin.tradein import handlers as tradein
from anxin.work_order import events, evidence, report


def wire() -> None:
    """Register every reaction (safe to call again)."""
    events.register("evidence.far_from_address", evidence.flag_far_evidence, on=evidence.CHECKED)
    events.register("technician.follow_position", technician.follow_position, on=technician.FOLLOWED_ON)
    events.register("feedback.survey", feedback.open_survey, on=feedback.SURVEYED)
    events.register("feedback.scorecard", feedback.refresh_scorecards, on=feedback.SCORED)
    events.register("contract.claim_on_create", contract.claim_on_create, on=contract.CLAIMED_ON)
    events.register("knowledge.triage_on_create", knowledge.triage_on_create, on=knowledge.TRIAGED_ON)
    events.register("knowledge.label_on_completion", knowledge.label_on_completion, on=knowledge.LABELLED_ON)
    events.register("notify.order", notify.tell, on=notify.RULES)
    events.register("parts.consume_on_completion", parts.consume_on_completion, on=parts.CONSUMED_ON)
    events.register("parts.release_on_cancellation", parts.release_on_cancellation, on=parts.RELEASED_ON)
    events.register(
        "contract.release_on_cancellation", contract.release_on_cancellation, on=contract.RELEASED_ON
    )
    events.register(
        "tradein.release_on_cancellation", tradein.release_on_cancellation, on=tradein.RELEASED_ON
    )
    events.register("telephony.follow_assignment", telephony.follow_assignment, on=telephony.FOLLOWED_ON)
    events.register(
        "telephony.release_on_unassignment", telephony.release_on_unassignment, on=telephony.RELEASED_ON
    )
    events.register("telephony.wind_down", telephony.wind_down, on=telephony.WOUND_DOWN_ON)
    events.register("dispatch.offer_acknowledged", dispatch.offer_acknowledged, on=("acknowledge",))
    events.register("dispatch.offer_rejected", dispatch.offer_rejected, on=("reject",))
    events.register("dispatch.offer_taken_over", dispatch.offer_taken_over, on=("assign", "unassign"))
    events.register("dispatch.order_ended", dispatch.order_ended, on=("cancel", "resolve-remote"))
    report.add_section("pricing.warranty_and_payment", report_sections.sections)
    events.mark_wired()
