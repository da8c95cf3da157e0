"""Trade-in on the pages: the order's card for the technician (the form to record the condition), the
customer (accept, apply to an installation order, in Chinese and yuan, no codes) and staff; the admin's
valuation table. The forms call the same functions as the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from anxin.tradein.models import TradeIn, TradeInLink, TradeInRate
from tests.conftest import page_csrf, page_session
from tests.tradein.scene import BANDS, CONDITIONS, accepted, on_site_recycling, order_of, set_table, valued

CARD = "/pages/orders/{}/trade-in"


def as_(client: TestClient, world, role: str) -> str:
    client.cookies.clear()
    page_session(client, world.demo.users[role])
    return page_csrf(client, "/login")


def test_the_technician_records_the_condition_on_the_card(client, world, sessionmaker_):
    # Given the table and tech01 on site of a recycling order
    set_table(client, world.demo)
    order = on_site_recycling(client, world.demo)
    token = as_(client, world, "technician")
    card = client.get(CARD.format(order))
    # Then the card offers the four grades with their descriptions, the age read from the appliance
    assert card.status_code == 200
    for shown in (
        "以旧换新",
        "登记旧机成色",
        "完好",
        "一般",
        "较差",
        "无法开机",
        "能正常开机运行",
        'value="1"',
    ):
        assert shown in card.text, shown
    # When tech01 records 较差 through the form
    answer = client.post(
        f"{CARD.format(order)}/assess",
        data={"condition": "poor", "age_years": "", "note": "不制冷", "csrf_token": token},
        follow_redirects=False,
    )
    # Then back to the order, valued from the table: ¥200 for 0-2 years poor, plus the ¥200 subsidy
    assert answer.status_code == 303 and answer.headers["location"] == f"/tech/orders/{order}#trade-in"
    with sessionmaker_() as db:
        row = db.scalars(select(TradeIn)).one()
        assert (row.condition, row.value_fen) == ("poor", 40000)
    assert "¥400.00" in client.get(CARD.format(order)).text


def test_the_customer_accepts_and_applies_the_credit_in_chinese_and_yuan(client, world, sessionmaker_):
    recycling = valued(client, world.demo, "intact")
    installation = order_of(client, world.demo, "installation")
    token = as_(client, world, "customer")
    card = client.get(CARD.format(recycling)).text
    for shown in ("待用户确认", "¥1,000.00", "完好", "以旧换新焕新补贴", "确认估价"):
        assert shown in card, shown
    for hidden in ("intact", "valued", "0_2"):
        assert f">{hidden}<" not in card and f" {hidden} " not in card, hidden
    answer = client.post(
        f"{CARD.format(recycling)}/accept", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/portal/orders/{recycling}#trade-in"
    # the installation order's card offers the accepted credit; applying it links the two orders
    offered = client.get(CARD.format(installation)).text
    assert "可用于本单的以旧换新额度" in offered and "¥1,000.00" in offered
    applied = client.post(
        f"{CARD.format(installation)}/link",
        data={"recycling_order_id": str(recycling), "csrf_token": token},
        follow_redirects=False,
    )
    assert applied.status_code == 303
    credit = client.get(CARD.format(installation)).text
    assert (
        "本单以旧换新抵扣" in credit and "− ¥1,000.00" in credit and f"/portal/orders/{recycling}" in credit
    )
    with sessionmaker_() as db:
        assert db.scalars(select(TradeInLink)).one().installation_order_id == installation
    english = client.get(CARD.format(recycling), params={"lang": "en"}).text
    assert "Credit applied" in english and "Applied to installation order" in english


def test_the_card_says_nothing_on_an_order_trade_in_does_not_concern(client, world):
    repair = order_of(client, world.demo, "repair")
    as_(client, world, "agent")
    answer = client.get(CARD.format(repair))
    assert answer.status_code == 200 and answer.text == ""


def test_a_refusal_is_a_page_in_the_callers_language(client, world):
    recycling = accepted(client, world.demo)
    repair = order_of(client, world.demo, "repair")
    token = as_(client, world, "agent")
    answer = client.post(
        f"{CARD.format(recycling)}/link", data={"installation_order_id": str(repair), "csrf_token": token}
    )
    assert answer.status_code == 422
    assert "以旧换新需要安装工单，该工单是维修工单" in answer.text


def test_the_admin_edits_the_table_and_no_one_else_may(client, world, sessionmaker_):
    token = as_(client, world, "admin")
    page = client.get("/console/trade-in", params={"category": "washing_machine"})
    assert page.status_code == 200 and "以旧换新估价标准" in page.text and "洗衣机" in page.text
    form = {
        f"v_{b}_{c}": str(100 - 10 * i - 20 * j)
        for i, b in enumerate(BANDS)
        for j, c in enumerate(CONDITIONS)
    }
    form |= {
        "category": "washing_machine",
        "floor": "15",
        "subsidy": "0",
        "subsidy_label": "",
        "csrf_token": token,
    }
    answer = client.post("/console/trade-in", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    with sessionmaker_() as db:
        rates = db.scalars(select(TradeInRate).where(TradeInRate.category_code == "washing_machine")).all()
        assert len(rates) == 16 and max(r.value_fen for r in rates) == 10000
    for role in ("agent", "dispatcher", "technician", "customer"):
        token = as_(client, world, role)
        assert client.get("/console/trade-in").status_code == 403, role
        assert client.post("/console/trade-in", data=form | {"csrf_token": token}).status_code == 403, role
