"""The service assistant (智能客服) over the API: the dialogue's paths (which appliance, the error code,
self-help solved → a remotely resolved order with the steps, not solved → a visit order with triage,
转人工 → an agent), an agent taking over and answering, who sees which conversation, and the bounds."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anxin.appliance import service as appliance_service
from anxin.knowledge.assistant import MAX_TEXT
from anxin.knowledge.models import OrderTriage
from anxin.work_order.models import WorkOrder, WorkOrderEvent

URL = "/api/v1/assistant/messages"


def say(client, world, text, conversation_id=None, role="customer", tenant="demo"):
    body = {"text": text} | ({"conversation_id": conversation_id} if conversation_id else {})
    return client.post(URL, json=body, headers=getattr(world, tenant).headers(role))


def second_appliance(db, world) -> int:
    first = appliance_service.get(db, tenant_id=world.demo.tenant.id, id=world.demo.appliance_id)
    added = appliance_service.create(
        db,
        tenant_id=world.demo.tenant.id,
        customer_id=world.demo.customer_id,
        product_model_id=first.product_model_id,
        serial_number="SNSECOND0001",
        purchase_date=date(2026, 1, 10),
        purchase_channel="jd",
        install_date=None,
        address_id=first.address_id,
    )
    db.commit()
    return added.id


def test_a_fault_gets_self_help_and_solved_closes_it_as_resolved_remotely(client, world, kb, db):
    # given a customer with one refrigerator describing a fault in their own words
    first = say(client, world, "冰箱冷藏室一点都不凉，东西都放坏了")
    assert first.status_code == 200, first.text
    body = first.json()
    # then the assistant says what it looks like in words, offers the steps and asks whether they worked
    assert body["status"] == "open" and "看起来是：冰箱 · 不制冷" in body["reply"]
    assert "先试试这些" in body["reply"]
    assert (body["triage"]["category"], body["triage"]["fault"]) == ("refrigerator", "not_cooling")
    assert [a["text"] for a in body["actions"]][:2] == ["解决了", "没解决"]
    # when the steps worked
    done = say(client, world, "解决了", body["conversation_id"]).json()
    # then an order is closed as resolved remotely, its event keeping the steps
    assert done["status"] == "resolved_remote" and done["work_order_id"]
    order = db.get(WorkOrder, done["work_order_id"])
    assert order.status == "resolved_remote" and order.channel == "app"
    assert order.number in done["reply"]
    event = db.scalar(
        select(WorkOrderEvent).where(
            WorkOrderEvent.work_order_id == order.id, WorkOrderEvent.action == "resolve-remote"
        )
    )
    assert event is not None and body["triage"]["self_help"][0] in (event.note or "")
    # and the conversation is closed to further messages
    again = say(client, world, "还在吗", body["conversation_id"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "assistant_conversation_closed"


def test_not_solved_takes_a_visit_order_with_triage_attached(client, world, kb, db):
    first = say(client, world, "冰箱冷藏室一点都不凉，东西都放坏了").json()
    booked = say(client, world, "没解决", first["conversation_id"]).json()
    assert booked["status"] == "booked"
    order = db.get(WorkOrder, booked["work_order_id"])
    assert order.status not in ("resolved_remote", "cancelled") and order.number in booked["reply"]
    kept = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order.id))
    assert (kept.category, kept.fault) == ("refrigerator", "not_cooling")
    assert "RF-02" in [p["code"] for p in kept.parts]


def test_with_several_appliances_it_asks_which_one(client, world, kb, db):
    second_appliance(db, world)
    first = say(client, world, "冰箱冷藏室一点都不凉").json()
    assert first["status"] == "open" and "哪一台" in first["reply"] and first["triage"] is None
    assert len(first["actions"]) == 2
    unknown = say(client, world, "不知道", first["conversation_id"]).json()
    assert "点选" in unknown["reply"] and len(unknown["actions"]) == 2
    picked = say(client, world, first["actions"][1]["text"], first["conversation_id"]).json()
    assert picked["triage"]["fault"] == "not_cooling" and "先试试这些" in picked["reply"]


def test_an_error_code_fault_without_the_code_asks_for_it(client, world, kb):
    # given a description that reports a code on the display without saying which
    first = say(client, world, "冰箱显示故障代码").json()
    # then the assistant asks for the code, offering to go on without it
    assert first["triage"]["fault"] == "error_code" and "代码是什么" in first["reply"]
    assert [a["text"] for a in first["actions"]][0] == "看不到代码"
    # when the customer gives it, the answer explains it from the knowledge base
    coded = say(client, world, "F2", first["conversation_id"]).json()
    assert "代码 F2：冷冻室传感器故障" in coded["reply"] and "看起来是：冰箱 · 显示故障代码" in coded["reply"]
    assert coded["triage"]["error_code"]["code"] == "F2"


def test_a_description_triage_cannot_read_goes_to_an_agent(client, world, kb):
    unsure = say(client, world, "asdf qwer").json()
    assert unsure["status"] == "handed_off" and "人工客服" in unsure["reply"]


def test_asking_for_a_person_hands_off_and_an_agent_takes_over_and_answers(client, world, kb):
    first = say(client, world, "冰箱不制冷").json()
    handed = say(client, world, "转人工", first["conversation_id"]).json()
    assert handed["status"] == "handed_off" and "人工客服" in handed["reply"]
    conv_id = first["conversation_id"]
    # the desk sees it waiting
    waiting = client.get("/api/v1/assistant/conversations", headers=world.demo.headers("agent")).json()
    assert conv_id in [c["id"] for c in waiting["items"]]
    # an agent not yet having it may not answer
    early = client.post(
        f"/api/v1/assistant/conversations/{conv_id}/replies",
        json={"text": "您好"},
        headers=world.demo.headers("agent"),
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "assistant_not_handed_off"
    taken = client.post(
        f"/api/v1/assistant/conversations/{conv_id}/take", headers=world.demo.headers("agent")
    )
    assert taken.status_code == 200 and taken.json()["status"] == "with_agent"
    # another agent (the admin) cannot take it from them
    stolen = client.post(
        f"/api/v1/assistant/conversations/{conv_id}/take", headers=world.demo.headers("admin")
    )
    assert stolen.status_code == 409
    reply = client.post(
        f"/api/v1/assistant/conversations/{conv_id}/replies",
        json={"text": "请问冰箱放在哪里？"},
        headers=world.demo.headers("agent"),
    )
    assert reply.status_code == 201, reply.text
    # the customer's message now gets no automatic answer, and they see the agent's words in the chat
    quiet = say(client, world, "放在厨房", conv_id).json()
    assert quiet["reply"] is None and quiet["status"] == "with_agent"
    seen = client.get(
        f"/api/v1/assistant/conversations/{conv_id}", headers=world.demo.headers("customer")
    ).json()
    assert [m["sender"] for m in seen["messages"]][-3:] == ["agent", "agent", "customer"]
    assert seen["messages"][-2]["text"] == "请问冰箱放在哪里？"


def test_a_customer_sees_only_their_own_conversations(client, world, kb):
    conv_id = say(client, world, "冰箱不制冷").json()["conversation_id"]
    url = f"/api/v1/assistant/conversations/{conv_id}"
    assert client.get(url, headers=world.demo.headers("other_customer")).status_code == 404
    assert say(client, world, "解决了", conv_id, role="other_customer").status_code == 404
    assert client.get(url, headers=world.acme.headers("customer")).status_code == 404
    assert client.get(url, headers=world.acme.headers("agent")).status_code == 404
    assert say(client, world, "解决了", conv_id, tenant="acme").status_code == 404
    assert client.post(f"{url}/take", headers=world.acme.headers("agent")).status_code == 404
    assert client.get(url, headers=world.demo.headers("technician")).status_code == 403


def test_blank_and_over_long_messages_are_refused_with_a_code(client, world, kb):
    blank = say(client, world, "   ")
    assert blank.status_code == 422 and blank.json()["error"]["code"] == "assistant_text_empty"
    long = say(client, world, "冰" * (MAX_TEXT + 1))
    assert long.status_code == 422
    assert client.post(URL, json={"text": "冰箱"}, headers=world.demo.headers("agent")).status_code == 403
