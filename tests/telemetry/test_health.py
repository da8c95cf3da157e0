"""An appliance's health: who reads it (the API by role, another tenant), what it says (each metric against
its range, error codes with the knowledge base's meaning, alerts, the prediction in words, the 7-day
series), the pages of each role, the console's 设备预警 flag on a proactive order, and error codes the
knowledge base knows opening alerts without a rule of their own."""

from __future__ import annotations

import html
import json
import re

from sqlalchemy import select

from anxin import clock
from anxin.knowledge import service as knowledge_service
from anxin.telemetry.models import TelemetryAlert, TelemetryRule
from anxin.telemetry.pdm_models import PdmScore
from anxin.work_order.models import WorkOrder
from tests.conftest import page_session
from tests.helpers import report, walk
from tests.telemetry.health_scene import at, connect
from tests.telemetry.support import make_key, send, warm_rule

HEALTH = "/api/v1/appliances/{}/health"


def _assigned_order(client, world) -> int:
    order_id = report(client, world).json()["id"]
    walk(client, world, order_id, "assign")
    return order_id


def test_health_reads_the_last_values_the_codes_in_words_and_the_series(client, world, db):
    key = connect(client, world.demo, db, fridge=12.0)
    warm_rule(db, world.demo)
    db.add(
        PdmScore(
            tenant_id=world.demo.tenant.id,
            appliance_id=world.demo.appliance_id,
            component="compressor",
            probability=0.82,
            failure_probability=0.85,
            horizon_hours=168,
            model_trained_at=clock.now(),
        )
    )
    db.commit()
    # when an agent reads the appliance's health
    answer = client.get(HEALTH.format(world.demo.appliance_id), headers=world.demo.headers("agent"))
    assert answer.status_code == 200, answer.text
    found = answer.json()
    # then each metric of the last reading is named, with its unit, and checked against range and rules
    metrics = {m["name"]: m for m in found["metrics"]}
    assert metrics["fridge_temp_c"]["label"] == "冷藏室温度" and metrics["fridge_temp_c"]["unit"] == "°C"
    assert metrics["fridge_temp_c"]["value"] == 12.0
    assert metrics["fridge_temp_c"]["in_range"] is True and metrics["fridge_temp_c"]["normal"] is False
    assert metrics["freezer_temp_c"]["normal"] is True
    # a reading with one metric only: the others keep their latest values from the readings before
    send(client, key, [at(world.demo, 1, metrics={"fridge_temp_c": 12.2})])
    latest = client.get(HEALTH.format(world.demo.appliance_id), headers=world.demo.headers("agent")).json()
    values = {m["name"]: m["value"] for m in latest["metrics"]}
    assert values == {"fridge_temp_c": 12.2, "freezer_temp_c": -18.5, "compressor_current_a": 1.1}
    # the code with its meaning from the knowledge base (a refrigerator's E1), and its alert opened on the way in
    assert [(c["code"], c["meaning"], c["count"]) for c in found["error_codes"]] == [
        ("E1", "冷藏室温度传感器故障", 1)
    ]
    assert [a["title"] for a in found["alerts"]] == ["故障码E1：冷藏室温度传感器故障"]
    assert found["alerts"][0]["status_label"] == "待处理"
    # the prediction in words
    assert found["prediction"]["text"] == "压缩机 7 天内故障风险：高"
    # the series: hourly averages of the non-counter metrics over the hours rolled up
    # (four readings over 165 minutes: three or four clock hours, as the minute of the hour has it)
    assert found["connected"] is True and len(found["hours"]) in (3, 4)
    series = {s["metric"]: s["values"] for s in found["series"]}
    assert all(len(values) == len(found["hours"]) for values in series.values())
    assert set(series) == {"fridge_temp_c", "freezer_temp_c", "compressor_current_a"}
    # the last hour holds the warm reading alone, or beside the 4.0 before it
    assert series["fridge_temp_c"][0] == 4.0 and series["fridge_temp_c"][-1] in (12.0, 8.0)
    assert found["summary"].startswith("发现异常：") and "冷藏室温度传感器故障" in found["summary"]
    # and in English the words are English
    english = client.get(
        HEALTH.format(world.demo.appliance_id),
        headers={**world.demo.headers("agent"), "Accept-Language": "en"},
    ).json()
    assert english["prediction"]["text"] == "Risk of a compressor failure within 7 days: high"
    assert english["alerts"][0]["status_label"] == "Open"


def test_who_reads_the_health(client, world, db):
    connect(client, world.demo, db)
    url = HEALTH.format(world.demo.appliance_id)

    def status(role, where=world.demo):
        return client.get(url, headers=where.headers(role)).status_code

    # staff who serve customers read it; the outlet manager and quality do not
    assert [status(r) for r in ("agent", "dispatcher", "admin")] == [200, 200, 200]
    assert [status(r) for r in ("outlet_manager", "quality")] == [403, 403]
    # the owner reads it, without the prediction; another customer does not see it exists
    db.add(
        PdmScore(
            tenant_id=world.demo.tenant.id,
            appliance_id=world.demo.appliance_id,
            component="compressor",
            probability=0.5,
            failure_probability=0.5,
            horizon_hours=168,
            model_trained_at=clock.now(),
        )
    )
    db.commit()
    mine = client.get(url, headers=world.demo.headers("customer"))
    assert mine.status_code == 200 and "prediction" not in mine.json() and "readings" in mine.json()
    assert status("other_customer") == 404
    # a technician only with an open order for it
    assert status("technician") == 404
    order_id = _assigned_order(client, world.demo)
    assert status("technician") == 200
    assert status("other_technician") == 404
    staff = client.get(url, headers=world.demo.headers("dispatcher")).json()
    assert staff["prediction"]["level"] == "medium" and staff["prediction"]["probability"] == 0.5
    assert staff["prediction"]["text"] == "压缩机 7 天内故障风险：中"
    # a low risk names no part (none is likelier to fail than the others)
    db.get(PdmScore, world.demo.appliance_id).probability = 0.1
    db.commit()
    low = client.get(url, headers=world.demo.headers("dispatcher")).json()["prediction"]
    assert (low["level"], low["text"]) == ("low", "7 天内故障风险：低")
    # once the order is cancelled, the technician no longer reads it
    cancel = client.post(
        f"/api/v1/work-orders/{order_id}/cancel",
        json={"reason": "用户取消"},
        headers=world.demo.headers("agent"),
    )
    assert cancel.status_code == 200, cancel.text
    assert status("technician") == 404
    # another tenant's staff and customers: 404, as for an id nobody has
    assert status("agent", world.acme) == 404 and status("customer", world.acme) == 404
    assert client.get(HEALTH.format(10**9), headers=world.demo.headers("agent")).status_code == 404
    assert client.get(url).status_code == 401


def test_an_appliance_without_telemetry_is_not_connected(client, world, db):
    answer = client.get(HEALTH.format(world.demo.other_appliance_id), headers=world.demo.headers("agent"))
    assert answer.status_code == 200
    found = answer.json()
    assert (found["connected"], found["summary"], found["metrics"], found["series"]) == (
        False,
        "未联网",
        [],
        [],
    )
    # and the page says so in one line, with no chart
    page_session(client, world.demo.users["agent"])
    page = client.get(f"/pages/appliances/{world.demo.other_appliance_id}/health")
    assert page.status_code == 200 and "未联网" in page.text and 'class="health-chart"' not in page.text


def test_a_known_code_opens_an_alert_without_a_rule_of_its_own(client, world, db):
    # given the tenant's knowledge base and no rule for a refrigerator's F5 (海尔: 化霜加热故障)
    knowledge_service.load_seed(db, tenant_id=world.demo.tenant.id)
    db.commit()
    key = make_key(client, world.demo)
    # when the refrigerator shows F5, and then a code nobody knows
    known = send(client, key, [at(world.demo, 10, metrics={"fridge_temp_c": 4.0}, error_code="F5")]).json()
    unknown = send(client, key, [at(world.demo, 5, metrics={"fridge_temp_c": 4.0}, error_code="Z9")]).json()
    # then F5 opens an alert under a rule made for it, named with its meaning; Z9 opens none
    assert (known["alerts_opened"], unknown["alerts_opened"]) == (1, 0)
    rule = db.scalar(
        select(TelemetryRule).where(
            TelemetryRule.tenant_id == world.demo.tenant.id, TelemetryRule.cause == "code_F5"
        )
    )
    assert rule.kind == "error_code" and rule.name_zh == "故障码 F5"  # the meaning is the brand's
    alert = db.scalar(select(TelemetryAlert).where(TelemetryAlert.rule_id == rule.id))
    assert alert.error_code == "F5" and alert.status == "open"
    # and converted to an order, its text carries the meaning for the appliance's brand (海尔)
    converted = client.post(f"/api/v1/alerts/{alert.id}/convert", headers=world.demo.headers("dispatcher"))
    assert converted.status_code == 200, converted.text
    db.commit()  # a new transaction: see what the requests wrote
    order = db.get(WorkOrder, converted.json()["work_order_id"])
    assert order.channel == "iot" and order.fault_description == "[设备告警] 故障码F5：化霜加热故障"
    # an admin deactivating the code's rule mutes it
    client.delete(f"/api/v1/telemetry/rules/{rule.id}", headers=world.demo.headers("admin"))
    again = send(client, key, [at(world.demo, 1, metrics={"fridge_temp_c": 4.0}, error_code="F5")]).json()
    assert again["alerts_opened"] == 0


def test_without_a_knowledge_base_only_the_rules_count(client, world, db):
    key = make_key(client, world.demo)
    answer = send(client, key, [at(world.demo, 5, metrics={"fridge_temp_c": 4.0}, error_code="F5")]).json()
    assert answer["accepted"] == 1 and answer["alerts_opened"] == 0
    assert db.scalar(select(TelemetryRule).where(TelemetryRule.cause == "code_F5")) is None


def test_the_dispatcher_sees_the_iot_order_flagged_with_its_cause(client, world, db):
    connect(client, world.demo, db)
    alert = db.scalar(select(TelemetryAlert).where(TelemetryAlert.appliance_id == world.demo.appliance_id))
    converted = client.post(f"/api/v1/alerts/{alert.id}/convert", headers=world.demo.headers("dispatcher"))
    order_id = converted.json()["work_order_id"]
    page_session(client, world.demo.users["dispatcher"])
    queue = client.get("/console")
    assert queue.status_code == 200
    row = re.search(rf'<tr[^>]*>\s*<td><a href="/console\?order={order_id}&.*?</tr>', queue.text, re.S).group(
        0
    )
    assert "设备预警" in row and "冷藏室温度传感器故障" in row
    panel = client.get(f"/console?order={order_id}")
    flag = re.search(r'<p class="flash error iot-flag".*?</p>', panel.text, re.S).group(0)
    assert "设备预警" in flag and "故障码E1：冷藏室温度传感器故障" in flag
    assert f'hx-get="/pages/appliances/{world.demo.appliance_id}/health"' in panel.text
    # an order from the hotline carries no flag
    hotline = report(
        client,
        world.demo,
        customer_id=world.demo.other_customer_id,
        appliance_id=world.demo.other_appliance_id,
    ).json()["id"]
    plain = client.get(f"/console?order={hotline}")
    assert 'id="iot-flag"' not in plain.text


def test_the_staff_and_technician_cards(client, world, db):
    connect(client, world.demo, db)
    order_id = _assigned_order(client, world.demo)
    url = f"/pages/appliances/{world.demo.appliance_id}/health"
    page_session(client, world.demo.users["agent"])
    card = client.get(url)
    assert card.status_code == 200
    assert "设备健康" in card.text and "冷藏室温度传感器故障" in card.text and "E1" in card.text
    assert 'class="health-chart"' in card.text and "/static/health.js" in card.text
    assert "冷藏室温度" in card.text and "°C" in card.text
    # the technician's order page loads the card; the card is remote diagnosis for them
    page_session(client, world.demo.users["technician"])
    order_page = client.get(f"/tech/orders/{order_id}")
    assert f'hx-get="/pages/appliances/{world.demo.appliance_id}/health"' in order_page.text
    tech_card = client.get(url)
    assert tech_card.status_code == 200 and "远程诊断" in tech_card.text and "E1" in tech_card.text
    # a technician without an open order for it gets nothing
    page_session(client, world.demo.users["other_technician"])
    assert client.get(url).status_code == 404


def test_the_customer_page_is_in_plain_words(client, world, db):
    connect(client, world.demo, db)
    page_session(client, world.demo.users["customer"])
    home = client.get("/portal")
    assert f'href="/portal/appliances/{world.demo.appliance_id}"' in home.text
    page = client.get(f"/portal/appliances/{world.demo.appliance_id}")
    assert page.status_code == 200
    text = page.text
    assert "发现异常：冷藏室温度传感器故障" in text
    assert "您可以先试试" in text  # the knowledge base's self-help steps
    # no code, no internal value, no prediction, no metric name
    assert not re.search(r"\bE1\b", text)
    for internal in ("code_E1", "compressor", "fridge_temp_c", "压缩机电流", "故障预测", "open"):
        assert internal not in re.sub(r"<[^>]+>", " ", text), internal
    # another customer's appliance: 404
    assert client.get(f"/portal/appliances/{world.demo.other_appliance_id}").status_code == 404
    page_session(client, world.demo.users["other_customer"])
    assert client.get(f"/portal/appliances/{world.demo.appliance_id}").status_code == 404


def test_a_customer_with_a_healthy_appliance_reads_that_it_works(client, world, db):
    connect(client, world.demo, db, code=None)
    page_session(client, world.demo.users["customer"])
    page = client.get(f"/portal/appliances/{world.demo.appliance_id}")
    assert "运行正常" in page.text and "发现异常" not in page.text
    # the chart shows temperatures only
    chart = json.loads(html.unescape(re.search(r"data-chart='([^']*)'", page.text).group(1)))
    names = [s["name"] for s in chart["series"]]
    assert names == ["冷藏室温度 (°C)", "冷冻室温度 (°C)"]
