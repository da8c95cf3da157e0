"""Every intake runs triage: the order keeps the answer (category, fault, skill, likely parts), the
technician sees the parts on the order page, and an order is never refused for want of a knowledge base."""

from __future__ import annotations

from sqlalchemy import select

from anxin.knowledge.models import OrderTriage

REPORT = {"service_type": "repair", "channel": "app"}


def report(client, world, text, role="customer", service_type="repair"):
    body = {**REPORT, "customer_id": world.demo.customer_id, "appliance_id": world.demo.appliance_id}
    body["fault_description"], body["service_type"] = text, service_type
    answer = client.post("/api/v1/work-orders", json=body, headers=world.demo.headers(role))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def test_an_order_taken_keeps_what_triage_made_of_it(client, world, kb, db):
    order_id = report(client, world, "冰箱冷藏室一点都不凉，东西都放坏了")
    kept = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id))
    assert (kept.category, kept.fault) == ("refrigerator", "not_cooling")  # the appliance is a refrigerator
    assert kept.tenant_id == world.demo.tenant.id and 0 < kept.confidence <= 1
    assert kept.skill["service_type"] == "repair" and kept.skill["certificates"] == ["refrigerant"]
    assert "RF-02" in [p["code"] for p in kept.parts]


def test_an_order_reporting_a_code_keeps_the_code_and_its_meaning(client, world, kb, db):
    order_id = report(client, world, "显示屏报F2，滴滴响", role="agent")
    kept = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id))
    assert (kept.fault, kept.error_code, kept.error_meaning) == ("error_code", "F2", "冷冻室传感器故障")


def test_an_order_booked_as_a_service_request_is_that_request_and_a_recycling_one_is_not_triaged(
    client, world, kb, db
):
    # given words that read like a fault ("结霜") on orders booked as installation and as recycling
    text = "以旧换新：新冰箱送装，旧冰箱冷冻室结霜严重要拆走"
    installation = report(client, world, text, role="agent", service_type="installation")
    recycling = report(client, world, text, role="agent", service_type="recycling")
    # then the installation is triaged as the installation it is, with its skill, and the recycling not at all
    kept = db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == installation))
    assert (kept.category, kept.fault, kept.confidence) == ("refrigerator", "installation", 1.0)
    assert kept.skill["service_type"] == "installation" and kept.alternatives == []
    assert db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == recycling)) is None


def test_without_a_knowledge_base_the_order_is_taken_all_the_same(client, world, db):
    order_id = report(client, world, "冰箱不制冷")
    assert db.scalar(select(OrderTriage).where(OrderTriage.work_order_id == order_id)) is None


def test_the_order_page_shows_the_likely_parts_to_staff_and_technicians_only(client, world, kb, sign_in):
    order_id = report(client, world, "冰箱冷藏室一点都不凉，东西都放坏了")
    sign_in(client, "customer01@demo")
    assert client.get(f"/pages/orders/{order_id}/triage", follow_redirects=False).status_code in (303, 403)
    client.cookies.clear()
    sign_in(client, "dispatcher@demo")
    card = client.get(f"/pages/orders/{order_id}/triage")
    assert card.status_code == 200
    assert "冰箱 · 不制冷" in card.text and "冰箱温控器" in card.text and "制冷作业证" in card.text
    assert "refrigerator" not in card.text.replace("category=refrigerator", "")  # codes stay out of sight
