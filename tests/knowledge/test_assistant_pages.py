"""The assistant on the pages: the report form's live hint (words, no codes or scores), the portal chat
with its buttons, and the console where an agent takes a handed-off chat over and the customer sees the
answer."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client, url):
    return CSRF.search(client.get(url).text).group(1)


def test_the_report_form_shows_what_it_looks_like_and_what_to_try_first(client, world, kb, sign_in):
    sign_in(client, "customer01@demo")
    form = client.get("/portal/report")
    assert 'hx-get="/portal/report/triage"' in form.text and 'id="live-triage"' in form.text
    hint = client.get(
        "/portal/report/triage",
        params={"description": "冰箱冷藏室一点都不凉", "appliance_id": str(world.demo.appliance_id)},
    )
    assert hint.status_code == 200
    assert "看起来是：冰箱 · 不制冷" in hint.text and "先试试这些" in hint.text
    assert "not_cooling" not in hint.text and "%" not in hint.text  # no raw code, no score
    coded = client.get("/portal/report/triage", params={"description": "冰箱显示屏报F2"})
    assert "代码 F2 的意思：冷冻室传感器故障" in coded.text
    # too few words, or an appliance not theirs: no hint and no error
    assert "看起来是" not in client.get("/portal/report/triage", params={"description": "冰"}).text
    other = client.get(
        "/portal/report/triage",
        params={"description": "冰箱不制冷", "appliance_id": str(world.demo.other_appliance_id)},
    )
    assert other.status_code == 200 and "看起来是" not in other.text


def test_the_chat_answers_with_buttons_and_a_button_closes_it(client, world, kb, sign_in):
    sign_in(client, "customer01@demo")
    home = client.get("/portal")
    assert 'href="/portal/assistant"' in home.text
    token = csrf(client, "/portal/assistant")
    sent = client.post("/portal/assistant", data={"csrf_token": token, "text": "冰箱冷藏室一点都不凉"})
    assert sent.status_code == 200
    assert "看起来是：冰箱 · 不制冷" in sent.text and 'value="解决了"' in sent.text
    conv_id = re.search(r'name="conversation_id" value="(\d+)"', sent.text).group(1)
    done = client.post(
        "/portal/assistant", data={"csrf_token": token, "text": "没解决", "conversation_id": conv_id}
    )
    # a visit order taken and the windows technicians can keep offered as buttons, with "later"
    assert "已为您安排上门维修" in done.text and 'value="稍后再约"' in done.text
    assert "本次对话已结束" not in done.text
    later = client.post(
        "/portal/assistant", data={"csrf_token": token, "text": "稍后再约", "conversation_id": conv_id}
    )
    assert "师傅会与您联系约定上门时间" in later.text and "本次对话已结束" in later.text


def test_an_agent_takes_a_handed_off_chat_and_the_customer_sees_the_answer(client, world, kb, sign_in):
    sign_in(client, "customer01@demo")
    token = csrf(client, "/portal/assistant")
    client.post("/portal/assistant", data={"csrf_token": token, "text": "转人工"})
    page = client.get("/portal/assistant")
    assert "已为您转接人工客服" in page.text and 'hx-trigger="every 4s"' in page.text
    conv_id = re.search(r'name="conversation_id" value="(\d+)"', page.text).group(1)
    client.cookies.clear()
    sign_in(client, "agent@demo")
    desk = client.get("/console/assistant")
    assert f'href="/console/assistant?c={conv_id}"' in desk.text
    opened = client.get(f"/console/assistant?c={conv_id}")
    assert 'id="who"' in opened.text and "张三" in opened.text and "13800000001" not in opened.text
    token = csrf(client, f"/console/assistant?c={conv_id}")
    taken = client.post(f"/console/assistant/{conv_id}/take", data={"csrf_token": token})
    assert taken.status_code == 200 and 'id="reply-text"' in taken.text
    client.post(
        f"/console/assistant/{conv_id}/reply", data={"csrf_token": token, "text": "您好，请问型号是？"}
    )
    client.cookies.clear()
    sign_in(client, "customer01@demo")
    assert "您好，请问型号是？" in client.get(f"/portal/assistant?c={conv_id}").text
    # another customer may not open it
    client.cookies.clear()
    sign_in(client, "customer02@demo")
    assert client.get(f"/portal/assistant?c={conv_id}").status_code == 404
