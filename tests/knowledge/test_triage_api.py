"""Triage over the API: the contract (the fields, the codes), exact error-code lookup, the appliance's
category and brand, and the bounds of the input."""

from __future__ import annotations

import pytest

from anxin.knowledge.codes import FaultCode
from anxin.knowledge.triage import MAX_TEXT

KEYS = {"category", "fault", "confidence", "alternatives", "self_help", "skill", "parts"}


def ask(client, world, text, role="agent", **more):
    return client.post("/api/v1/triage", json={"text": text, **more}, headers=world.demo.headers(role))


def test_a_colloquial_description_gets_category_fault_and_what_to_do(client, world, kb):
    answer = ask(client, world, "空调开了一个小时还是吹热风")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) >= KEYS
    assert (body["category"], body["fault"]) == ("air_conditioner", "not_cooling")
    assert 0 < body["confidence"] <= 1
    assert len(body["alternatives"]) == 3
    assert all(set(a) == {"category", "fault", "confidence"} for a in body["alternatives"])
    assert all(a["confidence"] <= body["confidence"] for a in body["alternatives"])
    assert any("制冷模式" in step for step in body["self_help"])
    assert body["skill"] == {
        "category": "air_conditioner",
        "service_type": "repair",
        "level": "junior",
        "certificates": ["refrigerant"],
    }
    assert "AC-03" in [p["code"] for p in body["parts"]]
    assert body["error_code"] is None


@pytest.mark.parametrize(
    ("text", "category", "fault"),
    [
        ("bingxiang bu zhileng le", "refrigerator", "not_cooling"),  # pinyin
        ("空条漏水，滴到床上了", "air_conditioner", "water_leak"),  # a wrong character of the same sound
        ("washing machine won't drain", "washing_machine", "drainage"),
        ("燃气灶打不着火，松手就灭", "gas_stove", "ignition_failure"),
        ("搬家了，空调要移机", "air_conditioner", "relocation"),
    ],
)
def test_pinyin_typos_and_english_are_understood(client, world, kb, text, category, fault):
    body = ask(client, world, text).json()
    assert (body["category"], body["fault"]) == (category, fault)


def test_a_code_on_the_display_is_an_error_code_with_its_meaning(client, world, kb):
    body = ask(client, world, "柜机显示E1然后就停了，也不制冷了").json()
    assert (body["category"], body["fault"]) == ("air_conditioner", FaultCode.ERROR_CODE)
    assert body["error_code"]["code"] == "E1"
    assert "格力" in body["error_code"]["meaning"] and "美的" in body["error_code"]["meaning"]
    heater = ask(client, world, "热水器显示e4，洗澡水烫").json()
    assert (heater["category"], heater["fault"]) == ("water_heater", "error_code")
    assert heater["error_code"] == {"code": "E4", "meaning": "超温保护（水温过高）"}
    others = [(a["category"], a["fault"]) for a in heater["alternatives"]]
    assert len(set(others)) == len(others) and ("water_heater", "error_code") not in others
    door = ask(client, world, "洗衣机显示dL").json()
    assert door["fault"] == "error_code" and door["error_code"]["code"] == "dL"


def test_a_code_the_knowledge_base_does_not_know_is_still_an_error_code(client, world, kb):
    body = ask(client, world, "冰箱屏幕上出现Z7").json()
    assert (body["category"], body["fault"]) == ("refrigerator", "error_code")
    assert body["error_code"] == {"code": "Z7", "meaning": None}


def test_model_numbers_and_sizes_are_not_codes(client, world, kb):
    body = ask(client, world, "KFR-35GW 1.5匹挂机不制冷").json()
    assert body["fault"] == "not_cooling" and body["error_code"] is None


def test_the_appliance_gives_the_category_and_the_brand_the_meaning(client, world, kb):
    # the customer's appliance is a Haier refrigerator: "F5" is Haier's defrost heater on a fridge
    body = ask(client, world, "显示F5", role="customer", appliance_id=world.demo.appliance_id).json()
    assert (body["category"], body["fault"]) == ("refrigerator", "error_code")
    assert body["error_code"] == {"code": "F5", "meaning": "化霜加热故障"}
    assert body["confidence"] == 1.0
    noisy = ask(client, world, "嗡嗡响", role="customer", appliance_id=world.demo.appliance_id).json()
    assert noisy["category"] == "refrigerator"
    assert all(a["category"] == "refrigerator" for a in noisy["alternatives"])


def test_an_appliance_the_caller_may_not_see_is_404(client, world, kb):
    other = ask(client, world, "不制冷", role="customer", appliance_id=world.demo.other_appliance_id)
    assert other.status_code == 404
    foreign = ask(client, world, "不制冷", role="agent", appliance_id=world.acme.appliance_id)
    assert foreign.status_code == 404


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_blank_text_is_422_with_a_clear_code(client, world, kb, text):
    answer = ask(client, world, text)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "triage_text_empty"
    assert answer.json()["error"]["field"] == "text"


def test_over_long_text_is_422(client, world, kb):
    answer = ask(client, world, "空调不制冷" * (MAX_TEXT // 5 + 1))
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "text"


@pytest.mark.parametrize(
    "text", ["???", "E", "😀😀😀", "12345", "a" * MAX_TEXT, "\u202e不制冷", "E1E1E1 F2F2"]
)
def test_odd_text_gets_an_answer_never_a_500(client, world, kb, text):
    answer = ask(client, world, text)
    assert answer.status_code == 200, answer.text
    assert answer.json()["category"]


def test_an_empty_knowledge_base_is_409_not_a_guess(client, world):
    answer = ask(client, world, "空调不制冷")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "knowledge_base_empty"


def test_anonymous_callers_are_refused(client, world, kb):
    assert client.post("/api/v1/triage", json={"text": "不制冷"}).status_code == 401
