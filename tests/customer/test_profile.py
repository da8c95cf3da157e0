"""The customer profile (画像): tags from the data (household and care declared, usage from telemetry
counters, climate zone from the address, value tier, appliances near the end of their service life),
for agents, dispatchers and admins; on the API and on the customer's console page as Chinese chips."""

from __future__ import annotations

from anxin.proactive import profile
from tests.conftest import page_csrf, page_session
from tests.dates import months_ago
from tests.telemetry.proactive_scene import air_conditioner, run_hours
from tests.web.test_customer_words import assert_plain, visible


def _codes(client, world, customer_id, role="agent"):
    answer = client.get(f"/api/v1/customers/{customer_id}/profile", headers=world.headers(role))
    assert answer.status_code == 200, answer.text
    return {tag["code"]: tag for tag in answer.json()["tags"]}


def test_tags_follow_the_data(client, world, db):
    demo = world.demo
    # given a customer in Hangzhou with nothing declared: climate and a basic value tier only
    tags = _codes(client, demo, demo.customer_id)
    assert set(tags) == {"climate:hot_summer_cold_winter", "value:basic"}
    assert tags["climate:hot_summer_cold_winter"]["label"] == "夏热冬冷地区"
    # when they declare a family of three with an elderly person, and their AC runs hard and is old
    page_session(client, demo.users["customer"])
    form = client.get("/portal/contact")
    assert form.status_code == 200 and "同意主动服务提醒" in form.text
    assert_plain(visible(form.text), "zh", "/portal/contact")
    saved = client.post(
        "/portal/contact",
        data={
            "granted": "1",
            "size": "3",
            "elderly": "1",
            "csrf_token": page_csrf(client, "/portal/contact"),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    client.cookies.clear()
    unit = air_conditioner(
        db, demo, customer_id=demo.customer_id, serial="AC-OLD", bought=months_ago(12 * 10)
    )
    run_hours(db, demo, unit, 25_000)  # 2,500 h a year against a typical 1,000
    db.commit()
    tags = _codes(client, demo, demo.customer_id)
    assert client.get(f"/api/v1/customers/{demo.customer_id}/profile", headers=demo.headers("agent")).json()[
        "proactive_consent"
    ]
    # then the household, care, heavy use and end of life show
    assert {"household:family", "care:elderly", "usage:heavy", "lifecycle:end_of_life"} <= set(tags)
    assert "空调" in tags["lifecycle:end_of_life"]["detail"]
    english = client.get(
        f"/api/v1/customers/{demo.customer_id}/profile",
        headers={**demo.headers("agent"), "Accept-Language": "en"},
    ).json()
    assert "Heavy use" in {t["label"] for t in english["tags"]}


def test_climate_zones_by_province():
    assert profile.climate_zone("黑龙江省") == "severe_cold"
    assert profile.climate_zone("广东省") == "hot_summer_warm_winter"
    assert profile.climate_zone(None) is None


def test_who_reads_a_profile(client, world):
    demo = world.demo
    for role, status in (
        ("agent", 200),
        ("dispatcher", 200),
        ("admin", 200),
        ("technician", 403),
        ("customer", 403),
    ):
        answer = client.get(f"/api/v1/customers/{demo.customer_id}/profile", headers=demo.headers(role))
        assert answer.status_code == status, role
    # another tenant's customer is not found
    assert (
        client.get(
            f"/api/v1/customers/{demo.customer_id}/profile", headers=world.acme.headers("agent")
        ).status_code
        == 404
    )


def test_agents_see_the_chips_on_the_customers_page(client, world, db):
    demo = world.demo
    page_session(client, demo.users["agent"])
    page = client.get(f"/console/customers/{demo.customer_id}")
    assert page.status_code == 200
    assert 'id="profile-tags"' in page.text and "夏热冬冷地区" in page.text and "普通客户" in page.text
    assert "未同意主动服务" in page.text
