"""Nothing internal reaches a customer from the assistant: every text it can say, in Chinese and English,
and its answers about an order in every status and an appliance in every warranty state, read with the
customer-words check (``tests/web/test_customer_words.py``); and the chat page in both languages."""

from __future__ import annotations

import re
import string

import pytest
from sqlalchemy import update

from anxin.knowledge import assistant_words
from anxin.work_order.models import WorkOrder
from anxin.work_order.states import OPEN, Status
from tests.helpers import report
from tests.web.test_customer_words import assert_plain, visible

URL = "/api/v1/assistant/messages"
CJK = re.compile(r"[\u4e00-\u9fff]")
# English texts may quote the Chinese rule of the price list; nothing else of them is Chinese
QUOTED = ("以师傅上门报价为准", "智能客服远程解决")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_text_the_assistant_says_is_plain_words(language: str) -> None:
    for key, (zh, en) in assistant_words.WORDS.items():
        template = en if language == "en" else zh
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
        text = assistant_words.say(key, language, **dict.fromkeys(names, "X1"))
        assert_plain(text, language, f"assistant word {key}")
        if language == "en" and key != "resolved_note":  # the order event's note is kept in Chinese
            rest = text
            for quoted in QUOTED:
                rest = rest.replace(quoted, "")
            assert not CJK.search(rest), key
    for zh, en in assistant_words.BUTTONS.values():
        assert_plain(en if language == "en" else zh, language, "button")


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_answer_about_an_order_in_every_status(client, world, kb, sessionmaker_, language: str) -> None:
    demo = world.demo
    order = report(client, demo).json()
    headers = {**demo.headers("customer"), "Accept-Language": language}
    for status in Status:
        with sessionmaker_() as db:
            db.execute(update(WorkOrder).where(WorkOrder.id == order["id"]).values(status=str(status)))
            db.commit()
        answer = client.post(URL, json={"text": "师傅什么时候到"}, headers=headers)
        assert answer.status_code == 200, answer.text
        assert_plain(answer.json()["reply"], language, f"where, order {status}")
        reply = answer.json()["reply"]
        assert str(status) not in reply.split()
        if status in OPEN:
            assert reply.startswith("Your order" if language == "en" else "您的工单"), status
        else:
            assert reply.startswith(
                "You have no open order" if language == "en" else "您目前没有进行中的工单"
            )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_warranty_answers_and_the_chat_page(client, world, kb, sign_in, language: str) -> None:
    demo = world.demo
    for role in ("customer", "other_customer"):  # in warranty; key parts only
        headers = {**demo.headers(role), "Accept-Language": language}
        answer = client.post(URL, json={"text": "保修"}, headers=headers).json()
        assert_plain(answer["reply"], language, f"warranty of {role}")
    sign_in(client, "customer01@demo")
    page = client.get("/portal/assistant", params={"lang": language})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    text = "my fridge is not cooling" if language == "en" else "冰箱冷藏室一点都不凉"
    sent = client.post("/portal/assistant", data={"csrf_token": token, "text": text})
    conv_id = re.search(r'name="conversation_id" value="(\d+)"', sent.text).group(1)
    unsolved = assistant_words.BUTTONS["unsolved"][1 if language == "en" else 0]
    booked = client.post(
        "/portal/assistant", data={"csrf_token": token, "text": unsolved, "conversation_id": conv_id}
    )
    assert booked.status_code == 200
    shown = visible(booked.text)
    assert_plain(shown, language, f"chat page ({language})")
    if language == "en":
        assert "I have booked a repair visit" in shown and "Later" in shown
    else:
        assert "已为您安排上门维修" in shown and "稍后再约" in shown
