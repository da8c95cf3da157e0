"""The arithmetic of settlement, rule by rule (``settlement/fees.py``): integer fen, shares rounded down."""

from __future__ import annotations

from dataclasses import dataclass

from anxin.settlement import fees


@dataclass
class R:
    kind: str
    service_type: str | None = None
    category_code: str | None = None
    area_type: str | None = None
    priority: str | None = None
    level: str | None = None
    amount_fen: int = 0
    rate_bp: int = 0
    cap_fen: int | None = None


BOOK = [
    R("base", amount_fen=5000),
    R("base", category_code="refrigerator", amount_fen=6000),
    R("base", service_type="repair", amount_fen=8000),
    R("base", service_type="repair", category_code="refrigerator", amount_fen=9000),
    R("area", area_type="suburban", amount_fen=1500),
    R("urgent", priority="urgent", amount_fen=2000),
    R("rework", amount_fen=1000, rate_bp=5000),
    R("complaint", amount_fen=20000),
    R("penalty_point", amount_fen=500),
    R("commission", level="junior", rate_bp=3333),
    R("deposit", amount_fen=10000, cap_fen=15000),
]


def fee(
    service_type="repair", category="refrigerator", area="urban", priority="normal"
) -> list[tuple[str, int]]:
    found = fees.order_fees(
        BOOK, service_type=service_type, category_code=category, area_type=area, priority=priority
    )
    return [(f.code, f.amount_fen) for f in found]


def test_the_most_specific_base_fee_wins():
    assert fee() == [("base", 9000)]
    assert fee(category="washing_machine") == [("base", 8000)]  # the service type's
    assert fee(service_type="installation") == [("base", 6000)]  # the category's
    assert fee(service_type="installation", category="television") == [("base", 5000)]  # anyone's


def test_area_and_urgent_add_to_the_base():
    assert fee(area="suburban") == [("base", 9000), ("area", 1500)]
    assert fee(priority="urgent", area="suburban") == [("base", 9000), ("area", 1500), ("urgent", 2000)]
    assert sum(amount for _, amount in fee(priority="urgent")) == 11000


def test_no_rule_no_fee():
    assert (
        fees.order_fees(
            [], service_type="repair", category_code="refrigerator", area_type="urban", priority="urgent"
        )
        == []
    )


def test_deductions_are_negative():
    assert fees.rework_deduction(BOOK, 3001) == -(1000 + 1500)  # half of 30.01 yuan, rounded down
    assert fees.rework_deduction([], 3001) == 0
    assert fees.each(BOOK, "complaint", 2) == -40000
    assert fees.each(BOOK, "penalty_point", 7) == -3500
    assert fees.each([], "penalty_point", 7) == 0


def test_deposit_stops_at_its_cap():
    assert fees.deposit(BOOK, 0) == 10000
    assert fees.deposit(BOOK, 10000) == 5000
    assert fees.deposit(BOOK, 15000) == 0
    assert fees.deposit([R("deposit", amount_fen=800)], 10**6) == 800  # no cap: every month


def test_technician_pay():
    pay = fees.technician_pay(
        BOOK,
        level="junior",
        fees_fen=30001,
        rework_costs_fen=[2000],
        penalty_points=3,
        deposit_held_fen=10000,
    )
    assert pay.commission_fen == 30001 * 3333 // 10000 == 9999
    assert pay.rework_fen == -2000
    assert pay.penalty_fen == -1500
    assert pay.deposit_fen == 5000
    assert pay.net_fen == 9999 - 2000 - 1500 - 5000
    unranked = fees.technician_pay(
        BOOK, level="master", fees_fen=30001, rework_costs_fen=[], penalty_points=0, deposit_held_fen=15000
    )
    assert unranked.rate_bp == 0 and unranked.net_fen == 0
    idle = fees.technician_pay(
        BOOK, level="junior", fees_fen=0, rework_costs_fen=[], penalty_points=2, deposit_held_fen=0
    )
    assert (
        idle.deposit_fen == 0 and idle.net_fen == -1000
    )  # nothing earned: no deposit withheld, the points still count
