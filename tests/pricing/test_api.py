"""The price book over the API: everyone of the tenant reads the book in force, filtered by category and
service type and priced for a brand; the admin drafts, edits and publishes versions; a published version
never changes; refusals carry their codes; nothing crosses tenants."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.pricing.models import PriceBookVersion, PriceItem, PriceOverride
from tests.dates import days_ahead, local_today
from tests.pricing.helpers import BRAND_PRICE_FEN, ITEMS, add, brand_id, draft, publish, published_book

BOOK = "/api/v1/price-book"
VERSIONS = "/api/v1/price-book/versions"
ROLES = ("customer", "agent", "dispatcher", "technician", "outlet_manager", "quality", "admin")


def codes(answer) -> list[str]:
    return [item["code"] for item in answer.json()["items"]]


def test_every_role_of_the_tenant_reads_the_book_in_force(client, world):
    # Given version 1 published from today
    published_book(client, world.demo)
    for role in ROLES:
        # When anyone of the tenant reads the book
        answer = client.get(BOOK, headers=world.demo.headers(role))
        # Then they get every item, in the book's order, with the fields a quote needs
        assert answer.status_code == 200, (role, answer.text)
        body = answer.json()
        assert body["version"] == 1 and body["effective_from"] == local_today().isoformat()
        assert codes(answer) == [
            "VISIT-URBAN",
            "VISIT-SUBURBAN",
            "AC-GAS",
            "AC-CLEAN",
            "RF-THERMOSTAT",
            "PART-RF-THERMO",
            "MAT-PIPE",
            "MAT-R32",
        ]
    first = answer.json()["items"][0]
    assert {k: first[k] for k in ("code", "kind", "name", "price_fen", "unit", "area")} == {
        "code": "VISIT-URBAN",
        "kind": "visit",
        "name": "上门检测费（市区）",
        "price_fen": 5000,
        "unit": "time",
        "area": "urban",
    }
    assert isinstance(first["id"], int) and first["brand_id"] is None
    assert client.get(BOOK).status_code == 401


def test_the_book_filters_by_category_and_service_type_with_the_general_items(client, world):
    published_book(client, world.demo)
    headers = world.demo.headers("customer")
    fridge = client.get(BOOK, params={"category": "refrigerator"}, headers=headers)
    assert codes(fridge) == ["VISIT-URBAN", "VISIT-SUBURBAN", "RF-THERMOSTAT", "PART-RF-THERMO"]
    ac_repair = client.get(
        BOOK, params={"category": "air_conditioner", "service_type": "repair"}, headers=headers
    )
    # the cleaning labour is another service; the materials serve every AC job
    assert codes(ac_repair) == ["VISIT-URBAN", "VISIT-SUBURBAN", "AC-GAS", "MAT-PIPE", "MAT-R32"]
    nothing = client.get(BOOK, params={"category": "microwave"}, headers=headers)
    assert codes(nothing) == ["VISIT-URBAN", "VISIT-SUBURBAN"]


def test_unknown_codes_in_the_query_are_refused_naming_the_field(client, world):
    headers = world.demo.headers("customer") | {"Accept-Language": "en"}
    for params, field in (
        ({"category": "spaceship"}, "category"),
        ({"service_type": "teleport"}, "service_type"),
        ({"brand_id": "0"}, "brand_id"),
        ({"brand_id": str(2**63)}, "brand_id"),
    ):
        answer = client.get(BOOK, params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "validation_error" and error["field"] == f"query.{field}", error


def test_a_brand_gets_its_own_price_and_another_tenants_brand_is_unknown(client, world):
    published_book(client, world.demo)
    haier = brand_id(client, world.demo)
    headers = world.demo.headers("customer")
    priced = client.get(BOOK, params={"category": "refrigerator", "brand_id": haier}, headers=headers).json()
    part = next(item for item in priced["items"] if item["code"] == "PART-RF-THERMO")
    assert (part["price_fen"], part["brand_id"]) == (BRAND_PRICE_FEN, haier)
    labour = next(item for item in priced["items"] if item["code"] == "RF-THERMOSTAT")
    assert (labour["price_fen"], labour["brand_id"]) == (8000, None)  # no haier price: the standard one
    standard = client.get(BOOK, params={"category": "refrigerator"}, headers=headers).json()
    assert next(i for i in standard["items"] if i["code"] == "PART-RF-THERMO")["price_fen"] == 12000
    # acme's haier is acme's: for demo it is as unknown as a brand that does not exist
    foreign = client.get(BOOK, params={"brand_id": brand_id(client, world.acme)}, headers=headers)
    missing = client.get(BOOK, params={"brand_id": 987_654_321}, headers=headers)
    assert foreign.status_code == 404 and foreign.json() == missing.json()


def test_before_any_version_takes_effect_the_book_is_empty(client, world):
    version = draft(client, world.demo)
    add(client, world.demo, version["id"], ITEMS[0])
    headers = world.demo.headers("customer")
    assert client.get(BOOK, headers=headers).json() == {"version": None, "effective_from": None, "items": []}
    publish(client, world.demo, version["id"], days_ahead(3).isoformat())
    # scheduled, not yet in force: still nothing for the customer
    assert client.get(BOOK, headers=headers).json()["items"] == []


def test_a_draft_copies_the_latest_version_and_customers_never_see_it_until_it_takes_effect(client, world):
    # Given version 1 in force and a version 2 drafted from it with a higher price and a new item
    first = published_book(client, world.demo)
    second = draft(client, world.demo, note="调价")
    assert second["number"] == 2 and second["state"] == "draft" and second["based_on_id"] == first["id"]
    assert [i["code"] for i in second["items"]] == [i["code"] for i in first["items"]]
    copied = next(i for i in second["items"] if i["code"] == "PART-RF-THERMO")
    assert copied["brand_prices"] == [
        {"brand_id": brand_id(client, world.demo), "price_fen": BRAND_PRICE_FEN}
    ]
    gas = next(i for i in second["items"] if i["code"] == "AC-GAS")
    changed = client.put(
        f"{VERSIONS}/{second['id']}/items/{gas['id']}",
        json={k: v for k, v in ITEMS[2].items()} | {"price_fen": 10000},
        headers=world.demo.headers("admin"),
    )
    assert changed.status_code == 200 and changed.json()["price_fen"] == 10000, changed.text
    add(client, world.demo, second["id"], ITEMS[3] | {"code": "AC-CLEAN-FLOOR", "name": "柜机深度清洗"})
    headers = world.demo.headers("customer")

    def gas_price() -> int:
        return next(i for i in client.get(BOOK, headers=headers).json()["items"] if i["code"] == "AC-GAS")[
            "price_fen"
        ]

    # Then the customer reads version 1 while version 2 is a draft, and while it is scheduled
    assert gas_price() == 8000 and "AC-CLEAN-FLOOR" not in codes(client.get(BOOK, headers=headers))
    publish(client, world.demo, second["id"], days_ahead(1).isoformat())
    assert gas_price() == 8000
    states = {
        v["number"]: v["state"] for v in client.get(VERSIONS, headers=world.demo.headers("admin")).json()
    }
    assert states == {2: "scheduled", 1: "in_force"}
    # and version 1 stayed exactly as it was published
    again = client.get(f"{VERSIONS}/{first['id']}", headers=world.demo.headers("admin")).json()
    assert again["items"] == first["items"] and again["superseded_from"] == days_ahead(1).isoformat()


def test_a_published_version_is_never_edited(client, world, db):
    version = published_book(client, world.demo)
    item = version["items"][0]
    admin = world.demo.headers("admin") | {"Accept-Language": "en"}
    base = f"{VERSIONS}/{version['id']}"
    before = _rows(db)
    attempts = [
        client.post(f"{base}/items", json=ITEMS[0] | {"code": "NEW"}, headers=admin),
        client.put(f"{base}/items/{item['id']}", json=ITEMS[0] | {"price_fen": 1}, headers=admin),
        client.delete(f"{base}/items/{item['id']}", headers=admin),
        client.post(f"{base}/publish", json={"effective_from": days_ahead(5).isoformat()}, headers=admin),
        client.delete(base, headers=admin),
    ]
    for answer in attempts:
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == "price_book_published" and "Version 1" in error["message"], error
    assert _rows(db) == before


def _rows(db) -> tuple:
    db.rollback()  # a new transaction: what the requests committed
    return (
        [(v.id, v.status, v.effective_from) for v in db.scalars(select(PriceBookVersion))],
        [(i.id, i.code, i.price_fen, i.name) for i in db.scalars(select(PriceItem))],
        [(o.id, o.price_fen) for o in db.scalars(select(PriceOverride))],
    )


def test_one_draft_at_a_time(client, world):
    first = draft(client, world.demo)
    again = client.post(VERSIONS, headers=world.demo.headers("admin"))
    assert again.status_code == 409
    assert again.json()["error"] == {
        "code": "price_book_draft_exists",
        "message": "已有一份草稿（第 1 版），请先发布或放弃它",
        "version": 1,
    }
    # discarding the draft frees the way; the next draft takes the number again
    assert client.delete(f"{VERSIONS}/{first['id']}", headers=world.demo.headers("admin")).status_code == 204
    assert client.get(f"{VERSIONS}/{first['id']}", headers=world.demo.headers("admin")).status_code == 404
    assert draft(client, world.demo)["number"] == 1


def test_the_effective_date_is_bounded_by_today_the_latest_version_and_a_year(client, world):
    first = published_book(client, world.demo)  # in force from today
    second = draft(client, world.demo)
    admin = world.demo.headers("admin")
    url = f"{VERSIONS}/{second['id']}/publish"
    today = local_today()
    for day in (today - timedelta(days=1), today + timedelta(days=367)):
        answer = client.post(url, json={"effective_from": day.isoformat()}, headers=admin)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == "invalid_effective_date"
        assert answer.json()["error"]["field"] == "effective_from"
    # a third version can never take effect before a scheduled second one
    publish(client, world.demo, second["id"], days_ahead(10).isoformat())
    third = draft(client, world.demo)
    early = client.post(
        f"{VERSIONS}/{third['id']}/publish", json={"effective_from": days_ahead(9).isoformat()}, headers=admin
    )
    assert early.status_code == 422 and days_ahead(10).isoformat() in early.json()["error"]["message"]
    # the same day supersedes the second before it was ever in force
    publish(client, world.demo, third["id"], days_ahead(10).isoformat())
    states = {v["number"]: v["state"] for v in client.get(VERSIONS, headers=admin).json()}
    assert states == {3: "scheduled", 2: "superseded", 1: "in_force"}
    assert first["state"] == "in_force"
    # a number where a date belongs is malformed, not a day of 1970
    assert client.post(url, json={"effective_from": 0}, headers=admin).status_code == 422


def test_an_empty_draft_cannot_be_published(client, world):
    version = draft(client, world.demo)
    answer = client.post(
        f"{VERSIONS}/{version['id']}/publish",
        json={"effective_from": local_today().isoformat()},
        headers=world.demo.headers("admin"),
    )
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "price_book_empty"


def test_items_are_checked(client, world):
    version = draft(client, world.demo)
    url = f"{VERSIONS}/{version['id']}/items"
    admin = world.demo.headers("admin") | {"Accept-Language": "en"}
    add(client, world.demo, version["id"], ITEMS[2])
    taken = client.post(url, json=ITEMS[2] | {"name": "另一个"}, headers=admin)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "price_item_code_taken"
    area = client.post(url, json=ITEMS[2] | {"code": "X1", "area": "urban"}, headers=admin)
    assert area.status_code == 422 and area.json()["error"]["field"] == "area"
    haier = brand_id(client, world.demo)
    twice = [{"brand_id": haier, "price_fen": 1}, {"brand_id": haier, "price_fen": 2}]
    for body in (
        ITEMS[2] | {"code": "X2", "price_fen": -1},
        ITEMS[2] | {"code": "X2", "price_fen": 10_000_001},
        ITEMS[2] | {"code": "含中文"},
        ITEMS[2] | {"code": "X2", "name": "   "},
        ITEMS[2] | {"code": "X2", "kind": "bribe"},
        ITEMS[2] | {"code": "X2", "unit": "furlong"},
        ITEMS[2] | {"code": "X2", "category": "spaceship"},
        ITEMS[2] | {"code": "X2", "brand_prices": twice},
    ):
        answer = client.post(url, json=body, headers=admin)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "validation_error", (
            body,
            answer.text,
        )
    # a brand of another tenant is as unknown as one that does not exist, and nothing is added
    foreign = [{"brand_id": brand_id(client, world.acme), "price_fen": 100}]
    answer = client.post(url, json=ITEMS[2] | {"code": "X3", "brand_prices": foreign}, headers=admin)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    detail = client.get(f"{VERSIONS}/{version['id']}", headers=admin).json()
    assert [i["code"] for i in detail["items"]] == ["AC-GAS"]


def test_a_change_replaces_the_brand_prices_and_a_removal_takes_the_item_out(client, world):
    version = draft(client, world.demo)
    haier = brand_id(client, world.demo)
    item = add(
        client, world.demo, version["id"], ITEMS[5] | {"brand_prices": [{"brand_id": haier, "price_fen": 1}]}
    )
    url = f"{VERSIONS}/{version['id']}/items/{item['id']}"
    admin = world.demo.headers("admin")
    changed = client.put(
        url, json=ITEMS[5] | {"name": " 温控器（原厂） ", "fault": " "}, headers=admin
    ).json()
    assert (changed["name"], changed["fault"], changed["brand_prices"]) == ("温控器（原厂）", None, [])
    assert client.delete(url, headers=admin).status_code == 204
    assert client.delete(url, headers=admin).status_code == 404
    assert client.get(f"{VERSIONS}/{version['id']}", headers=admin).json()["items"] == []


def test_only_the_admin_manages_versions(client, world):
    version = draft(client, world.demo)
    for role in ROLES[:-1]:
        headers = world.demo.headers(role)
        for method, url, body in (
            ("GET", VERSIONS, None),
            ("POST", VERSIONS, None),
            ("GET", f"{VERSIONS}/{version['id']}", None),
            ("POST", f"{VERSIONS}/{version['id']}/items", ITEMS[0]),
            ("POST", f"{VERSIONS}/{version['id']}/publish", {"effective_from": local_today().isoformat()}),
            ("DELETE", f"{VERSIONS}/{version['id']}", None),
        ):
            answer = client.request(method, url, json=body, headers=headers)
            assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden", (role, url)


def test_changes_are_written_to_the_audit_log(client, world, db):
    version = published_book(client, world.demo)
    actions = [
        (e.action, e.object_type, e.actor_role)
        for e in db.scalars(
            select(AuditEvent).where(AuditEvent.tenant_id == world.demo.tenant.id).order_by(AuditEvent.id)
        )
        if e.action.startswith("price_book.")
    ]
    assert actions == [("price_book.draft", "price_book_version", "admin")] + [
        ("price_book.item.add", "price_item", "admin")
    ] * len(ITEMS) + [("price_book.publish", "price_book_version", "admin")]
    published = db.scalars(select(AuditEvent).where(AuditEvent.action == "price_book.publish")).one()
    assert published.object_id == version["id"]
    assert published.changes["effective_from"] == {"before": None, "after": local_today().isoformat()}


def test_another_tenants_versions_are_not_found_and_stay_as_they_were(client, world, db):
    acme = published_book(client, world.acme)
    acme_draft = draft(client, world.acme)
    item = acme_draft["items"][0]
    demo_admin = world.demo.headers("admin")
    before = _rows(db)
    for method, url, body in (
        ("GET", f"{VERSIONS}/{acme['id']}", None),
        ("POST", f"{VERSIONS}/{acme_draft['id']}/items", ITEMS[0] | {"code": "X"}),
        ("PUT", f"{VERSIONS}/{acme_draft['id']}/items/{item['id']}", ITEMS[0]),
        ("DELETE", f"{VERSIONS}/{acme_draft['id']}/items/{item['id']}", None),
        ("POST", f"{VERSIONS}/{acme_draft['id']}/publish", {"effective_from": local_today().isoformat()}),
        ("DELETE", f"{VERSIONS}/{acme_draft['id']}", None),
    ):
        answer = client.request(method, url, json=body, headers=demo_admin)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found", (method, url)
    assert _rows(db) == before
    # demo's own draft cannot reach acme's item through its own version either
    mine = draft(client, world.demo)
    answer = client.put(f"{VERSIONS}/{mine['id']}/items/{item['id']}", json=ITEMS[0], headers=demo_admin)
    assert answer.status_code == 404
    # demo has no book of its own in force, whatever acme published
    assert client.get(BOOK, headers=world.demo.headers("customer")).json()["items"] == []
    assert [v["number"] for v in client.get(VERSIONS, headers=demo_admin).json()] == [1]


def test_messages_are_in_chinese_and_in_english(client, world):
    version = published_book(client, world.demo)
    url = f"{VERSIONS}/{version['id']}/items"
    zh = client.post(url, json=ITEMS[0] | {"code": "N"}, headers=world.demo.headers("admin"))
    en = client.post(
        url, json=ITEMS[0] | {"code": "N"}, headers=world.demo.headers("admin") | {"Accept-Language": "en"}
    )
    assert zh.json()["error"]["message"] == "第 1 版价目表已发布，不能再修改；请新建草稿并发布新版本"
    assert en.json()["error"]["message"].startswith("Version 1 of the price book is published")
