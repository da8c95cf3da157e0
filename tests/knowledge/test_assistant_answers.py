"""The service assistant answers from the order data, never invented: where the technician is (the open
order's status in words, the technician by surname, the window, the estimate), what it costs (the order's
quote, else the price book in force with "以师傅上门报价为准"), the warranty; each answer names its sources.
And in English: a message in English, ``?lang=en`` or ``Accept-Language: en`` gets English replies, the
knowledge base's Chinese steps shown as written and said to be Chinese."""

from __future__ import annotations

import re

from anxin.technician.models import Technician
from anxin.work_order.models import WorkOrder
from tests.helpers import act
from tests.pricing.helpers import published_book

URL = "/api/v1/assistant/messages"
CJK = re.compile(r"[\u4e00-\u9fff]")


def say(client, world, text, conversation_id=None, role="customer", headers=None, params=None):
    body = {"text": text} | ({"conversation_id": conversation_id} if conversation_id else {})
    answer = client.post(URL, json=body, headers={**world.headers(role), **(headers or {})}, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def kinds(body) -> list[str]:
    return [s["kind"] for s in body["sources"]]


def booked_order(client, world) -> dict:
    """customer01's refrigerator: self-help did not help, a visit order taken (no window picked yet)."""
    first = say(client, world, "冰箱冷藏室一点都不凉，东西都放坏了")
    return say(client, world, "没解决", first["conversation_id"])


def test_where_is_my_technician_without_an_open_order_says_so(client, world, kb):
    body = say(client, world.demo, "我的师傅到哪了")
    assert "没有进行中的工单" in body["reply"] and body["status"] == "open"
    assert body["sources"] == [{"kind": "work_order", "found": False}]


def test_where_is_my_technician_answers_from_the_open_order(client, world, kb, db):
    # given an order the assistant took, accepted and assigned to a technician with a full name
    booked = booked_order(client, world.demo)
    order = db.get(WorkOrder, booked["work_order_id"])
    db.get(Technician, world.demo.technician_id).name = "王建国"
    db.commit()
    assert act(client, world.demo, order.id, "agent", "accept").status_code == 200
    assert (
        act(client, world.demo, order.id, "dispatcher", "assign", {"technician_id": None}).status_code == 200
    )
    # when the customer asks in a new conversation
    body = say(client, world.demo, "师傅什么时候到？")
    # then the status in words, the technician by surname only, and the order it came from
    assert f"您的工单 {order.number}（冰箱）：已安排师傅。" in body["reply"]
    assert "负责的师傅：王师傅。" in body["reply"] and "王建国" not in body["reply"]
    assert "上门时间还未约定" in body["reply"]
    assert {"kind": "work_order", "id": order.id, "number": order.number} in body["sources"]
    assert "assigned" not in body["reply"]  # no status code reaches the customer
    # the other customer has no open order of their own, and sees nothing of this one
    other = say(client, world.demo, "我的师傅到哪了", role="other_customer")
    assert order.number not in other["reply"] and "没有进行中的工单" in other["reply"]


def test_what_it_costs_comes_from_the_price_book_with_the_final_price_on_site(client, world, kb):
    published_book(client, world.demo)
    body = say(client, world.demo, "冰箱不制冷，修一下要多少钱？")
    reply = body["reply"]
    # the visit fee for the customer's area, labour for the fault, the parts the knowledge base names at
    # the brand's own price, the warranty, and the rule that the technician's quote decides
    assert "参考收费标准（冰箱）" in reply and "上门检测费 ¥50.00" in reply
    assert "更换温控器 ¥80.00" in reply and "温控器 ¥150.00" in reply
    assert "您的冰箱在保修期内" in reply and "实际费用以师傅上门报价为准。" in reply
    codes = {s.get("code") for s in body["sources"] if s["kind"] == "price_item"}
    assert codes == {"VISIT-URBAN", "RF-THERMOSTAT", "PART-RF-THERMO"}
    assert "knowledge_entry" in kinds(body)
    # and the conversation still waits for the fault
    assert body["status"] == "open" and "请描述" in reply


def test_without_a_price_book_it_invents_no_price(client, world, kb):
    body = say(client, world.demo, "上门费多少钱")
    assert "暂未查到收费标准" in body["reply"] and "¥" not in body["reply"]
    assert body["sources"] == [{"kind": "price_book", "found": False}]


def test_an_order_with_a_quote_is_answered_with_the_quote(client, world, kb):
    booked = booked_order(client, world.demo)
    order_id = booked["work_order_id"]
    steps = [
        ("agent", "accept", None),
        ("dispatcher", "assign", {"technician_id": None}),
        ("technician", "acknowledge", None),
        ("technician", "depart", {"lat": 30.25, "lng": 120.15}),
        ("technician", "arrive", {"lat": 30.27, "lng": 120.12}),
        ("technician", "quote", {"lines": [{"code": "VISIT-URBAN", "quantity": 1}]}),
    ]
    for role, action, body in steps:
        assert act(client, world.demo, order_id, role, action, body).status_code == 200
    answer = say(client, world.demo, "一共收费多少？")
    assert "师傅的报价" in answer["reply"] and "合计 ¥50.00" in answer["reply"]
    assert "quote" in kinds(answer)


def test_the_warranty_of_each_appliance(client, world, kb):
    mine = say(client, world.demo, "我的冰箱还在保修期吗")
    assert "在保修期内，整机保修至" in mine["reply"]
    assert mine["sources"][0]["kind"] == "appliance_warranty"
    assert mine["sources"][0]["status"] == "in_warranty"
    theirs = say(client, world.demo, "保修还有吗", role="other_customer")
    assert "整机已过保" in theirs["reply"] and "压缩机" in theirs["reply"]
    assert "compressor" not in theirs["reply"]


def test_a_message_in_english_gets_english_replies(client, world, kb):
    first = say(client, world.demo, "my fridge is not cooling at all")
    assert first["language"] == "en"
    assert "This looks like: Refrigerator · Not cooling" in first["reply"]
    # the knowledge base is Chinese only: its steps are shown as written and marked so
    assert "in Chinese only" in first["reply"] and CJK.search(first["reply"])
    assert [a["text"] for a in first["actions"]] == ["Solved", "Not solved", "Talk to a person"]
    # the button's English words go on in English: a visit order and the windows offered
    booked = say(client, world.demo, "Not solved", first["conversation_id"])
    assert booked["status"] == "booked" and "I have booked a repair visit" in booked["reply"]
    assert booked["actions"][-1]["text"] == "Later"
    later = say(client, world.demo, "Later", booked["conversation_id"])
    assert later["status"] == "booked" and "agree a time" in later["reply"]


def test_english_when_asked_for_whatever_the_words(client, world, kb):
    asked = say(client, world.demo, "冰箱冷藏室一点都不凉", params={"lang": "en"})
    assert asked["language"] == "en" and "This looks like: Refrigerator" in asked["reply"]
    header = say(client, world.demo, "保修", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "under warranty until" in header["reply"]
    # a code alone says nothing of the language: the conversation's own goes on
    coded = say(client, world.demo, "my fridge shows an error code")
    assert coded["language"] == "en" and "What code does the display show" in coded["reply"]
    answer = say(client, world.demo, "F2", coded["conversation_id"])
    assert answer["language"] == "en" and "Code F2 means (in Chinese): 冷冻室传感器故障" in answer["reply"]


def test_questions_in_english_about_price_and_the_technician(client, world, kb):
    published_book(client, world.demo)
    price = say(client, world.demo, "How much does a visit cost?")
    assert "visit and inspection fee ¥50.00" in price["reply"]
    assert "Your refrigerator is under warranty" in price["reply"]
    assert (
        "以师傅上门报价为准" in price["reply"] and "final price is the technician's quote" in price["reply"]
    )
    where = say(client, world.demo, "Where is my technician?")
    assert "You have no open order" in where["reply"]
