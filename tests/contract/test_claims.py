"""An order for an appliance under contract is billed to it (category B) and its claim recorded; the
factory warranty's C stays C and internal work stays D; a care plan pays for its own service while visits
remain; a cancelled order gives its claim back; the quote of a covered order is zero to the customer."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from anxin.appliance.warranty import Warranty, WarrantyStatus
from anxin.contract.models import ContractClaim
from anxin.pricing import coverage
from anxin.work_order.models import WorkOrder
from tests.contract.helpers import CARE_CLEANING, EW_TWO_YEARS, plan, sold
from tests.helpers import quote_body, report, walk


def order(client, world, **overrides) -> dict:
    created = report(client, world, **overrides)
    assert created.status_code == 201, created.text
    return created.json()


def claims_of(client, order_id: int) -> list[ContractClaim]:
    with client.app.state.sessionmaker() as db:
        return list(db.scalars(select(ContractClaim).where(ContractClaim.work_order_id == order_id)))


def test_a_repair_of_an_out_of_warranty_appliance_under_extended_warranty_is_billed_to_the_contract(
    client, world
):
    # given customer02's out-of-warranty refrigerator with a two-year extended warranty
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"], purchase_price_fen=450_000)
    # when its fault is reported
    repair = order(client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id)
    # then the order is billed B and the claim is recorded against the contract
    assert repair["billing_category"] == "B"
    [claim] = claims_of(client, repair["id"])
    assert (claim.contract_id, claim.service_type, claim.void) == (contract["id"], "repair", False)
    # and the contract lists the claim with the order's number
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).json()
    assert [(c["work_order_id"], c["work_order_number"]) for c in read["claims"]] == [
        (repair["id"], repair["number"])
    ]


def test_the_factory_warrantys_c_stays_c_and_internal_work_stays_d(client, world):
    # given customer01's refrigerator, in its factory warranty, with an extended warranty sold already
    demo = world.demo
    sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"], appliance_id=demo.appliance_id)
    # when a repair is reported, and internal work on the same unit
    repair = order(client, demo)
    internal = order(client, demo, service_type="inspection", internal=True)
    # then the brand pays the first (C), the organisation the second (D), and no claim is made
    assert (repair["billing_category"], internal["billing_category"]) == ("C", "D")
    assert claims_of(client, repair["id"]) == [] and claims_of(client, internal["id"]) == []


def test_an_extended_warranty_does_not_pay_for_a_cleaning(client, world):
    demo = world.demo
    sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"])
    cleaning = order(
        client,
        demo,
        customer_id=demo.other_customer_id,
        appliance_id=demo.other_appliance_id,
        service_type="cleaning",
    )
    assert cleaning["billing_category"] == "A" and claims_of(client, cleaning["id"]) == []


def test_a_care_plan_pays_its_visits_until_none_is_left_and_a_cancelled_order_gives_its_visit_back(
    client, world
):
    # given a care plan of two cleanings on customer02's refrigerator
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, CARE_CLEANING)["id"])
    mine = {
        "customer_id": demo.other_customer_id,
        "appliance_id": demo.other_appliance_id,
        "service_type": "cleaning",
    }
    # when a cleaning is reported, then cancelled
    first = order(client, demo, **mine)
    assert first["billing_category"] == "B"
    cancelled = client.post(
        f"/api/v1/work-orders/{first['id']}/cancel",
        json={"reason": "客户改期"},
        headers=demo.headers("agent"),
    )
    assert cancelled.status_code == 200, cancelled.text
    # then its visit is given back
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).json()
    assert (read["visits_used"], read["visits_left"]) == (0, 2)
    # and two more cleanings use both visits, one after the other is done
    second = order(client, demo, **mine)
    client.post(
        f"/api/v1/work-orders/{second['id']}/cancel", json={"reason": "重复"}, headers=demo.headers("agent")
    )
    third = order(client, demo, **mine)
    assert third["billing_category"] == "B"
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).json()
    assert (read["visits_used"], read["visits_left"]) == (1, 1)
    client.post(
        f"/api/v1/work-orders/{third['id']}/cancel", json={"reason": "测试"}, headers=demo.headers("agent")
    )
    # a repair is not the care plan's to pay
    repair = order(client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id)
    assert repair["billing_category"] == "A"


def test_a_care_plan_with_no_visit_left_pays_nothing_more(client, world):
    # given a care plan of one cleaning, used by an order since completed
    demo = world.demo
    one = plan(client, demo, CARE_CLEANING | {"code": "CARE-ONE", "visits": 1})
    contract = sold(client, demo, one["id"])
    mine = {
        "customer_id": demo.other_customer_id,
        "appliance_id": demo.other_appliance_id,
        "service_type": "cleaning",
    }
    first = order(client, demo, **mine)
    assert first["billing_category"] == "B"
    with client.app.state.sessionmaker() as db, db.begin():
        db.get(WorkOrder, first["id"]).status = "completed"
    # when another cleaning is reported
    second = order(client, demo, **mine)
    # then the customer pays for it (A), and the contract has no visit left
    assert second["billing_category"] == "A" and claims_of(client, second["id"]) == []
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("customer")).status_code
    assert read == 404  # customer01 does not see customer02's contract
    read = client.get(f"/api/v1/contracts/{contract['id']}", headers=demo.headers("agent")).json()
    assert (read["visits_used"], read["visits_left"]) == (1, 0)


def test_the_quote_of_an_order_under_extended_warranty_is_zero_to_the_customer_with_the_reason(client, world):
    # given a repair of customer02's refrigerator under extended warranty, the technician on site
    demo = world.demo
    contract = sold(client, demo, plan(client, demo, EW_TWO_YEARS)["id"])
    repair = order(client, demo, customer_id=demo.other_customer_id, appliance_id=demo.other_appliance_id)
    walk(client, demo, repair["id"], until="arrive")
    # when the technician quotes a visit, the labour and a part from the price book
    body = {
        "lines": [
            {"code": "VISIT-URBAN", "quantity": 1},
            {"code": "RF-THERMOSTAT", "quantity": 1},
            {"code": "PART-RF-THERMO", "quantity": 1},
        ]
    }
    answer = client.post(
        f"/api/v1/work-orders/{repair['id']}/quote",
        json=quote_body(client, demo, body),
        headers=demo.headers("technician"),
    )
    # then everything is covered by the contract: the customer pays nothing, and reads why
    assert answer.status_code == 200, answer.text
    quote = answer.json()
    assert quote["total_fen"] > 0 and quote["covered_fen"] == quote["total_fen"] and quote["payable_fen"] == 0
    assert all(line["coverage"] == "contract" and line["payable_fen"] == 0 for line in quote["lines"])
    reason = f"延保合同 {contract['number']} 保障，免费（至 {contract['end_date']}）"
    assert {line["coverage_reason"] for line in quote["lines"]} == {reason}


def test_the_reason_names_the_contract_and_its_kind():
    # given an order billed to a contract (B), out of the factory's warranty
    warranty = Warranty(
        status=WarrantyStatus.OUT_OF_WARRANTY, starts_on=date(2020, 1, 1), unit_ends_on=date(2021, 1, 1)
    )

    def reason(contract):
        terms = coverage.Terms(billing_category="B", warranty=warranty, contract=contract)
        return coverage.cover(kind="labour", name="清洗", key_part=None, terms=terms)

    # then a care plan's visit and an extended warranty's repair each say which contract pays, and until when
    care = reason(coverage.Contract(kind="care", number="HT20260001", ends_on=date(2027, 3, 31)))
    assert (care.kind, care.zh) == ("contract", "保养套餐 HT20260001 内的服务，免费（至 2027-03-31）")
    extended = reason(
        coverage.Contract(kind="extended_warranty", number="HT20260002", ends_on=date(2028, 1, 9))
    )
    assert extended.en == "Covered by extended warranty HT20260002 (until 2028-01-09): no charge"
    # and an order billed B without a claim on record still reads as contract cover
    assert reason(None).zh == "延保合同保障"
