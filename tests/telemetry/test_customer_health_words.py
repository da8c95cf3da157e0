"""What a customer reads of a connected appliance is words: the health API's answer for them (labels,
units, plain states; no metric id, code, range or score, while staff keep the detail), a proactive order's
text (the reading with its unit against the limit, never a bare float), and an error code named by what it
means on the appliance's own brand (格力's E1 is not 美的's), else by the code alone."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anxin.appliance.models import Appliance
from anxin.catalog import service as catalog_service
from anxin.knowledge import service as knowledge_service
from anxin.telemetry import health_words, rules
from anxin.telemetry.models import TelemetryAlert, TelemetryRule
from anxin.work_order.models import WorkOrder
from tests.telemetry import proactive_scene
from tests.telemetry.health_scene import at, connect
from tests.telemetry.support import send, strings, warm_rule

HEALTH = "/api/v1/appliances/{}/health"


def test_the_customers_health_answer_is_words_and_staff_keep_the_detail(client, world, db) -> None:
    # given the customer's refrigerator reporting 12.27 °C against a 10 °C rule, with an E1 on the last
    demo = world.demo
    key = connect(client, demo, db, fridge=12.0)
    warm_rule(db, demo)
    send(client, key, [at(demo, 1, metrics={"fridge_temp_c": 12.27})])

    # when the customer and an agent read its health, in Chinese and in English
    mine = client.get(HEALTH.format(demo.appliance_id), headers=demo.headers("customer"))
    english = client.get(
        HEALTH.format(demo.appliance_id), headers={**demo.headers("customer"), "Accept-Language": "en"}
    )
    staff = client.get(HEALTH.format(demo.appliance_id), headers=demo.headers("agent"))

    # then the customer's answer has words only: the appliance by name, each reading by label and state
    assert mine.status_code == 200 and english.status_code == 200, mine.text
    found = mine.json()
    assert set(found) == {
        "appliance",
        "connected",
        "last_reading_at",
        "summary",
        "problems",
        "tips",
        "readings",
        "alerts",
        "hours",
        "series",
    }
    assert found["appliance"] == "冰箱"
    readings = {r["label"]: r for r in found["readings"]}
    assert readings["冷藏室温度"] == {
        "label": "冷藏室温度",
        "value": 12.3,
        "unit": "°C",
        "text": "冷藏室温度 12.3 °C",
        "state": "偏高",
        "normal": False,
    }
    assert readings["冷冻室温度"]["state"] == "正常"
    # and the alerts by what is wrong: the E1's meaning on this brand, the warm fridge by its rule's words
    assert sorted(a["title"] for a in found["alerts"]) == ["冷藏室偏热", "冷藏室温度传感器故障"]
    assert all(a["status_label"] == "待处理" for a in found["alerts"])
    assert [s["label"] for s in found["series"]] == ["冷藏室温度", "冷冻室温度"]
    # and nothing internal anywhere in it: no metric id, code, cause, range or prediction
    text = " ".join(strings(found))
    for internal in ("fridge_temp_c", "compressor", "E1", "warm", "code", "cause", "low", "high", "open"):
        assert internal not in text, internal
    assert {r["state"] for r in english.json()["readings"]} == {"High", "Normal"}
    assert english.json()["appliance"] == "Refrigerator"
    # while staff keep the detail
    detail = staff.json()
    assert {m["name"] for m in detail["metrics"]} >= {"fridge_temp_c", "freezer_temp_c"}
    assert [c["code"] for c in detail["error_codes"]] == ["E1"] and "prediction" in detail


def test_a_threshold_alerts_order_states_the_reading_with_its_unit(client, world, db) -> None:
    # given a warm-fridge rule and a reading of 12.27 °C: its alert opened on the way in
    demo = world.demo
    key = connect(client, demo, db, code=None)
    warm_rule(db, demo)
    send(client, key, [at(demo, 1, metrics={"fridge_temp_c": 12.27})])
    alert = db.scalar(select(TelemetryAlert).where(TelemetryAlert.cause == "warm"))

    # when it becomes a proactive order
    converted = client.post(f"/api/v1/alerts/{alert.id}/convert", headers=demo.headers("dispatcher"))

    # then the order says the reading with its unit against the limit, not a bare float
    assert converted.status_code == 200, converted.text
    db.commit()
    order = db.get(WorkOrder, converted.json()["work_order_id"])
    assert order.fault_description == "[设备告警] 冷藏室偏热：冷藏室温度 12.3 °C，超过安全值 10 °C"


def test_a_readings_words_for_every_default_rule() -> None:
    # the water heater's leakage rule read at 10.27 mA, the air conditioner's held pressure, a counter
    by_cause = {
        rule["cause"]: TelemetryRule(**{"above": True, "hold_minutes": 0, **rule}) for rule in rules.DEFAULTS
    }
    assert health_words.reading_text(by_cause["leakage"], 10.27) == "漏电电流 10.3 mA，超过安全值 10 mA"
    assert (
        health_words.reading_text(by_cause["leakage"], 10.27, "en")
        == "Leakage current 10.3 mA, above the safe limit of 10 mA"
    )
    assert (
        health_words.reading_text(by_cause["high_pressure"], 4.351)
        == "高压压力 4.35 MPa，超过安全值 4.2 MPa，已持续 30 分钟"
    )
    assert health_words.reading_text(by_cause["slow_drain"], 412.0) == "排水时间 412 秒，超过安全值 300 秒"
    assert (
        health_words.reading_text(by_cause["filter_cleaning"], 2001.4)
        == "运行满2000小时，建议清洗（累计运行时长 2,001 小时）"
    )
    assert health_words.reading_text(by_cause["code_E1"], 1.0) is None  # a code's value is no reading
    # and every default threshold or counter rule reads in words with its unit
    for cause, rule in by_cause.items():
        if rule.kind in ("threshold", "counter"):
            words = health_words.reading_text(rule, 123.456)
            assert words and "123.456" not in words and "_" not in words, cause


def test_default_error_code_rules_name_the_code_alone(db, world) -> None:
    # given a tenant whose E1 rule still carries the old name, as if every brand's E1 meant the same
    tenant_id = world.demo.tenant.id
    rules.ensure_defaults(db, tenant_id=tenant_id)
    old = db.scalar(
        select(TelemetryRule).where(TelemetryRule.tenant_id == tenant_id, TelemetryRule.cause == "code_E1")
    )
    old.name_zh, old.name_en = "故障码E1（通讯故障）", "Fault code E1 (communication)"
    db.flush()
    # when the defaults are ensured again, then every error-code rule is named for its code alone
    rules.ensure_defaults(db, tenant_id=tenant_id)
    codes = db.scalars(
        select(TelemetryRule).where(TelemetryRule.tenant_id == tenant_id, TelemetryRule.kind == "error_code")
    ).all()
    assert {(r.error_code, r.name_zh, r.name_en) for r in codes} == {
        ("E1", "故障码 E1", "Fault code E1"),
        ("E2", "故障码 E2", "Fault code E2"),
    }


def test_an_e1_order_names_its_brands_meaning_or_the_code_alone(client, world, db) -> None:
    # given the knowledge base (an air conditioner's E1: 格力 high-pressure protection, 美的 communication)
    # and three air conditioners: a 格力, a 美的 and one of a brand the base names no E1 for
    demo = world.demo
    tenant_id = demo.tenant.id
    knowledge_service.load_seed(db, tenant_id=tenant_id)
    rules.ensure_defaults(db, tenant_id=tenant_id)
    appliances = {}
    for code, zh, en in (("gree", "格力", "Gree"), ("midea", "美的", "Midea"), ("other", "安心牌", "Anxin")):
        brand = catalog_service.create_brand(
            db, tenant_id=tenant_id, code=f"t-{code}", name_zh=zh, name_en=en
        )
        model = catalog_service.create_product_model(
            db,
            tenant_id=tenant_id,
            brand_id=brand.id,
            category_code="air_conditioner",
            model_code=f"KFR-{code}",
            name="挂式空调",
            warranty_months=12,
            key_part_months={},
        )
        appliance_id = proactive_scene.air_conditioner(
            db, demo, customer_id=demo.customer_id, serial=f"AC-{code}", bought=date(2026, 1, 5)
        )
        db.get(Appliance, appliance_id).product_model_id = model.id
        appliances[zh] = appliance_id
    db.commit()

    # when an E1 alert of each becomes a proactive order
    texts = {}
    for brand, appliance_id in appliances.items():
        alert = proactive_scene.alert(
            db, demo, appliance_id=appliance_id, category="air_conditioner", cause="code_E1", code="E1"
        )
        db.commit()
        converted = client.post(f"/api/v1/alerts/{alert.id}/convert", headers=demo.headers("dispatcher"))
        assert converted.status_code == 200, converted.text
        db.commit()
        texts[brand] = db.get(WorkOrder, converted.json()["work_order_id"]).fault_description

    # then each names what E1 means on its own brand, and the third the code alone
    assert texts == {
        "格力": "[设备告警] 故障码E1：系统高压保护",
        "美的": "[设备告警] 故障码E1：室内外机通信故障",
        "安心牌": "[设备告警] 故障码 E1",
    }
