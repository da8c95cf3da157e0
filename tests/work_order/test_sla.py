"""SLA clocks as pure functions, then on real orders with time travel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import time_machine

from anxin.work_order import sla
from tests.helpers import act, report, walk

SHANGHAI_NOON = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai


def policy(**changes):
    values = dict(
        respond_minutes=30,
        appointment_minutes=120,
        arrive_urban_minutes=240,
        arrive_suburban_minutes=480,
        complete_minutes=1440,
        at_risk_share=0.25,
        quiet_start="22:00",
        quiet_end="08:00",
        overrides=[],
    )
    values.update(changes)
    return SimpleNamespace(**values)


def limits(area_type="urban", channel="hotline", service_type="repair", **changes):
    return sla.limits_for(
        policy(**changes),
        channel=channel,
        service_type=service_type,
        area_type=area_type,
        timezone="Asia/Shanghai",
    )


def evaluate(now, met=None, paused_seconds=0, paused_since=None, visit_by=None, **limit_args):
    return sla.evaluate(
        reported_at=SHANGHAI_NOON,
        met=met or {},
        limits=limits(**limit_args),
        paused_seconds=paused_seconds,
        paused_since=paused_since,
        now=now,
        visit_by=visit_by,
    )


def states(report_):
    return {clock.name: clock.state for clock in report_.clocks}


def test_a_fresh_report_is_on_track_with_the_response_deadline_first():
    report_ = evaluate(SHANGHAI_NOON + timedelta(minutes=5))
    assert report_.state == sla.SlaState.ON_TRACK
    assert report_.due_at == SHANGHAI_NOON + timedelta(minutes=30)
    assert {c.name: c.due_at - SHANGHAI_NOON for c in report_.clocks} == {
        "respond": timedelta(minutes=30),
        "appointment": timedelta(hours=2),
        "arrive": timedelta(hours=4),
        "complete": timedelta(hours=24),
    }


def test_the_last_quarter_of_a_budget_is_at_risk_and_past_it_is_breached():
    assert evaluate(SHANGHAI_NOON + timedelta(minutes=22)).state == sla.SlaState.ON_TRACK
    assert evaluate(SHANGHAI_NOON + timedelta(minutes=23)).state == sla.SlaState.AT_RISK
    late = evaluate(SHANGHAI_NOON + timedelta(minutes=30))
    assert late.state == sla.SlaState.BREACHED and states(late)["respond"] == "breached"


def test_a_clock_met_late_keeps_the_order_breached():
    met = {"respond": SHANGHAI_NOON + timedelta(minutes=45)}
    report_ = evaluate(SHANGHAI_NOON + timedelta(minutes=50), met=met)
    assert states(report_)["respond"] == "met_late"
    assert report_.state == sla.SlaState.BREACHED and report_.breached


def test_suburban_addresses_get_the_longer_arrival_limit():
    urban = {c.name: c.due_at for c in evaluate(SHANGHAI_NOON).clocks}
    suburban = {c.name: c.due_at for c in evaluate(SHANGHAI_NOON, area_type="suburban").clocks}
    assert suburban["arrive"] - urban["arrive"] == timedelta(hours=4)


def test_the_most_specific_override_wins():
    overrides = [
        {"channel": "ecommerce", "appointment_minutes": 60},
        {"channel": "ecommerce", "service_type": "installation", "appointment_minutes": 30},
        {"service_type": "installation", "appointment_minutes": 90},
    ]
    assert limits(channel="ecommerce", overrides=overrides).minutes["appointment"] == 60
    assert (
        limits(channel="ecommerce", service_type="installation", overrides=overrides).minutes["appointment"]
        == 30
    )
    assert (
        limits(channel="app", service_type="installation", overrides=overrides).minutes["appointment"] == 90
    )
    assert limits(channel="app", overrides=overrides).minutes["appointment"] == 120


def test_a_report_in_quiet_hours_starts_its_clocks_at_eight_in_the_morning():
    eleven_pm = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 23:00 Shanghai
    one_am = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 01:00 Shanghai, the next day
    eight_am = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    assert sla.clock_start(eleven_pm, limits()) == eight_am
    assert sla.clock_start(one_am, limits()) == eight_am
    assert sla.clock_start(SHANGHAI_NOON, limits()) == SHANGHAI_NOON
    # A tenant whose quiet hours do not cross midnight.
    assert sla.clock_start(
        SHANGHAI_NOON, limits(quiet_start="11:00", quiet_end="13:00")
    ) == SHANGHAI_NOON + timedelta(hours=1)


def test_waiting_for_parts_pauses_the_completion_clock_only():
    met = {
        "respond": SHANGHAI_NOON + timedelta(minutes=10),
        "appointment": SHANGHAI_NOON + timedelta(minutes=20),
        "arrive": SHANGHAI_NOON + timedelta(hours=2),
    }
    paused_since = SHANGHAI_NOON + timedelta(hours=3)
    during = evaluate(SHANGHAI_NOON + timedelta(hours=40), met=met, paused_since=paused_since)
    assert states(during)["complete"] == "paused" and during.state == sla.SlaState.ON_TRACK
    # 30 hours in pending_parts, then resumed: the deadline moved by exactly those 30 hours.
    after = evaluate(SHANGHAI_NOON + timedelta(hours=34), met=met, paused_seconds=30 * 3600)
    complete = next(c for c in after.clocks if c.name == "complete")
    assert complete.due_at == SHANGHAI_NOON + timedelta(hours=24 + 30)
    assert complete.state == "on_track"


def test_an_order_reported_over_the_api_turns_at_risk_then_breached_as_time_passes(client, world):
    demo = world.demo
    with time_machine.travel(SHANGHAI_NOON, tick=False) as traveller:
        order = report(client, demo).json()
        assert order["sla_state"] == "on_track"
        assert order["sla_due_at"].startswith("2026-11-23T04:30")

        def listed(state):
            response = client.get(
                f"/api/v1/work-orders?sla_state={state}", headers=demo.headers("dispatcher")
            )
            return [item["id"] for item in response.json()["items"]]

        assert listed("on_track") == [order["id"]] and listed("at_risk") == []
        traveller.shift(timedelta(minutes=25))
        assert listed("at_risk") == [order["id"]]
        traveller.shift(timedelta(minutes=10))
        assert listed("breached") == [order["id"]] and listed("on_track") == []
        detail = client.get(
            f"/api/v1/work-orders/{order['id']}/sla", headers=demo.headers("dispatcher")
        ).json()
        assert detail["state"] == "breached"
        assert [c["state"] for c in detail["clocks"]] == ["breached", "on_track", "on_track", "on_track"]


def test_pending_parts_pauses_the_order_clock_over_the_api(client, world):
    demo = world.demo
    with time_machine.travel(SHANGHAI_NOON, tick=False) as traveller:
        order = report(client, demo).json()
        walk(client, demo, order["id"], until="start")
        waiting = act(
            client, demo, order["id"], "technician", "wait-parts", {"reason": "等压缩机到货"}
        ).json()
        assert waiting["status"] == "pending_parts" and waiting["sla_due_at"] is None
        traveller.shift(timedelta(hours=48))
        resumed = act(client, demo, order["id"], "technician", "resume").json()
        assert resumed["sla_state"] == "on_track"
        # 24 hours of budget plus the 48 hours waiting for parts.
        assert resumed["sla_due_at"].startswith("2026-11-26T04:00")


def test_an_admin_sets_the_tenant_policy_and_new_orders_follow_it(client, world):
    demo = world.demo
    body = {
        "respond_minutes": 15,
        "appointment_minutes": 120,
        "arrive_urban_minutes": 180,
        "arrive_suburban_minutes": 360,
        "complete_minutes": 1440,
        "at_risk_share": 0.2,
        "quiet_start": "21:00",
        "quiet_end": "09:00",
        "overrides": [{"channel": "ecommerce", "appointment_minutes": 60}],
    }
    assert client.put("/api/v1/sla-policy", json=body, headers=demo.headers("dispatcher")).status_code == 403
    saved = client.put("/api/v1/sla-policy", json=body, headers=demo.headers("admin"))
    assert saved.status_code == 200
    (rule,) = saved.json()["overrides"]
    assert (rule["channel"], rule["appointment_minutes"], rule["respond_minutes"]) == ("ecommerce", 60, None)
    with time_machine.travel(SHANGHAI_NOON, tick=False):
        order = report(client, demo).json()
    assert order["sla_due_at"].startswith("2026-11-23T04:15")
    other = client.get("/api/v1/sla-policy", headers=world.acme.headers("admin")).json()
    assert other["respond_minutes"] == 30


def test_a_visit_the_customer_wants_later_moves_arrival_and_completion_back():
    tomorrow_afternoon = SHANGHAI_NOON + timedelta(days=1, hours=4)  # 16:00 the next day
    report_ = evaluate(SHANGHAI_NOON + timedelta(hours=6), visit_by=tomorrow_afternoon)
    due = {c.name: c.due_at for c in report_.clocks}
    waited = tomorrow_afternoon - (SHANGHAI_NOON + timedelta(hours=4))
    assert due["arrive"] == tomorrow_afternoon
    assert due["complete"] == SHANGHAI_NOON + timedelta(hours=24) + waited
    assert due["respond"] == SHANGHAI_NOON + timedelta(minutes=30)
    assert states(report_)["arrive"] == "on_track"
    # A window inside the limit changes nothing.
    soon = evaluate(SHANGHAI_NOON, visit_by=SHANGHAI_NOON + timedelta(hours=3))
    assert {c.name: c.due_at for c in soon.clocks}["arrive"] == SHANGHAI_NOON + timedelta(hours=4)


def test_an_appointment_agreed_for_tomorrow_keeps_the_order_on_track(client, world):
    demo = world.demo
    with time_machine.travel(SHANGHAI_NOON, tick=False) as traveller:
        order = report(client, demo).json()
        walk(client, demo, order["id"], until="acknowledge")
        body = {"start_at": "2026-11-24T06:00:00Z", "end_at": "2026-11-24T08:00:00Z"}
        act(client, demo, order["id"], "technician", "appoint", body)
        traveller.shift(timedelta(hours=8))
        detail = client.get(
            f"/api/v1/work-orders/{order['id']}/sla", headers=demo.headers("dispatcher")
        ).json()
        arrive = next(c for c in detail["clocks"] if c["name"] == "arrive")
        assert arrive["due_at"].startswith("2026-11-24T08:00") and detail["state"] == "on_track"
