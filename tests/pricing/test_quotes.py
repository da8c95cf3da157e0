"""The technician's quote priced from the price book: each line's amount from the book in force (the
brand's own price where it has one), split into what warranty, a contract, the organisation or the last
repair's warranty covers and what the customer pays, with the reason; the refusals; every version kept;
a free rework charged back to the first repair."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from anxin.audit.models import AuditEvent
from anxin.parts import catalog as parts_catalog
from anxin.pricing.models import PriceItem, PriceOverride, ReworkChargeback
from anxin.work_order.models import WorkOrder
from tests.dates import months_ago
from tests.helpers import act, book, quote_body, report, walk
from tests.pricing.helpers import brand_id, draft


def on_site(client, world, *, other: bool = False, **overrides) -> int:
    """An order walked to ``arrive``: customer01's refrigerator (in warranty), or with ``other``
    customer02's (bought 93 months ago: only the compressor's 120 months still run)."""
    if other:
        overrides |= {"customer_id": world.other_customer_id, "appliance_id": world.other_appliance_id}
    created = report(client, world, **overrides)
    assert created.status_code == 201, created.text
    walk(client, world, created.json()["id"], until="arrive")
    return created.json()["id"]


def quote(client, world, order_id: int, *lines, who: str = "technician"):
    """Quote ``lines``: ``("CODE", quantity)`` of the test book, or a dict as the API takes it."""
    body = {
        "lines": [
            {"code": line[0], "quantity": line[1]} if isinstance(line, tuple) else line for line in lines
        ]
    }
    return client.post(
        f"/api/v1/work-orders/{order_id}/quote",
        json=quote_body(client, world, body),
        headers=world.headers(who),
    )


def lines_by_code(answer) -> dict:
    return {line["code"] or line["description"]: line for line in answer.json()["lines"]}


def compressor_is_a_key_part(client, world) -> None:
    """The part catalog's compressor, the warranty's key part the book's PART-RF-COMP names."""
    with client.app.state.sessionmaker() as db, db.begin():
        parts_catalog.create(
            db,
            tenant_id=world.tenant.id,
            code="RF-COMP-01",
            name="压缩机",
            list_price_fen=95000,
            category_code="refrigerator",
            key_part="compressor",
            return_required=True,
        )


def test_under_whole_unit_warranty_everything_is_covered(client, world):
    demo = world.demo
    order = on_site(client, demo)
    answer = quote(client, demo, order, ("VISIT-URBAN", 1), ("RF-THERMOSTAT", 1), ("PART-RF-THERMO", 2))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["total_fen"], body["covered_fen"], body["payable_fen"]) == (5000 + 8000 + 24000, 37000, 0)
    part = lines_by_code(answer)["PART-RF-THERMO"]
    assert (part["quantity"], part["unit_price_fen"], part["amount_fen"], part["unit"]) == (
        2,
        12000,
        24000,
        "piece",
    )
    assert all(line["coverage"] == "warranty" and line["payable_fen"] == 0 for line in body["lines"])
    assert part["coverage_reason"].startswith("整机在保修期内（至 ")
    assert part["coverage_reason_en"].startswith("The appliance is under warranty")
    assert body["price_book_version_id"] is not None and not any(
        line["needs_review"] for line in body["lines"]
    )


def test_key_part_only_covers_the_compressor_but_not_the_labour_or_the_visit(client, world):
    demo = world.demo
    compressor_is_a_key_part(client, demo)
    order = on_site(client, demo, other=True)
    assert (
        client.get(f"/api/v1/work-orders/{order}", headers=demo.headers("agent")).json()["billing_category"]
        == "A"
    )
    answer = quote(
        client,
        demo,
        order,
        ("VISIT-URBAN", 1),
        ("RF-COMPRESSOR", 1),
        ("PART-RF-COMP", 1),
        ("MAT-R600A", 2),
        {"kind": "other", "description": "搬运费", "amount_fen": 2000},
    )
    assert answer.status_code == 200, answer.text
    lines = lines_by_code(answer)
    compressor = lines["PART-RF-COMP"]
    assert (compressor["covered_fen"], compressor["payable_fen"], compressor["coverage"]) == (
        95000,
        0,
        "key_part",
    )
    bought = months_ago(93)
    ends = bought.replace(year=bought.year + 10)  # 120 months
    assert compressor["coverage_reason"] == f"压缩机在核心部件保修期内（至 {ends.isoformat()}）"
    assert "compressor" in compressor["coverage_reason_en"]
    for code in ("VISIT-URBAN", "RF-COMPRESSOR", "MAT-R600A", "搬运费"):
        assert lines[code]["covered_fen"] == 0 and lines[code]["coverage_reason"] is None
    assert lines["MAT-R600A"]["amount_fen"] == 12000
    assert lines["搬运费"]["needs_review"] is True and lines["搬运费"]["kind"] == "other"
    body = answer.json()
    assert body["covered_fen"] == 95000
    assert body["payable_fen"] == 5000 + 28000 + 12000 + 2000
    assert body["coverage_reason"].endswith("其余费用需自付")


def test_out_of_warranty_parts_are_paid(client, world):
    demo = world.demo
    order = on_site(client, demo, other=True)  # no part catalog: no part is known as a key part
    answer = quote(client, demo, order, ("PART-RF-THERMO", 1), ("PART-RF-COMP", 1))
    assert answer.status_code == 200, answer.text
    assert answer.json()["covered_fen"] == 0 and answer.json()["coverage_reason"] is None


@pytest.mark.parametrize(
    ("category", "coverage", "reason"),
    [("B", "contract", "延保合同保障"), ("D", "internal", "内部工单，费用由公司承担")],
)
def test_contract_and_internal_work_cover_everything(client, world, category, coverage, reason):
    demo = world.demo
    order = on_site(client, demo, other=True)
    with client.app.state.sessionmaker() as db, db.begin():  # contracts are not sold yet: the category says
        db.get(WorkOrder, order).billing_category = category
    answer = quote(client, demo, order, ("VISIT-URBAN", 1), ("RF-THERMOSTAT", 1))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["payable_fen"] == 0 and body["covered_fen"] == 13000
    assert {(line["coverage"], line["coverage_reason"]) for line in body["lines"]} == {(coverage, reason)}
    assert body["coverage_reason"] == reason


def test_internal_work_reported_as_such_is_free(client, world):
    demo = world.demo
    order = on_site(client, demo, other=True, internal=True)
    answer = quote(client, demo, order, ("VISIT-URBAN", 1))
    assert answer.json()["lines"][0]["coverage"] == "internal" and answer.json()["payable_fen"] == 0


def test_the_brand_s_own_price_applies(client, world):
    demo = world.demo
    order = on_site(client, demo, other=True)
    with client.app.state.sessionmaker() as db, db.begin():
        item = book(db, demo.tenant.id)["PART-RF-THERMO"]
        haier = brand_id(client, demo)
        db.add(PriceOverride(tenant_id=demo.tenant.id, item_id=item, brand_id=haier, price_fen=15000))
    answer = quote(client, demo, order, ("PART-RF-THERMO", 1))
    assert answer.json()["lines"][0]["unit_price_fen"] == 15000 and answer.json()["payable_fen"] == 15000


def other_customer_walk(client, world, order_id: int, until: str) -> None:
    """The happy path for customer02's order (the customer's own steps taken by customer02)."""
    from tests.helpers import HAPPY_PATH

    for role, action, body in HAPPY_PATH:
        answer = act(client, world, order_id, "other_customer" if role == "customer" else role, action, body)
        assert answer.status_code == 200, (action, answer.text)
        if action == until:
            return


def test_a_rework_inside_the_repair_warranty_is_free_and_charged_back(client, world):
    demo = world.demo
    first = report(
        client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
    ).json()
    other_customer_walk(client, demo, first["id"], until="complete")
    again = report(client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id)
    rework = again.json()
    assert again.status_code == 201 and rework["is_rework"] and rework["rework_of_id"] == first["id"]
    walk(client, demo, rework["id"], until="arrive")
    answer = quote(
        client, demo, rework["id"], ("VISIT-URBAN", 1), ("RF-THERMOSTAT", 1), ("PART-RF-THERMO", 1)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["covered_fen"], body["payable_fen"]) == (25000, 0)
    assert {line["coverage"] for line in body["lines"]} == {"repair_warranty"}
    assert body["coverage_reason"].startswith("上次维修保修期内返修，免费（90 天维修保修")
    with client.app.state.sessionmaker() as db:
        charged = db.scalars(select(ReworkChargeback)).all()
        first_outlet = db.get(WorkOrder, first["id"]).outlet_id
    assert [(c.quote_id, c.work_order_id, c.original_order_id, c.amount_fen) for c in charged] == [
        (body["id"], rework["id"], first["id"], 25000)
    ]
    # against whoever did the first repair: its technician and outlet
    assert (charged[0].technician_id, charged[0].outlet_id) == (demo.technician_id, first_outlet)


def test_without_a_repair_warranty_the_rework_is_priced_as_any_order(client, world):
    demo = world.demo
    admin = demo.headers("admin")
    assert client.get("/api/v1/pricing-policy", headers=demo.headers("customer")).json() == {
        "repair_warranty_days": 90
    }
    refused = client.put(
        "/api/v1/pricing-policy", json={"repair_warranty_days": 0}, headers=demo.headers("technician")
    )
    assert refused.status_code == 403
    assert (
        client.put("/api/v1/pricing-policy", json={"repair_warranty_days": 731}, headers=admin).status_code
        == 422
    )
    changed = client.put("/api/v1/pricing-policy", json={"repair_warranty_days": 0}, headers=admin)
    assert changed.status_code == 200 and changed.json() == {"repair_warranty_days": 0}
    with client.app.state.sessionmaker() as db:
        audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "pricing_policy.set")).all()
    assert [a.changes for a in audited] == [{"repair_warranty_days": {"before": 90, "after": 0}}]
    first = report(
        client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
    ).json()
    other_customer_walk(client, demo, first["id"], until="complete")
    rework = report(
        client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id
    ).json()
    walk(client, demo, rework["id"], until="arrive")
    answer = quote(client, demo, rework["id"], ("VISIT-URBAN", 1))
    assert answer.json()["payable_fen"] == 5000
    with client.app.state.sessionmaker() as db:
        assert db.scalars(select(ReworkChargeback)).all() == []


def test_refusals_name_what_is_wrong(client, world):
    demo, acme = world.demo, world.acme
    order = on_site(client, demo)
    with client.app.state.sessionmaker() as db, db.begin():
        acme_item = book(db, acme.tenant.id)["VISIT-URBAN"]
        book(db, demo.tenant.id)  # published, so that the draft below copies it
    # another tenant's item and one that does not exist: 404
    for item in (acme_item, 10**9):
        answer = client.post(
            f"/api/v1/work-orders/{order}/quote",
            json={"lines": [{"price_item_id": item, "quantity": 1}]},
            headers=demo.headers("technician"),
        )
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    # an item of a draft is not in force today
    version = draft(client, demo, note="草稿")
    drafted = next(i for i in version["items"] if i["code"] == "VISIT-URBAN")
    answer = client.post(
        f"/api/v1/work-orders/{order}/quote",
        json={"lines": [{"price_item_id": drafted["id"], "quantity": 1}]},
        headers={**demo.headers("technician"), "Accept-Language": "en"},
    )
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "price_item_not_in_force"
    assert "VISIT-URBAN" in answer.json()["error"]["message"]
    # another category's labour, the other area's visit fee
    for code in ("AC-GAS", "VISIT-SUBURBAN"):
        answer = quote(client, demo, order, ("VISIT-URBAN", 1), (code, 1))
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "price_item_not_applicable" and error["field"] == "lines.1.price_item_id"
        assert code in error["message"]
    # a line over 100,000 yuan
    answer = quote(client, demo, order, ("PART-RF-COMP", 999))
    assert answer.status_code == 422 and answer.json()["error"]["field"] == "lines.0.quantity"
    # a quantity that is not a whole number (JSON's 1.0 is one: refused only when it is not whole)
    for quantity in (True, "2", 2.5):
        answer = quote(client, demo, order, ("VISIT-URBAN", quantity))
        assert answer.status_code == 422 and answer.json()["error"]["field"] == "lines.0.quantity", quantity
    # the same item twice
    answer = quote(client, demo, order, ("VISIT-URBAN", 1), ("VISIT-URBAN", 2))
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "validation_error"
    # the customer does not quote; nothing was written by any of these
    assert quote(client, demo, order, ("VISIT-URBAN", 1), who="customer").status_code == 403
    assert client.get(f"/api/v1/work-orders/{order}/quotes", headers=demo.headers("agent")).json() == []
    assert (
        client.get(f"/api/v1/work-orders/{order}", headers=demo.headers("agent")).json()["status"]
        == "on_site"
    )


def test_a_whole_number_written_as_1_0_is_a_quantity_of_one(client, world):
    # JSON has one number type, and JSON Schema's integer admits 1.0: a client that sends it is understood
    demo = world.demo
    order = on_site(client, demo, other=True)
    answer = quote(client, demo, order, ("VISIT-URBAN", 1.0), ("RF-THERMOSTAT", 2.0))
    assert answer.status_code == 200, answer.text
    assert [line["quantity"] for line in answer.json()["lines"]] == [1, 2]


def test_every_version_is_kept_and_an_approved_quote_cannot_change(client, world):
    demo = world.demo
    order = on_site(client, demo, other=True)
    first = quote(client, demo, order, ("VISIT-URBAN", 1), ("RF-THERMOSTAT", 1))
    second = quote(client, demo, order, ("VISIT-URBAN", 1), ("RF-THERMOSTAT", 1), ("PART-RF-THERMO", 1))
    assert first.status_code == second.status_code == 200
    assert act(client, demo, order, "other_customer", "approve-quote").status_code == 200
    late = quote(client, demo, order, ("VISIT-URBAN", 1))
    assert late.status_code == 409 and late.json()["error"]["code"] == "illegal_transition"
    versions = client.get(
        f"/api/v1/work-orders/{order}/quotes", headers=demo.headers("other_customer")
    ).json()
    assert [(v["id"], v["status"], v["payable_fen"]) for v in versions] == [
        (first.json()["id"], "superseded", 13000),
        (second.json()["id"], "approved", 25000),
    ]
    assert [len(v["lines"]) for v in versions] == [2, 3]
    events = client.get(f"/api/v1/work-orders/{order}/events", headers=demo.headers("agent")).json()
    quoted = [e["payload"] for e in events if e["action"] == "quote"]
    assert [(q["total_fen"], q["payable_fen"]) for q in quoted] == [(13000, 13000), (25000, 25000)]


def test_the_quote_is_priced_from_the_version_in_force_today(client, world):
    demo = world.demo
    order = on_site(client, demo, other=True)
    answer = quote(client, demo, order, ("VISIT-URBAN", 1))
    with client.app.state.sessionmaker() as db:
        item = db.get(PriceItem, answer.json()["lines"][0]["price_item_id"])
        assert answer.json()["price_book_version_id"] == item.version_id
