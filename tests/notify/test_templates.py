"""Texts in Chinese and English for every event the platform sends; an unknown event never crashes."""

from __future__ import annotations

import pytest

from anxin.notify.templates import TEMPLATES, render

REQUIRED = [
    "work_order.accepted",
    "work_order.assigned",
    "work_order.en_route",
    "work_order.arrived",
    "work_order.quoted",
    "work_order.completed",
    "work_order.escalated",
    "sla.at_risk",
    "sla.breached",
    "survey.invite",
    "survey.call_task",
    "complaint.registered",
    "complaint.reminder",
    "complaint.escalated",
    "evidence.far_from_address",
    "technician.suspended",
    "technician.penalty",
    "technician.suspended_notice",
    "technician.reinstated",
    "penalty.appeal_filed",
    "penalty.appeal_decided",
    "penalty.appeal_upheld",
    "penalty.appeal_overturned",
]


@pytest.mark.parametrize("event", REQUIRED)
def test_each_event_has_a_chinese_and_an_english_text(event):
    assert set(TEMPLATES[event]) == {"zh", "en"}
    zh, en = render(event, {"number": "WO1"}, "zh"), render(event, {"number": "WO1"}, "en")
    assert zh.title and zh.body and en.title and en.body
    assert zh.body != en.body


def test_the_context_fills_the_text_in_the_recipients_language():
    context = {"number": "WO20261201-0001", "technician": "王师傅", "eta": "14:30", "eta_en": "14:30"}
    zh = render("work_order.en_route", context, "zh")
    en = render("work_order.en_route", context, "en-US")
    assert zh.body == "服务师傅王师傅已出发，预计 14:30 到达。"
    assert en.body == "Technician 王师傅 is on the way; arriving about 14:30."
    window = {
        "number": "W1",
        "technician": "王师傅",
        "window": "明天 14:00–16:00",
        "window_en": "tomorrow 14:00–16:00",
    }
    assert (
        render("work_order.en_route", window, "zh").body
        == "服务师傅王师傅已出发，将在预约时段 明天 14:00–16:00 内上门。"
    )


def test_an_unknown_arrival_leaves_its_sentence_out_and_a_code_reads_as_its_name():
    unknown = render("work_order.en_route", {"number": "W1", "technician": "周国峰", "eta": None}, "zh")
    assert unknown.body == "服务师傅周国峰已出发。"
    created = {"number": "W1", "appliance": "washing_machine"}
    assert (
        render("work_order.created", created, "zh").body
        == "您的洗衣机报修已登记，单号 W1，我们会尽快联系您。"
    )
    assert "(Washing machine)" in render("work_order.created", created, "en").body


def test_a_missing_value_shows_a_dash_and_the_link_comes_along():
    rendered = render("work_order.quoted", {"number": "WO1", "link": "http://x/portal/orders/1"}, "zh")
    assert rendered.body == "维修报价合计 — 元，您需支付 — 元，请打开链接确认：http://x/portal/orders/1"
    assert rendered.link == "http://x/portal/orders/1"


def test_an_unknown_event_gets_a_generic_text_naming_no_code():
    assert render("fridge.exploded", {"{weird": 1}, "en").title == "New message"
    assert render("fridge.exploded", None, "zh").body == "您有一条新消息，请打开查看。"


def test_a_template_override_picks_the_technicians_text_for_the_same_event():
    rendered = render("work_order.assigned", {"template": "work_order.assigned_technician", "number": "W"})
    assert rendered.title == "新工单 W"
