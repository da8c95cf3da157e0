"""The quote on the pages: the technician picks items of the price book with quantities (the order's
category and area only), types a line by hand that is flagged for review, and the customer reads the
itemised quote with what is covered and why, in Chinese or English."""

from __future__ import annotations

from fastapi.testclient import TestClient

from anxin.parts import catalog as parts_catalog
from tests.conftest import World, page_csrf, page_session
from tests.helpers import book, report, walk


def _on_site(client: TestClient, world: World, *, other: bool = False) -> int:
    demo = world.demo
    extra = {"customer_id": demo.other_customer_id, "appliance_id": demo.other_appliance_id} if other else {}
    order = report(client, demo, **extra).json()
    walk(client, demo, order["id"], until="arrive")
    return order["id"]


def test_the_technician_picks_items_of_the_book_and_the_customer_reads_why_they_are_free(
    client: TestClient, world: World, sign_in
) -> None:
    demo = world.demo
    order_id = _on_site(client, world)
    with client.app.state.sessionmaker() as db, db.begin():
        items = book(db, demo.tenant.id)
    tech = TestClient(client.app)
    sign_in(tech, "tech01@demo")
    form = tech.get(f"/tech/orders/{order_id}").text
    # the refrigerator's items and the urban visit fee, each with why it would be free on this order
    assert "更换温控器" in form and "补加冷媒" not in form and "上门检测费（郊区）" not in form
    assert f'name="qty_{items["PART-RF-THERMO"]}"' in form and "整机在保修期内" in form
    assert 'id="quote-search"' in form and "/static/quote.js" in form
    token = page_csrf(tech, f"/tech/orders/{order_id}")
    quoted = tech.post(
        f"/tech/orders/{order_id}/quote",
        data={
            f"qty_{items['VISIT-URBAN']}": "1",
            f"qty_{items['PART-RF-THERMO']}": "2",
            f"qty_{items['RF-THERMOSTAT']}": "",
            "other_desc": "冰箱除味",
            "other_amount": "20",
            "csrf_token": token,
        },
    )
    assert quoted.status_code == 200, quoted.text
    assert "温控器" in quoted.text and "¥310.00" in quoted.text and "待审核" in quoted.text

    customer = TestClient(client.app)
    page_session(customer, demo.users["customer"])
    live = customer.get(f"/portal/orders/{order_id}/live").text
    assert "请确认维修报价" in live and "免费" in live and "整机在保修期内" in live
    assert "待审核" not in live  # the review flag is the staff's
    assert 'id="quote-payable">¥0.00' in live
    english = customer.get(f"/portal/orders/{order_id}/live?lang=en").text
    assert "The appliance is under warranty" in english and "You pay" in english


def test_the_key_part_is_covered_and_the_rest_is_paid_on_the_customer_s_page(
    client: TestClient, world: World, sign_in
) -> None:
    demo = world.demo
    with client.app.state.sessionmaker() as db, db.begin():
        items = book(db, demo.tenant.id)
        parts_catalog.create(
            db,
            tenant_id=demo.tenant.id,
            code="RF-COMP-01",
            name="压缩机",
            list_price_fen=95000,
            key_part="compressor",
        )
    order_id = _on_site(client, world, other=True)
    tech = TestClient(client.app)
    sign_in(tech, "tech01@demo")
    form = tech.get(f"/tech/orders/{order_id}").text
    assert "压缩机在核心部件保修期内" in form
    token = page_csrf(tech, f"/tech/orders/{order_id}")
    data = {f"qty_{items[code]}": "1" for code in ("VISIT-URBAN", "RF-COMPRESSOR", "PART-RF-COMP")}
    quoted = tech.post(f"/tech/orders/{order_id}/quote", data=data | {"csrf_token": token})
    assert quoted.status_code == 200, quoted.text

    customer = TestClient(client.app)
    page_session(customer, demo.users["other_customer"])
    live = customer.get(f"/portal/orders/{order_id}/live").text
    assert "压缩机在核心部件保修期内" in live and "其余费用需自付" in live
    assert 'id="quote-payable">¥330.00' in live  # the visit fee and the labour


def test_a_quote_form_with_nothing_picked_is_refused(client: TestClient, world: World, sign_in) -> None:
    order_id = _on_site(client, world)
    tech = TestClient(client.app)
    sign_in(tech, "tech01@demo")
    token = page_csrf(tech, f"/tech/orders/{order_id}")
    for data in ({}, {"other_desc": "只有说明"}, {"other_amount": "10"}):
        answer = tech.post(f"/tech/orders/{order_id}/quote", data=data | {"csrf_token": token})
        assert answer.status_code == 422, (data, answer.text)
